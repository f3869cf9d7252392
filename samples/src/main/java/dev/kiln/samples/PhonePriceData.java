package dev.kiln.samples;

import dev.kiln.data.CsvReader;
import dev.kiln.data.CsvTable;
import dev.kiln.data.Preprocessing;
import dev.kiln.data.StandardScaler;
import dev.kiln.data.TrainTestSplit;
import dev.kiln.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The phone-price data as both phone-price samples use it: the bundled CSV (20 features, label
 * price_range), a stratified 80/20 split with a fixed seed, and features standardised with the
 * training rows' statistics only (the test rows never leak into the scaler).
 */
record PhonePriceData(Tensor rawTrainX, Tensor rawTestX, Tensor trainX, Tensor trainY, Tensor testX, Tensor testY) {
    static final long SPLIT_SEED = 22;

    static PhonePriceData load(Path csv) throws IOException {
        CsvTable table = new CsvReader().labelColumn("price_range").read(csv);
        TrainTestSplit split = Preprocessing.trainTestSplit(table.features(), table.labels(), 0.2, SPLIT_SEED, true);
        StandardScaler scaler = new StandardScaler().fit(split.xTrain());
        return new PhonePriceData(split.xTrain(), split.xTest(), scaler.transform(split.xTrain()), split.yTrain(),
                scaler.transform(split.xTest()), split.yTest());
    }

    static PhonePriceData bundled() throws IOException { return load(SampleData.phonePriceCsv()); }
}
