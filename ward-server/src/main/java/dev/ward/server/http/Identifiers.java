package dev.ward.server.http;

import dev.ward.problem.ProblemException;

/** Control characters in identifiers, names and query parameters: refused at the boundary, never stored. */
final class Identifiers {
    private Identifiers() {}

    static boolean hasControls(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    static void requireNoControls(String field, String value) {
        if (hasControls(value)) {
            throw ProblemException.validation(field, field + " must not contain control characters");
        }
    }

    /** The text with each control character replaced by U+FFFD: safe to keep in a record of a refused request. */
    static String printable(String s) {
        if (!hasControls(s)) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? '\uFFFD' : c);
        }
        return out.toString();
    }
}
