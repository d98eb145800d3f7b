package dev.ward.problem;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An expected refusal that the HTTP layer turns into RFC 9457 problem JSON: the caller did something
 * Ward will not do (bad input, missing permission, conflict). Carries a stable machine-readable
 * {@code code}. The detail must never contain a secret, a token, a password or patient data.
 */
public final class ProblemException extends RuntimeException {
    private final int status;
    private final String code;
    private final String title;
    private final Map<String, Object> extensions;

    public ProblemException(int status, String code, String title, String detail, Map<String, Object> extensions) {
        // No stack trace: these are outcomes, not bugs, and building traces costs time on hot paths.
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.title = title;
        this.extensions = Map.copyOf(extensions);
    }

    public ProblemException(int status, String code, String title, String detail) {
        this(status, code, title, detail, Map.of());
    }

    public static ProblemException validation(String field, String detail) {
        return new ProblemException(400, "validation_failed", "Validation failed", detail, Map.of("field", field));
    }

    public static ProblemException forbidden(String detail) {
        return new ProblemException(403, "forbidden", "Forbidden", detail);
    }

    public static ProblemException insufficientScope(String scope) {
        return new ProblemException(403, "insufficient_scope", "Insufficient scope",
                "This API key lacks the scope '" + scope + "'.", Map.of("required_scope", scope));
    }

    public static ProblemException notFound(String code, String detail) {
        return new ProblemException(404, code, "Not found", detail);
    }

    public static ProblemException conflict(String code, String detail) {
        return new ProblemException(409, code, "Conflict", detail);
    }

    public static ProblemException unprocessable(String code, String detail, Map<String, Object> extensions) {
        return new ProblemException(422, code, "Unprocessable request", detail, extensions);
    }

    public int status() { return status; }
    public String code() { return code; }
    public String title() { return title; }
    public String detail() { return getMessage(); }
    public Map<String, Object> extensions() { return extensions; }

    public ProblemException with(String key, Object value) {
        var copy = new LinkedHashMap<>(extensions);
        copy.put(key, value);
        return new ProblemException(status, code, title, getMessage(), copy);
    }
}
