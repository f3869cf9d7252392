package dev.kiln.data;

import dev.kiln.tensor.Tensor;

/**
 * The four parts {@link Preprocessing#trainTestSplit} returns, in scikit-learn's order
 * ({@code X_train, X_test, y_train, y_test}), plus the row indices each part was taken from.
 */
public record TrainTestSplit(Tensor xTrain, Tensor xTest, Tensor yTrain, Tensor yTest, Tensor trainIndices, Tensor testIndices) {}
