package dev.kiln.processor.validation;

import java.util.Optional;

/** Opens the package-private {@link Suggestions} to the diagnostics tests. */
public final class SuggestionsProbe {
    private SuggestionsProbe() {}

    public static Optional<String> closest(String written) { return Suggestions.closest(written); }
}
