package dev.ward.client.servlet;

import dev.ward.client.Require;
import java.util.Optional;

/**
 * A path the filter protects, in servlet mapping style: {@code /patients/*} (that path and everything under it) or an
 * exact {@code /chart} (and {@code /chart/}); optionally with the role × module permission its requests need. Matched
 * against the container's decoded, normalised path (servlet path + path info), so {@code /open/../patients/1} and
 * {@code /patients;x/1} are what the app itself would serve.
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

    boolean matches(String path) {
        if (!pattern.endsWith("/*")) {
            // "/chart/" too: a framework that matches a trailing slash (Spring 5 did by default) serves it as /chart.
            return path.equals(pattern) || path.equals(pattern + "/");
        }
        String prefix = pattern.substring(0, pattern.length() - 2);
        return path.equals(prefix) || path.startsWith(prefix + "/") || prefix.isEmpty();
    }

    /** The longer pattern is the more specific: {@code /patients/admin/*} wins over {@code /patients/*}. */
    int specificity() { return pattern.endsWith("/*") ? pattern.length() : Integer.MAX_VALUE; }
}
