package dev.kiln.data;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** IDX files written here byte by byte: 3 images of 2x4 pixels and 3 labels, plain and gzipped. */
class IdxReaderTest {
    private static final byte[] PIXELS = new byte[3 * 2 * 4];

    static {
        for (int i = 0; i < PIXELS.length; i++) PIXELS[i] = (byte) (i * 11); // up to 253, past 127 on purpose
    }

    @Test void readsPlainAndGzippedImagesAndLabels(@TempDir Path dir) throws Exception {
        byte[] images = idx(0x803, new int[] {3, 2, 4}, PIXELS);
        byte[] labels = idx(0x801, new int[] {3}, new byte[] {7, 0, (byte) 255});
        for (boolean gz : new boolean[] {false, true}) {
            Path ip = write(dir, "images" + gz, gz ? gzip(images) : images);
            Path lp = write(dir, "labels" + gz, gz ? gzip(labels) : labels);
            Tensor x = IdxReader.readImages(ip);
            assertEquals(DType.FLOAT32, x.dtype());
            assertEquals(List.of(3, 2, 4), List.of(x.size(0), x.size(1), x.size(2)));
            float[] v = x.toFloatArray();
            assertEquals(0f, v[0]);
            assertEquals(11f / 255f, v[1]);
            assertEquals(253f / 255f, v[23]);
            float[] raw = IdxReader.readImages(ip, IdxReader.Scale.RAW).toFloatArray();
            assertEquals(253f, raw[23]);
            assertEquals(143f, raw[13]);
            Tensor y = IdxReader.readLabels(lp);
            assertEquals(DType.INT64, y.dtype());
            assertArrayEquals(new long[] {7, 0, 255}, y.toLongArray());
            TensorDataset ds = IdxReader.readDataset(ip, lp, IdxReader.Scale.RAW);
            assertEquals(3, ds.size());
            assertEquals(255, ds.get(2)[1].longItem());
        }
    }

    @Test void truncatedAndOverlongFilesGiveExpectedAndActualSizes(@TempDir Path dir) throws Exception {
        byte[] images = idx(0x803, new int[] {3, 2, 4}, PIXELS);
        Path cut = write(dir, "cut", Arrays.copyOf(images, images.length - 5));
        assertMessage(() -> IdxReader.readImages(cut), "file " + cut + ": expected 40 bytes (16-byte header + 24 data bytes"
                + " for shape [3, 2, 4]) but it has 35; it is truncated");
        Path cutGz = write(dir, "cut.gz", gzip(Arrays.copyOf(images, images.length - 5)));
        assertMessage(() -> IdxReader.readImages(cutGz), "file " + cutGz + ": expected 40 bytes after gunzip (16-byte header"
                + " + 24 data bytes for shape [3, 2, 4]) but it has 35; it is truncated");
        Path longer = write(dir, "long", Arrays.copyOf(images, images.length + 3));
        assertMessage(() -> IdxReader.readImages(longer), "but it has 43; it has trailing data");
        Path header = write(dir, "header", Arrays.copyOf(images, 10));
        assertMessage(() -> IdxReader.readImages(header), "file " + header + ": truncated header: expected 16 header bytes but the file has 10 bytes");
        Path tiny = write(dir, "tiny", new byte[] {0, 0});
        assertMessage(() -> IdxReader.readLabels(tiny), "too short for an IDX header: 2 bytes");
        byte[] gz = gzip(images);
        Path brokenGz = write(dir, "broken.gz", Arrays.copyOf(gz, gz.length - 12));
        assertMessage(() -> IdxReader.readImages(brokenGz), "file " + brokenGz + ": the gzip stream is corrupt or truncated");
    }

    @Test void wrongMagicNumbersAreNamed(@TempDir Path dir) throws Exception {
        Path labels = write(dir, "labels", idx(0x801, new int[] {3}, new byte[3]));
        assertMessage(() -> IdxReader.readImages(labels), "file " + labels + ": magic number 0x00000801 (an IDX labels file),"
                + " expected 0x00000803 for IDX images");
        Path images = write(dir, "images", gzip(idx(0x803, new int[] {3, 2, 4}, PIXELS)));
        assertMessage(() -> IdxReader.readLabels(images), "magic number 0x00000803 (an IDX images file), expected 0x00000801 for IDX labels");
        Path ints = write(dir, "ints", idx(0x0C01, new int[] {1}, new byte[4]));
        assertMessage(() -> IdxReader.readLabels(ints), "magic number 0x00000c01 (IDX element type 0x0c, not unsigned bytes)");
        Path png = write(dir, "png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 0});
        assertMessage(() -> IdxReader.readLabels(png), "magic number 0x89504e47 (not an IDX file)");
        Path fourDims = write(dir, "four", idx(0x804, new int[] {1, 1, 1, 1}, new byte[1]));
        assertMessage(() -> IdxReader.readImages(fourDims), "(IDX unsigned bytes with 4 dimensions)");
    }

    @Test void mismatchedImageAndLabelCountsAreAnError(@TempDir Path dir) throws Exception {
        Path ip = write(dir, "i", idx(0x803, new int[] {3, 2, 4}, PIXELS));
        Path lp = write(dir, "l", idx(0x801, new int[] {2}, new byte[2]));
        assertMessage(() -> IdxReader.readDataset(ip, lp, IdxReader.Scale.UNIT), "3 images but 2 labels");
    }

    @Test void readsFashionMnistWhenInstalled() throws Exception {
        Path dir = Path.of("/usr/share/datasets/fashion-mnist");
        assumeTrue(Files.exists(dir.resolve("t10k-labels-idx1-ubyte.gz")), "dataset-fashion-mnist is not installed");
        TensorDataset test = IdxReader.readDataset(dir.resolve("t10k-images-idx3-ubyte.gz"),
                dir.resolve("t10k-labels-idx1-ubyte.gz"), IdxReader.Scale.UNIT);
        assertEquals(10000, test.size());
        long[] counts = new long[10];
        for (long y : test.tensors().get(1).toLongArray()) counts[(int) y]++;
        for (long c : counts) assertEquals(1000, c);
        assertEquals(List.of(10000, 28, 28), List.of(test.tensors().get(0).size(0), test.tensors().get(0).size(1), test.tensors().get(0).size(2)));
    }

    private interface Read { void run() throws IOException; }

    private static void assertMessage(Read read, String expected) {
        var e = assertThrows(DatasetFormatException.class, read::run);
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length); // big-endian by default, as IDX
        b.putInt(magic);
        for (int d : dims) b.putInt(d);
        b.put(data);
        return b.array();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private static Path write(Path dir, String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }
}
