package dev.kiln.data;

import dev.kiln.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CsvReaderTest {
    private static final String HEADER = "a,b,label,id";

    @Test void readsTheMobilePriceLayout() throws Exception {
        // The first five rows of the Kaggle mobile-price train.csv, copied into test resources.
        Path p = Path.of(getClass().getResource("/fixtures/data/mobile_price_head.csv").toURI());
        CsvTable t = new CsvReader().labelColumn("price_range").read(p);
        assertEquals(5, t.rows());
        assertEquals(List.of(5, 20), List.of(t.features().size(0), t.features().size(1)));
        assertEquals(DType.FLOAT32, t.features().dtype());
        assertEquals(DType.INT64, t.labels().dtype());
        assertEquals("battery_power", t.featureNames().get(0));
        assertEquals("wifi", t.featureNames().get(19));
        assertEquals("price_range", t.labelName());
        assertArrayEquals(new long[] {1, 2, 2, 2, 1}, t.labels().toLongArray());
        float[] row0 = t.features().select(0, 0).toFloatArray();
        assertArrayEquals(new float[] {842, 0, 2.2f, 0, 1, 0, 7, 0.6f, 188, 2, 2, 20, 756, 2549, 9, 7, 19, 0, 0, 1}, row0);
        assertEquals(5, t.dataset().size());
    }

    @Test void readsTheWholeSharedFileWhenPresent() throws Exception {
        // CI keeps the shared data beside the repository; tests run in the runtime module's directory.
        Path p = Path.of("../../shared/data/mobile-price/train.csv");
        assumeTrue(Files.exists(p), "../shared/data beside the repository is not checked out");
        CsvTable t = new CsvReader().labelColumn("price_range").read(p);
        assertEquals(2000, t.rows());
        assertEquals(20, t.featureNames().size());
        long[] counts = new long[4];
        for (long y : t.labels().toLongArray()) counts[(int) y]++;
        assertArrayEquals(new long[] {500, 500, 500, 500}, counts);
    }

    @Test void dropsColumnsAndHonoursDelimiterAndQuotes(@TempDir Path dir) throws Exception {
        Path p = write(dir, "\"a\";\"b;c\";label;id\n1.5;\" -2e3 \";0;17\n.25;+4;1;18\n");
        CsvTable t = new CsvReader().delimiter(';').labelColumn("label").drop("id").read(p);
        assertEquals(List.of("a", "b;c"), t.featureNames());
        assertArrayEquals(new float[] {1.5f, -2000f, 0.25f, 4f}, t.features().toFloatArray());
        assertArrayEquals(new long[] {0, 1}, t.labels().toLongArray());
    }

    @Test void withoutALabelEveryColumnIsAFeature(@TempDir Path dir) throws Exception {
        CsvTable t = new CsvReader().read(write(dir, "x,y\n1,2\n3,4\n"));
        assertNull(t.labels());
        assertArrayEquals(new float[] {1, 2, 3, 4}, t.features().toFloatArray());
        assertThrows(IllegalStateException.class, t::dataset);
        // A header with no rows is an empty table, not an error.
        assertEquals(0, new CsvReader().read(write(dir, "x,y\n")).rows());
    }

    @Test void featuresAreRoundedFromDoubleAsPandasThenFloat32(@TempDir Path dir) throws Exception {
        // 0.1 parsed as double then narrowed is 0.1f; a 17-digit value shows the double step.
        CsvTable t = new CsvReader().read(write(dir, "v\n0.1\n1.00000005960464478\n"));
        assertArrayEquals(new float[] {0.1f, (float) 1.00000005960464478}, t.features().toFloatArray());
    }

    @Test void malformedRowsNameFileLineColumnAndValue(@TempDir Path dir) throws Exception {
        assertError(dir, HEADER + "\n1,2,0,9\n1,x,0,9\n", "line 3, column 'b': not a number (value \"x\")");
        assertError(dir, HEADER + "\n1,,0,9\n", "line 2, column 'b': empty field (value \"\")");
        assertError(dir, HEADER + "\n1,2,0,9\n1,2,0,9\n3,4,1.0,9\n", "line 4, column 'label': label is not an integer (value \"1.0\")");
        assertError(dir, HEADER + "\n1,2,,9\n", "line 2, column 'label': empty label (value \"\")");
        assertError(dir, HEADER + "\n1,2,0\n", "line 2: 3 fields but the header has 4; column 'id' and after are missing: \"1,2,0\"");
        assertError(dir, HEADER + "\n1,2,0,9,5\n", "line 2: 5 fields but the header has 4; 1 field(s) past the last column 'id'");
        assertError(dir, HEADER + "\n1,2,0,9\n\n", "line 3: 1 fields but the header has 4; column 'b' and after are missing");
        assertError(dir, HEADER + "\nNaN,2,0,9\n", "line 2, column 'a': not a number (value \"NaN\")");
        assertError(dir, HEADER + "\n1f,2,0,9\n", "line 2, column 'a': not a number (value \"1f\")");
        assertError(dir, HEADER + "\n\"1,2,0,9\n", "line 2: a quoted field is not closed on this line");
        assertError(dir, "a,a,label,id\n", "line 1: column 'a' appears twice in the header");
        assertError(dir, "a,b\n1,2\n", "no column 'label' in the header [a, b]");
        assertError(dir, "", "empty, expected a header row");
    }

    @Test void aMissingDroppedColumnIsAnError(@TempDir Path dir) throws Exception {
        Path p = write(dir, "a,b\n1,2\n");
        var e = assertThrows(DatasetFormatException.class, () -> new CsvReader().drop("nope").read(p));
        assertEquals("file " + p + ": no column 'nope' in the header [a, b]", e.getMessage());
    }

    private static void assertError(Path dir, String csv, String expected) throws IOException {
        Path p = write(dir, csv);
        var e = assertThrows(DatasetFormatException.class, () -> new CsvReader().labelColumn("label").read(p));
        assertTrue(e.getMessage().startsWith("file " + p), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    private static int counter;

    private static Path write(Path dir, String text) throws IOException {
        return Files.writeString(dir.resolve("t" + counter++ + ".csv"), text);
    }

}
