package dev.kiln.processor.validation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The Kiln annotation a misspelt name most likely meant: {@code Relu} -> {@code ReLU}, {@code linear} -> {@code Linear}. */
final class Suggestions {
    private Suggestions() {}

    static final List<String> INITS = List.of("XavierUniform", "XavierNormal", "KaimingUniform", "KaimingNormal", "Normal",
            "Uniform", "Zeros");

    /** Every annotation a field of a model may carry, {@code @Init}s as {@code Init.Name}. */
    static final List<String> NAMES;

    static {
        List<String> names = new ArrayList<>(LayerReader.LAYERS);
        names.addAll(LayerReader.ACTIVATIONS);
        names.addAll(List.of("Repeat", "Residual", "Output", "From"));
        for (String init : INITS) names.add("Init." + init);
        NAMES = List.copyOf(names);
    }

    /**
     * The closest name, when one is close enough to be a typo: equal but for case, or at most one edit (two for names
     * of five letters or more) away, an edit being an insertion, deletion, substitution or swap of neighbours.
     * An {@code Init} name also matches its written form without {@code Init.}.
     */
    static Optional<String> closest(String written) {
        String w = written.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String name : NAMES) {
            int d = distance(w, name.toLowerCase(Locale.ROOT));
            if (name.startsWith("Init.")) d = Math.min(d, distance(w, name.substring(5).toLowerCase(Locale.ROOT)));
            if (d < bestDistance) {
                bestDistance = d;
                best = name;
            }
        }
        int allowed = w.length() >= 5 ? 2 : 1;
        return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    /** Optimal string alignment distance (Levenshtein with swaps of neighbouring letters). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
