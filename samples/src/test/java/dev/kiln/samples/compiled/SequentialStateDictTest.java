package dev.kiln.samples.compiled;

import dev.kiln.io.Npy;
import dev.kiln.io.Safetensors;
import dev.kiln.nn.BatchNorm1d;
import dev.kiln.nn.Dropout;
import dev.kiln.nn.Flatten;
import dev.kiln.nn.Linear;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Sigmoid;
import dev.kiln.nn.Tanh;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weights moving between a generated model and the equivalent eager {@code nn.Sequential}, in both directions, and
 * from PyTorch through safetensors: {@code sequentialStateDict()} and {@code loadStateDict} in either key form.
 */
class SequentialStateDictTest {
    private static final Path FIXTURE = Path.of("src/test/resources/fixtures/phone-price-sequential");

    private static Sequential eagerPhonePrice() {
        return new Sequential(new Linear(20, 128), new ReLU(), new Linear(128, 256), new ReLU(), new Linear(256, 4));
    }

    @Test
    void phonePriceKeysNumberEveryModule() {
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"),
                List.copyOf(KilnPhonePrice.create(0).sequentialStateDict().keySet()));
    }

    @Test
    void compiledWeightsRunInAnEagerSequential() {
        KilnPhonePrice compiled = KilnPhonePrice.create(5);
        Sequential eager = eagerPhonePrice();
        eager.loadStateDict(compiled.sequentialStateDict());
        Torch.manualSeed(1);
        Tensor x = Torch.randn(16, 20);
        assertArrayEquals(compiled.forward(x).toFloatArray(), eager.forward(x).toFloatArray(), 1e-5f);
    }

    @Test
    void eagerSequentialWeightsLoadIntoTheCompiledModel() {
        Torch.manualSeed(9);
        Sequential eager = eagerPhonePrice();
        KilnPhonePrice compiled = KilnPhonePrice.create(0);
        compiled.loadStateDict(eager.stateDict());
        Tensor x = Torch.randn(16, 20);
        assertArrayEquals(eager.forward(x).toFloatArray(), compiled.forward(x).toFloatArray(), 1e-5f);
        // The field form still loads, and gives back the same weights.
        KilnPhonePrice copy = KilnPhonePrice.create(1);
        copy.loadStateDict(compiled.stateDict());
        assertArrayEquals(compiled.parameterBuffer(), copy.parameterBuffer());
    }

    @Test
    void nestedBlocksBatchNormAndParameterFreeModulesTakeIndices() {
        Sequential eager = new Sequential(new Linear(6, 7), new Tanh(), new BatchNorm1d(7), new Dropout(0.5),
                new Sequential(new Sequential(new Linear(7, 7), new Sigmoid()), new Sequential(new Linear(7, 7), new Sigmoid())),
                new Flatten(), new Linear(7, 3));
        KilnTestChain compiled = KilnTestChain.create(4);
        assertEquals(List.copyOf(eager.stateDict().keySet()), List.copyOf(compiled.sequentialStateDict().keySet()));
        Torch.manualSeed(2);
        Tensor x = Torch.randn(8, 6);
        compiled.forward(x);
        compiled.forward(x.mul(2));
        eager.loadStateDict(compiled.sequentialStateDict());
        assertEquals(2, eager.stateDict().get("2.num_batches_tracked").toFloatArray()[0], 0f);
        eager.eval();
        compiled.eval();
        assertArrayEquals(eager.forward(x).toFloatArray(), compiled.forward(x).toFloatArray(), 1e-5f);
        KilnTestChain back = KilnTestChain.create(8).eval();
        back.loadStateDict(eager.stateDict());
        assertArrayEquals(compiled.stateBuffer(), back.stateBuffer(), 0f);
        assertArrayEquals(compiled.forward(x).toFloatArray(), back.forward(x).toFloatArray(), 0f);
    }

    @Test
    void keysFittingNeitherFormAreListedAsInModuleLoadStateDict() {
        Map<String, Tensor> state = new HashMap<>(KilnPhonePrice.create(0).sequentialStateDict());
        state.remove("4.bias");
        state.put("5.weight", Torch.zeros(4, 256));
        var e = assertThrows(IllegalArgumentException.class, () -> KilnPhonePrice.create(0).loadStateDict(state));
        assertTrue(e.getMessage().startsWith("Error(s) in loading state_dict for KilnPhonePrice:\n"
                + "\tMissing key(s) in state_dict: \"4.bias\".\n\tUnexpected key(s) in state_dict: \"5.weight\"."), e.getMessage());
        var neither = assertThrows(IllegalArgumentException.class,
                () -> KilnPhonePrice.create(0).loadStateDict(Map.of("layer0.weight", Torch.zeros(1))));
        assertTrue(neither.getMessage().contains("\"fc1.weight\"") && neither.getMessage().contains("\"layer0.weight\"")
                && neither.getMessage().contains("nn.Sequential keys are accepted too: \"0.weight\""), neither.getMessage());
        KilnPhonePrice lenient = KilnPhonePrice.create(3);
        float[] before = lenient.parameterBuffer().clone();
        lenient.loadStateDict(Map.of("0.bias", Torch.ones(128)), false);
        assertEquals(1f, lenient.parameterBuffer()[20 * 128], 0f);
        assertEquals(before[0], lenient.parameterBuffer()[0], 0f);
    }

    /** Fixture from samples/src/test/python/make_sequential_fixture.py: PyTorch's nn.Sequential state and output. */
    @Test
    void pytorchSequentialSafetensorsLoadAndMatchTorchsOutput() throws Exception {
        KilnPhonePrice model = KilnPhonePrice.create(0);
        model.loadStateDict(Safetensors.load(FIXTURE.resolve("state.safetensors")));
        Tensor x = Npy.load(FIXTURE.resolve("input.npy"));
        float[] expected = Npy.load(FIXTURE.resolve("output.npy")).toFloatArray();
        float[] actual = model.eval().forward(x).toFloatArray();
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], 1e-5, "output " + i);
        // Torch's initial draws for seed 0 are Kiln's too, so the fixture is also create(0)'s Sequential state.
        Map<String, Tensor> own = KilnPhonePrice.create(0).sequentialStateDict();
        Safetensors.load(FIXTURE.resolve("state.safetensors"))
                .forEach((k, v) -> assertArrayEquals(v.toFloatArray(), own.get(k).toFloatArray(), 0f, k));
    }
}
