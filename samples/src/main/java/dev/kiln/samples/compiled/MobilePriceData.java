package dev.kiln.samples.compiled;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The mobile-price training CSV (20 features, label price_range 0..3) as flat float arrays, split 80/20
 * with a seeded shuffle and standardised with the training part's mean and standard deviation only.
 */
public record MobilePriceData(float[] trainX, float[] trainY, float[] testX, float[] testY) {
    public static final int FEATURES = 20;
    private static final String RESOURCE = "/mobile-price/train.csv";

    public static MobilePriceData load(long splitSeed) {
        List<float[]> rows = readRows();
        int[] order = new int[rows.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        SplittableRandom rng = new SplittableRandom(splitSeed);
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int nTrain = rows.size() * 8 / 10, nTest = rows.size() - nTrain;
        float[] trX = new float[nTrain * FEATURES], trY = new float[nTrain], teX = new float[nTest * FEATURES], teY = new float[nTest];
        for (int i = 0; i < rows.size(); i++) {
            float[] r = rows.get(order[i]);
            boolean train = i < nTrain;
            int k = train ? i : i - nTrain;
            System.arraycopy(r, 0, train ? trX : teX, k * FEATURES, FEATURES);
            (train ? trY : teY)[k] = r[FEATURES];
        }
        standardise(trX, teX);
        return new MobilePriceData(trX, trY, teX, teY);
    }

    private static void standardise(float[] train, float[] test) {
        int n = train.length / FEATURES;
        for (int j = 0; j < FEATURES; j++) {
            double mean = 0, sq = 0;
            for (int i = 0; i < n; i++) mean += train[i * FEATURES + j];
            mean /= n;
            for (int i = 0; i < n; i++) sq += Math.pow(train[i * FEATURES + j] - mean, 2);
            double std = Math.sqrt(sq / n);
            double scale = std > 0 ? 1 / std : 1;
            for (float[] a : List.of(train, test)) {
                for (int i = j; i < a.length; i += FEATURES) a[i] = (float) ((a[i] - mean) * scale);
            }
        }
    }

    private static List<float[]> readRows() {
        try (InputStream in = MobilePriceData.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing resource " + RESOURCE);
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String header = r.readLine();
            if (header == null || !header.endsWith("price_range")) throw new IllegalStateException("unexpected header: " + header);
            List<float[]> rows = new ArrayList<>();
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) continue;
                String[] cells = line.split(",");
                float[] row = new float[FEATURES + 1];
                for (int i = 0; i <= FEATURES; i++) row[i] = Float.parseFloat(cells[i]);
                rows.add(row);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
