package dev.kiln.distributed;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The hand-written FFM binding of Open MPI's {@code libmpi.so.40} (Open MPI 4.x and 5.x), loaded at run time: no JNI and
 * no Java bindings package. Only the calls Kiln makes are bound, on {@code MPI_COMM_WORLD}.
 *
 * <p>In Open MPI's ABI the predefined handles are the addresses of global symbols ({@code MPI_COMM_WORLD} is
 * {@code &ompi_mpi_comm_world}, {@code MPI_FLOAT} {@code &ompi_mpi_float}, {@code MPI_SUM} {@code &ompi_mpi_op_sum}) and
 * {@code MPI_IN_PLACE} is the pointer 1. MPICH (and Intel MPI, MVAPICH) use integer handles instead, a different ABI:
 * a library without Open MPI's symbols is refused with a message saying so. {@code KILN_LIBMPI} names the library
 * file where it is not on the loader's path.
 *
 * <p>Every call returns MPI's code; {@link #setErrorsReturn} makes a failing call return one rather than abort the job,
 * and each wrapper then throws an {@link MpiException} naming the call, the rank and {@code MPI_Error_string}'s text.
 * Buffers are native {@link MemorySegment}s, never Java arrays: a collective may wait for seconds, and a heap array
 * would have to stay pinned for that long.
 */
public final class Mpi {
    public static final String LIBRARY = "libmpi.so.40";
    static final int MPI_THREAD_MULTIPLE = 3;
    private static final int MAX_ERROR_STRING = 256;
    private static final MemorySegment IN_PLACE = MemorySegment.ofAddress(1);

    private static final Linker LINKER = Linker.nativeLinker();
    private static Mpi loaded;

    private final String path;
    private final MemorySegment commWorld, floatType, doubleType, byteType, sum, errorsReturn;
    private final MethodHandle initThread, initialized, finalized, finalize_, commRank, commSize, allreduce, bcast,
            barrier, setErrhandler, errorString, abort;
    private volatile int rank = -1;

