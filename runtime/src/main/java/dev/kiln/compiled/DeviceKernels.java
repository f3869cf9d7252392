package dev.kiln.compiled;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The device program the model compiler wrote for a dense chain ({@link CompiledModel#denseChain}): kernel
 * {@code source} in Kiln's kernel dialect ({@link dev.kiln.backend.KernelDialect}) with, per layer, the kernel that
 * adds the bias and applies the activation in place over {@code [rows, out]} ({@code forward}, args: out, params,
 * rows) and the one that turns {@code dL/d(output)} into {@code dL/d(pre-activation)} in place ({@code backward},
 * args: out, delta, rows); null where a layer has nothing to do (no bias and no activation; no activation). Each
 * activation's code comes from the same primitive-table rule as the generated Java.
 */
public record DeviceKernels(String source, List<String> forward, List<String> backward) {
    public DeviceKernels {
        forward = Collections.unmodifiableList(new ArrayList<>(forward)); // List.copyOf refuses the nulls
        backward = Collections.unmodifiableList(new ArrayList<>(backward));
    }
}
