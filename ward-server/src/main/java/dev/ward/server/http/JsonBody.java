package dev.ward.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ward.problem.ProblemException;
import dev.ward.session.Client;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A request's JSON object, read with the 64 KiB limit, and typed access to its fields that names the
 * offending field in {@code 400 validation_failed}. Unknown fields are ignored (API.md).
 */
final class JsonBody {
    static final int MAX_BYTES = 64 * 1024;

    private final ObjectNode root;
    private final ObjectMapper json;
    /** Where this object sits in the request, for error messages: empty for the body, {@code items[3].} inside. */
    private final String path;

    private JsonBody(ObjectNode root, ObjectMapper json, String path) {
        this.root = root;
        this.json = json;
        this.path = path;
    }

    /** The body's bytes, at most 64 KiB (413 beyond). */
    static byte[] readRaw(Context ctx) {
        return readBounded(ctx);
    }

    /** The body as a JSON object; any U+0000 anywhere in it (a name or a value) is refused, naming where. */
    static JsonBody read(Context ctx, ObjectMapper json) {
        JsonBody body = readUnchecked(ctx, json);
        body.requireNoNul();
        return body;
    }

    /** The body as a JSON object, or an empty object when the request has no body (every field optional). */
    static JsonBody readOptional(Context ctx, ObjectMapper json) {
        byte[] bytes = readBounded(ctx);
        JsonBody body = bytes.length == 0 ? new JsonBody(json.createObjectNode(), json, "") : parse(bytes, json);
        body.requireNoNul();
        return body;
    }

    /** The body as a JSON object, not yet checked for U+0000 (for a caller that records a refused attempt first). */
    static JsonBody readUnchecked(Context ctx, ObjectMapper json) {
        byte[] bytes = readBounded(ctx);
        if (bytes.length == 0) {
            throw ProblemException.validation("body", "A JSON object is required as the request body.");
        }
        return parse(bytes, json);
    }

    private static JsonBody parse(byte[] bytes, ObjectMapper json) {
        JsonNode node;
        try (JsonParser parser = json.createParser(bytes)) {
            parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            node = json.readTree(parser);
            if (parser.nextToken() != null) {
                throw ProblemException.validation("body", "The request body holds more than one JSON value.");
            }
        } catch (JsonProcessingException e) {
            throw ProblemException.validation("body", "The request body is not valid JSON.");
        } catch (IOException e) {
            throw ProblemException.validation("body", "The request body could not be read.");
        }
        if (!(node instanceof ObjectNode object)) {
            throw ProblemException.validation("body", "The request body must be a JSON object.");
        }
        return new JsonBody(object, json, "");
    }

    private static byte[] readBounded(Context ctx) {
        try (InputStream in = ctx.req().getInputStream()) {
            // A body of declared length (the usual case) is read into an array of that length; readNBytes(64 KiB + 1)
            // would first allocate a 16 KiB buffer for every body, however small (issue 13).
            long declared = ctx.req().getContentLengthLong();
            byte[] bytes = in.readNBytes(declared >= 0 && declared <= MAX_BYTES ? (int) declared : MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw refuseTooLarge(ctx);
            }
            return bytes;
        } catch (IOException e) {
            throw ProblemException.validation("body", "The request body could not be read.");
        }
    }

    /** Bytes of an oversized body read and discarded so the client can read the 413 instead of a reset. */
    private static final long DRAIN_LIMIT = 1024 * 1024;

    /**
     * The 413 answer for an oversized body. Clients write the whole body before reading the answer; a
     * server that answers without reading it closes a connection the client is still writing to, and the
     * client sees a broken pipe. So up to 1 MiB is read and dropped first; beyond that the connection closes.
     */
    static ProblemException refuseTooLarge(Context ctx) {
        ctx.header("Connection", "close");
        try {
            InputStream in = ctx.req().getInputStream();
            long drained = 0;
            byte[] sink = new byte[8192];
            for (int n; drained < DRAIN_LIMIT && (n = in.read(sink)) > 0; ) {
                drained += n;
            }
        } catch (IOException ignored) {
            // the client went away; the 413 is still the answer
        }
        return tooLarge();
    }

    static ProblemException tooLarge() {
        return Problems.of(413, "payload_too_large", "Payload too large", "Request bodies are limited to 64 KiB.");
    }

    /**
     * PostgreSQL cannot store U+0000 in text, and no Ward value needs it: refused at the boundary (400, the field
     * named), so it can never reach a store as a 500 or a half-written change.
     */
    void requireNoNul() {
        requireNoNul(root, path.isEmpty() ? "" : path);
    }