    private Mpi(String path, SymbolLookup lib) {
        this.path = path;
        commWorld = symbol(lib, "ompi_mpi_comm_world");
        floatType = symbol(lib, "ompi_mpi_float");
        doubleType = symbol(lib, "ompi_mpi_double");
        byteType = symbol(lib, "ompi_mpi_byte");
        sum = symbol(lib, "ompi_mpi_op_sum");
        errorsReturn = symbol(lib, "ompi_mpi_errors_return");
        initThread = bind(lib, "MPI_Init_thread", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
        initialized = bind(lib, "MPI_Initialized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        finalized = bind(lib, "MPI_Finalized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        finalize_ = bind(lib, "MPI_Finalize", FunctionDescriptor.of(JAVA_INT));
        commRank = bind(lib, "MPI_Comm_rank", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        commSize = bind(lib, "MPI_Comm_size", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        // int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype, MPI_Op, MPI_Comm)
        allreduce = bind(lib, "MPI_Allreduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        // int MPI_Bcast(void *buffer, int count, MPI_Datatype, int root, MPI_Comm)
        bcast = bind(lib, "MPI_Bcast", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        barrier = bind(lib, "MPI_Barrier", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        setErrhandler = bind(lib, "MPI_Comm_set_errhandler", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        errorString = bind(lib, "MPI_Error_string", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        abort = bind(lib, "MPI_Abort", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }

    /**
     * Loads Open MPI's library once per JVM ({@code KILN_LIBMPI}, else {@value #LIBRARY} from the loader's path). Throws an
     * {@link MpiException} that says what was tried and how to install Open MPI where it cannot be loaded, and one naming
     * the implementation where the library found is not Open MPI's.
     */
    public static synchronized Mpi load() {
        if (loaded != null) return loaded;
        String override = System.getenv("KILN_LIBMPI");
        String name = override != null && !override.isBlank() ? override : LIBRARY;
        SymbolLookup lib;
        try {
            lib = name.contains("/") ? SymbolLookup.libraryLookup(Path.of(name), Arena.global()) : SymbolLookup.libraryLookup(name, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new MpiException("cannot load " + name + (override != null ? " (KILN_LIBMPI)" : "") + ": " + e.getMessage()
                    + ". " + otherMpi() + "Kiln needs Open MPI 4 or 5: apt-get install -y openmpi-bin libopenmpi-dev "
                    + "(Debian/Ubuntu), dnf install openmpi (then module load mpi/openmpi-x86_64), or set KILN_LIBMPI to the "
                    + "path of libmpi.so.40");
        }
        if (lib.find("ompi_mpi_comm_world").isEmpty()) {
            String impl = lib.find("MPIR_Err_return_comm").isPresent() || lib.find("MPICH_Init_thread").isPresent()
                    || lib.find("PMPI_Init").isPresent() && lib.find("MPIR_Process").isPresent() ? "MPICH (or an MPICH derivative)" : "not Open MPI";
            throw new MpiException(name + " is " + impl + ": Kiln's binding speaks Open MPI's ABI, where MPI_COMM_WORLD and "
                    + "MPI_FLOAT are addresses of global symbols (ompi_mpi_comm_world); MPICH's handles are integers. Install "
                    + "Open MPI (apt-get install -y openmpi-bin libopenmpi-dev) and run under its mpirun, or point KILN_LIBMPI at "
                    + "Open MPI's libmpi.so.40");
        }
        loaded = new Mpi(name, lib);
        return loaded;
    }

    /** Where an MPICH library sits on the usual paths, a sentence saying so, else empty. */
    private static String otherMpi() {
        List<String> found = new ArrayList<>();
        for (String dir : new String[] {"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/lib/aarch64-linux-gnu"}) {
            for (String f : new String[] {"libmpich.so.12", "libmpi.so.12"}) {
                if (Files.exists(Path.of(dir, f))) found.add(dir + "/" + f);
            }
        }
        return found.isEmpty() ? "" : "Found MPICH (" + String.join(", ", found) + "), whose integer handles Kiln does not speak. ";
    }

    /** The library file this binding was loaded from. */
    public String library() { return path; }

    /** {@code MPI_Init_thread(NULL, NULL, required, &provided)}: returns the thread level provided. */
    public int initThread(int required) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment provided = a.allocate(JAVA_INT);
            check("MPI_Init_thread", (int) initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL, required, provided));
            return provided.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public boolean isInitialized() { return flag(initialized, "MPI_Initialized"); }

    public boolean isFinalized() { return flag(finalized, "MPI_Finalized"); }

    private boolean flag(MethodHandle h, String call) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(JAVA_INT);
            check(call, (int) h.invokeExact(f));
            return f.get(JAVA_INT, 0) != 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code MPI_Finalize()}. */
    public void finalizeMpi() {
        try {
            check("MPI_Finalize", (int) finalize_.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** This process's rank in {@code MPI_COMM_WORLD}. */
    public int rank() {
        int r = commInt(commRank, "MPI_Comm_rank");
        rank = r;
        return r;
    }

    /** The number of processes in {@code MPI_COMM_WORLD}. */
    public int size() { return commInt(commSize, "MPI_Comm_size"); }

    private int commInt(MethodHandle h, String call) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check(call, (int) h.invokeExact(commWorld, v));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sets {@code MPI_ERRORS_RETURN} on {@code MPI_COMM_WORLD}: failing calls return a code instead of aborting. */
    public void setErrorsReturn() {
        try {
            check("MPI_Comm_set_errhandler", (int) setErrhandler.invokeExact(commWorld, errorsReturn));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code MPI_Allreduce(MPI_IN_PLACE, buf, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD)}. */
    public void allreduceSumFloats(MemorySegment buf, int count) { allreduce(buf, count, floatType); }

    /** {@code MPI_Allreduce(MPI_IN_PLACE, buf, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD)}. */
    public void allreduceSumDoubles(MemorySegment buf, int count) { allreduce(buf, count, doubleType); }

    private void allreduce(MemorySegment buf, int count, MemorySegment type) {
        try {
            check("MPI_Allreduce", (int) allreduce.invokeExact(IN_PLACE, buf, count, type, sum, commWorld));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code MPI_Bcast(buf, bytes, MPI_BYTE, root, MPI_COMM_WORLD)}, in pieces of at most 1 GiB. */
    public void broadcastBytes(MemorySegment buf, long bytes, int root) {
        try {
            for (long off = 0; off < bytes || off == 0 && bytes == 0; off += 1 << 30) {
                int n = (int) Math.min(bytes - off, 1 << 30);
                check("MPI_Bcast", (int) bcast.invokeExact(buf.asSlice(off), n, byteType, root, commWorld));
                if (bytes == 0) break;
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code MPI_Barrier(MPI_COMM_WORLD)}. */
    public void barrier() {
        try {
            check("MPI_Barrier", (int) barrier.invokeExact(commWorld));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code MPI_Abort(MPI_COMM_WORLD, code)}: ends every process of the job; does not return where MPI works. */
    public void abort(int code) {
        try {
            int rc = (int) abort.invokeExact(commWorld, code);
            check("MPI_Abort", rc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code MPI_Error_string(code, ...)}, or a note where MPI cannot say. */
    public String errorString(int code) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(MAX_ERROR_STRING + 1);
            MemorySegment len = a.allocate(JAVA_INT);
            int rc = (int) errorString.invokeExact(code, s, len);
            if (rc != 0) return "unknown MPI error";
            int n = Math.max(0, Math.min(MAX_ERROR_STRING, len.get(JAVA_INT, 0)));
            return new String(s.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        } catch (Throwable t) {
            return "unknown MPI error (MPI_Error_string failed: " + t + ")";
        }
    }

    private void check(String call, int rc) {
        if (rc != 0) {
            throw new MpiException(call + " failed on rank " + (rank >= 0 ? String.valueOf(rank) : "?") + ": " + errorString(rc)
                    + " (MPI error " + rc + ")", call, rc);
        }
    }

    private static MemorySegment symbol(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new MpiException("libmpi has no symbol " + name + ": not an Open MPI 4 or 5 library"));
    }

    private static MethodHandle bind(SymbolLookup lib, String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(lib, name), fd);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
