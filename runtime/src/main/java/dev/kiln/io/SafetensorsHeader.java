package dev.kiln.io;

import dev.kiln.tensor.DType;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON header of a safetensors file: parsing with full validation, and encoding in the bytes
 * of the reference writer ({@code safetensors} 0.3-0.4, Rust {@code tensor.rs} {@code prepare}).
 */
final class SafetensorsHeader {
    static final String METADATA_KEY = "__metadata__";
    /** The reference reader refuses larger headers; so do we, before allocating one. */
    static final long MAX_HEADER_BYTES = 100_000_000;

    /**
     * One tensor's entry. {@code fileDtype} is the name in the file; {@code dtype} is what Kiln loads
     * it as (the same type: {@code U8}, {@code I8} and {@code BF16} load as uint8, int8 and bfloat16).
     */
    record Entry(String name, String fileDtype, DType dtype, int[] shape, long begin, long end) {}

    record Parsed(List<Entry> entries, Map<String, String> metadata) {}

    private SafetensorsHeader() {}

    /** Bytes per element of each dtype the format names, or 0 for names it does not define. */
    static int itemSize(String fileDtype) {
        return switch (fileDtype) {
            case "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3" -> 1;
            case "I16", "U16", "F16", "BF16" -> 2;
            case "I32", "U32", "F32" -> 4;
            case "I64", "U64", "F64" -> 8;
            default -> 0;
        };
    }

    static String fileDtype(DType dtype) {
        return switch (dtype) {
            case BOOL -> "BOOL";
            case UINT8 -> "U8";
            case INT8 -> "I8";
            case INT16 -> "I16";
            case INT32 -> "I32";
            case INT64 -> "I64";
            case FLOAT16 -> "F16";
            case BFLOAT16 -> "BF16";
            case FLOAT32 -> "F32";
            case FLOAT64 -> "F64";
        };
    }

    /**
     * The rank of each Kiln dtype in the reference's {@code Dtype} enum, which lists dtypes in
     * increasing alignment; the writer lays tensors out in decreasing rank so that every tensor's
     * data is aligned to its element size.
     */
    static int alignmentRank(DType dtype) {
        return switch (dtype) {
            case BOOL -> 0;
            case UINT8 -> 1;
            case INT8 -> 2;
            case INT16 -> 5;
            case FLOAT16 -> 7;
            case BFLOAT16 -> 8;
            case INT32 -> 9;
            case FLOAT32 -> 11;
            case FLOAT64 -> 12;
            case INT64 -> 13;
        };
    }

