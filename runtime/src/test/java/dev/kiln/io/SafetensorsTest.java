package dev.kiln.io;

import dev.kiln.nn.Module;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.*;

/** Safetensors against files from make_safetensors_fixture.py, round trips, and every validation error. */
class SafetensorsTest {
    private static Path fixture(String name) throws Exception {
        return Path.of(SafetensorsTest.class.getResource("/fixtures/safetensors/" + name).toURI());
    }

    @Test void readsTheFixtureExactlyInDataOrder() throws Exception {
        LinkedHashMap<String, Tensor> t = Safetensors.load(fixture("mixed.safetensors"));
        assertEquals(List.of("step", "double", "bias", "empty", "weight", "été.w", "ids", "half", "small", "mask"),
                new ArrayList<>(t.keySet()));
        assertEquals(DType.FLOAT32, t.get("weight").dtype());
        assertEquals(List.of(2, 3), List.of(t.get("weight").size(0), t.get("weight").size(1)));
        float[] w = t.get("weight").toFloatArray();
        for (int i = 0; i < 6; i++) assertEquals((i - 2.5f) / 3, w[i]);
        assertArrayEquals(new float[] {0.1f, -1e-8f, 3.4e38f}, t.get("bias").toFloatArray());
        assertEquals(0, t.get("step").dim());
        assertEquals(-(1L << 62) - 5, t.get("step").longItem());
        assertArrayEquals(new boolean[] {true, false, false, true}, t.get("mask").toBoolArray());
        assertEquals(DType.FLOAT16, t.get("half").dtype());
        assertArrayEquals(new float[] {1.5f, -0.0f, 65504f}, t.get("half").toFloatArray());
        assertArrayEquals(new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}, t.get("ids").toIntArray());
        assertEquals(DType.INT16, t.get("small").dtype());
        assertArrayEquals(new long[] {-32768, 7, 0, 32767}, t.get("small").toLongArray());
        assertArrayEquals(new double[] {Math.PI, -1e-300}, t.get("double").toDoubleArray());
        assertEquals(List.of(0, 3), List.of(t.get("empty").size(0), t.get("empty").size(1)));
        assertEquals(Map.of("format", "pt", "note", "kiln \"fixture\"\né"), Safetensors.readMetadata(fixture("mixed.safetensors")));
    }

    @Test void writesTheSameBytesAsTheReferenceLayout(@TempDir Path dir) throws Exception {
        Path ref = fixture("mixed.safetensors");
        // Insertion order must not matter: the writer sorts as the reference does.
        Map<String, Tensor> shuffled = new HashMap<>(Safetensors.load(ref));
        Path out = dir.resolve("kiln.safetensors");
        Safetensors.save(out, shuffled, Safetensors.readMetadata(ref));
        assertArrayEquals(Files.readAllBytes(ref), Files.readAllBytes(out));

        // The reference implementation's own test vector, built from Kiln tensors.
        Path attn = dir.resolve("attn.safetensors");
        Safetensors.save(attn, Map.of("attn.0", arange(6).toFloat().reshape(1, 2, 3)));
        assertArrayEquals(Files.readAllBytes(fixture("attn.safetensors")), Files.readAllBytes(attn));
        byte[] bytes = Files.readAllBytes(attn);
        assertEquals(64, bytes[0]);
        assertEquals("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}",
                new String(bytes, 8, 64, StandardCharsets.UTF_8).strip());
    }

    @Test void loadsBf16AndBytesAsThemselvesWithoutWidening() throws Exception {
        Map<String, Tensor> t = Safetensors.load(fixture("widened.safetensors"));
        assertEquals(DType.BFLOAT16, t.get("b").dtype());
        assertArrayEquals(new float[] {1.0f, -2.5f, 3.140625f}, t.get("b").toFloatArray());
        assertEquals(DType.UINT8, t.get("u").dtype());
        assertArrayEquals(new long[] {0, 200, 255}, t.get("u").toLongArray());
        assertEquals(DType.INT8, t.get("i").dtype());
        assertArrayEquals(new long[] {-128, 5, 127}, t.get("i").toLongArray());
    }

    @Test void smallDtypesKeepTheirBitsAndWriteTheReferenceBytes(@TempDir Path dir) throws Exception {
        Path ref = fixture("small_dtypes.safetensors");
        LinkedHashMap<String, Tensor> t = Safetensors.load(ref);
        // the reference layout: decreasing alignment (F32, BF16, I8, U8, BOOL), then by name
        assertEquals(List.of("f32", "bf16", "i8", "u8", "u8_scalar", "a_bool"), new ArrayList<>(t.keySet()));
        Tensor bf = t.get("bf16");
        assertEquals(DType.BFLOAT16, bf.dtype());
        assertArrayEquals(new short[] {(short) 0x8000, 0x7F80, (short) 0xFF80, 0x7FC1, 0x7F7F, 0x0001, 0x3DCD, (short) 0xC2F7},
                (short[]) bf.array(), "bfloat16 bits, NaN payload included");
        assertEquals(DType.UINT8, t.get("u8").dtype());
        assertArrayEquals(new byte[] {0, 1, 127, (byte) 128, (byte) 200, (byte) 255}, (byte[]) t.get("u8").array());
        assertEquals("tensor([[  0,   1, 127],\n        [128, 200, 255]], dtype=torch.uint8)", t.get("u8").toString());
        assertEquals(DType.INT8, t.get("i8").dtype());
        assertArrayEquals(new long[] {-128, -1, 0, 1, 127}, t.get("i8").toLongArray());
        assertEquals(0, t.get("u8_scalar").dim());
        assertEquals(7, t.get("u8_scalar").longItem());
        Path out = dir.resolve("kiln.safetensors");
        Safetensors.save(out, new HashMap<>(t));
        assertArrayEquals(Files.readAllBytes(ref), Files.readAllBytes(out));
    }

    @Test void roundTripsEveryDtypeAndViewsAndLeavesNoTempFile(@TempDir Path dir) throws Exception {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (DType d : DType.values()) in.put("t_" + d.torchName(), arange(12).reshape(3, 4).to(d).transpose(0, 1));
        in.put("grad", randn(2, 2).requiresGrad_());
        in.put("scalar", tensor(2.5));
        Path p = dir.resolve("all.safetensors");
        Files.writeString(p, "old contents are replaced");
        Safetensors.save(p, in);
        Map<String, Tensor> back = Safetensors.load(p);
        assertEquals(in.keySet(), back.keySet());
        for (var e : in.entrySet()) {
            Tensor b = back.get(e.getKey());
            assertEquals(e.getValue().dtype(), b.dtype(), e.getKey());
            assertTrue(b.equal(e.getValue().detach()), e.getKey());
        }
        assertEquals(Map.of(), Safetensors.readMetadata(p));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList());
        }
        assertThrows(IllegalArgumentException.class, () -> Safetensors.save(p, Map.of("__metadata__", zeros(1))));
    }

    static final class TwoLayer extends Module {
        final Tensor w, b, seen;

        TwoLayer() {
            w = registerParameter("weight", zeros(2, 3));
            b = registerParameter("bias", zeros(2));
            seen = registerBuffer("seen", zeros(new int[] {1}, DType.INT64));
        }

        @Override public Tensor forward(Tensor input) { return input.matmul(w.t()).add(b); }
    }

    static final class Outer extends Module {
        final TwoLayer inner = register("inner", new TwoLayer());

        @Override public Tensor forward(Tensor input) { return inner.forward(input); }
    }

    @Test void savesAndLoadsModulesByDottedStateDictKeys(@TempDir Path dir) throws Exception {
        Outer a = new Outer();
        a.inner.w.detach().copy_(arange(6).reshape(2, 3).toFloat());
        a.inner.b.detach().fill_(0.5);
        a.inner.seen.fill_(7L);
        Path p = dir.resolve("model.safetensors");
        Safetensors.save(p, a);
        assertEquals(Map.of("format", "pt"), Safetensors.readMetadata(p));
        assertEquals(List.of("inner.seen", "inner.bias", "inner.weight"), new ArrayList<>(Safetensors.load(p).keySet()));
        Outer b = new Outer();
        Safetensors.loadInto(p, b);
        assertTrue(b.inner.w.equal(a.inner.w));
        assertArrayEquals(new float[] {0.5f, 0.5f}, b.inner.b.toFloatArray());
        assertEquals(7, b.inner.seen.longItem());

        Safetensors.save(p, Map.of("inner.weight", ones(3, 2)));
        var e = assertThrows(IllegalArgumentException.class, () -> Safetensors.loadInto(p, b));
        assertTrue(e.getMessage().contains("Missing key(s) in state_dict: ") && e.getMessage().contains("inner.bias"), e.getMessage());
        assertTrue(b.inner.w.equal(a.inner.w), "a failed load changes nothing");
    }

    // ------------------------------------------------------------------ errors

    @Test void headerErrors(@TempDir Path dir) throws Exception {
        Path tiny = Files.write(dir.resolve("tiny"), new byte[] {1, 2, 3});
        assertError(tiny, "3 bytes is too short for the 8-byte header length");
        Path beyond = Files.write(dir.resolve("beyond"), le(1000, "{}      ".getBytes()));
        assertError(beyond, "header length 1000 is beyond the file size 16 (at most 8 bytes follow the length)");
        Path huge = Files.write(dir.resolve("huge"), le(-1, new byte[8]));
        assertError(huge, "header length 18446744073709551615 is beyond the file size 16");
        assertError(file(dir, "{\"a\":{\"dtype\":\"F32\",", new byte[0]), "the header is not valid JSON: unexpected end of input");
        assertError(file(dir, "[1,2]", new byte[0]), "the header is not a JSON object");
        assertError(file(dir, "{\"a\":1,\"a\":2}", new byte[0]), "the header is not valid JSON: duplicate key \"a\"");
        Path utf = Files.write(dir.resolve("utf"), le(8, new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}', ' '}));
        assertError(utf, "the header is not valid UTF-8");
        assertError(file(dir, "{\"__metadata__\":{\"n\":1}}", new byte[0]), "__metadata__ value for \"n\" is not a string");
    }

    @Test void tensorEntryErrorsNameTheTensor(@TempDir Path dir) throws Exception {
        assertError(file(dir, entry("w", "Q8", "[2]", "[0,2]"), new byte[2]), "tensor 'w': unknown dtype \"Q8\"");
        assertError(file(dir, entry("w", "U64", "[1]", "[0,8]"), new byte[8]), "tensor 'w': dtype U64 is not supported by Kiln");
        assertError(file(dir, entry("w", "F32", "[2,3]", "[0,20]"), new byte[20]),
                "tensor 'w': shape [2, 3] of F32 needs 24 bytes but data_offsets [0, 20] span 20");
        assertError(file(dir, entry("w", "F32", "[-1]", "[0,4]"), new byte[4]), "tensor 'w': shape holds -1, not a non-negative integer");
        assertError(file(dir, entry("w", "F32", "[1]", "[0]"), new byte[4]), "tensor 'w': data_offsets is not an array of 2 integers");
        assertError(file(dir, entry("w", "F32", "[1]", "[8,4]"), new byte[8]), "tensor 'w': data_offsets [8, 4] end before they begin");
        assertError(file(dir, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]), "tensor 'w': no \"data_offsets\"");
        assertError(file(dir, entry("m", "BOOL", "[2]", "[0,2]"), new byte[] {1, 2}), "tensor 'm': BOOL element 1 is byte 2, not 0 or 1");
    }

    @Test void offsetErrors(@TempDir Path dir) throws Exception {
        assertError(file(dir, entry("w", "F32", "[2]", "[0,8]"), new byte[4]),
                "tensor 'w': data_offsets [0, 8] run past the end of the data section, which has 4 bytes");
        String two = "{" + body("a", "F32", "[2]", "[0,8]") + "," + body("b", "F32", "[2]", "[4,12]") + "}";
        assertError(file(dir, two, new byte[12]), "tensors 'a' [0, 8] and 'b' [4, 12] overlap");
        String gap = "{" + body("a", "F32", "[1]", "[0,4]") + "," + body("b", "F32", "[1]", "[8,12]") + "}";
        assertError(file(dir, gap, new byte[12]), "data bytes [4, 8) before tensor 'b' belong to no tensor");
        assertError(file(dir, entry("a", "F32", "[1]", "[4,8]"), new byte[8]), "data bytes [0, 4) before tensor 'a' belong to no tensor");
        assertError(file(dir, entry("a", "F32", "[1]", "[0,4]"), new byte[8]),
                "the tensors cover 4 bytes but the data section has 8; bytes after tensor 'a' belong to no tensor");
    }

    private static String body(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    private static String entry(String name, String dtype, String shape, String offsets) {
        return "{" + body(name, dtype, shape, offsets) + "}";
    }

    private static int counter;

    /** A file with the given header (padded to 8 bytes as writers do) and data section. */
    private static Path file(Path dir, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        byte[] padded = new byte[(h.length + 7) / 8 * 8];
        java.util.Arrays.fill(padded, (byte) ' ');
        System.arraycopy(h, 0, padded, 0, h.length);
        ByteBuffer b = ByteBuffer.allocate(8 + padded.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded.length).put(padded).put(data);
        return Files.write(dir.resolve("f" + counter++ + ".safetensors"), b.array());
    }

    private static byte[] le(long length, byte[] rest) {
        return ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN).putLong(length).put(rest).array();
    }

    private static void assertError(Path p, String expected) {
        var e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.load(p));
        assertTrue(e.getMessage().startsWith("file " + p + ": " + expected), e.getMessage());
    }
}
