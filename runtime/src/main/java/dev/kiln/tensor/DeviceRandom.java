package dev.kiln.tensor;

import dev.kiln.backend.Device;
import dev.kiln.tensor.random.Generator;

import java.util.HashMap;
import java.util.Map;

/**
 * The random streams of devices, as PyTorch keeps a generator per CUDA device beside the CPU's: device dropout
 * draws its masks on the device from a counter-based SplitMix64 stream (the one {@code compiled/DropoutMask} and
 * the image kernels' {@code dropout.kc} share), so its masks differ from the CPU generator's for the same seed, as
 * PyTorch's CUDA masks differ from its CPU ones; only the distribution matches. Each device's stream starts at the
 * seed of the last {@link Torch#manualSeed} ({@link Generator#DEFAULT_SEED} before any, as a fresh PyTorch
 * generator), so a seeded program drops the same elements on every run, and drawing on a device leaves the CPU
 * generator (and so data shuffles) where it was.
 */
final class DeviceRandom {
    /** SplitMix64's increment: draw i (from 1) of a stream at state S mixes S + i * GAMMA. */
    private static final long GAMMA = 0x9E3779B97F4A7C15L;

    private static final Map<Device, long[]> STATES = new HashMap<>();
    private static long seed = Generator.DEFAULT_SEED;

    private DeviceRandom() {}

    /** {@code torch.manual_seed}'s effect on the devices: every stream restarts from {@code seed}. */
    static synchronized void manualSeed(long newSeed) {
        seed = newSeed;
        STATES.clear();
    }

    /** The state of {@code device}'s stream before {@code draws} draws, which it then skips. */
    static synchronized long take(Device device, long draws) {
        if (draws < 0) throw new IllegalArgumentException("cannot skip back " + draws + " draws");
        long[] state = STATES.computeIfAbsent(device, d -> new long[] {seed});
        long at = state[0];
        state[0] += draws * GAMMA;
        return at;
    }
}
