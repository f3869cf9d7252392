package dev.kiln.samples.compiled;

import dev.kiln.compiled.CompiledModel;
import dev.kiln.compiled.Models;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Models.create finds the generated class, and names the missing processor set-up where there is none. */
class ModelsTest {
    /** A class the processor never saw (no @Model), standing for a project whose processor did not run. */
    abstract static class NotProcessed {}

    @Test
    void findsTheGeneratedClassByName() {
        CompiledModel m = Models.create(PhonePrice.class, 3);
        assertArrayEquals(KilnPhonePrice.create(3).parameterBuffer(), m.parameterBuffer(), "the same weights as create(3)");
    }

    @Test
    void aMissingGeneratedClassNamesAnnotationProcessorPaths() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Models.create(NotProcessed.class, 1));
        assertTrue(e.getMessage().contains("KilnNotProcessed") && e.getMessage().contains("annotationProcessorPaths"), e.getMessage());
    }
}
