package dev.kiln.backend.cuda;

import java.nio.file.Path;

/** Where {@code .ci/cuda-tools.sh} unpacks NVIDIA's NVRTC and ptxas wheels. */
final class CudaTools {
    private CudaTools() {}

    /** {@code -Dkiln.cuda.home}, else {@code $KILN_CUDA_HOME}, else {@code ~/.cache/kiln/cuda} (the script's default). */
    static Path home() {
        String property = System.getProperty("kiln.cuda.home");
        if (property != null && !property.isBlank()) return Path.of(property.strip());
        String env = System.getenv("KILN_CUDA_HOME");
        if (env != null && !env.isBlank()) return Path.of(env.strip());
        return Path.of(System.getProperty("user.home"), ".cache", "kiln", "cuda");
    }
}
