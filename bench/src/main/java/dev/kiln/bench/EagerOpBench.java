package dev.kiln.bench;

import dev.kiln.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

import static dev.kiln.tensor.Torch.rand;

/**
 * Per-op overhead of the eager API: {@code y = x + 1} on tiny float32 tensors, where the cost is
 * dispatch, type promotion and allocation rather than arithmetic. Compare with
 * {@code bench/torch_eager_op.py} (PyTorch 1.13, same machine).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class EagerOpBench {
    @Param({"1", "64"})
    int elements;

    Tensor x;

    @Setup public void setup() { x = rand(elements); }

    @Benchmark public Tensor addScalar() { return x.add(1L); }

    @Benchmark public Tensor addTensor() { return x.add(x); }
}
