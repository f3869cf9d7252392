package dev.kiln.backend.opencl;

import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenClMemoryTest {
    private static DeviceContext ctx;

    @BeforeAll
    static void open() { ctx = OpenClTesting.open(); }

    @AfterAll
    static void close() { if (ctx != null) ctx.close(); }

    private static float[] random(int n, long seed) {
        Random random = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = random.nextFloat() * 2 - 1;
        return a;
    }

    /** Every float of the buffer, through one download at offset 0. */
    private static float[] contents(DeviceBuffer buffer) {
        float[] all = new float[(int) buffer.floats()];
        ctx.download(buffer, 0, all, 0, all.length);
        return all;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 17, 129, 100003})
    void uploadAndDownloadRoundTripAtOffsets(int n) {
        float[] src = random(n + 3, n);
        try (DeviceBuffer buffer = ctx.allocate(n + 11)) {
            float[] sentinel = new float[n + 11];
            Arrays.fill(sentinel, -7.5f);
            ctx.upload(sentinel, 0, buffer, 0, sentinel.length);
            ctx.upload(src, 3, buffer, 5, n); // src[3..3+n) -> buffer[5..5+n)

            float[] expected = sentinel.clone();
            System.arraycopy(src, 3, expected, 5, n);
            assertArrayEquals(expected, contents(buffer), "the floats around the upload are untouched");

            float[] dst = new float[n + 4];
            Arrays.fill(dst, 42f);
            ctx.download(buffer, 5, dst, 2, n); // buffer[5..5+n) -> dst[2..2+n)
            float[] want = new float[n + 4];
            Arrays.fill(want, 42f);
            System.arraycopy(src, 3, want, 2, n);
            assertArrayEquals(want, dst);
        }
    }

    @Test
    void deviceToDeviceCopyAtOffsets() {
        int n = 1000;
        float[] src = random(n, 1);
        try (DeviceBuffer a = ctx.allocate(n); DeviceBuffer b = ctx.allocate(n)) {
            ctx.upload(src, 0, a, 0, n);
            ctx.upload(new float[n], 0, b, 0, n);
            ctx.copy(a, 4, b, 9, 517);
            ctx.copy(a, 0, a, 600, 300); // within one buffer, regions apart
            float[] expectedB = new float[n];
            System.arraycopy(src, 4, expectedB, 9, 517);
            assertArrayEquals(expectedB, contents(b));
            float[] expectedA = src.clone();
            System.arraycopy(src, 0, expectedA, 600, 300);
            assertArrayEquals(expectedA, contents(a));
        }
    }

    @Test
    void anAbsurdAllocationNamesTheSize() {
        long floats = 1L << 40;
        DeviceException e = assertThrows(DeviceException.class, () -> ctx.allocate(floats));
        String m = e.getMessage();
        assertTrue(m.contains("clCreateBuffer") && m.contains(floats + " floats") && m.contains((floats * 4) + " bytes")
                && m.contains("opencl:0"), m);
    }

    @Test
    void copiesOutsideTheBufferAreRefusedBeforeTheDriver() {
        try (DeviceBuffer buffer = ctx.allocate(10)) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> ctx.upload(new float[8], 0, buffer, 5, 8));
            assertTrue(e.getMessage().contains("8 floats at offset 5") && e.getMessage().contains("10 floats"),
                    e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> ctx.download(buffer, 0, new float[4], 2, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> ctx.copy(buffer, 8, buffer, 0, 3));
        }
    }

    @Test
    void aBufferOfAnotherContextOrAClosedOneIsRefused() {
        try (DeviceContext other = new OpenClBackend().open(0); DeviceBuffer foreign = other.allocate(2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ctx.upload(new float[2], 0, foreign, 0, 2));
            assertTrue(e.getMessage().contains("upload destination"), e.getMessage());
        }
        DeviceBuffer closed = ctx.allocate(2);
        closed.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ctx.download(closed, 0, new float[2], 0, 2));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void buffersAreReleasedOnceByCloseTheCleanerOrTheContext() throws InterruptedException {
        OpenClContext own = (OpenClContext) new OpenClBackend().open(0);
        DeviceBuffer kept = own.allocate(16);
        DeviceBuffer closed = own.allocate(16);
        assertEquals(2, own.liveBuffers());
        closed.close();
        closed.close();
        assertEquals(1, own.liveBuffers());
        for (int i = 0; i < 100; i++) own.allocate(1024); // dropped without close: the Cleaner frees them
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (own.liveBuffers() > 1 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(1, own.liveBuffers(), "unreachable buffers are released");
        own.close();
        assertEquals(0, own.liveBuffers());
        kept.close(); // after the context: nothing left to release, and no error
    }

    @Test
    void anEmptyBufferIsAllowed() {
        try (DeviceBuffer empty = ctx.allocate(0)) {
            ctx.upload(new float[0], 0, empty, 0, 0);
            ctx.download(empty, 0, new float[0], 0, 0);
            assertEquals(0, empty.floats());
        }
    }
}
