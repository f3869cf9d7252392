package dev.kiln.backend.opencl;

import dev.kiln.backend.Backend;
import dev.kiln.backend.Backends;
import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceException;
import dev.kiln.backend.DeviceInfo;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenClBackendTest {
    @Test
    void serviceLoaderFindsTheBackendWithoutTouchingTheDriver() {
        Backend backend = Backends.of(Device.Kind.OPENCL);
        assertInstanceOf(OpenClBackend.class, backend);
        assertEquals(1, Backends.all().stream().filter(b -> b.kind() == Device.Kind.OPENCL).count());
    }

    @Test
    void devicesAreFlatIndexedWithTheDriversNames() {
        OpenClTesting.assumeDevice();
        List<DeviceInfo> devices = new OpenClBackend().devices();
        for (int i = 0; i < devices.size(); i++) {
            DeviceInfo info = devices.get(i);
            assertEquals(new Device(Device.Kind.OPENCL, i), info.device());
            assertFalse(info.name().isBlank(), info.toString());
            assertTrue(info.driver().contains(", OpenCL "), info.driver()); // "platform name, OpenCL x.y ..."
        }
        assertTrue(Device.available().stream().anyMatch(d -> d.device().equals(Device.of("opencl:0"))),
                Device.available().toString());
        if (devices.stream().anyMatch(d -> d.driver().startsWith("Portable Computing Language"))) {
            assertTrue(devices.stream().anyMatch(d -> d.driver().contains("PoCL")), devices.toString());
        }
    }

    @Test
    void theRegistryOpensOneSharedContext() {
        OpenClTesting.assumeDevice();
        DeviceContext ctx = Backends.open(Device.of("opencl:0"));
        assertSame(ctx, Backends.open(Device.of("opencl")));
        assertEquals(Device.of("opencl:0"), ctx.device());
        assertEquals(new OpenClBackend().devices().getFirst().name(), ctx.name());
        try (DeviceBuffer buffer = ctx.allocate(3)) {
            ctx.upload(new float[] {1, 2, 3}, 0, buffer, 0, 3);
            float[] back = new float[3];
            ctx.download(buffer, 0, back, 0, 3);
            assertArrayEquals(new float[] {1, 2, 3}, back);
        }
    }

    @Test
    void anIndexPastTheLastDeviceListsTheDevicesThatExist() {
        OpenClTesting.assumeDevice();
        DeviceException e = assertThrows(DeviceException.class, () -> new OpenClBackend().open(99));
        String first = new OpenClBackend().devices().getFirst().name();
        assertTrue(e.getMessage().contains("opencl:99") && e.getMessage().contains("opencl:0 " + first),
                e.getMessage());
    }

    @Test
    void closingTwiceIsHarmlessAndUseAfterCloseSaysSo() {
        DeviceContext ctx = OpenClTesting.open();
        DeviceBuffer buffer = ctx.allocate(4);
        buffer.close();
        buffer.close();
        DeviceBuffer open = ctx.allocate(4); // left open: the context's close releases it
        ctx.compile("left_open", "KERNEL void k(GLOBAL float* x) { x[0] = 1.0f; }").kernel("k");
        ctx.close();
        ctx.close();
        assertTrue(ctx.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ctx.allocate(1));
        assertTrue(e.getMessage().contains("opencl:0") && e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> ctx.upload(new float[1], 0, open, 0, 1));
        open.close();
    }

    @Test
    void theMissingLibraryMessageSaysWhatToInstall() {
        Object failure = OpenCl.load("libKilnNoSuchOpenCL.so.1");
        assertInstanceOf(String.class, failure);
        String message = (String) failure;
        assertTrue(message.startsWith("cannot load libKilnNoSuchOpenCL.so.1, the OpenCL ICD loader")
                && message.contains("apt-get install ocl-icd-libopencl1") && message.contains("pocl-opencl-icd"),
                message);
    }

    @Test
    void noPlatformSaysWhereTheLoaderLooksForDrivers() {
        String m = ClDevices.noPlatform(-1001).getMessage();
        String vendors = System.getenv("OCL_ICD_VENDORS");
        assertTrue(m.startsWith("no OpenCL platform was found") && m.contains("CL_PLATFORM_NOT_FOUND_KHR (-1001)")
                && m.contains(vendors != null ? vendors : "/etc/OpenCL/vendors")
                && m.contains("nvidia.icd") && m.contains("pocl-opencl-icd"), m);
    }

    @Test
    void errorCodesHaveTheirHeaderNames() {
        assertEquals("CL_BUILD_PROGRAM_FAILURE", ClErrors.name(-11));
        assertEquals("CL_INVALID_WORK_GROUP_SIZE", ClErrors.name(-54));
        assertEquals("CL_PLATFORM_NOT_FOUND_KHR", ClErrors.name(-1001));
        assertEquals("clFinish failed with CL_OUT_OF_RESOURCES (-5): waiting",
                ClErrors.error("clFinish", -5, "waiting").getMessage());
    }
}
