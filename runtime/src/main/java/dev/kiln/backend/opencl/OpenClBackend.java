package dev.kiln.backend.opencl;

import com.google.auto.service.AutoService;
import dev.kiln.backend.Backend;
import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceException;
import dev.kiln.backend.DeviceInfo;

import java.util.List;
import java.util.stream.Collectors;

/**
 * OpenCL through the ICD loader: any vendor's driver (PoCL on the CPU, NVIDIA, AMD, Intel) behind one binding.
 * Construction touches nothing native; the library loads on the first {@link #devices} or {@link #open}.
 */
@AutoService(Backend.class)
public final class OpenClBackend implements Backend {
    @Override
    public Device.Kind kind() { return Device.Kind.OPENCL; }

    /** Every device of every platform; empty where the loader, a platform or a device is missing. */
    @Override
    public List<DeviceInfo> devices() {
        if (!OpenCl.available()) return List.of();
        try {
            return ClDevices.enumerate().stream().map(ClDevices.ClDevice::info).toList();
        } catch (DeviceException e) {
            return List.of(); // open() reports the reason; a listing only says what is there
        }
    }

    @Override
    public DeviceContext open(int index) {
        List<ClDevices.ClDevice> all = ClDevices.enumerate();
        if (index < 0 || index >= all.size()) {
            throw new DeviceException("opencl:" + index + " does not exist; this machine's OpenCL devices are: "
                    + (all.isEmpty() ? "none (platforms without devices)"
                            : all.stream().map(ClDevices.ClDevice::toString).collect(Collectors.joining("; "))));
        }
        return new OpenClContext(all.get(index));
    }
}
