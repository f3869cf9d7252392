package dev.kiln.samples;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The eager phone-price sample: the improved recipe must beat the course's and reach 0.95. */
class PhonePriceTest {
    @Test void improvedRecipeReachesTheGoalAndBeatsTheCourseRecipe() throws Exception {
        PhonePrice.Result r = PhonePrice.run(PhonePriceData.bundled(), 10, 40, false);
        assertTrue(r.improvedAccuracy() >= 0.95, "improved accuracy " + r.improvedAccuracy());
        assertTrue(r.courseAccuracy() < r.improvedAccuracy(), "course " + r.courseAccuracy());
        assertEquals(400, r.confusion().total());   // the 20% test split of 2000 rows
        assertEquals(40, r.improvedHistory().epochs());
    }

    @Test void splitIsStratifiedAndScalerSeesOnlyTrainingRows() throws Exception {
        PhonePriceData d = PhonePriceData.bundled();
        assertEquals(1600, d.trainX().size(0));
        assertEquals(400, d.testX().size(0));
        for (int c = 0; c < 4; c++) assertEquals(100, d.testY().eq((double) c).toLong().sum().longItem());
        // standardised with training statistics: training columns have mean 0, test columns only roughly
        assertEquals(0.0, d.trainX().mean(0).abs().max().item(), 1e-5);
        assertTrue(d.testX().mean(0).abs().max().item() > 1e-4);
    }
}
