package dev.kiln.data;

import dev.kiln.tensor.Torch;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a CSV file with a header row into a {@link CsvTable}: every column other than the label
 * and the dropped ones must be numeric and becomes a float32 feature; the label column must hold
 * integers and becomes int64. The usual Python route is
 * {@code df = pd.read_csv(p); torch.tensor(df.drop(columns=[label]).values, dtype=torch.float32)};
 * values are parsed as double and then rounded to float32, as that route does.
 *
 * <p>Strict on purpose: a row with the wrong number of fields, an empty field or a value that is
 * not a number is a {@link DatasetFormatException} naming the file, the 1-based line (the header is
 * line 1), the column and the value. Nothing is skipped or filled in, unlike pandas, which turns
 * empty fields into NaN and skips blank lines; a NaN feature silently poisons training.
 *
 * <p>Fields may be quoted with {@code "} (RFC 4180, {@code ""} for a quote inside); a quoted field
 * may not span lines. Spaces around a numeric value are ignored. A UTF-8 byte-order mark is dropped.
 */
public final class CsvReader {
    /** Decimal numbers as pandas reads them; rejects Java-only forms like {@code 1f}, {@code 0x1p3}, {@code NaN}. */
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");

    private String labelColumn;
    private final Set<String> dropped = new LinkedHashSet<>();
    private char delimiter = ',';

    /** The column read as int64 labels; without one, every kept column is a feature. */
    public CsvReader labelColumn(String name) {
        this.labelColumn = name;
        return this;
    }

    /** Columns to leave out (an id column, say); each must exist in the header. */
    public CsvReader drop(String... columns) {
        dropped.addAll(Arrays.asList(columns));
        return this;
    }

    /** The field separator; {@code ,} unless set. */
    public CsvReader delimiter(char delimiter) {
        if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
            throw new IllegalArgumentException("the delimiter cannot be a quote or a line break");
        }
        this.delimiter = delimiter;
        return this;
    }

    public CsvTable read(Path path) throws IOException {
        String file = path.toString();
        try (BufferedReader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String headerLine = in.readLine();
            if (headerLine == null) throw new DatasetFormatException("file " + file + ": empty, expected a header row");
            if (headerLine.startsWith("\uFEFF")) headerLine = headerLine.substring(1);
            List<String> header = split(headerLine, file, 1);
            Layout layout = layout(header, file);
            int features = layout.featureColumns.length;
            float[] x = new float[Math.max(features, 1) * 1024];
            long[] y = new long[layout.labelIndex >= 0 ? 1024 : 0];
            int rows = 0;
            int lineNo = 1;
            for (String line; (line = in.readLine()) != null; ) {
                lineNo++;
                List<String> fields = split(line, file, lineNo);
                if (fields.size() != header.size()) throw wrongCount(file, lineNo, line, fields.size(), header);
                if ((rows + 1) * features > x.length) x = Arrays.copyOf(x, x.length * 2);
                for (int f = 0; f < features; f++) {
                    int col = layout.featureColumns[f];
                    x[rows * features + f] = (float) number(fields.get(col), file, lineNo, header.get(col));
                }
                if (layout.labelIndex >= 0) {
                    if (rows == y.length) y = Arrays.copyOf(y, y.length * 2);
                    y[rows] = label(fields.get(layout.labelIndex), file, lineNo, header.get(layout.labelIndex));
                }
                rows++;
            }
            List<String> names = new ArrayList<>();
            for (int col : layout.featureColumns) names.add(header.get(col));
            return new CsvTable(Torch.fromArray(Arrays.copyOf(x, rows * features), rows, features),
                    layout.labelIndex >= 0 ? Torch.fromArray(Arrays.copyOf(y, rows), rows) : null,
                    names, layout.labelIndex >= 0 ? labelColumn : null);
        }
    }

    /** Which header positions are features and which is the label. */
    private record Layout(int[] featureColumns, int labelIndex) {}

    private Layout layout(List<String> header, String file) throws DatasetFormatException {
        Set<String> seen = new HashSet<>();
        for (String h : header) {
            if (!seen.add(h)) throw new DatasetFormatException("file " + file + ", line 1: column '" + h + "' appears twice in the header");
        }
        Set<String> wanted = new LinkedHashSet<>(dropped);
        if (labelColumn != null) wanted.add(labelColumn);
        for (String w : wanted) {
            if (!seen.contains(w)) {
                throw new DatasetFormatException("file " + file + ": no column '" + w + "' in the header " + header);
            }
        }
        int labelIndex = labelColumn == null ? -1 : header.indexOf(labelColumn);
        int[] featureColumns = new int[header.size()];
        int n = 0;
        for (int i = 0; i < header.size(); i++) {
            if (i != labelIndex && !dropped.contains(header.get(i))) featureColumns[n++] = i;
        }
        return new Layout(Arrays.copyOf(featureColumns, n), labelIndex);
    }

    private static DatasetFormatException wrongCount(String file, int lineNo, String line, int found, List<String> header) {
        String where = found < header.size()
                ? "; column '" + header.get(found) + "' and after are missing"
                : "; " + (found - header.size()) + " field(s) past the last column '" + header.get(header.size() - 1) + "'";
        return new DatasetFormatException("file " + file + ", line " + lineNo + ": " + found + " fields but the header has "
                + header.size() + where + ": \"" + line + "\"");
    }

    private static double number(String raw, String file, int lineNo, String column) throws DatasetFormatException {
        String v = raw.strip();
        if (v.isEmpty()) throw bad(file, lineNo, column, raw, "empty field");
        if (!NUMBER.matcher(v).matches()) throw bad(file, lineNo, column, raw, "not a number");
        return Double.parseDouble(v);
    }

    private static long label(String raw, String file, int lineNo, String column) throws DatasetFormatException {
        String v = raw.strip();
        if (v.isEmpty()) throw bad(file, lineNo, column, raw, "empty label");
        if (!INTEGER.matcher(v).matches()) throw bad(file, lineNo, column, raw, "label is not an integer");
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw bad(file, lineNo, column, raw, "label does not fit in int64");
        }
    }

    private static DatasetFormatException bad(String file, int lineNo, String column, String value, String problem) {
        return new DatasetFormatException("file " + file + ", line " + lineNo + ", column '" + column + "': " + problem
                + " (value \"" + value + "\")");
    }

    /** Splits one line into fields, honouring RFC 4180 quotes. */
    private List<String> split(String line, String file, int lineNo) throws DatasetFormatException {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c != '"') field.append(c);
                else if (i + 1 < line.length() && line.charAt(i + 1) == '"') field.append(line.charAt(++i));
                else quoted = false;
            } else if (c == '"') {
                quoted = true;
            } else if (c == delimiter) {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new DatasetFormatException("file " + file + ", line " + lineNo + ": a quoted field is not closed on this line: \"" + line + "\"");
        }
        fields.add(field.toString());
        return fields;
    }
}
