package dev.kiln.backend;

/**
 * A device that cannot do what was asked, with the reason in the message: no driver library (and where it was
 * looked for), no platform, a kernel that does not build (its name and the compiler's log), out of device memory
 * (the sizes asked for), or the driver's error name and code for a failed call. Kiln never answers one of these by
 * running on the CPU instead.
 */
public class DeviceException extends RuntimeException {
    public DeviceException(String message) { super(message); }

    public DeviceException(String message, Throwable cause) { super(message, cause); }
}
