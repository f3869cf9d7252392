package dev.kiln.data;

import dev.kiln.tensor.Tensor;

import java.util.List;

/**
 * A CSV file read by {@link CsvReader}: the numeric columns as one float32 matrix and, if a label
 * column was named, its values as int64 class indices.
 *
 * @param features     float32 {@code [rows, featureNames.size()]}, columns in file order
 * @param labels       int64 {@code [rows]}, or null when no label column was named
 * @param featureNames the header names of the feature columns
 * @param labelName    the label column's name, or null
 */
public record CsvTable(Tensor features, Tensor labels, List<String> featureNames, String labelName) {
    public CsvTable {
        featureNames = List.copyOf(featureNames);
    }

    public int rows() { return features.size(0); }

    /** The features and labels as a dataset for a {@link DataLoader}. */
    public TensorDataset dataset() {
        if (labels == null) throw new IllegalStateException("this table has no label column; name one with CsvReader.labelColumn");
        return new TensorDataset(features, labels);
    }
}
