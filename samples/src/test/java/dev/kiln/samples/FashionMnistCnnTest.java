package dev.kiln.samples;

import dev.kiln.backend.Device;
import dev.kiln.train.ConfusionMatrix;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Fashion-MNIST CNN sample, cut down to run in CI: the same network and optimiser trained for
 * one epoch on the first 2,000 training images, scored on the first 1,000 test images. Needs the
 * {@code dataset-fashion-mnist} package (which {@code .ci/run} installs); skipped without it.
 */
class FashionMnistCnnTest {
    @Test void trainsWellAboveChanceOnASubset() throws Exception {
        assumeTrue(FashionMnistCnn.present(FashionMnistCnn.DEFAULT_DIR),
                "Fashion-MNIST is not installed in " + FashionMnistCnn.DEFAULT_DIR + " (apt-get install -y dataset-fashion-mnist)");
        FashionMnistCnn.Data data = FashionMnistCnn.load(FashionMnistCnn.DEFAULT_DIR).head(2000, 1000);
        FashionMnistCnn.Result r = FashionMnistCnn.run(data, 1, null);
        ConfusionMatrix cm = r.confusion();
        assertEquals(1000, cm.total());
        // Chance is 0.10. Measured with this seed: 0.776 after one epoch on 2,000 images (about 10 s); the
        // full sample reaches 0.90+ on all 60,000. 0.70 leaves room for a different summation order
        // in the kernels while still failing a network that does not learn.
        assertTrue(r.testAccuracy() > 0.70, "test accuracy " + r.testAccuracy());
        assertEquals(r.testAccuracy(), r.history().last("val_accuracy"), 1e-12);
    }

    /**
     * The same sample on OpenCL (PoCL in CI): one epoch on the first 500 training images, scored on 200 test images,
     * with every layer (convolutions, BatchNorm2d, pooling, dropout) on the device. Dropout masks come from the
     * device's stream, so the run is not the CPU's step for step; measured: 0.70 on PoCL (0.64 on the CPU); chance is 0.10.
     */
    @Test void trainsOnOpenClWithTheDeviceFlag() throws Exception {
        assumeTrue(FashionMnistCnn.present(FashionMnistCnn.DEFAULT_DIR),
                "Fashion-MNIST is not installed in " + FashionMnistCnn.DEFAULT_DIR + " (apt-get install -y dataset-fashion-mnist)");
        Device device = SampleArgs.parse(new String[] {"--device", "opencl:0"}).device();
        assumeTrue(Device.available().stream().anyMatch(i -> i.device().equals(device)),
                "no OpenCL device: apt-get install -y pocl-opencl-icd ocl-icd-libopencl1 (CI does)");
        FashionMnistCnn.Data data = FashionMnistCnn.load(FashionMnistCnn.DEFAULT_DIR).head(500, 200);
        FashionMnistCnn.Result r = FashionMnistCnn.run(data, 1, null, device);
        assertEquals(200, r.confusion().total());
        assertTrue(r.testAccuracy() > 0.5, "test accuracy " + r.testAccuracy() + " on " + device);
        assertTrue(Double.isFinite(r.history().last("loss")), "training loss " + r.history().last("loss"));
    }
}
