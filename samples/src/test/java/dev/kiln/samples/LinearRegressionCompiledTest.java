package dev.kiln.samples;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class LinearRegressionCompiledTest {
    @Test void compiledLineRecoversSlopeAndIntercept() {
        LinearRegressionCompiled.Fit f = LinearRegressionCompiled.fit(42, 500, 16, 30, 0.01);
        assertEquals(2.0, f.w(), 0.05);
        assertEquals(3.0, f.b(), 0.1);
        assertTrue(f.loss() > 0.15 && f.loss() < 0.4, "loss " + f.loss());
    }

    @Test void agreesWithTheEagerSampleOnTheSameData() {
        LinearRegressionCompiled.Fit compiled = LinearRegressionCompiled.fit(42, 500, 16, 30, 0.01);
        LinearRegression.Result eager = LinearRegression.train(42, 500, 16, 30, 0.01);
        // same data and recipe, different init and shuffle streams: both land on the least-squares line
        assertEquals(eager.w(), compiled.w(), 0.05);
        assertEquals(eager.b(), compiled.b(), 0.1);
    }
}
