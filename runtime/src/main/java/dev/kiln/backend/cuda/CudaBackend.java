package dev.kiln.backend.cuda;

import com.google.auto.service.AutoService;
import dev.kiln.backend.Backend;
import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceException;
import dev.kiln.backend.DeviceInfo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * NVIDIA GPUs through the CUDA driver API ({@code libcuda.so.1}) and NVRTC, both bound with FFM: no JNI, no CUDA
 * toolkit install. Kernels in Kiln's dialect get the CUDA prelude, are compiled by NVRTC to PTX for the device's
 * compute capability (cached on disk, {@link PtxCache}) and loaded by the driver's JIT.
 */
@AutoService(Backend.class)
public final class CudaBackend implements Backend {
    private final Path nvrtcPath;
    private final PtxCache cache;

    /** The ServiceLoader's constructor: NVRTC from the default search, the default PTX cache. */
    public CudaBackend() {
        this(null, null);
    }

    /**
     * A backend that loads NVRTC from {@code nvrtcPath} (null: the default search, see {@link Nvrtc}) and caches PTX
     * in {@code cache} (null: {@link PtxCache#defaultCache()}).
     */
    public CudaBackend(Path nvrtcPath, PtxCache cache) {
        this.nvrtcPath = nvrtcPath;
        this.cache = cache;
    }

    @Override
    public Device.Kind kind() { return Device.Kind.CUDA; }

    @Override
    public List<DeviceInfo> devices() {
        try {
            CudaDriver driver = CudaDriver.load();
            int count = driver.deviceCount();
            List<DeviceInfo> list = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int device = driver.device(i);
                int cc = driver.computeCapability(device);
                list.add(new DeviceInfo(new Device(Device.Kind.CUDA, i), driver.deviceName(device),
                        String.format(Locale.ROOT, "CUDA %s driver, compute %d.%d, %.1f GiB", driver.versionString(),
                                cc / 10, cc % 10, driver.totalMemory(device) / (double) (1L << 30))));
            }
            return List.copyOf(list);
        } catch (DeviceException e) {
            return List.of();
        }
    }

    /**
     * Opens {@code cuda:index}: retains the device's primary context and creates a stream. Throws a
     * {@link DeviceException} naming {@code libcuda.so.1} and the NVIDIA driver when the driver is missing, naming
     * NVRTC and where it was looked for when the compiler is missing, or naming the devices there are.
     */
    @Override
    public DeviceContext open(int index) {
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
        CudaDriver driver = CudaDriver.load();
        return new CudaContext(driver, index, nvrtcPath, cache != null ? cache : PtxCache.defaultCache());
    }
}
