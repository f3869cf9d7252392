package dev.kiln.io;

import dev.kiln.tensor.DType;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The header of a {@code .npy} file: the Python dict literal
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }} after the magic, version and
 * length. {@link #parse} validates a header read from a file; {@link #encode} writes the bytes
 * NumPy's {@code numpy.save} writes for the same array, padding included.
 */
record NpyHeader(NpyType type, ByteOrder order, boolean fortranOrder, int[] shape) {

    /** NumPy aligns the data to 64 bytes so that it can be memory-mapped and vector-loaded. */
    private static final int ALIGN = 64;
    /**
     * NumPy leaves room after the dict for the first dimension to grow to 21 digits, so that
     * appending rows can rewrite the header in place; Kiln pads the same way to match its bytes.
     */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    /** Java arrays stop a little below Integer.MAX_VALUE; this is the limit the JDK itself uses. */
    static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** Parses and validates the header dict {@code text} of the file {@code source}. */
    static NpyHeader parse(String text, String source) throws NpyFormatException {
        Object parsed;
        try {
            parsed = PyLiteral.parse(text);
        } catch (IllegalArgumentException e) {
            throw new NpyFormatException(source, "malformed header dict: " + e.getMessage()
                    + "; the header is " + text.strip());
        }
        if (!(parsed instanceof Map<?, ?> dict)) {
            throw new NpyFormatException(source, "malformed header: expected a dict but found "
                    + text.strip());
        }
        if (!dict.keySet().equals(Set.of("descr", "fortran_order", "shape"))) {
            throw new NpyFormatException(source, "malformed header dict: expected the keys 'descr',"
                    + " 'fortran_order' and 'shape' but found " + PyLiteral.repr(List.copyOf(dict.keySet())));
        }
        Object fortran = dict.get("fortran_order");
        if (!(fortran instanceof Boolean fortranOrder)) {
            throw new NpyFormatException(source, "malformed header dict: fortran_order must be True"
                    + " or False but is " + PyLiteral.repr(fortran));
        }
        Object descr = dict.get("descr");
        NpyType type = type(descr, source);
        return new NpyHeader(type, order((String) descr, type, source), fortranOrder,
                shape(dict.get("shape"), source));
    }

    private static NpyType type(Object descr, String source) throws NpyFormatException {
        if (descr instanceof List<?>) {
            throw new NpyFormatException(source, "unsupported dtype descr " + PyLiteral.repr(descr)
                    + ": structured arrays (records with named fields) are not supported");
        }
        if (!(descr instanceof String d)) {
            throw new NpyFormatException(source, "malformed header dict: descr must be a string"
                    + " but is " + PyLiteral.repr(descr));
        }
        String body = d.isEmpty() ? d : d.substring(1);
        if (body.startsWith("O")) {
            throw new NpyFormatException(source, "object arrays (descr " + PyLiteral.repr(d)
                    + ") are not supported: their data is pickled Python objects");
        }
        NpyType type = body.matches("[a-zA-Z][0-9]{1,2}")
                ? NpyType.of(body.charAt(0), Integer.parseInt(body.substring(1))) : null;
        if (type == null) {
            String why = body.equals("u8") ? "uint64 has no Kiln dtype that holds all its values"
                    : "Kiln reads b1, i1, u1, i2, u2, i4, u4, i8, f2, f4 and f8";
            throw new NpyFormatException(source, "unsupported dtype descr " + PyLiteral.repr(d)
                    + " (" + why + ")");
        }
        return type;
    }

    /** '<' and '>' give the byte order; '|' (not applicable) only makes sense for 1-byte types. */
    private static ByteOrder order(String descr, NpyType type, String source)
            throws NpyFormatException {
        return switch (descr.charAt(0)) {
            case '<' -> ByteOrder.LITTLE_ENDIAN;
            case '>' -> ByteOrder.BIG_ENDIAN;
            case '|' -> {
                if (type.itemSize() == 1) yield ByteOrder.LITTLE_ENDIAN;
                throw new NpyFormatException(source, "unsupported dtype descr '" + descr
                        + "': a " + type.itemSize() + "-byte type needs byte order '<' or '>'");
            }
            default -> throw new NpyFormatException(source, "unsupported dtype descr '" + descr
                    + "': it must start with byte order '<', '>' or '|'");
        };
    }

    private static int[] shape(Object value, String source) throws NpyFormatException {
        if (!(value instanceof PyLiteral.Tuple(List<Object> items))
                || !items.stream().allMatch(i -> i instanceof Long)) {
            throw new NpyFormatException(source, "malformed header dict: shape must be a tuple of"
                    + " integers but is " + PyLiteral.repr(value));
        }
        long[] dims = items.stream().mapToLong(i -> (Long) i).toArray();
        String text = NpyArray.shapeText(dims);
        for (long d : dims) {
            if (d < 0) {
                throw new NpyFormatException(source, "shape " + text + " has a negative dimension " + d);
            }
        }
        long size = NpyArray.product(dims);
        if (size > MAX_ELEMENTS) {
            throw new NpyFormatException(source, "shape " + text + " has more elements than a Java"
                    + " array holds (" + MAX_ELEMENTS + ")");
        }
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            // Only a shape with a zero somewhere can have a dimension this large and few elements.
            if (dims[i] > Integer.MAX_VALUE) {
                throw new NpyFormatException(source, "shape " + text + " has dimension " + dims[i]
                        + ", more than Kiln's int shapes hold");
            }
            shape[i] = (int) dims[i];
        }
        return shape;
    }

    /**
     * The preamble and header NumPy writes for a C-order little-endian array: format 1.0, or 2.0
     * when the header outgrows 1.0's 16-bit length, padded with spaces and a newline so that the
     * data starts at a multiple of 64 bytes.
     */
    static byte[] encode(int[] shape, DType dtype) {
        StringBuilder dict = new StringBuilder("{'descr': '").append(NpyType.descrFor(dtype))
                .append("', 'fortran_order': False, 'shape': ").append(NpyArray.shapeText(shape))
                .append(", }");
        if (shape.length > 0) dict.repeat(' ', GROWTH_AXIS_MAX_DIGITS - Integer.toString(shape[0]).length());
        int textLength = dict.length() + 1; // the closing newline
        int major = 1;
        int padding = padding(10, textLength);
        if (textLength + padding > 0xFFFF) {
            major = 2;
            padding = padding(12, textLength);
        }
        int lengthBytes = major == 1 ? 2 : 4;
        int headerLength = textLength + padding;
        byte[] out = new byte[MAGIC.length + 2 + lengthBytes + headerLength];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        out[6] = (byte) major;
        for (int i = 0; i < lengthBytes; i++) out[8 + i] = (byte) (headerLength >>> (8 * i));
        dict.repeat(' ', padding).append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(text, 0, out, 8 + lengthBytes, text.length);
        return out;
    }

    /** NumPy's padding: 1 to 64 spaces (never 0, as in numpy.lib.format._wrap_header). */
    private static int padding(int preamble, int textLength) {
        return ALIGN - (preamble + textLength) % ALIGN;
    }
}
