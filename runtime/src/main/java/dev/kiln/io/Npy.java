package dev.kiln.io;

import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads and writes NumPy's {@code .npy} files, the format of {@code numpy.save} and
 * {@code numpy.load}, so that weights and test vectors pass between Kiln and Python unchanged.
 *
 * <p>Reading accepts format versions 1.0, 2.0 and 3.0; descrs {@code b1}, {@code u1}, {@code i1},
 * {@code i2}, {@code i4}, {@code i8}, {@code f2}, {@code f4} and {@code f8} in either byte order
 * (uint8 and int8 load as {@link dev.kiln.tensor.DType#UINT8} and {@code INT8}, not widened), plus
 * {@code u2} and {@code u4}, which widen to int32 and int64; and Fortran-order arrays, which are
 * converted to row-major. NumPy has no bfloat16, so a bfloat16 tensor cannot be saved as {@code .npy}. Object, structured, complex, string
 * and uint64 arrays are refused with a {@link NpyFormatException} that names the file and the descr.
 *
 * <p>Writing produces exactly the bytes {@code numpy.save} writes for the same C-order
 * little-endian array: format 1.0 (2.0 if the header needs more than 65535 bytes), the header
 * padded with spaces so that the data starts at a multiple of 64 bytes.
 */
public final class Npy {

    private Npy() {}

    /** Reads the array in {@code path}; errors name the path. */
    public static NpyArray read(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return NpyReader.read(in, path.toString());
        }
    }

    /**
     * Reads one array from {@code in}, consuming exactly its bytes and leaving the stream open, so
     * that arrays saved one after another to the same stream read back in turn.
     *
     * @param sourceName what error messages call the stream, e.g. a zip entry's name
     */
    public static NpyArray read(InputStream in, String sourceName) throws IOException {
        return NpyReader.read(in, sourceName);
    }

    /** Writes {@code array} to {@code path} atomically, replacing any file already there. */
    public static void write(Path path, NpyArray array) throws IOException {
        NpyWriter.write(path, array);
    }

    /** Writes {@code array} to {@code out}, leaving it open and unflushed. */
    public static void write(OutputStream out, NpyArray array) throws IOException {
        NpyWriter.write(out, array);
    }

    /** Loads a {@code .npy} file as a tensor that owns the file's data (like {@code torch.from_numpy(np.load(p))}). */
    public static Tensor load(Path path) throws IOException {
        NpyArray a = read(path);
        return Torch.fromArray(a.data(), a.dtype(), a.shape());
    }

    /** Saves a tensor's values (a contiguous copy when needed) as a {@code .npy} file, atomically. */
    public static void save(Path path, Tensor t) throws IOException {
        Tensor c = t.detach().contiguous();
        Object data = c.storageOffset() == 0 && c.numel() == c.untypedStorage().length() ? c.untypedStorage().array() : c.clone().untypedStorage().array();
        write(path, new NpyArray(c.shape().toArray(), c.dtype(), data));
    }
}
