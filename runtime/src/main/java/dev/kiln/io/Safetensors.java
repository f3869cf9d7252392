package dev.kiln.io;

import dev.kiln.nn.Module;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes Hugging Face's {@code .safetensors} format, so that weights pass between Kiln,
 * PyTorch ({@code safetensors.torch}) and the Hugging Face hub without pickle.
 *
 * <p>The format, as followed here: an unsigned little-endian 64-bit header length N; N bytes of
 * UTF-8 JSON mapping each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}
 * (offsets relative to the data section) plus an optional {@code "__metadata__"} object of string
 * values; then the data section, each tensor's elements in C order, little-endian.
 *
 * <p>Writing reproduces the reference writer's bytes: tensors laid out by decreasing dtype
 * alignment (I64, F64, F32, I32, BF16, F16, I16, I8, U8, BOOL), then by name (UTF-8 byte order), the header in
 * that order with {@code __metadata__} first, compact JSON, padded with spaces to a multiple of
 * 8 bytes. Only the order of {@code __metadata__} keys is a choice (sorted; Rust's HashMap has no
 * fixed order). Files are written atomically: temporary file, fsync, atomic rename.
 *
 * <p>Reading validates the whole header before any data is read, and returns nothing unless every
 * tensor loads: header length beyond the file, invalid UTF-8 or JSON, unknown dtypes, shapes that
 * disagree with their offsets, offsets out of range, overlapping or leaving gaps, a data section
 * longer than the tensors. It reads and writes Kiln's dtypes (BOOL, U8, I8, I16, I32, I64, F16, BF16,
 * F32, F64), each loading as itself, without widening; U16, U32, U64 and FP8 are refused.
 */
public final class Safetensors {
    private Safetensors() {}

