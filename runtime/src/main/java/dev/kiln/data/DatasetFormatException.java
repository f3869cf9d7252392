package dev.kiln.data;

import java.io.IOException;

/**
 * A data file that cannot be read as asked: a malformed CSV row, a truncated or mislabelled IDX
 * file. The message names the file and, where there is one, the line, column and offending value,
 * so that a bad row in a large dataset can be found without a debugger.
 */
public final class DatasetFormatException extends IOException {
    public DatasetFormatException(String message) {
        super(message);
    }
}
