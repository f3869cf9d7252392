package dev.kiln.compiled;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Saves a compiled model's flat parameter and state buffers. The file is written beside the target
 * and moved over it atomically, so a crash mid-save never leaves a torn checkpoint.
 * Layout: "KILN" magic, version 1, parameter count, state count (big-endian ints), then the floats
 * little-endian.
 */
public final class Checkpoints {
    private static final int MAGIC = 0x4B494C4E; // "KILN"
    private static final int VERSION = 1;

    private Checkpoints() {}

    public static void save(Path path, CompiledModel model) throws IOException {
        dev.kiln.io.AtomicFiles.write(path, os -> {
            DataOutputStream out = new DataOutputStream(os);
            float[] p = model.parameterBuffer(), s = model.stateBuffer();
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(p.length);
            out.writeInt(s.length);
            out.write(littleEndian(p));
            out.write(littleEndian(s));
            out.flush();
        });
    }

    public static void load(Path path, CompiledModel model) throws IOException {
        try (InputStream is = Files.newInputStream(path); DataInputStream in = new DataInputStream(is)) {
            if (in.readInt() != MAGIC) throw new IOException(path + " is not a Kiln checkpoint");
            int version = in.readInt();
            if (version != VERSION) throw new IOException(path + ": unsupported checkpoint version " + version);
            float[] p = model.parameterBuffer(), s = model.stateBuffer();
            int np = in.readInt(), ns = in.readInt();
            if (np != p.length || ns != s.length) {
                throw new IOException(path + " holds " + np + " parameters and " + ns + " state values but the model has "
                        + p.length + " and " + s.length);
            }
            readInto(in, p);
            readInto(in, s);
        }
    }

    private static byte[] littleEndian(float[] v) {
        ByteBuffer buf = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(v);
        return buf.array();
    }

    private static void readInto(DataInputStream in, float[] dst) throws IOException {
        byte[] bytes = in.readNBytes(dst.length * 4);
        if (bytes.length != dst.length * 4) throw new IOException("checkpoint is truncated");
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(dst);
    }
}
