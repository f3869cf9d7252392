package dev.kiln.samples;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The main job: the compiled phone-price classifier reaches the goal on the held-out 20%. */
class PhonePriceCompiledTest {
    @Test void reachesTestAccuracyOfAtLeast095() throws Exception {
        PhonePriceCompiled.Run r = PhonePriceCompiled.train(PhonePriceData.bundled(), null);
        assertTrue(r.accuracy() >= 0.95, "test accuracy " + r.accuracy());
        assertEquals(PhonePriceCompiled.EPOCHS, r.history().epochs());
        assertTrue(r.history().last("loss") < r.history().get("loss").getFirst());
    }
}
