package dev.kiln.distributed;

/**
 * A failed MPI call, or MPI that cannot be loaded: the message names the call, the rank and MPI's own error string
 * ({@code MPI_Allreduce failed on rank 1: MPI_ERR_TRUNCATE: message truncated (MPI error 15)}).
 */
public final class MpiException extends RuntimeException {
    private final String call;
    private final int code;

    public MpiException(String message) { this(message, null, 0); }

    public MpiException(String message, String call, int code) {
        super(message);
        this.call = call;
        this.code = code;
    }

    /** The MPI function that failed ({@code MPI_Allreduce}), or null where MPI could not be loaded. */
    public String call() { return call; }

    /** MPI's error code, 0 where MPI could not be loaded. */
    public int code() { return code; }
}
