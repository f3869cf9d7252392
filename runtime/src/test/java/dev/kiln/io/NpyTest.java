package dev.kiln.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Reads the fixtures that {@code src/test/python/make_npy_fixtures.py} wrote with NumPy, writes
 * arrays back and compares bytes with numpy.save's, and checks every error message.
 */
class NpyTest {

    private static final Path fixtures = fixtureDirectory();
    private static final JsonNode expected = readExpected();

    @TempDir Path dir;

    private static Path fixtureDirectory() {
        try {
            return Path.of(NpyTest.class.getResource("/fixtures/npy/expected.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode readExpected() {
        try {
            return new ObjectMapper().readTree(fixtures.resolve("expected.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<String> fixtureNames() {
        return StreamSupport.stream(((Iterable<String>) expected::fieldNames).spliterator(), false);
    }

    static Stream<String> canonicalFixtureNames() {
        return fixtureNames().filter(n -> expected.get(n).get("canonical").asBoolean());
    }

    // ---- reading what NumPy wrote ----

    @ParameterizedTest @MethodSource("fixtureNames")
    void readsNumpyFixtureBitExactly(String name) throws IOException {
        JsonNode want = expected.get(name);
        NpyArray got = Npy.read(fixtures.resolve(name + ".npy"));
        assertEquals(DType.of(want.get("dtype").asText()), got.dtype());
        assertArrayEquals(ints(want.get("shape")), got.shape());
        JsonNode elements = want.has("bits") ? want.get("bits") : want.get("values");
        long[] wantBits = new long[elements.size()];
        for (int i = 0; i < wantBits.length; i++) {
            JsonNode e = elements.get(i);
            wantBits[i] = e.isBoolean() ? (e.asBoolean() ? 1 : 0) : e.asLong();
        }
        assertArrayEquals(wantBits, rawBits(got.data(), got.dtype()));
    }

    @Test
    void fortranOrderFilesComeBackRowMajor() throws IOException {
        // np.asfortranarray(np.arange(24).reshape(2, 3, 4)): row-major it is just 0..23 again.
        NpyArray ints = Npy.read(fixtures.resolve("fortran_int64_2x3x4.npy"));
        assertArrayEquals(new int[] {2, 3, 4}, ints.shape());
        long[] counting = new long[24];
        Arrays.setAll(counting, i -> i);
        assertArrayEquals(counting, (long[]) ints.data());

        NpyArray floats = Npy.read(fixtures.resolve("fortran_float32_3x4.npy"));
        assertArrayEquals(new float[] {0f, .25f, .5f, .75f, 1f, 1.25f, 1.5f, 1.75f, 2f, 2.25f, 2.5f, 2.75f},
                (float[]) floats.data());
    }

    @Test
    void readsScalarEmptyBigEndianWidenedAndHandcraftedFiles() throws IOException {
        NpyArray scalar = Npy.read(fixtures.resolve("scalar_float64.npy"));
        assertArrayEquals(new int[0], scalar.shape());
        assertArrayEquals(new double[] {3.25}, (double[]) scalar.data());

        NpyArray empty = Npy.read(fixtures.resolve("empty_float32_0x3.npy"));
        assertArrayEquals(new int[] {0, 3}, empty.shape());
        assertEquals(0, ((float[]) empty.data()).length);

        NpyArray big = Npy.read(fixtures.resolve("big_endian_float64_2x3.npy"));
        assertEquals(1.5, ((double[]) big.data())[0]);
        assertEquals(-7.0, ((double[]) big.data())[5]);
        assertArrayEquals(new int[] {1, -2, Integer.MAX_VALUE},
                (int[]) Npy.read(fixtures.resolve("big_endian_int32_3.npy")).data());

        // uint8 and int8 load as themselves, not widened; their bytes are the values (uint8 read unsigned)
        NpyArray bytes = Npy.read(fixtures.resolve("uint8_6.npy"));
        assertEquals(DType.UINT8, bytes.dtype());
        assertArrayEquals(new byte[] {0, 1, 127, (byte) 128, (byte) 200, (byte) 255}, (byte[]) bytes.data());
        NpyArray signed = Npy.read(fixtures.resolve("int8_4.npy"));
        assertEquals(DType.INT8, signed.dtype());
        assertArrayEquals(new byte[] {-128, -1, 0, 127}, (byte[]) signed.data());
        assertEquals(DType.INT32, Npy.read(fixtures.resolve("uint16_3.npy")).dtype());
        assertArrayEquals(new long[] {0, 1L << 31, (1L << 32) - 1},
                (long[]) Npy.read(fixtures.resolve("uint32_3.npy")).data());

        NpyArray odd = Npy.read(fixtures.resolve("handcrafted_header.npy"));
        assertArrayEquals(new int[] {1, 3}, odd.shape());
        assertArrayEquals(new double[] {0.5, -1.0, 2.0}, (double[]) odd.data());

        assertArrayEquals(new short[] {5, -6, 7}, (short[]) Npy.read(fixtures.resolve("version3_int16_3.npy")).data());
        assertArrayEquals(new double[] {1, 2, 3, 4}, (double[]) Npy.read(fixtures.resolve("version2_float64_2x2.npy")).data());
    }

    @Test
    void readsConsecutiveArraysFromOneStreamAndLeavesTheRest() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NpyArray first = new NpyArray(new int[] {2}, DType.INT32, new int[] {7, 8});
        NpyArray second = new NpyArray(new int[] {1, 1}, DType.FLOAT64, new double[] {-1.5});
        Npy.write(out, first);
        Npy.write(out, second);
        out.write('!');
        InputStream in = new ByteArrayInputStream(out.toByteArray());
        assertEquals(first, Npy.read(in, "stream"));
        assertEquals(second, Npy.read(in, "stream"));
        assertEquals('!', in.read());
    }

    // ---- writing what NumPy reads ----

    /** The bytes numpy.save writes for np.zeros((2, 6), '<f4'): magic, version 1.0, length 118. */
    private static final String NUMPY_HEADER_F4_2x6 = "\u0093NUMPY\u0001\u0000\u0076\u0000"
            + "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 6), }" + " ".repeat(58) + "\n";

    @Test
    void headerBytesMatchNumpySave() throws IOException {
        byte[] header = NUMPY_HEADER_F4_2x6.getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(128, header.length);
        byte[] numpy = Files.readAllBytes(fixtures.resolve("float32_2x6.npy"));
        assertArrayEquals(header, Arrays.copyOf(numpy, 128), "the fixture is not what this test assumes");

        Path file = dir.resolve("kiln.npy");
        Npy.write(file, new NpyArray(new int[] {2, 6}, DType.FLOAT32, new float[12]));
        byte[] kiln = Files.readAllBytes(file);
        assertEquals(128 + 48, kiln.length);
        assertArrayEquals(header, Arrays.copyOf(kiln, 128));
    }

    @ParameterizedTest @MethodSource("canonicalFixtureNames")
    void rewritingANumpyFileReproducesItsBytes(String name) throws IOException {
        Path numpy = fixtures.resolve(name + ".npy");
        Path kiln = dir.resolve(name + ".npy");
        Npy.write(kiln, Npy.read(numpy));
        assertArrayEquals(Files.readAllBytes(numpy), Files.readAllBytes(kiln));
    }

    @Test
    void refusesBfloat16WhichNumpyLacks() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new NpyArray(new int[] {1}, DType.BFLOAT16, new short[] {0x3F80}));
        assertEquals("NpyArray: NumPy has no bfloat16 dtype, so .npy cannot hold torch.bfloat16; convert with toFloat()"
                + " first (exact), or save it with Safetensors (BF16)", e.getMessage());
    }

    @ParameterizedTest @EnumSource(value = DType.class, names = "BFLOAT16", mode = EnumSource.Mode.EXCLUDE)
    void roundTripsEveryDtypeAndShapeBitExactly(DType dtype) throws IOException {
        for (int[] shape : List.of(new int[0], new int[] {0, 3}, new int[] {7}, new int[] {2, 3, 4})) {
            NpyArray array = sample(dtype, shape);
            Path file = dir.resolve(dtype.torchName() + shape.length + ".npy");
            Npy.write(file, array);
            NpyArray back = Npy.read(file);
            assertEquals(array, back);
            assertArrayEquals(rawBits(array.data(), dtype), rawBits(back.data(), dtype));
            long dataBytes = (long) array.size() * dtype.byteSize();
            assertEquals(0, (Files.size(file) - dataBytes) % 64, "data must start 64-byte aligned");
        }
    }

    @Test
    void switchesToFormat2WhenTheHeaderOutgrows16Bits() throws IOException {
        // 22000 dimensions of 1 spell "1, " 22000 times: 66000 header bytes, over 1.0's 65535.
        int[] shape = new int[22000];
        Arrays.fill(shape, 1);
        NpyArray array = new NpyArray(shape, DType.INT64, new long[] {42});
        Path file = dir.resolve("wide.npy");
        Npy.write(file, array);
        byte[] bytes = Files.readAllBytes(file);
        assertEquals(2, bytes[6]);
        long headerLength = (bytes[8] & 0xFF) | (bytes[9] & 0xFF) << 8 | (bytes[10] & 0xFF) << 16;
        assertEquals(bytes.length - 8 - 12, headerLength);
        assertEquals(0, (12 + headerLength) % 64);
        assertEquals(array, Npy.read(file));
    }

    @Test
    void writeReplacesAnExistingFileAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("weights.npy");
        Files.writeString(file, "old contents");
        NpyArray array = new NpyArray(new int[] {3}, DType.BOOL, new boolean[] {true, false, true});
        Npy.write(file, array);
        assertEquals(array, Npy.read(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void failedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        // The target is a non-empty directory, so the final rename fails after the data is written.
        Path target = Files.createDirectory(dir.resolve("taken.npy"));
        Files.writeString(target.resolve("keep"), "x");
        NpyArray array = new NpyArray(new int[] {1}, DType.INT16, new short[] {1});
        assertThrows(IOException.class, () -> Npy.write(target, array));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList());
        }
    }

    // ---- errors ----

    @Test
    void badMagicNamesTheFileAndTheBytes() throws IOException {
        Path file = write("archive.npz", new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0, 1, 2});
        assertError(file, "not a .npy file: it starts with bytes 50 4b 03 04 14 00 00 00 instead of"
                + " the magic \\x93NUMPY (it looks like a zip archive, as .npz files are)");
        assertError(write("empty.npy", new byte[0]), "not a .npy file: it is empty");
        assertError(write("short.npy", Arrays.copyOf(NpyHeader.MAGIC, 4)),
                "truncated: the file ends after 4 bytes, inside the 8-byte magic and version");
    }

    @Test
    void unsupportedVersionIsNamed() throws IOException {
        byte[] bytes = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4);
        bytes[6] = 4;
        assertError(write("v4.npy", bytes), "unsupported .npy format version 4.0 (Kiln reads 1.0, 2.0 and 3.0)");
    }

