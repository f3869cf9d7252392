package dev.kiln.backend.opencl;

import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceException;
import dev.kiln.backend.DeviceInfo;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static dev.kiln.backend.opencl.ClErrors.check;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Every device of every platform, flat-indexed in platform order: {@code opencl:0} is the first device of the first
 * platform the ICD loader reports. The loader's order follows its vendor files and is stable on one machine, so an
 * index means the same device from one enumeration to the next. Platform and device ids are process-wide handles:
 * they stay valid after the arena that held the arrays is closed.
 */
final class ClDevices {
    private ClDevices() {}

    /** One device: its handles, and the names {@link DeviceInfo} reports. */
    record ClDevice(Device device, MemorySegment platform, MemorySegment id, String name, String platformName,
                    String platformVersion) {
        DeviceInfo info() { return new DeviceInfo(device, name, platformName + ", " + platformVersion); }

        /** "OpenCL 3.0 PoCL ..." -> true: the platform has clCreateCommandQueueWithProperties. */
        boolean openCl2() {
            String[] words = platformVersion.split("[ .]");
            try {
                return words.length > 1 && Integer.parseInt(words[1]) >= 2;
            } catch (NumberFormatException e) {
                return false;
            }
        }

        @Override
        public String toString() { return info().toString(); }
    }

    /**
     * All devices; throws a {@link DeviceException} when the library or every platform is missing, saying where the
     * loader looks for drivers.
     */
    static List<ClDevice> enumerate() {
        OpenCl.require();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            int rc = OpenCl.getPlatformIDs(0, MemorySegment.NULL, count);
            if (rc == ClErrors.CL_PLATFORM_NOT_FOUND_KHR || rc == ClErrors.CL_SUCCESS && count.get(JAVA_INT, 0) == 0) {
                throw noPlatform(rc);
            }
            check(rc, "clGetPlatformIDs", "counting the OpenCL platforms");
            int platformCount = count.get(JAVA_INT, 0);
            MemorySegment platforms = arena.allocate(MemoryLayout.sequenceLayout(platformCount, ADDRESS));
            check(OpenCl.getPlatformIDs(platformCount, platforms, MemorySegment.NULL), "clGetPlatformIDs",
                    "listing " + platformCount + " OpenCL platforms");

            List<ClDevice> devices = new ArrayList<>();
            for (int p = 0; p < platformCount; p++) {
                MemorySegment platform = platforms.getAtIndex(ADDRESS, p);
                String platformName = OpenCl.infoString((size, value, sizeRet) ->
                        OpenCl.getPlatformInfo(platform, OpenCl.CL_PLATFORM_NAME, size, value, sizeRet),
                        "clGetPlatformInfo(CL_PLATFORM_NAME)");
                String version = OpenCl.infoString((size, value, sizeRet) ->
                        OpenCl.getPlatformInfo(platform, OpenCl.CL_PLATFORM_VERSION, size, value, sizeRet),
                        "clGetPlatformInfo(CL_PLATFORM_VERSION)");
                rc = OpenCl.getDeviceIDs(platform, OpenCl.CL_DEVICE_TYPE_ALL, 0, MemorySegment.NULL, count);
                if (rc == ClErrors.CL_DEVICE_NOT_FOUND) continue; // a platform with no device contributes nothing
                check(rc, "clGetDeviceIDs", "counting the devices of platform " + platformName);
                int deviceCount = count.get(JAVA_INT, 0);
                MemorySegment ids = arena.allocate(MemoryLayout.sequenceLayout(deviceCount, ADDRESS));
                check(OpenCl.getDeviceIDs(platform, OpenCl.CL_DEVICE_TYPE_ALL, deviceCount, ids, MemorySegment.NULL),
                        "clGetDeviceIDs", "listing the devices of platform " + platformName);
                for (int d = 0; d < deviceCount; d++) {
                    MemorySegment id = ids.getAtIndex(ADDRESS, d);
                    String name = OpenCl.infoString((size, value, sizeRet) ->
                            OpenCl.getDeviceInfo(id, OpenCl.CL_DEVICE_NAME, size, value, sizeRet),
                            "clGetDeviceInfo(CL_DEVICE_NAME)");
                    devices.add(new ClDevice(new Device(Device.Kind.OPENCL, devices.size()), platform, id, name,
                            platformName, version));
                }
            }
            return devices;
        }
    }

    /** Why there is no device: where the loader looked, and the usual fixes. */
    static DeviceException noPlatform(int rc) {
        String vendors = System.getenv("OCL_ICD_VENDORS");
        return new DeviceException("no OpenCL platform was found (clGetPlatformIDs answered " + ClErrors.name(rc)
                + " (" + rc + ")): the ICD loader reads its drivers from the .icd files in "
                + (vendors != null ? vendors + " (OCL_ICD_VENDORS)" : "/etc/OpenCL/vendors")
                + ", and none loaded. Install one (apt-get install pocl-opencl-icd runs OpenCL on the CPU);"
                + " NVIDIA containers often lack /etc/OpenCL/vendors/nvidia.icd, a file holding the line"
                + " libnvidia-opencl.so.1");
    }
}
