package dev.kiln.nn.init;

/** The nonlinearities {@code torch.nn.init.calculate_gain} knows, in PyTorch's spelling order. */
public enum Nonlinearity {
    LINEAR,
    CONV1D,
    CONV2D,
    CONV3D,
    CONV_TRANSPOSE1D,
    CONV_TRANSPOSE2D,
    CONV_TRANSPOSE3D,
    SIGMOID,
    TANH,
    RELU,
    LEAKY_RELU,
    SELU
}
