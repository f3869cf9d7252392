package dev.kiln.data;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.*;

/** StandardScaler, trainTestSplit and oneHot. */
class DataPreprocessingTest {
    /** Five rows with a constant third column; expected values from numpy doing what sklearn does. */
    private static final Tensor X = tensor(new float[][] {
            {0.1f, 10, 5, -3}, {0.7f, 20, 5, 8.5f}, {0.3f, 35, 5, 1e3f}, {1.9f, 40, 5, -0.25f}, {2.2f, 11, 5, 7}});

    @Test void scalerMatchesSklearnIncludingFloat32Rounding() {
        StandardScaler s = new StandardScaler();
        Tensor z = s.fitTransform(X);
        assertEquals(DType.FLOAT32, z.dtype());
        assertArrayEquals(new double[] {1.04000001, 23.2, 5, 202.45}, s.mean().toDoubleArray(), 1e-8);
        assertArrayEquals(new double[] {0.726400011, 150.96, 0, 159040.06}, s.var().toDoubleArray(), 1e-5);
        assertEquals(1.0, s.scale().toDoubleArray()[2]); // constant column: scale 1, values 0
        assertEquals(5, s.samplesSeen());
        // numpy: Z = X.copy(); Z -= mean_; Z /= scale_ (float32 array, float64 statistics)
        assertArrayEquals(new float[] {
                -1.1029096841812134f, -1.0743430852890015f, 0f, -0.5151727199554443f,
                -0.3989247679710388f, -0.26044681668281555f, 0f, -0.4863361120223999f,
                -0.8682480454444885f, 0.9603976011276245f, 0f, 1.9998832941055298f,
                1.009044885635376f, 1.3673456907272339f, 0f, -0.5082769989967346f,
                1.3610374927520752f, -0.9929534196853638f, 0f, -0.49009740352630615f}, z.toFloatArray());
        assertArrayEquals(new float[] {
                0.09999994933605194f, 10f, 5f, -2.9999969005584717f, 0.699999988079071f, 20f, 5f, 8.50000286102295f,
                0.29999998211860657f, 35f, 5f, 1000f, 1.8999998569488525f, 40f, 5f, -0.24998168647289276f,
                2.200000047683716f, 11f, 5f, 7.000002861022949f}, s.inverseTransform(z).toFloatArray());
        // New data uses the training statistics, not its own.
        assertArrayEquals(new float[] {-0.04693233221769333f, -1.725460171699524f, -2f, -0.49762001633644104f},
                s.transform(tensor(new float[][] {{1, 2, 3, 4}})).toFloatArray());
    }

    @Test void scalerKeepsFloat64AndChecksItsInput() {
        StandardScaler s = new StandardScaler().fit(X.toDouble());
        Tensor z = s.transform(X.toDouble());
        assertEquals(DType.FLOAT64, z.dtype());
        assertEquals(0.0, z.mean(0).abs().max().item(), 1e-12);
        assertEquals(1.0, z.select(1, 1).var(false).item(), 1e-12);
        var e = assertThrows(IllegalArgumentException.class, () -> s.transform(zeros(2, 3)));
        assertEquals("X has 3 features, but StandardScaler is expecting 4 features as input.", e.getMessage());
        var notFitted = assertThrows(IllegalStateException.class, () -> new StandardScaler().transform(X));
        assertTrue(notFitted.getMessage().startsWith("This StandardScaler instance is not fitted yet."));
        assertThrows(IllegalArgumentException.class, () -> new StandardScaler().fit(zeros(3)));
    }

