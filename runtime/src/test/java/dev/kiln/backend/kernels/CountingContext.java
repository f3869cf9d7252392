package dev.kiln.backend.kernels;

import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceKernel;
import dev.kiln.backend.DeviceProgram;
import java.util.ArrayList;
import java.util.List;

/** A device context whose kernels record their launches by name, for the launch-count tests. */
final class CountingContext implements DeviceContext {
    private final DeviceContext inner;
    private final List<String> launches = new ArrayList<>();

    CountingContext(DeviceContext inner) { this.inner = inner; }

    /** The kernels {@code r} launched, in order. */
    List<String> during(Runnable r) {
        launches.clear();
        r.run();
        inner.finish();
        return List.copyOf(launches);
    }

    @Override public Device device() { return inner.device(); }
    @Override public String name() { return inner.name(); }
    @Override public DeviceBuffer allocate(long floats) { return inner.allocate(floats); }
    @Override public void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int count) { inner.upload(src, srcOffset, dst, dstOffset, count); }
    @Override public void download(DeviceBuffer src, long srcOffset, float[] dst, int dstOffset, int count) { inner.download(src, srcOffset, dst, dstOffset, count); }
    @Override public void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long count) { inner.copy(src, srcOffset, dst, dstOffset, count); }
    @Override public void finish() { inner.finish(); }
    @Override public boolean isClosed() { return inner.isClosed(); }
    @Override public void close() {}

    @Override
    public DeviceProgram compile(String name, String source) {
        DeviceProgram p = inner.compile(name, source);
        return new DeviceProgram() {
            @Override public String name() { return p.name(); }

            @Override
            public DeviceKernel kernel(String kernelName) {
                DeviceKernel k = p.kernel(kernelName);
                return new DeviceKernel() {
                    @Override public String name() { return k.name(); }

                    @Override
                    public void launch(int[] global, int[] local, Object... args) {
                        launches.add(kernelName);
                        k.launch(global, local, args);
                    }
                };
            }
        };
    }
}
