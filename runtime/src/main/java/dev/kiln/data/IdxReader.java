package dev.kiln.data;

import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX files of MNIST, Fashion-MNIST and their kin ({@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}), plain or gzip-compressed (recognised by the gzip magic bytes
 * {@code 1f 8b}, not by the file name).
 *
 * <p>An IDX file is a 4-byte magic number {@code 00 00 08 n} (unsigned bytes, n dimensions), n
 * big-endian 32-bit sizes, then the bytes in row-major order. Images are {@code 0x00000803}
 * ({@code [N, rows, cols]}), labels {@code 0x00000801} ({@code [N]}). Everything is checked before
 * a tensor is made: the magic number, the dimension count, and that the (decompressed) file holds
 * exactly the header plus the product of the sizes; a truncated download or images and labels
 * swapped is a {@link DatasetFormatException} naming the file and the expected and actual counts.
 */
public final class IdxReader {
    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    /** How image bytes 0..255 become float32 values. */
    public enum Scale {
        /** Divided by 255, into [0, 1], as torchvision's {@code ToTensor()} does. */
        UNIT,
        /** Kept as 0..255. */
        RAW
    }

    private IdxReader() {}

    /** Images as float32 {@code [N, rows, cols]} in [0, 1] (like {@code ToTensor()}). */
    public static Tensor readImages(Path path) throws IOException { return readImages(path, Scale.UNIT); }

    /** Images as float32 {@code [N, rows, cols]}, scaled as {@code scale} says. */
    public static Tensor readImages(Path path, Scale scale) throws IOException {
        Idx idx = read(path, IMAGES_MAGIC, "images");
        float[] values = new float[idx.data.length];
        for (int i = 0; i < values.length; i++) {
            int b = idx.data[i] & 0xFF;
            // Division rather than multiplication by 1/255, to give ToTensor's float32 values exactly.
            values[i] = scale == Scale.UNIT ? b / 255f : b;
        }
        return Torch.fromArray(values, idx.dims);
    }

    /** Labels as int64 {@code [N]}. */
    public static Tensor readLabels(Path path) throws IOException {
        Idx idx = read(path, LABELS_MAGIC, "labels");
        long[] values = new long[idx.data.length];
        for (int i = 0; i < values.length; i++) values[i] = idx.data[i] & 0xFF;
        return Torch.fromArray(values, idx.dims);
    }

    /** Images and labels as a dataset, checking that they count the same number of examples. */
    public static TensorDataset readDataset(Path images, Path labels, Scale scale) throws IOException {
        Tensor x = readImages(images, scale);
        Tensor y = readLabels(labels);
        if (x.size(0) != y.size(0)) {
            throw new DatasetFormatException("files " + images + " and " + labels + ": " + x.size(0) + " images but "
                    + y.size(0) + " labels");
        }
        return new TensorDataset(x, y);
    }

    private record Idx(int[] dims, byte[] data) {}

    private static Idx read(Path path, int expectedMagic, String kind) throws IOException {
        String file = path.toString();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(path))) {
            raw.mark(2);
            boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            InputStream in = gzip ? new BufferedInputStream(new GZIPInputStream(raw)) : raw;
            String bytes = gzip ? " bytes after gunzip" : " bytes";
            int dimsCount = expectedMagic & 0xFF;
            long headerSize = 4 + 4L * dimsCount;

            byte[] magicBytes = in.readNBytes(4);
            if (magicBytes.length < 4) {
                throw new DatasetFormatException("file " + file + ": too short for an IDX header: " + magicBytes.length + bytes);
            }
            int magic = bigEndian(magicBytes, 0);
            if (magic != expectedMagic) throw wrongMagic(file, magic, expectedMagic, kind);

            byte[] dimBytes = in.readNBytes(4 * dimsCount);
            if (dimBytes.length < 4 * dimsCount) {
                throw new DatasetFormatException("file " + file + ": truncated header: expected " + headerSize
                        + " header bytes but the file has " + (4 + dimBytes.length) + bytes);
            }
            int[] dims = new int[dimsCount];
            long count = 1;
            for (int d = 0; d < dimsCount; d++) {
                dims[d] = bigEndian(dimBytes, 4 * d);
                if (dims[d] < 0) {
                    throw new DatasetFormatException("file " + file + ": dimension " + d + " has size " + Integer.toUnsignedString(dims[d])
                            + ", beyond what a tensor can index");
                }
                count *= dims[d];
            }
            if (count > Integer.MAX_VALUE - 16) {
                throw new DatasetFormatException("file " + file + ": " + count + " elements are more than a tensor can hold");
            }
            String layout = headerSize + "-byte header + " + count + " data bytes";
            byte[] data = in.readNBytes((int) count);
            long extra = in.transferTo(OutputStream.nullOutputStream());
            if (data.length < count || extra > 0) {
                throw new DatasetFormatException("file " + file + ": expected " + (headerSize + count) + bytes + " ("
                        + layout + " for shape " + java.util.Arrays.toString(dims) + ") but it has "
                        + (headerSize + data.length + extra) + (data.length < count ? "; it is truncated" : "; it has trailing data"));
            }
            return new Idx(dims, data);
        } catch (java.io.EOFException | java.util.zip.ZipException e) {
            // Only the gzip layer throws these (plain reads report short counts instead).
            throw new DatasetFormatException("file " + file + ": the gzip stream is corrupt or truncated: " + e.getMessage());
        }
    }

    private static DatasetFormatException wrongMagic(String file, int magic, int expected, String kind) {
        String what = switch (magic) {
            case IMAGES_MAGIC -> " (an IDX images file)";
            case LABELS_MAGIC -> " (an IDX labels file)";
            default -> (magic >>> 16) != 0 ? " (not an IDX file)"
                    : (magic >>> 8 & 0xFF) != 0x08 ? " (IDX element type 0x" + String.format("%02x", magic >>> 8 & 0xFF) + ", not unsigned bytes)"
                    : " (IDX unsigned bytes with " + (magic & 0xFF) + " dimensions)";
        };
        return new DatasetFormatException("file " + file + ": magic number " + hex(magic) + what + ", expected "
                + hex(expected) + " for IDX " + kind);
    }

    private static String hex(int v) { return String.format("0x%08x", v); }

    private static int bigEndian(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }
}
