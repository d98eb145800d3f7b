package dev.ward.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.problem.ProblemException;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one place that writes RFC 9457 problem JSON. */
final class Problems {
    static final String CONTENT_TYPE = "application/problem+json";
    static final String WRITTEN = "ward.problem";

    private Problems() {}

    static void write(Context ctx, ObjectMapper json, ProblemException p) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "urn:ward:problem:" + p.code());
        body.put("title", p.title());
        body.put("status", p.status());
        body.put("detail", p.detail());
        body.put("code", p.code());
        body.putAll(p.extensions());
        if (p.status() == 401) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"ward\"");
        }
        ctx.attribute(WRITTEN, Boolean.TRUE);
        if (!ctx.res().isCommitted()) {
            // Whatever a route had begun to write (a streamed answer, SessionJson) gives way to the problem.
            ctx.res().resetBuffer();
        }
        ctx.status(p.status()).contentType(CONTENT_TYPE);
        try {
            HttpApi.Responses.write(ctx, json.writeValueAsBytes(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            ctx.result("{\"status\":500,\"code\":\"internal_error\"}");
        }
    }

    static ProblemException unauthenticated(String detail) {
        return new ProblemException(401, "unauthenticated", "Authentication required", detail);
    }

    static ProblemException of(int status, String code, String title, String detail) {
        return new ProblemException(status, code, title, detail);
    }
}
