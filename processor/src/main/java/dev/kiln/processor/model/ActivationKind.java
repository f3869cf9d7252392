package dev.kiln.processor.model;

/** The activations of the toolkit, with the PyTorch module name used in messages and summaries. */
public enum ActivationKind {
    RELU("ReLU"), SIGMOID("Sigmoid"), TANH("Tanh"), LEAKY_RELU("LeakyReLU"), GELU("GELU"), SOFTMAX("Softmax"),
    LOG_SOFTMAX("LogSoftmax");

    private final String torchName;

    ActivationKind(String torchName) { this.torchName = torchName; }

    public String torchName() { return torchName; }

    /** Softmax and LogSoftmax work on whole rows; the others element by element. */
    public boolean rowWise() { return this == SOFTMAX || this == LOG_SOFTMAX; }
}
