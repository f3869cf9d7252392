package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Loading state dicts into layers: round trips, and PyTorch's strict-mode error messages. */
class NnStateDictTest {
    private static Sequential model() {
        return new Sequential(new Linear(4, 8), new ReLU(), new BatchNorm1d(8), new Linear(8, 2));
    }

    @Test void roundTripCopiesEveryParameterAndBuffer() {
        Torch.manualSeed(1);
        Sequential a = model();
        a.forward(Torch.randn(5, 4)); // moves BatchNorm's running statistics
        Sequential b = model();
        b.loadStateDict(a.stateDict());
        a.stateDict().forEach((k, v) -> assertTrue(v.equal(b.stateDict().get(k)), k));
        assertEquals(1L, b.stateDict().get("2.num_batches_tracked").longItem());
        // Loading copies values; the model's tensors stay its own.
        Tensor w = b.stateDict().get("0.weight");
        Init0.zero(a);
        assertTrue(b.stateDict().get("0.weight").equal(w));
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "2.running_mean", "2.running_var",
                "2.num_batches_tracked", "3.weight", "3.bias"), List.copyOf(b.stateDict().keySet()));
    }

    @Test void missingAndUnexpectedKeysAreReportedTogether() {
        Map<String, Tensor> state = new LinkedHashMap<>(model().stateDict());
        state.remove("0.bias");
        state.remove("2.running_var");
        state.put("4.weight", Torch.zeros(2));
        var e = assertThrows(IllegalArgumentException.class, () -> model().loadStateDict(state));
        assertEquals("Error(s) in loading state_dict for Sequential:\n"
                + "\tMissing key(s) in state_dict: \"0.bias\", \"2.running_var\".\n"
                + "\tUnexpected key(s) in state_dict: \"4.weight\".", e.getMessage());
        // Non-strict loading skips both and copies the rest.
        Sequential m = model();
        state.put("0.weight", Torch.ones(8, 4));
        m.loadStateDict(state, false);
        assertEquals(32.0, m.stateDict().get("0.weight").sum().item(), 0.0);
    }

    @Test void sizeMismatchNamesBothShapes() {
        Map<String, Tensor> state = new LinkedHashMap<>(new Linear(4, 3).stateDict());
        state.put("weight", Torch.zeros(3, 5));
        var e = assertThrows(IllegalArgumentException.class, () -> new Linear(4, 3).loadStateDict(state));
        assertEquals("Error(s) in loading state_dict for Linear:\n\tsize mismatch for weight: copying a param with shape "
                + "torch.Size([3, 5]) from checkpoint, the shape in current model is torch.Size([3, 4]).", e.getMessage());
    }

    @Test void absentOptionalTensorsAreNotInTheStateDict() {
        assertEquals(List.of("weight"), List.copyOf(new Linear(2, 2, false).stateDict().keySet()));
        assertEquals(List.of("running_mean", "running_var", "num_batches_tracked"),
                List.copyOf(new BatchNorm1d(3, 1e-5, 0.1, false, true).stateDict().keySet()));
        assertEquals(List.of("weight", "bias"), List.copyOf(new BatchNorm2d(3, 1e-5, 0.1, true, false).stateDict().keySet()));
        assertEquals(List.of(), List.copyOf(new LayerNorm(new int[] {3}, 1e-5, false).stateDict().keySet()));
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Linear(2, 2, false).loadStateDict(Map.of("weight", Torch.zeros(2, 2), "bias", Torch.zeros(2))));
        assertEquals("Error(s) in loading state_dict for Linear:\n\tUnexpected key(s) in state_dict: \"bias\".", e.getMessage());
        assertArrayEquals(new int[] {2, 2}, new Linear(2, 2, false).weight().shape().toArray());
    }

    /** Overwrites a model's parameters, to show a loaded copy does not alias them. */
    private static final class Init0 {
        static void zero(Module m) {
            for (Tensor p : m.parameters()) dev.kiln.nn.init.Init.zeros_(p);
        }
    }
}