    @Test void splitSizesFollowSklearnAndPartitionTheRows() {
        Tensor x = arange(0, 20).reshape(10, 2).toFloat();
        Tensor y = arange(100, 110);
        TrainTestSplit s = Preprocessing.trainTestSplit(x, y, 0.25, 42, false);
        assertEquals(3, s.xTest().size(0)); // ceil(0.25 * 10)
        assertEquals(7, s.xTrain().size(0));
        Set<Long> rows = new HashSet<>();
        for (long i : s.trainIndices().toLongArray()) rows.add(i);
        for (long i : s.testIndices().toLongArray()) rows.add(i);
        assertEquals(10, rows.size());
        // Rows stay aligned: y = 100 + row, x[row] = (2 row, 2 row + 1).
        long[] yTest = s.yTest().toLongArray();
        float[] xTest = s.xTest().toFloatArray();
        for (int i = 0; i < yTest.length; i++) assertEquals(2 * (yTest[i] - 100), (long) xTest[2 * i]);
        TrainTestSplit again = Preprocessing.trainTestSplit(x, y, 0.25, 42, false);
        assertArrayEquals(s.testIndices().toLongArray(), again.testIndices().toLongArray());
        assertFalse(Arrays.equals(s.testIndices().toLongArray(),
                Preprocessing.trainTestSplit(x, y, 0.25, 7, false).testIndices().toLongArray()));
    }

    @Test void stratifiedSplitKeepsClassProportions() {
        // 12 of class 0, 6 of class 1 and 2 of class 2; a 25% test set has 5 rows.
        long[] labels = new long[20];
        for (int i = 12; i < 18; i++) labels[i] = 1;
        labels[18] = labels[19] = 2;
        Tensor y = fromArray(labels, 20);
        TrainTestSplit s = Preprocessing.trainTestSplit(arange(20).toFloat().reshape(20, 1), y, 0.25, 3, true);
        long[] testCounts = new long[3], trainCounts = new long[3];
        for (long v : s.yTest().toLongArray()) testCounts[(int) v]++;
        for (long v : s.yTrain().toLongArray()) trainCounts[(int) v]++;
        // Exact shares 3.0, 1.5 and 0.5 floor to 3, 1, 0; the one row left goes to a 0.5 remainder, the tie to class 1.
        assertArrayEquals(new long[] {3, 2, 0}, testCounts);
        assertArrayEquals(new long[] {9, 4, 2}, trainCounts);
    }

    @Test void splitErrors() {
        Tensor x = zeros(4, 2);
        var few = assertThrows(IllegalArgumentException.class,
                () -> Preprocessing.trainTestSplit(x, tensor(new long[] {0, 0, 0, 1}), 0.5, 0, true));
        assertTrue(few.getMessage().startsWith("The least populated class in y has only 1 member"));
        assertThrows(IllegalArgumentException.class, () -> Preprocessing.trainTestSplit(x, arange(3), 0.5, 0, false));
        assertThrows(IllegalArgumentException.class, () -> Preprocessing.trainTestSplit(x, arange(4), 1.0, 0, false));
        var empty = assertThrows(IllegalArgumentException.class, () -> Preprocessing.trainTestSplit(x, arange(4), 0.9, 0, false));
        assertTrue(empty.getMessage().contains("the resulting train set will be empty"), empty.getMessage());
    }

    @Test void oneHotMatchesTorchFunctional() {
        Tensor h = Preprocessing.oneHot(tensor(new long[] {0, 2, 1}), 4);
        assertEquals(DType.INT64, h.dtype());
        assertEquals(List.of(3, 4), List.of(h.size(0), h.size(1)));
        assertArrayEquals(new long[] {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0}, h.toLongArray());
        Tensor inferred = Preprocessing.oneHot(tensor(new long[][] {{1, 0}, {2, 1}}));
        assertEquals(List.of(2, 2, 3), List.of(inferred.size(0), inferred.size(1), inferred.size(2)));
        assertArrayEquals(new long[] {0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0}, inferred.toLongArray());
        assertEquals("Class values must be smaller than num_classes.",
                assertThrows(IllegalArgumentException.class, () -> Preprocessing.oneHot(tensor(new long[] {0, 4}), 4)).getMessage());
        assertEquals("Class values must be non-negative.",
                assertThrows(IllegalArgumentException.class, () -> Preprocessing.oneHot(tensor(new long[] {-1}), 4)).getMessage());
        assertEquals("one_hot is only applicable to index tensor.",
                assertThrows(IllegalArgumentException.class, () -> Preprocessing.oneHot(tensor(new float[] {1}), 4)).getMessage());
    }
}
