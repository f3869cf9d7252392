package dev.kiln.io;

import java.io.IOException;

/**
 * A {@code .npy} file that cannot be read: bad magic, an unsupported dtype, a malformed header or
 * too little data. The message starts with {@code file <name>:} so that a failure deep inside a
 * checkpoint load still says which file is at fault.
 */
public final class NpyFormatException extends IOException {
    public NpyFormatException(String source, String problem) {
        super("file " + source + ": " + problem);
    }
}