    /** All tensors in {@code path}, in the order of their data in the file. */
    public static LinkedHashMap<String, Tensor> load(Path path) throws IOException {
        String file = path.toString();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            SafetensorsHeader.Parsed header = header(ch, file);
            long dataStart = ch.position();
            LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
            for (SafetensorsHeader.Entry e : header.entries()) {
                ByteBuffer buf = ByteBuffer.allocate((int) (e.end() - e.begin())).order(ByteOrder.LITTLE_ENDIAN);
                long at = dataStart + e.begin();
                while (buf.hasRemaining()) {
                    if (ch.read(buf, at + buf.position()) < 0) {
                        throw new SafetensorsFormatException(file, "tensor '" + e.name() + "': the file ended while reading its data");
                    }
                }
                buf.flip();
                out.put(e.name(), decode(buf, e, file));
            }
            return out;
        }
    }

    /** The {@code __metadata__} strings (empty when the file has none), reading only the header. */
    public static Map<String, String> readMetadata(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            Map<String, String> m = header(ch, path.toString()).metadata();
            return m == null ? Map.of() : m;
        }
    }

    /** Writes {@code tensors} with no {@code __metadata__}. */
    public static void save(Path path, Map<String, Tensor> tensors) throws IOException { save(path, tensors, null); }

    /** Writes {@code tensors} and, unless null, {@code metadata} as {@code __metadata__}, atomically. */
    public static void save(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<Map.Entry<String, Tensor>> order = new ArrayList<>(tensors.entrySet());
        for (var e : order) {
            if (e.getKey().equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("a tensor cannot be named " + SafetensorsHeader.METADATA_KEY);
            }
        }
        order.sort(Comparator.<Map.Entry<String, Tensor>>comparingInt(e -> -SafetensorsHeader.alignmentRank(e.getValue().dtype()))
                .thenComparing(Map.Entry::getKey, SafetensorsHeader.RUST_STRING_ORDER));
        List<String> names = new ArrayList<>();
        List<DType> dtypes = new ArrayList<>();
        List<int[]> shapes = new ArrayList<>();
        for (var e : order) {
            names.add(e.getKey());
            dtypes.add(e.getValue().dtype());
            shapes.add(e.getValue().shape().toArray());
        }
        byte[] header = SafetensorsHeader.encode(names, dtypes, shapes, metadata);
        AtomicFiles.write(path, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
            for (var e : order) writeData(out, e.getValue());
        });
    }

    /**
     * A module's {@code stateDict()}, with {@code __metadata__ {"format": "pt"}} as
     * {@code transformers} writes it (its loader checks for that key).
     */
    public static void save(Path path, Module module) throws IOException {
        save(path, module.stateDict(), Map.of("format", "pt"));
    }

    /** Loads {@code path} into {@code module}'s tensors; keys and shapes must match exactly (strict). */
    public static void loadInto(Path path, Module module) throws IOException {
        module.loadStateDict(load(path), true);
    }

    // ------------------------------------------------------------------ reading

    private static SafetensorsHeader.Parsed header(FileChannel ch, String file) throws IOException {
        long size = ch.size();
        if (size < 8) throw new SafetensorsFormatException(file, size + " bytes is too short for the 8-byte header length");
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        while (lenBuf.hasRemaining()) if (ch.read(lenBuf) < 0) break;
        long n = lenBuf.getLong(0);
        if (Long.compareUnsigned(n, size - 8) > 0) {
            throw new SafetensorsFormatException(file, "header length " + Long.toUnsignedString(n) + " is beyond the file size "
                    + size + " (at most " + (size - 8) + " bytes follow the length)");
        }
        if (n > SafetensorsHeader.MAX_HEADER_BYTES) {
            throw new SafetensorsFormatException(file, "header length " + n + " is over the " + SafetensorsHeader.MAX_HEADER_BYTES + "-byte limit");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        while (hb.hasRemaining()) if (ch.read(hb) < 0) break;
        hb.flip();
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder().decode(hb).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsFormatException(file, "the header is not valid UTF-8");
        }
        return SafetensorsHeader.parse(json, size - 8 - n, file);
    }

    private static Tensor decode(ByteBuffer buf, SafetensorsHeader.Entry e, String file) throws SafetensorsFormatException {
        int n = (int) SafetensorsHeader.numel(e.shape());
        Object data = switch (e.fileDtype()) {
            case "BOOL" -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    byte b = buf.get(i);
                    if (b != 0 && b != 1) {
                        throw new SafetensorsFormatException(file, "tensor '" + e.name() + "': BOOL element " + i + " is byte " + (b & 0xFF) + ", not 0 or 1");
                    }
                    a[i] = b == 1;
                }
                yield a;
            }
            case "U8", "I8" -> { byte[] a = new byte[n]; buf.get(0, a); yield a; }
            case "I16", "F16", "BF16" -> { short[] a = new short[n]; buf.asShortBuffer().get(a); yield a; }
            case "I32" -> { int[] a = new int[n]; buf.asIntBuffer().get(a); yield a; }
            case "I64" -> { long[] a = new long[n]; buf.asLongBuffer().get(a); yield a; }
            case "F32" -> { float[] a = new float[n]; buf.asFloatBuffer().get(a); yield a; }
            case "F64" -> { double[] a = new double[n]; buf.asDoubleBuffer().get(a); yield a; }
            default -> throw new IllegalStateException("header validation admitted dtype " + e.fileDtype());
        };
        // fromArray reads an empty shape as "1-D, all of the array", so a 0-dim tensor is reshaped.
        return e.shape().length == 0 ? Torch.fromArray(data, e.dtype(), 1).reshape() : Torch.fromArray(data, e.dtype(), e.shape());
    }

    // ------------------------------------------------------------------ writing

    /** Bytes encoded at a time; a multiple of every element size. */
    private static final int WRITE_CHUNK = 1 << 16;


    private static void writeData(OutputStream out, Tensor t) throws IOException {
        Tensor c = t.detach().contiguous();
        Object data = c.storageOffset() == 0 && c.numel() == c.untypedStorage().length()
                ? c.untypedStorage().array() : c.clone().untypedStorage().array();
        int item = c.dtype().byteSize();
        // Encoded through a fixed buffer, so a tensor over 2 GiB of bytes needs no larger array.
        ByteBuffer buf = ByteBuffer.allocate(WRITE_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = WRITE_CHUNK / item;
        for (int start = 0, n = c.numel(); start < n; start += perChunk) {
            int count = Math.min(perChunk, n - start);
            buf.clear();
            switch (data) {
                case boolean[] a -> { for (int i = 0; i < count; i++) buf.put(i, (byte) (a[start + i] ? 1 : 0)); }
                case byte[] a -> buf.put(0, a, start, count);
                case short[] a -> buf.asShortBuffer().put(a, start, count);
                case int[] a -> buf.asIntBuffer().put(a, start, count);
                case long[] a -> buf.asLongBuffer().put(a, start, count);
                case float[] a -> buf.asFloatBuffer().put(a, start, count);
                case double[] a -> buf.asDoubleBuffer().put(a, start, count);
                default -> throw new IllegalStateException("unexpected storage " + data.getClass().getSimpleName());
            }
            out.write(buf.array(), 0, count * item);
        }
    }
}
