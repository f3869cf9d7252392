package dev.kiln.backend;

import java.util.List;

/**
 * A device family's entry point, found with {@link java.util.ServiceLoader} (implementations are registered with
 * {@code @AutoService(Backend.class)}). It must be cheap to construct: the driver library is looked up only in
 * {@link #devices} and {@link #open}.
 */
public interface Backend {
    /** The family this backend serves: {@link Device.Kind#OPENCL} or {@link Device.Kind#CUDA}. */
    Device.Kind kind();

    /** The devices this machine offers; empty (never an exception) where the driver or platform is missing. */
    List<DeviceInfo> devices();

    /**
     * Opens device {@code index} of this family: its context, a queue or stream, ready for buffers and programs.
     *
     * @throws DeviceException naming the cause when the library, the platform or the device is missing
     */
    DeviceContext open(int index);
}
