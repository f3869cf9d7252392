package dev.kiln.io;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/** Reads one array in {@code .npy} format 1.0, 2.0 or 3.0 from a stream; see {@link Npy#read}. */
final class NpyReader {

    /** Bytes read and decoded at a time: large enough to amortise the calls, a multiple of 8. */
    private static final int CHUNK = 1 << 16;
    /**
     * A header longer than this is corrupt, not big: a 64-dimensional shape needs under 2 KiB.
     * The limit stops a damaged length field from allocating gigabytes.
     */
    private static final int MAX_HEADER = 1 << 24;

    private NpyReader() {}

    static NpyArray read(InputStream in, String source) throws IOException {
        NpyHeader header = readHeader(in, source);
        int[] shape = header.shape();
        NpyType type = header.type();
        int count = Math.toIntExact(NpyArray.product(Arrays.stream(shape).asLongStream().toArray()));
        Object data = Array.newInstance(NpyArray.arrayClass(type.dtype()).componentType(), count);
        readData(in, source, header, data, count);
        if (header.fortranOrder()) data = FortranOrder.toRowMajor(data, shape);
        return new NpyArray(shape, type.dtype(), data);
    }

    private static NpyHeader readHeader(InputStream in, String source) throws IOException {
        byte[] preamble = in.readNBytes(8);
        if (preamble.length == 0) throw new NpyFormatException(source, "not a .npy file: it is empty");
        int magicSeen = Math.min(preamble.length, NpyHeader.MAGIC.length);
        if (!Arrays.equals(preamble, 0, magicSeen, NpyHeader.MAGIC, 0, magicSeen)) {
            throw new NpyFormatException(source, "not a .npy file: it starts with bytes "
                    + HexFormat.ofDelimiter(" ").formatHex(preamble)
                    + " instead of the magic \\x93NUMPY" + zipHint(preamble));
        }
        if (preamble.length < 8) {
            throw new NpyFormatException(source, "truncated: the file ends after " + preamble.length
                    + " bytes, inside the 8-byte magic and version");
        }
        int major = preamble[6] & 0xFF, minor = preamble[7] & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw new NpyFormatException(source, "unsupported .npy format version " + major + "."
                    + minor + " (Kiln reads 1.0, 2.0 and 3.0)");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        byte[] lengthField = in.readNBytes(lengthBytes);
        if (lengthField.length < lengthBytes) {
            throw new NpyFormatException(source, "truncated: the file ends inside the header length");
        }
        ByteBuffer field = ByteBuffer.wrap(lengthField).order(ByteOrder.LITTLE_ENDIAN);
        long length = lengthBytes == 2 ? field.getShort(0) & 0xFFFFL : field.getInt(0) & 0xFFFF_FFFFL;
        if (length > MAX_HEADER) {
            throw new NpyFormatException(source, "header length " + length + " is over the "
                    + MAX_HEADER + "-byte limit; the length field is probably corrupt");
        }
        byte[] text = in.readNBytes((int) length);
        if (text.length < length) {
            throw new NpyFormatException(source, "truncated header: expected " + length
                    + " bytes but only " + text.length + " remain");
        }
        // Versions 1 and 2 store the dict in latin-1; version 3 exists to allow UTF-8.
        Charset charset = major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1;
        try {
            String dict = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(text)).toString();
            return NpyHeader.parse(dict, source);
        } catch (CharacterCodingException e) {
            throw new NpyFormatException(source, "malformed header: it is not valid UTF-8");
        }
    }

    /** The usual way to hit bad magic is handing an .npz (a zip of .npy files) to the .npy reader. */
    private static String zipHint(byte[] start) {
        return start.length >= 2 && start[0] == 'P' && start[1] == 'K'
                ? " (it looks like a zip archive, as .npz files are)" : "";
    }

    /** Reads in chunks, so that a large array needs no second full-size buffer for its bytes. */
    private static void readData(InputStream in, String source, NpyHeader header, Object data,
                                 int count) throws IOException {
        NpyType type = header.type();
        long need = (long) count * type.itemSize();
        byte[] buf = new byte[(int) Math.min(need, CHUNK)];
        long done = 0;
        while (done < need) {
            int want = (int) Math.min(buf.length, need - done);
            int got = in.readNBytes(buf, 0, want);
            if (got < want) {
                throw new NpyFormatException(source, "expected " + need + " bytes of "
                        + type.numpyName() + " data for shape " + NpyArray.shapeText(header.shape())
                        + " but only " + (done + got) + " remain");
            }
            ByteBuffer chunk = ByteBuffer.wrap(buf, 0, got).order(header.order());
            type.decode(chunk, data, (int) (done / type.itemSize()), got / type.itemSize());
            done += got;
        }
    }
}