    private static void requireNoNul(JsonNode node, String where) {
        if (node.isTextual()) {
            if (node.asText().indexOf('\u0000') >= 0) {
                String field = where.isEmpty() ? "body" : where;
                throw ProblemException.validation(field, field + " must not contain the character U+0000");
            }
        } else if (node.isObject()) {
            var names = node.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                String child = where.isEmpty() ? name : where + "." + name;
                if (name.indexOf('\u0000') >= 0) {
                    throw ProblemException.validation(where.isEmpty() ? "body" : where,
                            "a field name must not contain the character U+0000");
                }
                requireNoNul(node.get(name), child);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                requireNoNul(node.get(i), where + "[" + i + "]");
            }
        }
    }

    /** The field's text with control characters shown as U+FFFD, or "" when absent: for recording a refused attempt. */
    String printable(String field) {
        JsonNode n = root.get(field);
        return n != null && n.isTextual() ? Identifiers.printable(n.asText()) : "";
    }

    /** A required identifier or name: non-empty, without control characters (C0 and DEL). */
    String string(String field) {
        return optString(field).orElseThrow(() -> ProblemException.validation(path + field, path + field + " is required"));
    }

    Optional<String> optString(String field) {
        Optional<String> text = optText(field);
        if (text.isPresent() && text.get().isEmpty()) {
            throw ProblemException.validation(path + field, path + field + " must not be empty");
        }
        text.ifPresent(t -> Identifiers.requireNoControls(path + field, t));
        return text;
    }

    /** A required password or code as typed: non-empty, any characters but U+0000. */
    String secret(String field) {
        String value = optText(field).orElseThrow(() -> ProblemException.validation(path + field, path + field + " is required"));
        if (value.isEmpty()) {
            throw ProblemException.validation(path + field, path + field + " must not be empty");
        }
        return value;
    }

    /** A required string that may be empty (e.g. a plaintext). */
    String text(String field) {
        return optText(field).orElseThrow(() -> ProblemException.validation(path + field, path + field + " is required"));
    }

    private Optional<String> optText(String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isTextual()) {
            throw ProblemException.validation(path + field, path + field + " must be a string");
        }
        return Optional.of(n.asText());
    }

    /** Whether the body has this field (a batch {@code items} rather than a single item, say). */
    boolean has(String field) {
        JsonNode n = root.get(field);
        return n != null && !n.isNull();
    }

    /** The array of objects under {@code field}, each readable like a body and named {@code field[i].} in errors. */
    List<JsonBody> objects(String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw ProblemException.validation(path + field, path + field + " is required");
        }
        if (!n.isArray()) {
            throw ProblemException.validation(path + field, path + field + " must be an array of objects");
        }
        List<JsonBody> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            String name = path + field + "[" + i + "]";
            if (!(n.get(i) instanceof ObjectNode item)) {
                throw ProblemException.validation(name, name + " must be an object");
            }
            out.add(new JsonBody(item, json, name + "."));
        }
        return out;
    }

    /** The object under {@code field}, readable like a body and named {@code field.} in errors; empty when absent. */
    Optional<JsonBody> optBody(String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!(n instanceof ObjectNode object)) {
            throw ProblemException.validation(path + field, path + field + " must be an object");
        }
        return Optional.of(new JsonBody(object, json, path + field + "."));
    }

    /** A required boolean. */
    boolean bool(String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw ProblemException.validation(path + field, path + field + " is required");
        }
        if (!n.isBoolean()) {
            throw ProblemException.validation(path + field, path + field + " must be true or false");
        }
        return n.asBoolean();
    }

    List<String> strings(String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw ProblemException.validation(field, field + " is required");
        }
        if (!n.isArray()) {
            throw ProblemException.validation(field, field + " must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : n) {
            if (!item.isTextual()) {
                throw ProblemException.validation(field, field + " must be an array of strings");
            }
            Identifiers.requireNoControls(field, item.asText());
            out.add(item.asText());
        }
        return out;
    }

    Optional<Map<String, Object>> optObject(String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isObject()) {
            throw ProblemException.validation(field, field + " must be an object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = json.convertValue(n, Map.class);
        return Optional.of(map);
    }

    Map<String, Object> object(String field) {
        return optObject(field).orElseThrow(() -> ProblemException.validation(field, field + " is required"));
    }

    /**
     * The end user as an API-key caller vouches for them ({@code client}: {@code ip}, {@code user_agent}), if given.
     * {@code ip} must be an IP address literal (written canonically, so one address is one rate-limit bucket);
     * without one — absent or empty — the connection's address stands in, so a caller can never escape the per-IP
     * limits by leaving it out.
     */
    Optional<Client> client(Client connection) {
        JsonNode n = root.get("client");
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isObject()) {
            throw ProblemException.validation("client", "client must be an object");
        }
        String ip = text(n, "client.ip", "ip");
        String userAgent = text(n, "client.user_agent", "user_agent");
        Identifiers.requireNoControls("client.user_agent", userAgent);
        if (ip.isEmpty()) {
            return Optional.of(new Client(connection.ip(), userAgent));
        }
        String canonical = IpAddress.canonical(ip).orElseThrow(() -> ProblemException.validation("client.ip",
                "client.ip must be an IPv4 or IPv6 address such as 203.0.113.7 or 2001:db8::7"));
        return Optional.of(new Client(canonical, userAgent));
    }

    private static String text(JsonNode parent, String field, String name) {
        JsonNode n = parent.get(name);
        if (n == null || n.isNull()) {
            return "";
        }
        if (!n.isTextual()) {
            throw ProblemException.validation(field, field + " must be a string");
        }
        return n.asText();
    }
}
