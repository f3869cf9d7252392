package dev.kiln.backend.kernels;

import dev.kiln.backend.DeviceBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The launches each norm operation queues, independent of the batch, counted through a recording context. */
class NormLaunchCountTest {
    @Test
    void launchesPerOperationDoNotGrowWithTheBatch() {
        CountingContext ctx = new CountingContext(OpenClFixture.context());
        NormKernels k = NormKernels.over(KernelLibrary.withTiles(ctx, Tiles.CPU));
        List<DeviceBuffer> buffers = new ArrayList<>();
        try {
            int big = 1 << 14;
            DeviceBuffer a = ctx.allocate(big), b = ctx.allocate(big), c = ctx.allocate(big), d = ctx.allocate(big);
            DeviceBuffer p = ctx.allocate(big), s = ctx.allocate(big);
            buffers.addAll(List.of(a, b, c, d, p, s));
            ctx.upload(new float[big], 0, a, 0, big);
            ctx.upload(new float[big], 0, s, 0, big);
            for (int n : new int[] {1, 2, 9}) {
                assertEquals(List.of("bn_statistics"), ctx.during(() -> k.batchNormStatistics(n, 4, 6, a, 0, s, 0, s, 8, 12, 16, true, 0.1f, 1e-5f)));
                assertEquals(List.of("bn_normalize"), ctx.during(() -> k.batchNormForward(n, 4, 6, a, 0, s, 0, p, 0, 4, b, 0, c, 0)));
                assertEquals(List.of("bn_normalize"), ctx.during(() -> k.batchNormEval(n, 4, 6, a, 0, s, 8, 12, 1e-5f, p, 0, 4, b, 0, null, 0)));
                assertEquals(List.of("bn_backward"), ctx.during(() -> k.batchNormBackward(n, 4, 6, b, 0, c, 0, s, 0, p, 0, d, 0, 4, false, a, 0, true)));
                assertEquals(List.of("ln_forward"), ctx.during(() -> k.layerNormForward(n, 7, a, 0, p, 0, 7, 1e-5f, b, 0, c, 0, d, 0)));
                assertEquals(List.of("ln_param_grads", "ln_input_grad"), ctx.during(() -> k.layerNormBackward(n, 7, b, 0, c, 0, d, 0, p, 0, s, 0, 7, true, a, 0, false)));
                assertEquals(List.of("ln_input_grad"), ctx.during(() -> k.layerNormBackward(n, 7, b, 0, c, 0, d, 0, null, -1, null, -1, -1, false, a, 0, false)));
                assertEquals(List.of("row_softmax"), ctx.during(() -> k.softmax(n, 5, a, 0, b, 0)));
                assertEquals(List.of("row_softmax"), ctx.during(() -> k.logSoftmax(n, 5, a, 0, b, 0)));
                assertEquals(List.of("row_softmax_backward"), ctx.during(() -> k.softmaxBackward(n, 5, b, 0, c, 0, d, 0, true)));
                assertEquals(List.of("row_softmax_backward"), ctx.during(() -> k.logSoftmaxBackward(n, 5, b, 0, c, 0, d, 0, false)));
                assertEquals(List.of("embedding_forward"), ctx.during(() -> k.embeddingForward(n * 3, 10, 4, a, 0, p, 0, b, 0)));
                assertEquals(List.of("embedding_link", "embedding_gather"), ctx.during(() -> k.embeddingBackward(n * 3, 10, 4, 0, b, 0, a, 0, d, 0, false, s, 100)));
                assertEquals(List.of("embedding_link", "embedding_gather"), ctx.during(() -> k.embeddingBackward(n * 3, 10, 4, 0, b, 0, a, 0, d, 0, true, s, 100)));
                assertEquals(List.of("residual_add"), ctx.during(() -> k.residualAdd(n * 16, a, 0, b, 0, c, 0)));
                assertEquals(List.of("accumulate_into"), ctx.during(() -> k.accumulateInto(n * 16, a, 0, c, 0, true)));
                assertEquals(List.of("residual_backward"), ctx.during(() -> k.residualBackward(n * 16, a, 0, b, 0, false, c, 0, true)));
            }
            assertEquals(List.of(), ctx.during(() -> k.batchNormForward(0, 4, 6, a, 0, s, 0, p, 0, 4, b, 0, c, 0)));
            assertEquals(List.of(), ctx.during(() -> k.softmax(0, 5, a, 0, b, 0)));
            assertEquals(List.of("fill"), ctx.during(() -> k.embeddingBackward(0, 10, 4, 0, b, 0, a, 0, d, 0, false, s, 0)));
        } finally {
            for (DeviceBuffer buffer : buffers) buffer.close();
        }
    }
}
