package dev.kiln.samples;

import dev.kiln.backend.Device;

import java.util.ArrayList;
import java.util.List;

/**
 * A sample's command line: {@code --device cpu|opencl:N|cuda:N} anywhere (default: {@code -Dkiln.device}, then
 * {@code KILN_DEVICE}, then the CPU), and the remaining positional arguments in order.
 */
public record SampleArgs(Device device, List<String> positional) {
    public static SampleArgs parse(String[] args) {
        Device device = Device.fromEnvironment();
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--device")) {
                if (i + 1 == args.length) throw new IllegalArgumentException("--device needs a value: cpu, opencl:N or cuda:N");
                device = Device.of(args[++i]);
            } else if (args[i].startsWith("--device=")) {
                device = Device.of(args[i].substring("--device=".length()));
            } else {
                rest.add(args[i]);
            }
        }
        return new SampleArgs(device, List.copyOf(rest));
    }

    /** Positional argument {@code i}, or {@code fallback} where there are fewer. */
    public String arg(int i, String fallback) { return i < positional.size() ? positional.get(i) : fallback; }
}
