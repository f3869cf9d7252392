package dev.kiln.io;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs an exported file on onnxruntime and compares its outputs with Kiln's (the samples use it too, through the
 * runtime's test jar). Tolerance: {@code |onnx - kiln| <= TOLERANCE * max(1, |kiln|)}, 1e-5 absolute on values up to
 * one and relative above.
 */
public final class OnnxCheck {
    public static final double TOLERANCE = 1e-5;

    private OnnxCheck() {}

    /** One output: its shape (N first) and values. */
    public record Output(long[] shape, float[] values) {}

    /** Runs the model on {@code inputs} by name: float32 tensors as float, int64 ones as int64. */
    public static List<Output> run(Path file, Map<String, Tensor> inputs) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(file.toString(), options)) {
                Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
                try {
                    for (var e : inputs.entrySet()) {
                        Tensor t = e.getValue();
                        long[] shape = Arrays.stream(t.shape().toArray()).asLongStream().toArray();
                        feeds.put(e.getKey(), t.dtype() == DType.INT64
                                ? OnnxTensor.createTensor(env, LongBuffer.wrap(t.toLongArray()), shape)
                                : OnnxTensor.createTensor(env, FloatBuffer.wrap(t.toFloatArray()), shape));
                    }
                    try (OrtSession.Result result = session.run(feeds)) {
                        List<Output> outputs = new ArrayList<>();
                        for (var r : result) {
                            OnnxTensor o = (OnnxTensor) r.getValue();
                            FloatBuffer fb = o.getFloatBuffer();
                            float[] v = new float[fb.remaining()];
                            fb.get(v);
                            outputs.add(new Output(o.getInfo().getShape(), v));
                        }
                        return outputs;
                    }
                } finally {
                    for (OnnxTensor t : feeds.values()) t.close();
                }
            }
        }
    }

    /** Runs a single-input, single-output model. */
    public static Output run(Path file, Tensor input) throws OrtException {
        List<Output> out = run(file, Map.of("input", input));
        assertEquals(1, out.size(), "outputs");
        return out.getFirst();
    }

    /** The ONNX output has Kiln's shape and values within {@link #TOLERANCE}; returns the largest difference. */
    public static double assertClose(Tensor kiln, Output onnx, String what) {
        assertArrayEquals(Arrays.stream(kiln.shape().toArray()).asLongStream().toArray(), onnx.shape(), what + ": shape");
        float[] expected = kiln.toFloatArray();
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs(onnx.values()[i] - expected[i]);
            worst = Math.max(worst, diff);
            if (!(diff <= TOLERANCE * Math.max(1, Math.abs(expected[i])))) {
                fail(what + ": element " + i + " is " + onnx.values()[i] + " in ONNX but " + expected[i] + " in Kiln");
            }
        }
        return worst;
    }
}
