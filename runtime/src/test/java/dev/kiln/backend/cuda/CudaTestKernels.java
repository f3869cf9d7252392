package dev.kiln.backend.cuda;

/** Dialect kernels the CUDA tests compile, assemble and (on a GPU) run. */
final class CudaTestKernels {
    private CudaTestKernels() {}

    static final String NAME = "kiln_cuda_test";

    /** The kernel names in {@link #SOURCE}. */
    static final String[] KERNELS = {"saxpy", "block_sum", "activations", "scale2d"};

    /**
     * saxpy; a shared-memory tree reduction with barriers and an atomic float add (block size 256); every math macro
     * through a DEVICE_FN; a 2-D kernel using ids in dimensions 0 and 1.
     */
    static final String SOURCE = """
            KERNEL void saxpy(GLOBAL float* RESTRICT y, GLOBAL const float* RESTRICT x, float a, int n) {
                int i = GLOBAL_ID(0);
                if (i < n) y[i] = a * x[i] + y[i];
            }

            KERNEL void block_sum(GLOBAL float* RESTRICT out, GLOBAL const float* RESTRICT in, int n) {
                SHARED float tile[256];
                int lid = LOCAL_ID(0);
                int i = GLOBAL_ID(0);
                tile[lid] = i < n ? in[i] : 0.0f;
                BARRIER();
                for (int s = LOCAL_SIZE(0) / 2; s > 0; s >>= 1) {
                    if (lid < s) tile[lid] += tile[lid + s];
                    BARRIER();
                }
                if (lid == 0) ATOMIC_ADD_F(out, tile[0]);
            }

            DEVICE_FN float gelu(float x) {
                return 0.5f * x * (1.0f + ERFF(x * 0.70710678118654752f));
            }

            KERNEL void activations(GLOBAL float* RESTRICT out, GLOBAL const float* RESTRICT in, int n) {
                int i = GLOBAL_ID(0);
                if (i >= n) return;
                float x = in[i];
                float a = FABSF(x);
                out[6 * i + 0] = EXPF(-a);
                out[6 * i + 1] = LOGF(1.0f + x * x);
                out[6 * i + 2] = TANHF(x);
                out[6 * i + 3] = SQRTF(a) + RSQRTF(1.0f + a);
                out[6 * i + 4] = gelu(x);
                out[6 * i + 5] = POWF(a, 1.5f) + FMAXF(x, 0.0f) - FMINF(x, 0.0f);
            }

            KERNEL void scale2d(GLOBAL float* RESTRICT m, int width, int height, float s) {
                int col = GLOBAL_ID(0);
                int row = GLOBAL_ID(1);
                if (col < width && row < height) m[row * width + col] = s * m[row * width + col] + (float) (GROUP_ID(1) * NUM_GROUPS(0) + GROUP_ID(0));
            }
            """;
}
