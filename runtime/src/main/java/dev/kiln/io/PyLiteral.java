package dev.kiln.io;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the Python literals that a {@code .npy} header is written in, as NumPy's
 * {@code ast.literal_eval} does for the subset that headers use: dicts, tuples, lists, strings,
 * integers, {@code True}, {@code False} and {@code None}. Structured dtypes put lists of tuples in
 * the header, so the parser reads them generally and lets {@link NpyHeader} reject what Kiln cannot
 * hold, with a message about the dtype rather than about syntax.
 *
 * <p>Integers may carry Python 2's {@code L} suffix, as headers written by NumPy under Python 2 do.
 * Errors are {@link IllegalArgumentException}s that give the character offset.
 */
final class PyLiteral {

    /** A Python tuple, kept apart from lists because the header's shape must be a tuple. */
    record Tuple(List<Object> items) {}

    /** Python's None, which a structured dtype's descr may hold; printed as Python prints it. */
    static final Object NONE = new Object() {
        @Override public String toString() { return "None"; }
    };

    /** Deeper nesting than any header needs; the limit keeps a crafted file from overflowing the stack. */
    private static final int MAX_DEPTH = 32;

    private final String text;
    private int pos;

    private PyLiteral(String text) {
        this.text = text;
    }

    /** The value of {@code text}, which must hold exactly one literal, maybe padded by whitespace. */
    static Object parse(String text) {
        PyLiteral p = new PyLiteral(text);
        Object value = p.value(0);
        p.skipSpace();
        if (p.pos < text.length()) throw p.error("the end of the header");
        return value;
    }

    /** Python's repr of a parsed value, so that messages quote the header as its writer wrote it. */
    static String repr(Object value) {
        return switch (value) {
            case String s -> "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
            case Boolean b -> b ? "True" : "False";
            case Tuple t -> t.items().size() == 1 ? "(" + repr(t.items().getFirst()) + ",)"
                    : join("(", t.items(), ")");
            case List<?> l -> join("[", l, "]");
            case Map<?, ?> m -> {
                StringBuilder s = new StringBuilder("{");
                m.forEach((k, v) -> s.append(s.length() > 1 ? ", " : "").append(repr(k))
                        .append(": ").append(repr(v)));
                yield s.append('}').toString();
            }
            default -> String.valueOf(value);
        };
    }

    private static String join(String open, List<?> items, String close) {
        StringBuilder s = new StringBuilder(open);
        for (Object item : items) s.append(s.length() > 1 ? ", " : "").append(repr(item));
        return s.append(close).toString();
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("nesting deeper than " + MAX_DEPTH + " levels at character " + pos);
        }
        skipSpace();
        if (pos >= text.length()) throw error("a value");
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> dict(depth);
            case '(' -> tuple(depth);
            case '[' -> list(depth);
            case '\'', '"' -> string();
            default -> c == '-' || c == '+' || Character.isDigit(c) ? integer() : name();
        };
    }

    private Map<Object, Object> dict(int depth) {
        Map<Object, Object> map = new LinkedHashMap<>();
        pos++;
        while (!closes('}')) {
            int keyAt = pos;
            Object key = value(depth + 1);
            expect(':');
            Object val = value(depth + 1);
            if (map.putIfAbsent(key, val) != null) {
                throw new IllegalArgumentException("the key " + repr(key) + " at character " + keyAt
                        + " appears twice");
            }
            if (!separated('}')) break;
        }
        expect('}');
        return map;
    }

    /** A parenthesised single value without a comma is just that value, as in Python: (3) == 3. */
    private Object tuple(int depth) {
        List<Object> items = new ArrayList<>();
        boolean comma = false;
        pos++;
        while (!closes(')')) {
            items.add(value(depth + 1));
            comma = separated(')');
            if (!comma) break;
        }
        expect(')');
        return items.size() == 1 && !comma ? items.getFirst() : new Tuple(List.copyOf(items));
    }

    private List<Object> list(int depth) {
        List<Object> items = new ArrayList<>();
        pos++;
        while (!closes(']')) {
            items.add(value(depth + 1));
            if (!separated(']')) break;
        }
        expect(']');
        return items;
    }

    /** Consumes a comma if there is one; a missing comma is fine only right before the closer. */
    private boolean separated(char closer) {
        skipSpace();
        if (pos < text.length() && text.charAt(pos) == ',') {
            pos++;
            return true;
        }
        if (pos < text.length() && text.charAt(pos) == closer) return false;
        throw error("',' or '" + closer + "'");
    }

    private boolean closes(char closer) {
        skipSpace();
        return pos < text.length() && text.charAt(pos) == closer;
    }

    private String string() {
        int start = pos;
        char quote = text.charAt(pos++);
        StringBuilder s = new StringBuilder();
        while (pos < text.length() && text.charAt(pos) != quote) {
            char c = text.charAt(pos++);
            if (c == '\\') {
                if (pos >= text.length()) break;
                char e = text.charAt(pos++);
                c = switch (e) {
                    case '\\', '\'', '"' -> e;
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> throw error("a known escape (\\\\, \\', \\\", \\n, \\t), not \\" + e);
                };
            }
            s.append(c);
        }
        if (pos >= text.length()) {
            throw new IllegalArgumentException("the string at character " + start + " has no closing " + quote);
        }
        pos++;
        return s.toString();
    }

    /** A Python int: a long when it fits, else a BigInteger, so that callers can name the value. */
    private Object integer() {
        int start = pos;
        if (text.charAt(pos) == '-' || text.charAt(pos) == '+') pos++;
        int digits = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) pos++;
        if (pos == digits) throw error("digits");
        BigInteger v = new BigInteger(text.substring(start, pos));
        if (pos < text.length() && (text.charAt(pos) == 'L' || text.charAt(pos) == 'l')) pos++;
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Object name() {
        int start = pos;
        while (pos < text.length() && Character.isLetter(text.charAt(pos))) pos++;
        String word = text.substring(start, pos);
        return switch (word) {
            case "True" -> Boolean.TRUE;
            case "False" -> Boolean.FALSE;
            case "None" -> NONE;
            default -> {
                pos = start;
                throw error("a value");
            }
        };
    }

    private void expect(char c) {
        skipSpace();
        if (pos >= text.length() || text.charAt(pos) != c) throw error("'" + c + "'");
        pos++;
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) pos++;
    }

    private IllegalArgumentException error(String expected) {
        String found = pos >= text.length() ? "the end of the text"
                : "'" + text.substring(pos, Math.min(text.length(), pos + 12)).strip() + "'";
        return new IllegalArgumentException("expected " + expected + " at character " + pos
                + " but found " + found);
    }
}
