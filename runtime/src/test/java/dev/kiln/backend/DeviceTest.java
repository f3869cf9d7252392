package dev.kiln.backend;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceTest {
    @Test
    void parsesPyTorchStyleDeviceStrings() {
        assertEquals(Device.CPU, Device.of("cpu"));
        assertEquals(new Device(Device.Kind.CUDA, 0), Device.of("cuda"));
        assertEquals(new Device(Device.Kind.CUDA, 1), Device.of(" CUDA:1 "));
        assertEquals(new Device(Device.Kind.OPENCL, 2), Device.of("opencl:2"));
        assertEquals("opencl:2", Device.of("opencl:2").toString());
        assertEquals("cpu", Device.CPU.toString());
    }

    @Test
    void badDeviceStringsNameTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.of("gpu:0"));
        assertTrue(e.getMessage().contains("'gpu:0'") && e.getMessage().contains("cuda[:N]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Device.of("cuda:x"));
        assertTrue(e.getMessage().contains("'cuda:x'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Device.of("cuda:-1"));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Device.of("cpu:1"));
    }

    @Test
    void theCpuIsAlwaysAvailableAndFirst() {
        assertEquals(Device.CPU, Device.available().getFirst().device());
    }

    @Test
    void thePropertyPicksTheDevice() {
        String old = System.getProperty("kiln.device");
        try {
            System.setProperty("kiln.device", "opencl:0");
            assertEquals(new Device(Device.Kind.OPENCL, 0), Device.fromEnvironment());
        } finally {
            if (old == null) System.clearProperty("kiln.device"); else System.setProperty("kiln.device", old);
        }
    }
}
