package dev.kiln.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import dev.kiln.tensor.random.Generator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Stream;

import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.*;

/** DataLoader batching, and shuffles replayed against PyTorch 1.13 ({@code make_data_fixtures.py}). */
class DataLoaderTest {
    private static JsonNode fixture;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = DataLoaderTest.class.getResourceAsStream("/fixtures/data/dataloader.json")) {
            assertNotNull(in, "fixtures/data/dataloader.json missing: run runtime/src/test/python/make_data_fixtures.py");
            fixture = new ObjectMapper().readTree(in);
        }
    }

    @TestFactory
    Stream<DynamicTest> batchesAndRandomStateMatchPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : fixture.get("cases")) {
            String name = "n=" + c.get("n") + " bs=" + c.get("batchSize") + " shuffle=" + c.get("shuffle")
                    + " dropLast=" + c.get("dropLast") + " seed=" + c.get("seed") + " generator=" + c.get("generatorSeed");
            tests.add(DynamicTest.dynamicTest(name, () -> replay(c)));
        }
        return tests.stream();
    }

    private static void replay(JsonNode c) {
        manualSeed(c.get("seed").asLong());
        Generator g = c.get("generatorSeed").isNull() ? null : new Generator(c.get("generatorSeed").asLong());
        DataLoader loader = new DataLoader(new TensorDataset(arange(c.get("n").asInt())), c.get("batchSize").asInt(),
                c.get("shuffle").asBoolean(), c.get("dropLast").asBoolean(), g);
        assertEquals(c.get("length").asInt(), loader.size());
        for (JsonNode epoch : c.get("epochs")) {
            List<List<Long>> got = new ArrayList<>();
            for (Tensor[] batch : loader) {
                assertEquals(1, batch.length);
                assertEquals(DType.INT64, batch[0].dtype());
                got.add(longs(batch[0].toLongArray()));
            }
            assertEquals(asLists(epoch), got);
        }
        // The loader must have consumed exactly as many draws as PyTorch's did.
        assertArrayEquals(floats(c.get("randAfter")), rand(3).toFloatArray());
        if (g != null) {
            float[] a = new float[2];
            g.fillUniform(a, 0, 2, 0, 1);
            assertArrayEquals(floats(c.get("generatorRandAfter")), a);
        }
    }

    @Test void int64RandomDrawsMatchPyTorch() {
        for (JsonNode c : fixture.get("int64Random")) {
            Generator g = new Generator(c.get("seed").asLong());
            for (JsonNode d : c.get("draws")) assertEquals(d.asLong(), RandomSampler.randomInt64(g));
        }
    }

    @Test void batchesEveryTensorOfTheDatasetTogether() {
        Tensor x = arange(0, 20).reshape(10, 2).toFloat();
        Tensor y = arange(100, 110);
        DataLoader loader = new DataLoader(new TensorDataset(x, y), 4);
        assertEquals(3, loader.size());
        Iterator<Tensor[]> it = loader.iterator();
        Tensor[] first = it.next();
        assertEquals(List.of(4, 2), List.of(first[0].size(0), first[0].size(1)));
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, first[0].toFloatArray());
        assertArrayEquals(new long[] {100, 101, 102, 103}, first[1].toLongArray());
        it.next();
        Tensor[] last = it.next();
        assertArrayEquals(new long[] {108, 109}, last[1].toLongArray());
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
    }

    @Test void dropLastLeavesOutTheShortBatch() {
        DataLoader loader = new DataLoader(new TensorDataset(arange(10)), 4, false, true);
        assertEquals(2, loader.size());
        List<List<Long>> got = new ArrayList<>();
        for (Tensor[] b : loader) got.add(longs(b[0].toLongArray()));
        assertEquals(List.of(List.of(0L, 1L, 2L, 3L), List.of(4L, 5L, 6L, 7L)), got);
        assertEquals(0, new DataLoader(new TensorDataset(arange(3)), 4, false, true).size());
        assertEquals(10, new DataLoader(new TensorDataset(arange(10)), 1).size());
    }

    @Test void aSeededGeneratorReproducesTheOrderAndEpochsDiffer() {
        List<Long> a = firstEpoch(new DataLoader(new TensorDataset(arange(50)), 50, true, false, new Generator(5)));
        List<Long> b = firstEpoch(new DataLoader(new TensorDataset(arange(50)), 50, true, false, new Generator(5)));
        assertEquals(a, b);
        assertEquals(50, a.stream().distinct().count());
        DataLoader loader = new DataLoader(new TensorDataset(arange(50)), 50, true, false, new Generator(5));
        assertNotEquals(firstEpoch(loader), firstEpoch(loader));
    }

    @Test void genericDatasetsAreCollatedByStacking() {
        Dataset<Tensor[]> squares = new Dataset<>() {
            public int size() { return 5; }
            public Tensor[] get(int i) { return new Tensor[] {full(new int[] {2}, (double) i), tensor((long) i * i)}; }
        };
        List<Tensor[]> batches = new ArrayList<>();
        new DataLoader(squares, 2).forEach(batches::add);
        assertEquals(3, batches.size());
        assertArrayEquals(new float[] {2, 2, 3, 3}, batches.get(1)[0].toFloatArray());
        assertArrayEquals(new long[] {4, 9}, batches.get(1)[1].toLongArray());
        assertArrayEquals(new long[] {16}, batches.get(2)[1].toLongArray());
    }

    @Test void tensorDatasetItemsAndErrors() {
        TensorDataset ds = new TensorDataset(arange(0, 6).reshape(3, 2), arange(3));
        assertEquals(3, ds.size());
        Tensor[] item = ds.get(2);
        assertArrayEquals(new long[] {4, 5}, item[0].toLongArray());
        assertEquals(2, item[1].longItem());
        assertThrows(IndexOutOfBoundsException.class, () -> ds.get(3));
        var e = assertThrows(IllegalArgumentException.class, () -> new TensorDataset(zeros(3, 2), zeros(4)));
        assertTrue(e.getMessage().startsWith("Size mismatch between tensors"), e.getMessage());
        var bs = assertThrows(IllegalArgumentException.class, () -> new DataLoader(ds, 0));
        assertEquals("batch_size should be a positive integer value, but got batch_size=0", bs.getMessage());
        var empty = assertThrows(IllegalArgumentException.class, () -> new DataLoader(new TensorDataset(zeros(0, 2)), 2, true));
        assertEquals("num_samples should be a positive integer value, but got num_samples=0", empty.getMessage());
    }

    private static List<Long> firstEpoch(DataLoader loader) {
        return longs(loader.iterator().next()[0].toLongArray());
    }

    private static List<Long> longs(long[] a) {
        List<Long> out = new ArrayList<>();
        for (long v : a) out.add(v);
        return out;
    }

    private static List<List<Long>> asLists(JsonNode epoch) {
        List<List<Long>> out = new ArrayList<>();
        for (JsonNode b : epoch) {
            List<Long> batch = new ArrayList<>();
            for (JsonNode v : b) batch.add(v.asLong());
            out.add(batch);
        }
        return out;
    }

    private static float[] floats(JsonNode a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) a.get(i).asDouble();
        return out;
    }
}
