package dev.kiln.samples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class LinearRegressionTest {
    @Test void recoversSlopeAndInterceptOfTheGeneratingLine() {
        LinearRegression.Result r = LinearRegression.train(42, 500, 16, 30, 0.01);
        assertEquals(2.0, r.w(), 0.05);
        assertEquals(3.0, r.b(), 0.1);
        // the noise has variance 0.25: a fitted line cannot do much better, a wrong one does far worse
        assertTrue(r.loss() > 0.15 && r.loss() < 0.4, "loss " + r.loss());
    }

    @Test void writesAPngChart(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("fit.png");
        LinearRegression.main(new String[] {png.toString()});
        byte[] head = Files.readAllBytes(png);
        assertTrue(head.length > 1000);
        assertEquals((byte) 0x89, head[0]);
        assertEquals('P', head[1]);
        assertEquals('N', head[2]);
        assertEquals('G', head[3]);
    }
}
