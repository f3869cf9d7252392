package dev.kiln.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Where tensors live and kernels run, in PyTorch's spelling: {@code cpu}, {@code opencl:N}, {@code cuda:N}.
 * {@link #of} parses it; {@link #fromEnvironment} reads {@code -Dkiln.device=...} or {@code KILN_DEVICE};
 * {@link #available} lists what this machine offers, by the drivers' own names.
 */
public record Device(Kind kind, int index) {
    /** The backend families; each but {@link #CPU} is a {@link Backend} found with {@link ServiceLoader}. */
    public enum Kind {
        CPU, OPENCL, CUDA;

        /** The lower-case prefix used in device strings. */
        public String prefix() { return name().toLowerCase(Locale.ROOT); }
    }

    public Device {
        if (kind == null) throw new IllegalArgumentException("device kind is null");
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
        if (kind == Kind.CPU && index != 0) throw new IllegalArgumentException("the CPU device has index 0 only, got cpu:" + index);
    }

    public static final Device CPU = new Device(Kind.CPU, 0);

    /** Parses {@code cpu}, {@code opencl}, {@code opencl:1}, {@code cuda}, {@code cuda:0} (no index means 0). */
    public static Device of(String spec) {
        if (spec == null) throw new IllegalArgumentException("device string is null");
        String s = spec.strip().toLowerCase(Locale.ROOT);
        int colon = s.indexOf(':');
        String prefix = colon < 0 ? s : s.substring(0, colon);
        Kind kind = null;
        for (Kind k : Kind.values()) if (k.prefix().equals(prefix)) kind = k;
        if (kind == null) {
            throw new IllegalArgumentException("unknown device '" + spec + "': expected cpu, opencl[:N] or cuda[:N]");
        }
        if (colon < 0) return new Device(kind, 0);
        try {
            return new Device(kind, Integer.parseInt(s.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("device '" + spec + "' has no valid index after ':'", e);
        }
    }

    /** {@code -Dkiln.device}, else the {@code KILN_DEVICE} environment variable, else {@link #CPU}. */
    public static Device fromEnvironment() {
        String property = System.getProperty("kiln.device");
        if (property != null && !property.isBlank()) return of(property);
        String env = System.getenv("KILN_DEVICE");
        if (env != null && !env.isBlank()) return of(env);
        return CPU;
    }

    /**
     * Every device this machine offers: the CPU, then each registered backend's devices. A backend that finds no
     * driver contributes nothing here; {@link Backends#open} says why.
     */
    public static List<DeviceInfo> available() {
        List<DeviceInfo> all = new ArrayList<>();
        all.add(new DeviceInfo(CPU, Runtime.getRuntime().availableProcessors() + " cores, Java Vector API", "kiln"));
        for (Backend b : Backends.all()) all.addAll(b.devices());
        return all;
    }

    public boolean isCpu() { return kind == Kind.CPU; }

    @Override
    public String toString() { return kind == Kind.CPU ? "cpu" : kind.prefix() + ":" + index; }
}