    @Test
    void unsupportedDescrIsNamed() throws IOException {
        assertError(write("complex.npy", npy("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", 16)),
                "unsupported dtype descr '<c16' (Kiln reads b1, i1, u1, i2, u2, i4, u4, i8, f2, f4 and f8)");
        assertError(write("u64.npy", npy("{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", 8)),
                "unsupported dtype descr '<u8' (uint64 has no Kiln dtype that holds all its values)");
        assertError(write("nat.npy", npy("{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }", 4)),
                "unsupported dtype descr '|f4': a 4-byte type needs byte order '<' or '>'");
        assertError(write("struct.npy", npy("{'descr': [('x', '<f4'), ('y', '<i8')], 'fortran_order': False,"
                        + " 'shape': (1,), }", 12)),
                "unsupported dtype descr [('x', '<f4'), ('y', '<i8')]: structured arrays (records with"
                        + " named fields) are not supported");
    }

    @Test
    void objectArraysAreRefused() throws IOException {
        assertError(write("objects.npy", npy("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 30)),
                "object arrays (descr '|O') are not supported: their data is pickled Python objects");
    }

    @Test
    void truncatedDataSaysHowMuchIsMissing() throws IOException {
        Path file = write("cut.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 10));
        assertError(file, "expected 24 bytes of float32 data for shape (2, 3) but only 10 remain");
        byte[] whole = Files.readAllBytes(fixtures.resolve("uint8_6.npy"));
        assertError(write("cut8.npy", Arrays.copyOf(whole, whole.length - 1)),
                "expected 6 bytes of uint8 data for shape (6,) but only 5 remain");
    }

    @Test
    void truncatedHeaderSaysHowMuchIsMissing() throws IOException {
        byte[] whole = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 0);
        assertError(write("head.npy", Arrays.copyOf(whole, 30)), "truncated header: expected 118 bytes but only 20 remain");
        assertError(write("len.npy", Arrays.copyOf(whole, 9)), "truncated: the file ends inside the header length");
    }

    @Test
    void malformedHeaderDictsAreQuoted() throws IOException {
        assertError(write("colon.npy", npy("{'descr' '<f4', 'fortran_order': False, 'shape': (2,), }", 8)),
                "malformed header dict: expected ':' at character 9 but found ''<f4', 'fort'; the header is"
                        + " {'descr' '<f4', 'fortran_order': False, 'shape': (2,), }");
        assertError(write("keys.npy", npy("{'descr': '<f4', 'shape': (2,), }", 8)),
                "malformed header dict: expected the keys 'descr', 'fortran_order' and 'shape' but found"
                        + " ['descr', 'shape']");
        assertError(write("fortran.npy", npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", 8)),
                "malformed header dict: fortran_order must be True or False but is 0");
        assertError(write("paren.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", 8)),
                "malformed header dict: shape must be a tuple of integers but is 2");
        assertError(write("list.npy", npy("[1, 2]", 0)), "malformed header: expected a dict but found [1, 2]");
        assertError(write("twice.npy", npy("{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (2,)}", 8)),
                "malformed header dict: the key 'descr' at character 17 appears twice; the header is"
                        + " {'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (2,)}");
        assertError(write("tail.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", 8)),
                "malformed header dict: expected the end of the header at character 56 but found 'x'; the"
                        + " header is {'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x");
        String deep = "(".repeat(40) + ")".repeat(40);
        assertError(write("deep.npy", npy("{'shape': " + deep + "}", 0)),
                "malformed header dict: nesting deeper than 32 levels at character 42; the header is {'shape': "
                        + deep + "}");
        assertError(write("open.npy", npy("{'descr': '<f4", 0)),
                "malformed header dict: the string at character 10 has no closing '; the header is"
                        + " {'descr': '<f4");
    }

    @Test
    void negativeAndOversizedShapesAreRefused() throws IOException {
        assertError(write("neg.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }", 0)),
                "shape (2, -1) has a negative dimension -1");
        assertError(write("huge.npy", npy("{'descr': '<i2', 'fortran_order': False, 'shape': (100000, 100000), }", 0)),
                "shape (100000, 100000) has more elements than a Java array holds (2147483639)");
    }

