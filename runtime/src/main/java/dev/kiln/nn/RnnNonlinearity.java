package dev.kiln.nn;

/** {@code nn.RNN}'s {@code nonlinearity=}: {@code 'tanh'} (the default) or {@code 'relu'}. */
public enum RnnNonlinearity {
    TANH,
    RELU
}
