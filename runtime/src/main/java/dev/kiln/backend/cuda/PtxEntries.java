package dev.kiln.backend.cuda;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel entry points of a PTX module and their parameter types, read from the {@code .entry} declarations. The
 * driver API cannot tell how many arguments a kernel takes, and a launch with too few reads garbage; the CUDA backend
 * checks each launch's arguments against these lists instead.
 */
public final class PtxEntries {
    /** What a kernel parameter holds, as the dialect's arguments map onto PTX: a buffer pointer, an int, a float. */
    public enum Param {
        POINTER, INT, FLOAT, OTHER;

        String spelling() {
            return switch (this) {
                case POINTER -> "buffer";
                case INT -> "int";
                case FLOAT -> "float";
                case OTHER -> "?";
            };
        }
    }

    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+([A-Za-z_$][\\w$]*)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+(?:\\.align\\s+\\d+\\s+)?\\.(\\w+)");

    private PtxEntries() {}

    /** Each {@code .entry} name in {@code ptx}, in order, with its parameters. */
    public static Map<String, List<Param>> parse(String ptx) {
        Map<String, List<Param>> entries = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) {
            List<Param> params = new ArrayList<>();
            for (String decl : m.group(2).split(",")) {
                if (decl.isBlank()) continue;
                Matcher p = PARAM.matcher(decl);
                if (!p.find()) {
                    params.add(Param.OTHER);
                    continue;
                }
                String type = p.group(1);
                boolean array = decl.contains("[");
                params.add(array ? Param.OTHER : switch (type) {
                    case "u64", "b64", "s64" -> Param.POINTER;
                    case "u32", "s32", "b32" -> Param.INT;
                    case "f32" -> Param.FLOAT;
                    default -> Param.OTHER;
                });
            }
            entries.put(m.group(1), List.copyOf(params));
        }
        return entries;
    }

    /** "(buffer, buffer, float, int)". */
    public static String signature(List<Param> params) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < params.size(); i++) sb.append(i == 0 ? "" : ", ").append(params.get(i).spelling());
        return sb.append(')').toString();
    }
}
