package dev.kiln.backend;

/** One device as its driver names it: {@code name} (e.g. "NVIDIA H100 80GB HBM3") and {@code driver} (platform, version). */
public record DeviceInfo(Device device, String name, String driver) {
    @Override
    public String toString() { return device + " " + name + " (" + driver + ")"; }
}
