package dev.kiln.io;

import java.io.IOException;

/**
 * A {@code .safetensors} file that cannot be loaded: a bad header length, malformed JSON, an
 * unknown dtype, or data offsets that do not tile the data section. The message starts with
 * {@code file <name>:} and names the tensor at fault where there is one.
 */
public final class SafetensorsFormatException extends IOException {
    public SafetensorsFormatException(String source, String problem) {
        super("file " + source + ": " + problem);
    }
}
