package dev.kiln.backend;

/**
 * Kiln's one kernel language: C99 plus the macros below, which a prelude turns into OpenCL C or CUDA C. Library
 * kernels and the kernels the model compiler writes use only these words, so one source runs on both backends.
 *
 * <pre>
 * KERNEL void f(GLOBAL float* RESTRICT out, GLOBAL const float* in, int n)   an entry point and its buffers
 * SHARED float tile[256];                      work-group (OpenCL local, CUDA shared) memory, declared in a kernel
 * BARRIER();                                   work-group barrier over shared memory
 * GLOBAL_ID(d) LOCAL_ID(d) GROUP_ID(d)         int ids in dimension d = 0, 1, 2
 * LOCAL_SIZE(d) NUM_GROUPS(d)                  work-group size and count
 * DEVICE_FN float g(float x)                   a helper function callable from kernels
 * EXPF LOGF TANHF SQRTF RSQRTF FABSF ERFF POWF FMAXF FMINF   float math
 * ATOMIC_ADD_F(GLOBAL float* p, float v)       atomic float add
 * U64                                          a 64-bit unsigned integer (counter-based random streams)
 * </pre>
 */
public final class KernelDialect {
    private KernelDialect() {}

    /** Prepended to every program built by the OpenCL backend. */
    public static final String OPENCL_PRELUDE = """
            #define KERNEL __kernel
            #define GLOBAL __global
            #define SHARED __local
            #define RESTRICT restrict
            #define DEVICE_FN inline
            #define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
            #define GLOBAL_ID(d) ((int) get_global_id(d))
            #define LOCAL_ID(d) ((int) get_local_id(d))
            #define GROUP_ID(d) ((int) get_group_id(d))
            #define LOCAL_SIZE(d) ((int) get_local_size(d))
            #define NUM_GROUPS(d) ((int) get_num_groups(d))
            #define EXPF(x) exp(x)
            #define LOGF(x) log(x)
            #define TANHF(x) tanh(x)
            #define SQRTF(x) sqrt(x)
            #define RSQRTF(x) rsqrt(x)
            #define FABSF(x) fabs(x)
            #define ERFF(x) erf(x)
            #define POWF(x, y) pow(x, y)
            #define FMAXF(a, b) fmax(a, b)
            #define FMINF(a, b) fmin(a, b)
            #define U64 ulong
            inline void ATOMIC_ADD_F(volatile __global float* p, float v) {
                union { unsigned int u; float f; } old, sum;
                do {
                    old.f = *p;
                    sum.f = old.f + v;
                } while (atomic_cmpxchg((volatile __global unsigned int*) p, old.u, sum.u) != old.u);
            }
            """;

    /** Prepended to every program compiled by NVRTC for the CUDA backend. */
    public static final String CUDA_PRELUDE = """
            #define KERNEL extern "C" __global__
            #define GLOBAL
            #define SHARED __shared__
            #define RESTRICT __restrict__
            #define DEVICE_FN __device__ __forceinline__
            #define BARRIER() __syncthreads()
            #define KILN_DIM_(d, x, y, z) ((d) == 0 ? (x) : (d) == 1 ? (y) : (z))
            #define GLOBAL_ID(d) ((int) KILN_DIM_(d, blockIdx.x * blockDim.x + threadIdx.x, blockIdx.y * blockDim.y + threadIdx.y, blockIdx.z * blockDim.z + threadIdx.z))
            #define LOCAL_ID(d) ((int) KILN_DIM_(d, threadIdx.x, threadIdx.y, threadIdx.z))
            #define GROUP_ID(d) ((int) KILN_DIM_(d, blockIdx.x, blockIdx.y, blockIdx.z))
            #define LOCAL_SIZE(d) ((int) KILN_DIM_(d, blockDim.x, blockDim.y, blockDim.z))
            #define NUM_GROUPS(d) ((int) KILN_DIM_(d, gridDim.x, gridDim.y, gridDim.z))
            #define EXPF(x) expf(x)
            #define LOGF(x) logf(x)
            #define TANHF(x) tanhf(x)
            #define SQRTF(x) sqrtf(x)
            #define RSQRTF(x) rsqrtf(x)
            #define FABSF(x) fabsf(x)
            #define ERFF(x) erff(x)
            #define POWF(x, y) powf(x, y)
            #define FMAXF(a, b) fmaxf(a, b)
            #define FMINF(a, b) fminf(a, b)
            #define ATOMIC_ADD_F(p, v) atomicAdd((p), (v))
            #define U64 unsigned long long
            """;

    /** {@code source} with the prelude of {@code kind} in front, as the backend compiles it. */
    public static String withPrelude(Device.Kind kind, String source) {
        return switch (kind) {
            case OPENCL -> OPENCL_PRELUDE + "#line 1\n" + source;
            case CUDA -> CUDA_PRELUDE + "#line 1\n" + source;
            case CPU -> throw new IllegalArgumentException("the CPU runs Java, not kernel source");
        };
    }
}
