package dev.ward.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How Ward logs, from the environment, before anything else runs (issue 16 item 5): {@code WARD_LOG_LEVEL} (the root
 * level, INFO by default; the access log keeps {@code WARD_ACCESS_LOG_LEVEL}) and {@code WARD_LOG_FORMAT} ({@code text},
 * the default, or {@code json}: one JSON object a line, as log shippers want, with the request id of a line written while
 * a request was served under {@code mdc.request_id}). What goes into a line is the same in both: never a secret, token,
 * password or patient datum (docs/security.md "Logs").
 */
public final class Logging {
    static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
    static final List<String> FORMATS = List.of("text", "json");

    private Logging() {}

    /** Applies the two variables; an unusable value is the reason, nothing changed. */
    public static Optional<String> configure(Map<String, String> env) {
        String level = env.getOrDefault("WARD_LOG_LEVEL", "INFO").strip().toUpperCase();
        String format = env.getOrDefault("WARD_LOG_FORMAT", "text").strip().toLowerCase();
        if (!LEVELS.contains(level)) {
            return Optional.of("WARD_LOG_LEVEL must be one of " + String.join(", ", LEVELS));
        }
        if (!FORMATS.contains(format)) {
            return Optional.of("WARD_LOG_FORMAT must be text or json");
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return Optional.empty(); // another SLF4J binding (an embedding app's): its configuration rules
        }
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level));
        // logback.xml reads WARD_ACCESS_LOG_LEVEL from the process's environment; a ward.yml's value is applied here.
        String access = env.get("WARD_ACCESS_LOG_LEVEL");
        if (access != null && LEVELS.contains(access.strip().toUpperCase())) {
            context.getLogger("ward.access").setLevel(Level.toLevel(access.strip().toUpperCase()));
        }
        if (format.equals("json")) {
            for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
                if (it.next() instanceof OutputStreamAppender<ILoggingEvent> out) {
                    out.stop();
                    out.setEncoder(jsonEncoder(context));
                    out.start();
                }
            }
        }
        return Optional.empty();
    }

    /** Time, level, logger, thread, the formatted message, the MDC (request id), a throwable: nothing twice. */
    private static JsonEncoder jsonEncoder(LoggerContext context) {
        JsonEncoder json = new JsonEncoder();
        json.setContext(context);
        json.setWithSequenceNumber(false);
        json.setWithNanoseconds(false);
        json.setWithContext(false);
        json.setWithMessage(false);
        json.setWithArguments(false);
        json.setWithFormattedMessage(true);
        json.setWithMDC(true);
        json.setWithThrowable(true);
        json.start();
        return json;
    }
}
