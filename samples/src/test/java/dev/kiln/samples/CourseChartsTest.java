package dev.kiln.samples;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class CourseChartsTest {
    @TempDir static Path dir;
    static CourseCharts.Result result;

    @BeforeAll static void draw() throws Exception {
        result = CourseCharts.run(dir);
    }

    @Test void writesEveryChartAsADecodablePng() throws Exception {
        // 5 element-wise activations + softmax, 5 schedules + their overlay, the EWMA chart
        assertEquals(13, result.files().size());
        for (Path png : result.files()) {
            byte[] bytes = Files.readAllBytes(png);
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
                    java.util.Arrays.copyOf(bytes, 8), png + " has no PNG signature");
            BufferedImage image = ImageIO.read(png.toFile());
            assertNotNull(image, png + " does not decode");
            assertEquals(800, image.getWidth());
            assertEquals(600, image.getHeight());
        }
        try (var leftovers = Files.list(dir)) {
            assertTrue(leftovers.noneMatch(p -> p.getFileName().toString().startsWith(".chart")), "temporary file left behind");
        }
    }

    @Test void autogradDerivativesMatchTheClosedForms() {
        Map<String, Double> d = result.derivatives();
        assertEquals(0.25, d.get("sigmoid'(0)"), 1e-7);                         // s(0)(1 - s(0))
        assertEquals(1.0, d.get("tanh'(0)"), 1e-7);                             // 1 - tanh(0)^2
        assertEquals(1.0, d.get("relu'(2)"), 0);
        assertEquals(0.01, d.get("leaky_relu'(-3)"), 1e-8);                     // the slope (float32 0.01)
        double s = 1 / (1 + Math.exp(3));
        assertEquals(s * (1 - s), d.get("sigmoid'(-3)"), 1e-7);
        assertEquals(1 - Math.pow(Math.tanh(2), 2), d.get("tanh'(2)"), 1e-6);
        // GELU'(x) = Phi(x) + x phi(x); at 0 that is 1/2. At -3 and 2 PyTorch 1.13 gives
        // -0.011945605278015137 and 1.085231900215149 (torch.nn.functional.gelu, float32).
        assertEquals(0.5, d.get("gelu'(0)"), 1e-7);
        assertEquals(-0.011945605278015137, d.get("gelu'(-3)"), 1e-6);
        assertEquals(1.085231900215149, d.get("gelu'(2)"), 1e-6);
        // PyTorch's convention at the kink: relu'(0) = 0, leaky_relu'(0) = negative slope.
        assertEquals(0.0, d.get("relu'(0)"), 0);
        assertEquals(0.01, d.get("leaky_relu'(0)"), 1e-8);
    }

    /**
     * Rates per epoch from PyTorch 1.13.0 (/usr/bin/python3): for each scheduler on
     * SGD([Parameter(zeros(1))], lr=0.1), record param_groups[0]['lr'], then opt.step(), sched.step(),
     * 100 times. StepLR(step_size=20, gamma=0.5), MultiStepLR([20,50,80], 0.5), ExponentialLR(0.95),
     * CosineAnnealingLR(T_max=50), LinearLR(start_factor=0.1, end_factor=1.0, total_iters=20).
     */
    @Test void schedulesMatchPyTorch() {
        Map<String, double[]> lr = result.schedules();
        check(lr.get("steplr"), new int[] {0, 19, 20, 49, 75, 80, 99}, 0.1, 0.1, 0.05, 0.025, 0.0125, 0.00625, 0.00625);
        check(lr.get("multisteplr"), new int[] {19, 20, 49, 50, 79, 80, 99}, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125);
        check(lr.get("exponentiallr"), new int[] {0, 1, 10, 50, 99},
                0.1, 0.095, 0.05987369392383786, 0.007694497527671311, 0.0006232136021404205);
        // Recursive form (as PyTorch's step()): past T_max the rate climbs back, reaching 0.1 again at 100.
        check(lr.get("cosineannealinglr"), new int[] {0, 1, 10, 25, 49, 50, 75, 99},
                0.1, 0.09990133642141358, 0.09045084971874737, 0.049999999999999996, 9.866357858642205e-05, 0.0,
                0.04999999999999998, 0.09990133642141358);
        check(lr.get("linearlr"), new int[] {0, 1, 10, 19, 20, 99},
                0.010000000000000002, 0.014500000000000002, 0.05500000000000002, 0.09550000000000004,
                0.10000000000000005, 0.10000000000000005);
    }

    private static void check(double[] lr, int[] epochs, double... expected) {
        assertEquals(CourseCharts.EPOCHS, lr.length);
        for (int i = 0; i < epochs.length; i++) {
            assertEquals(expected[i], lr[epochs[i]], 1e-12, "epoch " + epochs[i]);
        }
    }

    @Test void mainEndsWithOneJsonLine(@TempDir Path out) throws Exception {
        var buffer = new java.io.ByteArrayOutputStream();
        var old = System.out;
        System.setOut(new java.io.PrintStream(buffer, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            CourseCharts.main(new String[] {out.toString()});
        } finally {
            System.setOut(old);
        }
        String[] lines = buffer.toString(java.nio.charset.StandardCharsets.UTF_8).strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("{\"sample\":\"course-charts\"") && last.endsWith("}"), last);
        assertTrue(last.contains("\"sigmoid'(0)\":0.250000"), last);
        assertTrue(Files.exists(out.resolve("ewma.png")));
        // Each file written is named, with its absolute path, before the JSON line.
        assertTrue(java.util.List.of(lines).contains("wrote " + out.resolve("ewma.png").toAbsolutePath()), String.join("\n", lines));
        assertEquals(lines.length - 1, java.util.Arrays.stream(lines).filter(l -> l.startsWith("wrote /")).count());
    }
}
