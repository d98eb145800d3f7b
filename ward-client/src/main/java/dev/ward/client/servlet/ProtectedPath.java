package dev.ward.client.servlet;

import dev.ward.client.Require;
import java.util.Optional;

/**
 * A path the filter protects, in servlet mapping style: {@code /patients/*} (that path and everything under it) or an
 * exact {@code /chart} (and {@code /chart/}); optionally with the role × module permission its requests need. Matched
 * against the container's decoded, normalised path (servlet path + path info), so {@code /open/../patients/1} and
 * {@code /patients;x/1} are what the app itself would serve; then without regard to case, trailing dots and spaces of a
 * segment, or an extension (see {@link #matches}).
 */
public record ProtectedPath(String pattern, Optional<Require> require) {
    public ProtectedPath {
        if (pattern == null || !pattern.startsWith("/") || pattern.indexOf('*') >= 0 && !pattern.endsWith("/*")
                || pattern.indexOf('*') != pattern.lastIndexOf('*')) {
            throw new IllegalArgumentException("a protected path is /exact or /prefix/*");
        }
        require = require == null ? Optional.empty() : require;
    }

    /** {@code /pharmacy/*} or {@code /pharmacy/*=pharmacy:write}, as the {@code protected-paths} init parameter lists them. */
    public static ProtectedPath parse(String entry) {
        int eq = entry.indexOf('=');
        if (eq < 0) {
            return new ProtectedPath(entry.strip(), Optional.empty());
        }
        return new ProtectedPath(entry.substring(0, eq).strip(), Optional.of(Require.parse(entry.substring(eq + 1))));
    }

    /**
     * Whether the pattern covers the path, erring on the side of protecting: an app may sit on a router, a framework or a
     * file system that serves more spellings of a path than the container's normalisation removes, so the comparison
     * ignores case ({@code /Patients/17}: case-insensitive routes, Windows and macOS file systems), trailing dots and
     * spaces of each segment ({@code /patients./17}, {@code /chart.}: Windows drops them) and an extension on the
     * pattern's last segment ({@code /chart.json}, {@code /patients.xml}: suffix pattern matching, Spring MVC's default
     * before 5.3). A page of the app that is only named like a protected one is protected too, which costs it no more
     * than a session check.
     */
    boolean matches(String path) {
        String p = canonical(path);
        String own = canonical(pattern);
        if (!own.endsWith("/*")) {
            // "/chart/" too: a framework that matches a trailing slash (Spring 5 did by default) serves it as /chart.
            return p.equals(own) || p.equals(own + "/") || withExtension(p, own);
        }
        String prefix = own.substring(0, own.length() - 2);
        return prefix.isEmpty() || p.equals(prefix) || p.startsWith(prefix + "/") || withExtension(p, prefix);
    }

    /** {@code base.ext}, the extension without another segment after it. */
    private static boolean withExtension(String path, String base) {
        return path.startsWith(base + ".") && path.indexOf('/', base.length()) < 0;
    }

    /** Lower case (root locale), each segment without its trailing dots and spaces. */
    static String canonical(String path) {
        String lower = path.toLowerCase(java.util.Locale.ROOT);
        StringBuilder out = new StringBuilder(lower.length());
        int start = 0;
        while (start <= lower.length()) {
            int end = lower.indexOf('/', start);
            if (end < 0) {
                end = lower.length();
            }
            int cut = end;
            while (cut > start && (lower.charAt(cut - 1) == '.' || lower.charAt(cut - 1) == ' ')) {
                cut--;
            }
            out.append(lower, start, cut);
            if (end < lower.length()) {
                out.append('/');
            }
            start = end + 1;
        }
        return out.toString();
    }

    /** The longer pattern is the more specific: {@code /patients/admin/*} wins over {@code /patients/*}. */
    int specificity() { return pattern.endsWith("/*") ? pattern.length() : Integer.MAX_VALUE; }
}