    @Test
    void streamErrorsUseTheGivenSourceName() {
        byte[] bytes = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 8);
        NpyFormatException e = assertThrows(NpyFormatException.class,
                () -> Npy.read(new ByteArrayInputStream(bytes), "model.npz/layer0.npy"));
        assertEquals("file model.npz/layer0.npy: expected 24 bytes of float64 data for shape (3,) but only 8 remain",
                e.getMessage());
    }

    @Test
    void recordRefusesDataThatDoesNotFitTheShapeOrDtype() {
        assertEquals("NpyArray: dtype float32 needs a float[] but data is a double[]",
                assertThrows(IllegalArgumentException.class,
                        () -> new NpyArray(new int[] {2}, DType.FLOAT32, new double[2])).getMessage());
        assertEquals("NpyArray: shape (2, 3) has 6 elements but the int[] has 5",
                assertThrows(IllegalArgumentException.class,
                        () -> new NpyArray(new int[] {2, 3}, DType.INT32, new int[5])).getMessage());
        assertEquals("NpyArray: shape (-1,) has a negative dimension -1",
                assertThrows(IllegalArgumentException.class,
                        () -> new NpyArray(new int[] {-1}, DType.INT64, new long[0])).getMessage());
        int[] shape = {2};
        NpyArray array = new NpyArray(shape, DType.BOOL, new boolean[2]);
        shape[0] = 5;
        array.shape()[0] = 7;
        assertArrayEquals(new int[] {2}, array.shape(), "the record keeps its own copy of the shape");
        assertNotEquals(array, new NpyArray(new int[] {2}, DType.BOOL, new boolean[] {true, false}));
    }

    // ---- helpers ----

    private void assertError(Path file, String problem) {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(file));
        assertEquals("file " + file + ": " + problem, e.getMessage());
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    /** A version 1.0 file with header dict {@code dict}, padded as NumPy pads, and zero data. */
    private static byte[] npy(String dict, int dataBytes) {
        int textLength = dict.length() + 1;
        int padding = 64 - (10 + textLength) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        byte[] out = new byte[10 + header.length() + dataBytes];
        System.arraycopy(NpyHeader.MAGIC, 0, out, 0, 6);
        out[6] = 1;
        out[8] = (byte) header.length();
        out[9] = (byte) (header.length() >> 8);
        byte[] text = header.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(text, 0, out, 10, text.length);
        return out;
    }

    /** Each element's raw bits, so that NaN payloads and -0.0 are compared too. */
    private static long[] rawBits(Object data, DType dtype) {
        return switch (data) {
            case byte[] a -> {
                long[] r = new long[a.length];
                for (int i = 0; i < a.length; i++) r[i] = dtype == DType.UINT8 ? a[i] & 0xFF : a[i];
                yield r;
            }
            case boolean[] a -> {
                long[] r = new long[a.length];
                for (int i = 0; i < a.length; i++) r[i] = a[i] ? 1 : 0;
                yield r;
            }
            case short[] a -> {
                long[] r = new long[a.length];
                for (int i = 0; i < a.length; i++) r[i] = a[i];
                yield r;
            }
            case int[] a -> Arrays.stream(a).asLongStream().toArray();
            case long[] a -> a.clone();
            case float[] a -> {
                long[] r = new long[a.length];
                for (int i = 0; i < a.length; i++) r[i] = Float.floatToRawIntBits(a[i]);
                yield r;
            }
            case double[] a -> Arrays.stream(a).mapToLong(Double::doubleToRawLongBits).toArray();
            default -> throw new AssertionError("unexpected data " + data.getClass());
        };
    }

    /** An array of {@code shape} cycling through values that catch sign, order and NaN mistakes. */
    private static NpyArray sample(DType dtype, int[] shape) {
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        Object data = switch (dtype) {
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) a[i] = i % 3 == 0;
                yield a;
            }
            case UINT8, INT8 -> {
                byte[] a = new byte[n];
                for (int i = 0; i < n; i++) a[i] = (byte) new int[] {0, 1, 127, 128, 200, 255}[i % 6];
                yield a;
            }
            case INT16 -> cycleShorts(n, Short.MIN_VALUE, -1, 0, 1, 0x1234, Short.MAX_VALUE);
            // Half bits: 1.0, -0.0, +inf, a NaN with payload, the smallest subnormal, 65504.
            case FLOAT16 -> cycleShorts(n, 0x3C00, 0x8000, 0x7C00, 0x7E01, 0x0001, 0x7BFF);
            case BFLOAT16 -> throw new AssertionError("NumPy has no bfloat16");
            case INT32 -> {
                int[] v = {Integer.MIN_VALUE, -1, 0, 1, 0x12345678, Integer.MAX_VALUE};
                int[] a = new int[n];
                Arrays.setAll(a, i -> v[i % v.length]);
                yield a;
            }
            case INT64 -> {
                long[] v = {Long.MIN_VALUE, -1, 0, 1, 0x123456789ABCDEFL, Long.MAX_VALUE};
                long[] a = new long[n];
                Arrays.setAll(a, i -> v[i % v.length]);
                yield a;
            }
            case FLOAT32 -> {
                float[] v = {1.5f, -0.0f, Float.intBitsToFloat(0x7FC00123), Float.NEGATIVE_INFINITY,
                        Float.MIN_VALUE, Float.MAX_VALUE};
                float[] a = new float[n];
                for (int i = 0; i < n; i++) a[i] = v[i % v.length];
                yield a;
            }
            case FLOAT64 -> {
                double[] v = {1.5, -0.0, Double.longBitsToDouble(0x7FF8000000000123L),
                        Double.NEGATIVE_INFINITY, Double.MIN_VALUE, Math.PI};
                double[] a = new double[n];
                Arrays.setAll(a, i -> v[i % v.length]);
                yield a;
            }
        };
        return new NpyArray(shape, dtype, data);
    }

    private static short[] cycleShorts(int n, int... values) {
        short[] a = new short[n];
        for (int i = 0; i < n; i++) a[i] = (short) values[i % values.length];
        return a;
    }

    private static int[] ints(JsonNode array) {
        int[] r = new int[array.size()];
        for (int i = 0; i < r.length; i++) r[i] = array.get(i).asInt();
        return r;
    }
}
