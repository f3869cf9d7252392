package dev.kiln.runtime;

import dev.kiln.compiled.CompiledModel;
import dev.kiln.compiled.Trainer;
import dev.kiln.tensor.Torch;

/** Run by {@link VectorApiTest} in a JVM without {@code --add-modules jdk.incubator.vector}: one entry point per case. */
final class VectorApiProbe {
    private VectorApiProbe() {}

    public static void main(String[] args) {
        switch (args[0]) {
            case "torch" -> Torch.zeros(2, 3);
            case "tensor" -> new dev.kiln.tensor.Tensor(2, 3);
            // The check comes before the trainer reads any argument: no model, loss or optimizer is needed.
            case "trainer" -> new Trainer((CompiledModel) null, null, null);
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.println("no error");
    }
}
