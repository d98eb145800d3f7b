package dev.ward.server.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers before a request reaches Ward's routes (unparseable requests, headers too large,
 * bad URIs): problem JSON with the security headers instead of Jetty's HTML page. Never echoes the input.
 */
final class ProblemErrorHandler extends ErrorHandler {
    private static final Map<Integer, String> CODES = Map.of(
            400, "bad_request", 404, "not_found", 413, "payload_too_large", 414, "uri_too_long", 426, "upgrade_required",
            431, "request_header_too_large");

    /**
     * Every method gets the problem body, not only GET, POST and HEAD (Jetty's default): {@code OPTIONS *} and an HTTP/2
     * preface sent to this HTTP/1.1 port ({@code PRI *}) were answered with an empty body and none of the security
     * headers (issue 17, item 7).
     */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int status, String message, Throwable cause,
                                    Callback callback) {
        apply(response.getHeaders());
        if (CODES.containsKey(status) || status == 426) {
            // A request Jetty refused before Ward saw it (a bad URI, say) ends its connection; say so, or a client sends
            // its next request down a connection that is about to close and reads nothing back.
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        response.write(true, body(status), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        apply(fields);
        // Jetty closes a connection after a message it could not parse; saying so keeps a client from sending its next
        // request down the dead connection (the JDK's client would, and read nothing back).
        fields.put(HttpHeader.CONNECTION, "close");
        return body(status);
    }

    private static void apply(HttpFields.Mutable fields) {
        HttpApi.SECURITY_HEADERS.forEach(fields::put);
        fields.put(HttpHeader.CONTENT_TYPE, Problems.CONTENT_TYPE);
    }

    private static ByteBuffer body(int status) {
        String code = CODES.getOrDefault(status, "http_error");
        String json = "{\"type\":\"urn:ward:problem:" + code + "\",\"title\":\"HTTP " + status + "\",\"status\":" + status
                + ",\"detail\":\"The request could not be handled.\",\"code\":\"" + code + "\"}";
        return ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8));
    }
}