    /** Orders names as Rust's {@code String} does: by UTF-8 bytes (Java's compareTo uses UTF-16 units). */
    static final Comparator<String> RUST_STRING_ORDER =
            (a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    /**
     * The header bytes for tensors already in file order, with their byte sizes: compact JSON
     * ({@code __metadata__} first, its keys sorted; the reference's HashMap order is arbitrary),
     * then spaces to a multiple of 8 bytes so that the data section starts 8-byte aligned.
     */
    static byte[] encode(List<String> names, List<DType> dtypes, List<int[]> shapes, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        if (metadata != null) {
            Json.writeString(json, METADATA_KEY);
            json.append(":{");
            Map<String, String> sorted = new TreeMap<>(RUST_STRING_ORDER);
            sorted.putAll(metadata);
            boolean first = true;
            for (var e : sorted.entrySet()) {
                if (!first) json.append(',');
                first = false;
                Json.writeString(json, e.getKey());
                json.append(':');
                Json.writeString(json, e.getValue());
            }
            json.append('}');
        }
        long offset = 0;
        for (int i = 0; i < names.size(); i++) {
            if (i > 0 || metadata != null) json.append(',');
            int[] shape = shapes.get(i);
            long bytes = dtypes.get(i).byteSize() * numel(shape);
            Json.writeString(json, names.get(i));
            json.append(":{\"dtype\":\"").append(fileDtype(dtypes.get(i))).append("\",\"shape\":[");
            for (int d = 0; d < shape.length; d++) json.append(d > 0 ? "," : "").append(shape[d]);
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        json.append('}');
        byte[] raw = json.toString().getBytes(StandardCharsets.UTF_8);
        byte[] padded = Arrays.copyOf(raw, (raw.length + 7) / 8 * 8);
        Arrays.fill(padded, raw.length, padded.length, (byte) ' ');
        return padded;
    }

    static long numel(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    /**
     * Parses and validates a header whose data section has {@code dataBytes} bytes: entries come
     * back in data order, and together they tile the data section exactly.
     */
    static Parsed parse(String json, long dataBytes, String file) throws SafetensorsFormatException {
        Object root;
        try {
            root = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsFormatException(file, "the header is not valid JSON: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> map)) throw new SafetensorsFormatException(file, "the header is not a JSON object");
        Map<String, String> metadata = null;
        List<Entry> entries = new ArrayList<>();
        for (var e : map.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals(METADATA_KEY)) metadata = metadata(e.getValue(), file);
            else entries.add(entry(name, e.getValue(), file));
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry t : entries) {
            if (t.end > dataBytes) {
                throw new SafetensorsFormatException(file, "tensor '" + t.name + "': data_offsets [" + t.begin + ", " + t.end
                        + "] run past the end of the data section, which has " + dataBytes + " bytes");
            }
            if (t.begin < expected) {
                throw new SafetensorsFormatException(file, "tensors '" + previous.name + "' [" + previous.begin + ", " + previous.end
                        + "] and '" + t.name + "' [" + t.begin + ", " + t.end + "] overlap");
            }
            if (t.begin > expected) {
                throw new SafetensorsFormatException(file, "data bytes [" + expected + ", " + t.begin + ") before tensor '" + t.name
                        + "' belong to no tensor");
            }
            expected = t.end;
            previous = t;
        }
        if (expected != dataBytes) {
            throw new SafetensorsFormatException(file, "the tensors cover " + expected + " bytes but the data section has "
                    + dataBytes + (previous == null ? "" : "; bytes after tensor '" + previous.name + "' belong to no tensor"));
        }
        return new Parsed(entries, metadata);
    }

    private static Map<String, String> metadata(Object value, String file) throws SafetensorsFormatException {
        if (!(value instanceof Map<?, ?> m)) throw new SafetensorsFormatException(file, "__metadata__ is not a JSON object");
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new SafetensorsFormatException(file, "__metadata__ value for \"" + e.getKey() + "\" is not a string");
            }
            out.put((String) e.getKey(), s);
        }
        return out;
    }

    private static Entry entry(String name, Object value, String file) throws SafetensorsFormatException {
        String where = "tensor '" + name + "': ";
        if (!(value instanceof Map<?, ?> info)) throw new SafetensorsFormatException(file, where + "the entry is not a JSON object");
        for (String key : List.of("dtype", "shape", "data_offsets")) {
            if (!info.containsKey(key)) throw new SafetensorsFormatException(file, where + "no \"" + key + "\"");
        }
        if (!(info.get("dtype") instanceof String fileDtype)) throw new SafetensorsFormatException(file, where + "dtype is not a string");
        if (itemSize(fileDtype) == 0) throw new SafetensorsFormatException(file, where + "unknown dtype \"" + fileDtype + "\"");
        DType dtype = switch (fileDtype) {
            case "BOOL" -> DType.BOOL;
            case "U8" -> DType.UINT8;
            case "I8" -> DType.INT8;
            case "I16" -> DType.INT16;
            case "I32" -> DType.INT32;
            case "I64" -> DType.INT64;
            case "F16" -> DType.FLOAT16;
            case "BF16" -> DType.BFLOAT16;
            case "F32" -> DType.FLOAT32;
            case "F64" -> DType.FLOAT64;
            default -> throw new SafetensorsFormatException(file, where + "dtype " + fileDtype + " is not supported by Kiln");
        };
        long[] shape = integers(info.get("shape"), -1, where + "shape", file);
        long[] offsets = integers(info.get("data_offsets"), 2, where + "data_offsets", file);
        int[] dims = new int[shape.length];
        long numel = 1;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] > Integer.MAX_VALUE || (numel *= shape[d]) > Integer.MAX_VALUE) {
                throw new SafetensorsFormatException(file, where + "shape " + Arrays.toString(shape) + " has more elements than a tensor can hold");
            }
            dims[d] = (int) shape[d];
        }
        if (offsets[1] < offsets[0]) {
            throw new SafetensorsFormatException(file, where + "data_offsets [" + offsets[0] + ", " + offsets[1] + "] end before they begin");
        }
        long needed = numel * itemSize(fileDtype);
        if (offsets[1] - offsets[0] != needed) {
            throw new SafetensorsFormatException(file, where + "shape " + Arrays.toString(dims) + " of " + fileDtype + " needs " + needed
                    + " bytes but data_offsets [" + offsets[0] + ", " + offsets[1] + "] span " + (offsets[1] - offsets[0]));
        }
        return new Entry(name, fileDtype, dtype, dims, offsets[0], offsets[1]);
    }

    /** A JSON array of non-negative integers (of {@code length} entries unless -1). */
    private static long[] integers(Object value, int length, String what, String file) throws SafetensorsFormatException {
        if (!(value instanceof List<?> list) || (length >= 0 && list.size() != length)) {
            throw new SafetensorsFormatException(file, what + " is not " + (length >= 0 ? "an array of " + length : "an array of") + " integers");
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof BigInteger b) || b.signum() < 0 || b.bitLength() > 62) {
                throw new SafetensorsFormatException(file, what + " holds " + list.get(i) + ", not a non-negative integer");
            }
            out[i] = b.longValue();
        }
        return out;
    }
}
