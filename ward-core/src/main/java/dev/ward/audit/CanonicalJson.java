package dev.ward.audit;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one JSON text of an event's details that its chain hash covers: object keys sorted by UTF-16 code units (as
 * RFC 8785 sorts them), no whitespace, strings with the minimal escapes of RFC 8259, integers in decimal. Only
 * strings, integers, booleans, lists and maps are allowed — a floating-point number has no single spelling and a
 * set no single order, so both are refused (details carry fractions as strings and sets as sorted lists).
 */
public final class CanonicalJson {
    private CanonicalJson() {}

    public static String write(Map<String, ?> value) {
        StringBuilder out = new StringBuilder();
        writeValue(out, value);
        return out.toString();
    }

    private static void writeValue(StringBuilder out, Object v) {
        switch (v) {
            case null -> out.append("null");
            case String s -> writeString(out, s);
            case Boolean b -> out.append(b);
            case Long n -> out.append(n);
            case Integer n -> out.append(n);
            case Short n -> out.append(n);
            case Byte n -> out.append(n);
            case java.math.BigInteger n -> out.append(n);
            case Map<?, ?> m -> {
                TreeMap<String, Object> sorted = new TreeMap<>();
                for (var e : m.entrySet()) {
                    if (!(e.getKey() instanceof String key)) {
                        throw new IllegalArgumentException("audit details keys must be strings");
                    }
                    sorted.put(key, e.getValue());
                }
                out.append('{');
                boolean first = true;
                for (var e : sorted.entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    writeString(out, e.getKey());
                    out.append(':');
                    writeValue(out, e.getValue());
                }
                out.append('}');
            }
            case List<?> list -> {
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    writeValue(out, list.get(i));
                }
                out.append(']');
            }
            default -> throw new IllegalArgumentException("audit details may hold strings, integers, booleans, lists and maps, not "
                    + v.getClass().getSimpleName());
        }
    }

    private static void writeString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
