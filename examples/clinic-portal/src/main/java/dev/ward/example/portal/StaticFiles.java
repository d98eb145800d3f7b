package dev.ward.example.portal;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * {@code /static/*}: the portal's script and style sheet, and ward.js (copied from Ward's sources at build time, so the
 * page loads it from its own origin: the CSP names no other, and Ward needs no public address).
 */
final class StaticFiles extends HttpServlet {
    private static final Map<String, String> TYPES = Map.of(
            "/portal.js", "text/javascript", "/ward.js", "text/javascript", "/portal.css", "text/css");

    private final Map<String, byte[]> files = new java.util.HashMap<>();

    StaticFiles() {
        for (String name : TYPES.keySet()) {
            try (InputStream in = StaticFiles.class.getResourceAsStream("/static" + name)) {
                if (in == null) {
                    throw new IllegalStateException("static" + name + " is missing from the class path");
                }
                files.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
        String name = req.getPathInfo();
        byte[] body = name == null ? null : files.get(name);
        if (body == null) {
            res.sendError(404);
            return;
        }
        res.setContentType(TYPES.get(name) + ";charset=utf-8");
        res.setHeader("X-Content-Type-Options", "nosniff");
        res.setHeader("Cache-Control", "no-cache");
        res.setContentLength(body.length);
        res.getOutputStream().write(body);
    }
}
