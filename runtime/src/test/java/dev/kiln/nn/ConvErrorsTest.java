package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Invalid calls fail with PyTorch 1.13's messages (recorded by the fixture script), in its order of checks. */
class ConvErrorsTest {

    @TestFactory
    Stream<DynamicTest> messagesMatchPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode e : ConvFixtures.root().get("errors")) {
            String expected = e.get("message").asText();
            tests.add(DynamicTest.dynamicTest(e.get("op").asText() + ": " + expected, () -> {
                RuntimeException thrown = assertThrows(RuntimeException.class, () -> call(e));
                assertEquals(expected, thrown.getMessage());
            }));
        }
        return tests.stream();
    }

    private static void call(JsonNode e) {
        Tensor x = zeros(e.get("input"), e.get("input_dtype"));
        switch (e.get("op").asText()) {
            case "conv2d" -> Convolution.conv2d(x, zeros(e.get("weight"), e.get("weight_dtype")),
                    e.get("bias").isNull() ? null : zeros(e.get("bias"), e.get("bias_dtype")),
                    ConvFixtures.ints(e.get("stride")), ConvFixtures.ints(e.get("padding")),
                    ConvFixtures.ints(e.get("dilation")), e.get("groups").asInt());
            case "max_pool2d" -> Convolution.maxPool2d(x, ConvFixtures.ints(e.get("kernel")),
                    ConvFixtures.optionalInts(e.get("stride")), ConvFixtures.ints(e.get("padding")),
                    ConvFixtures.ints(e.get("dilation")), false);
            case "avg_pool2d" -> Convolution.avgPool2d(x, ConvFixtures.ints(e.get("kernel")),
                    ConvFixtures.optionalInts(e.get("stride")), ConvFixtures.ints(e.get("padding")), false, true,
                    e.get("divisor_override").isNull() ? null : e.get("divisor_override").asInt());
            default -> throw new IllegalStateException(e.get("op").asText());
        }
    }

    private static Tensor zeros(JsonNode shape, JsonNode dtype) {
        return Torch.zeros(ConvFixtures.ints(shape), ConvFixtures.dtype(dtype.asText()));
    }

    @Test
    void theTwoMessagesNamedInTheSpec() {
        Tensor w = Torch.zeros(8, 3, 3, 3);
        assertEquals("Given groups=1, weight of size [8, 3, 3, 3], expected input[1, 2, 5, 5] to have 3 channels, but "
                        + "got 2 channels instead",
                assertThrows(IllegalArgumentException.class, () -> Convolution.conv2d(Torch.zeros(1, 2, 5, 5), w, null))
                        .getMessage());
        assertEquals("Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be "
                        + "greater than actual input size",
                assertThrows(IllegalArgumentException.class, () -> Convolution.conv2d(Torch.zeros(1, 3, 2, 2), w, null))
                        .getMessage());
    }

    /** nn.Conv2d's own constructor checks (Python ValueErrors in PyTorch). */
    @Test
    void conv2dModuleArguments() {
        assertEquals("groups must be a positive integer", assertThrows(IllegalArgumentException.class,
                () -> new Conv2d(4, 4, 3, 1, 0, 1, 0, true)).getMessage());
        assertEquals("in_channels must be divisible by groups", assertThrows(IllegalArgumentException.class,
                () -> new Conv2d(3, 4, 3, 1, 0, 1, 2, true)).getMessage());
        assertEquals("out_channels must be divisible by groups", assertThrows(IllegalArgumentException.class,
                () -> new Conv2d(4, 3, 3, 1, 0, 1, 2, true)).getMessage());
    }

    /** A module's forward goes through the same checks. */
    @Test
    void moduleForwardChecksInput() {
        Conv2d conv = new Conv2d(3, 8, 3);
        assertEquals(DType.FLOAT32, conv.weight().dtype());
        assertEquals("Given groups=1, weight of size [8, 3, 3, 3], expected input[2, 1, 5, 5] to have 3 channels, but "
                + "got 1 channels instead", assertThrows(IllegalArgumentException.class,
                () -> conv.forward(Torch.zeros(2, 1, 5, 5))).getMessage());
        assertEquals("Given input size: (1x1x1). Calculated output size: (1x0x0). Output size is too small",
                assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(2).forward(Torch.zeros(1, 1, 1, 1)))
                        .getMessage());
    }
}
