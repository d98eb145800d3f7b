package dev.ward.server.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * A file from the jar, read once at start-up and answered with a strong {@code ETag}: the browser library and the
 * console's pages, scripts and styles. None of them carries session or patient data, so they may be cached; a new
 * Ward with new content gets new validators.
 */
record StaticFile(byte[] content, String contentType, String etag) {

    /** A classpath resource; a missing one is a broken build, so it fails start-up. */
    static StaticFile of(String resource, String contentType) {
        byte[] content = bytes(resource);
        return new StaticFile(content, contentType, etagOf(content));
    }

    static byte[] bytes(String resource) {
        try (InputStream in = StaticFile.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A strong validator: the first 128 bits of the content's SHA-256. */
    private static String etagOf(byte[] content) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(content);
            return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 16)) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The file, or {@code 304} when the client's copy is current; the caller has set {@code Cache-Control}. */
    void answer(Context ctx) {
        ctx.header("ETag", etag);
        String match = ctx.header("If-None-Match");
        if (match != null && Arrays.stream(match.split(",")).map(String::strip)
                .anyMatch(m -> m.equals(etag) || m.equals("W/" + etag) || m.equals("*"))) {
            ctx.status(304);
            return;
        }
        ctx.contentType(contentType).result(content);
    }
}
