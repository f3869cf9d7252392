package dev.kiln.processor.codegen;

import dev.kiln.processor.model.InferredLayer;
import dev.kiln.processor.model.InferredModel;

import java.util.Locale;

/** The layer table printed in the generated Javadoc and by {@code toString()}: name, kind, shapes, parameters. */
final class Summary {
    private Summary() {}

    static String table(InferredModel model) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-10s %-22s %-16s %-16s %10s%n", "layer", "kind", "input", "output", "params"));
        for (InferredLayer l : model.layers()) {
            String kind = l.decl().label() + (l.decl().residual() ? " (residual)" : "");
            sb.append(String.format(Locale.ROOT, "%-10s %-22s %-16s %-16s %,10d%n", l.decl().name(), kind, l.in(), l.out(), l.parameters()));
        }
        sb.append(String.format(Locale.ROOT, "%-10s %-22s %-16s %-16s %,10d%n", "total", "", model.decl().input(), model.output(),
                model.parameters()));
        return sb.toString();
    }
}
