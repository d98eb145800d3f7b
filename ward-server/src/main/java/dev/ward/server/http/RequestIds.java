package dev.ward.server.http;

import io.javalin.http.Context;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * A request id for every request (issue 16 item 5): in the response's {@code X-Request-Id} and, while the request is
 * served, in the log's MDC ({@code request_id}: every line it causes, JSON or text, names it), so an operator can go
 * from an app's error report to Ward's lines. A trusted proxy's own {@code X-Request-Id} is kept when it is a plain
 * token, so one id runs through the balancer's log and Ward's. Otherwise: this process's random prefix and a counter —
 * unique, cheap on the hot path (no random draw per request), and saying nothing about the request.
 */
final class RequestIds {
    static final String HEADER = "X-Request-Id";
    static final String MDC_KEY = "request_id";
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private final String prefix;
    private final AtomicLong next = new AtomicLong();
    private final TrustedProxies proxies;

    RequestIds(TrustedProxies proxies) {
        byte[] random = new byte[4];
        new SecureRandom().nextBytes(random);
        this.prefix = HexFormat.of().formatHex(random) + "-";
        this.proxies = proxies;
    }

    /** Names the request: header and MDC. */
    void open(Context ctx) {
        String id = null;
        String given = ctx.req().getHeader(HEADER);
        if (given != null && TOKEN.matcher(given).matches() && proxies.fromTrustedProxy(ctx)) {
            id = given;
        }
        if (id == null) {
            id = prefix + Long.toString(next.incrementAndGet(), 36);
        }
        ctx.res().setHeader(HEADER, id);
        MDC.put(MDC_KEY, id);
    }

    /** After the request's last log line (the access log's). */
    static void close() {
        MDC.remove(MDC_KEY);
    }
}
