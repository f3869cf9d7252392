package dev.kiln.backend.kernels;

import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.kernels.ImageKernels.ConvShape;
import dev.kiln.backend.kernels.ImageKernels.PoolShape;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A GPU step is launch-bound: the launches each operation queues, independent of the batch, counted through a
 * context that records every launch on the OpenCL device.
 */
class ImageLaunchCountTest {
    @Test
    void launchesPerOperationDoNotGrowWithTheBatch() {
        CountingContext ctx = new CountingContext(OpenClFixture.context());
        ImageKernels k = ImageKernels.over(KernelLibrary.withTiles(ctx, Tiles.CPU));
        ConvShape g = new ConvShape(3, 9, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1);
        ConvShape oneByOne = new ConvShape(3, 5, 5, 4, 1, 1, 1, 1, 0, 0, 1, 1);
        List<DeviceBuffer> buffers = new ArrayList<>();
        try {
            int big = 1 << 16;
            DeviceBuffer a = ctx.allocate(big), b = ctx.allocate(big), c = ctx.allocate(big), d = ctx.allocate(big);
            DeviceBuffer s = ctx.allocate(big);
            buffers.addAll(List.of(a, b, c, d, s));
            for (int n : new int[] {1, 2, 7}) {
                boolean one = n == 1;
                assertEquals(List.of("conv_im2col", "gemm_nn", "conv_out_nchw"),
                        ctx.during(() -> k.conv2dForward(g, n, a, 0, b, 0, 200, c, 0, s)), "forward n=" + n);
                assertEquals(one ? List.of("conv_im2col", "gemm_nn") : List.of("conv_im2col", "gemm_nn", "conv_out_nchw"),
                        ctx.during(() -> k.conv2dForward(g, n, a, 0, b, 0, -1, c, 0, s)), "forward without bias n=" + n);
                assertEquals(List.of("conv_im2col", "conv_grad_rows", "gemm_nt", "gemm_tn", "conv_col2im"),
                        ctx.during(() -> k.conv2dBackward(g, n, c, 0, a, 0, b, 0, d, 0, 200, false, a, 100, false, s)),
                        "backward n=" + n);
                assertEquals(one ? List.of("conv_im2col", "gemm_nt") : List.of("conv_im2col", "conv_grad_rows", "gemm_nt"),
                        ctx.during(() -> k.conv2dBackward(g, n, c, 0, a, 0, b, 0, d, 0, -1, false, null, 0, false, s)),
                        "backward without bias or gIn n=" + n);
                assertEquals(one ? List.of("gemm_nn") : List.of("conv_im2col", "gemm_nn", "conv_out_nchw"),
                        ctx.during(() -> k.conv2dForward(oneByOne, n, a, 0, b, 0, -1, c, 0, s)), "1x1 forward n=" + n);
                assertEquals(one ? List.of("conv_grad_rows", "gemm_nt", "gemm_tn") : List.of("conv_im2col", "conv_grad_rows", "gemm_nt", "gemm_tn", "conv_col2im"),
                        ctx.during(() -> k.conv2dBackward(oneByOne, n, c, 0, a, 0, b, 0, d, 0, 20, true, a, 100, true, s)),
                        "1x1 backward n=" + n);
                PoolShape p = new PoolShape(true, 3, 8, 8, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, false);
                assertEquals(List.of("pool_forward"), ctx.during(() -> k.poolForward(p, n, a, 0, b, 0, c)));
                assertEquals(List.of("pool_backward"), ctx.during(() -> k.poolBackward(p, n, b, 0, c, d, 0, true)));
                assertEquals(List.of("dropout_forward"), ctx.during(() -> k.dropoutForward(n * 100, a, 0, b, 0, c, 5L, 0.5f)));
                assertEquals(List.of("dropout_backward"), ctx.during(() -> k.dropoutBackward(n * 100, a, 0, c, d, 0, false)));
            }
            // No images: the parameter gradients are sums over nothing.
            float[] ones = new float[200];
            java.util.Arrays.fill(ones, 1f);
            ctx.upload(ones, 0, d, 0, 200);
            assertEquals(List.of("fill", "fill"),
                    ctx.during(() -> k.conv2dBackward(g, 0, c, 0, a, 0, b, 0, d, 0, g.weights(), false, a, 0, false, s)));
            float[] got = new float[200];
            ctx.download(d, 0, got, 0, 200);
            float[] expected = new float[200];
            java.util.Arrays.fill(expected, g.weights() + g.o(), 200, 1f);
            assertArrayEquals(expected, got);
            assertEquals(List.of(), ctx.during(() -> k.conv2dBackward(g, 0, c, 0, a, 0, b, 0, d, 0, g.weights(), true, a, 0, false, s)));
            assertEquals(List.of(), ctx.during(() -> k.conv2dForward(g, 0, a, 0, b, 0, -1, c, 0, s)));
        } finally {
            for (DeviceBuffer buffer : buffers) buffer.close();
        }
    }
}
