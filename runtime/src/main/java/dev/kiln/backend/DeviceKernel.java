package dev.kiln.backend;

/** One kernel entry point of a {@link DeviceProgram}. Not safe for use from two threads at once. */
public interface DeviceKernel {
    String name();

    /**
     * Queues one launch. {@code global} is the total number of work items per dimension (1 to 3 dimensions), each a
     * multiple of the matching {@code local} (the work-group, or CUDA block, size); CUDA's grid is
     * {@code global / local}. Arguments, in the kernel's parameter order, are {@link DeviceBuffer}s, {@code Integer}s
     * (C {@code int}) and {@code Float}s (C {@code float}).
     */
    void launch(int[] global, int[] local, Object... args);

    /** One-dimensional launch of at least {@code items} work items in groups of {@code local}, rounded up. */
    default void launch1d(long items, int local, Object... args) {
        long groups = (items + local - 1) / local;
        if (groups * local > Integer.MAX_VALUE) throw new DeviceException(name() + ": " + items + " work items exceed one launch");
        launch(new int[] {(int) Math.max(local, groups * local)}, new int[] {local}, args);
    }
}
