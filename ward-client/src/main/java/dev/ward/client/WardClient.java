package dev.ward.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Ward's HTTP API as an app back-end calls it (API.md): login and its MFA step, validation, logout, patient contexts on
 * the user's behalf, encryption and the app's own audit events. One instance per app: it holds one {@link HttpClient},
 * so connections are reused, and it is safe to share between threads.
 *
 * <p>Fails closed: a validation or login that gets no answer to trust (transport error, timeout, 5xx, an answer that
 * does not parse, a misconfigured API key) is {@code Unavailable}, never a session; the other calls throw
 * {@link WardException}. No token, password or key appears in an exception or {@code toString()}.
 */
public final class WardClient {
    /** What an app may receive from Ward in one answer (patient data values are at most 64 KiB). */
    static final int MAX_ANSWER_BYTES = 1 << 20;
    static final String ROTATED_HEADER = "Ward-Rotated-Token";
    static final String ON_BEHALF_HEADER = "Ward-Session-Token";
    private static final Set<String> INVALID_CODES =
            Set.of("session_invalid", "session_expired", "session_revoked", "session_tenant_mismatch");
    private static final Set<String> FORBIDDEN_CODES = Set.of("mfa_enrollment_required", "permission_denied");

    private final URI base;
    private final String apiKey;
    private final Duration requestTimeout;
    private final HttpClient http;
    private final ObjectMapper json;

    private WardClient(Builder b) {
        this.base = b.base;
        this.apiKey = b.apiKey;
        this.requestTimeout = b.requestTimeout;
        HttpClient.Builder h = HttpClient.newBuilder().connectTimeout(b.connectTimeout).followRedirects(HttpClient.Redirect.NEVER);
        if ("http".equals(base.getScheme())) {
            // Plain HTTP/1.1 to a Ward on http://: no h2c upgrade attempt on every request.
            h.version(HttpClient.Version.HTTP_1_1);
        }
        this.http = h.build();
        this.json = mapper();
    }

    /** A client of the Ward at {@code baseUrl} ({@code https://ward.example}). */
    public static Builder builder(String baseUrl) { return new Builder(baseUrl); }

    /** Configuration; timeouts default to 2 s each. */
    public static final class Builder {
        private final URI base;
        private String apiKey;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration requestTimeout = Duration.ofSeconds(2);

        private Builder(String baseUrl) {
            String u = Objects.requireNonNull(baseUrl, "baseUrl").strip().replaceAll("/+$", "");
            URI uri = URI.create(u);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("Ward's URL must be http(s)://host[:port]");
            }
            this.base = uri;
        }

        /** The app's API key ({@code wak_…}): scope {@code sessions} to validate, {@code patients}, {@code crypto}, {@code audit}. */
        public Builder apiKey(String key) {
            if (key == null || !key.startsWith("wak_") || !printableAscii(key)) {
                throw new IllegalArgumentException("an API key starts with wak_");
            }
            this.apiKey = key;
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = positive(d);
            return this;
        }

        /** The longest a call may take, answer body included. */
        public Builder requestTimeout(Duration d) {
            this.requestTimeout = positive(d);
            return this;
        }

        public WardClient build() { return new WardClient(this); }

        private static Duration positive(Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("a timeout must be positive");
            }
            return d;
        }
    }

    /** Ward's URL, as configured. */
    public URI baseUrl() { return base; }

    // --- authentication --------------------------------------------------------------------------------------------

    /** {@code POST /v1/auth/login} for {@code user}, with the API key when there is one (then no cookie is set by Ward). */
    public LoginAnswer login(String tenant, String username, String password, EndUser user) {
        ObjectNode body = json.createObjectNode().put("tenant", tenant).put("username", username).put("password", password);
        body.set("client", json.valueToTree(user));
        return loginAnswer("/v1/auth/login", body);
    }

    /** {@code POST /v1/auth/mfa/verify}: the challenge of {@link LoginAnswer.MfaRequired} and a TOTP or backup code. */
    public LoginAnswer verifyMfa(String challenge, String code, EndUser user) {
        ObjectNode body = json.createObjectNode().put("challenge", challenge).put("code", code);
        body.set("client", json.valueToTree(user));
        return loginAnswer("/v1/auth/mfa/verify", body);
    }

    private LoginAnswer loginAnswer(String route, ObjectNode body) {
        Answer a;
        try {
            a = send("POST", route, body, apiKey, Map.of());
        } catch (WardException e) {
            return new LoginAnswer.Unavailable(e.getMessage());
        }
        if (a.status() != 200) {
            String code = a.code();
            if (misconfigured(code)) {
                return new LoginAnswer.Unavailable(route + ": Ward refused the API key (" + code + ")");
            }
            Optional<Duration> retry = a.headers().firstValue("Retry-After").flatMap(WardClient::seconds);
            return new LoginAnswer.Refused(a.status(), code, retry);
        }
        try {
            JsonNode n = a.json();
            switch (n.path("status").asText("")) {
                case "authenticated":
                    return new LoginAnswer.Authenticated(session(n.get("session")), token(n.path("token")));
                case "mfa_required":
                    List<String> methods = new ArrayList<>();
                    n.path("methods").forEach(m -> methods.add(m.asText()));
                    return new LoginAnswer.MfaRequired(required(n.path("challenge")), methods,
                            Instant.parse(required(n.path("expires_at"))));
                case "mfa_enrollment_required":
                    return new LoginAnswer.MfaEnrollmentRequired(session(n.get("session")), token(n.path("token")));
                default:
                    return new LoginAnswer.Unavailable(route + ": an answer Ward does not give");
            }
        } catch (RuntimeException | JsonProcessingException garbage) {
            return new LoginAnswer.Unavailable(route + ": an answer Ward does not give");
        }
    }

    /** {@code POST /v1/sessions/validate} for {@code user}: the hot path. */
    public Validation validate(String token, EndUser user) { return validate(token, user, Optional.empty()); }

    /**
     * Validation that also needs a role × module permission. The answer's {@code permissions} are checked here as well:
     * a Ward that ignores {@code require} (unknown fields are ignored by contract) cannot let the request through.
     */
    public Validation validate(String token, EndUser user, Optional<Require> require) {
        String route = "/v1/sessions/validate";
        if (apiKey == null) {
            return new Validation.Unavailable("no API key configured");
        }
        if (!looksLikeToken(token)) {
            return new Validation.Invalid("session_invalid", Optional.empty());
        }
        ObjectNode body = json.createObjectNode().put("token", token);
        body.set("client", json.valueToTree(user));
        require.ifPresent(r -> body.set("require", json.valueToTree(r)));
        Answer a;
        try {
            a = send("POST", route, body, apiKey, Map.of());
        } catch (WardException e) {
            return new Validation.Unavailable(e.getMessage());
        }
        String code = a.code();
        try {
            switch (a.status()) {
                case 200: {
                    JsonNode n = a.json();
                    if (!n.path("valid").asBoolean(false)) {
                        return new Validation.Unavailable(route + ": an answer Ward does not give");
                    }
                    WardSession s = session(n.get("session"));
                    Optional<String> rotated = optionalToken(n.get("rotated_token"));
                    if (s.enrollmentOnly()) {
                        return new Validation.Forbidden("mfa_enrollment_required", rotated);
                    }
                    if (require.isPresent() && !s.permits(require.get())) {
                        return new Validation.Forbidden("permission_denied", rotated);
                    }
                    return new Validation.Valid(s, rotated);
                }
                case 400:
                    if ("token".equals(a.json().path("field").asText(""))) {
                        return new Validation.Invalid("session_invalid", Optional.empty());
                    }
                    break;
                case 401:
                    if (INVALID_CODES.contains(code)) {
                        return new Validation.Invalid(code, Optional.ofNullable(a.json().path("reason").textValue()));
                    }
                    break;
                case 403:
                    if (FORBIDDEN_CODES.contains(code)) {
                        return new Validation.Forbidden(code, optionalToken(a.json().get("rotated_token")));
                    }
                    break;
                default:
                    break;
            }
        } catch (RuntimeException | JsonProcessingException garbage) {
            return new Validation.Unavailable(route + ": an answer Ward does not give");
        }
        // An API key Ward refuses, a missing scope, a rate limit, a request it finds malformed: Ward could not vouch.
        return new Validation.Unavailable(route + ": Ward answered " + a.status() + " " + code);
    }

    /**
     * {@code POST /v1/auth/logout} on the user's behalf: the app's API key (scope {@code sessions}) and the user's token
     * in {@code Ward-Session-Token}, so that Ward sees a logout, not a request of the user's from the app server's
     * address (which {@code session.binding} {@code strict} would take for a stolen token). {@code user} is kept for
     * callers of the earlier form; Ward binds nothing on this call.
     *
     * @return true when this call ended the session, false when the token was already not live
     */
    public boolean logout(String token, EndUser user) {
        if (!looksLikeToken(token)) {
            return false;
        }
        Answer a = send("POST", "/v1/auth/logout", null, requireKey(), Map.of(ON_BEHALF_HEADER, token));
        if (a.status() == 204) {
            return true;
        }
        if (a.status() == 401 && INVALID_CODES.contains(a.code())) {
            return false;
        }
        throw refused("/v1/auth/logout", a);
    }

    // --- MFA enrolment, with the user's token (the app's enrolment page) ---------------------------------------------

    /**
     * {@code POST /v1/me/mfa/totp/setup}: a pending TOTP secret and its QR code. An enrolment-only session (straight
     * after {@link LoginAnswer.MfaEnrollmentRequired}) needs no password; a signed-in user adding MFA gives theirs.
     */
    public TotpSetup setUpTotp(String token, Optional<String> currentPassword, EndUser user) {
        String route = "/v1/me/mfa/totp/setup";
        JsonNode body = currentPassword.map(p -> (JsonNode) json.createObjectNode().put("current_password", p)).orElse(null);
        JsonNode n = expect(route, asUser("POST", route, body, requireToken(route, token), user), 200);
        try {
            return new TotpSetup(required(n.path("secret")), required(n.path("otpauth_uri")), required(n.path("qr_svg")));
        } catch (RuntimeException e) {
            throw garbage(route);
        }
    }

    /** {@code POST /v1/me/mfa/totp/confirm} with a code from the authenticator: MFA is on, the backup codes are shown once. */
    public TotpConfirmed confirmTotp(String token, String code, EndUser user) {
        String route = "/v1/me/mfa/totp/confirm";
        JsonNode n = expect(route, asUser("POST", route, json.createObjectNode().put("code", code), requireToken(route, token), user), 200);
        try {
            List<String> codes = new ArrayList<>();
            n.path("backup_codes").forEach(c -> codes.add(required(c)));
            return new TotpConfirmed(codes, n.path("aal").intValue(), optionalToken(n.get("token")));
        } catch (RuntimeException e) {
            throw garbage(route);
        }
    }

    /**
     * A call with the user's own token as the credential. The end user's address and agent go along as
     * {@code X-Forwarded-For} and {@code User-Agent}, which Ward believes where it lists the app in
     * {@code WARD_TRUSTED_PROXIES}; otherwise it sees the app server (decision 0030).
     */
    private Answer asUser(String method, String path, JsonNode body, String token, EndUser user) {
        Map<String, String> endUser = new java.util.LinkedHashMap<>();
        if (!user.ip().isEmpty()) {
            endUser.put("X-Forwarded-For", user.ip());
        }
        if (!user.userAgent().isEmpty()) {
            // A header line carries ASCII safely (java.net.http refuses more); JSON bodies carry the agent as it is.
            endUser.put("User-Agent", user.userAgent().replaceAll("[^\\x20-\\x7e]", "?"));
        }
        return send(method, path, body, token, endUser);
    }

    private static String requireToken(String route, String token) {
        if (!looksLikeToken(token)) {
            throw new WardException(401, "session_invalid", route + ": not a session token");
        }
        return token;
    }

    // --- patient contexts, on the user's behalf (API key scope patients + Ward-Session-Token) ------------------------

    /** {@code POST /v1/session/patients/{id}}: opens (or returns the open) context of this patient. */
    public OnBehalf<PatientContext> openPatient(String token, String patientId) {
        return patientCall("POST", patientPath(patientId), json.createObjectNode(), token, 200, this::context);
    }

    /** Opens a restricted patient's context by breaking the glass: {@code reason} ≥ 10 characters, {@code reasonCode} optional. */
    public OnBehalf<PatientContext> breakGlass(String token, String patientId, String reason, Optional<String> reasonCode) {
        ObjectNode body = json.createObjectNode().put("break_glass", true).put("reason", reason);
        reasonCode.ifPresent(c -> body.put("reason_code", c));
        return patientCall("POST", patientPath(patientId), body, token, 200, this::context);
    }

    /** {@code GET /v1/session/patients}: the session's live contexts, oldest first. */
    public OnBehalf<List<PatientContext>> listPatients(String token) {
        return patientCall("GET", "/v1/session/patients", null, token, 200, n -> {
            List<PatientContext> out = new ArrayList<>();
            for (JsonNode c : n.path("patients")) {
                out.add(context(c));
            }
            return List.copyOf(out);
        });
    }

    /** {@code PUT /v1/session/patients/{id}/data/{key}}: caches a JSON value in the patient's context, encrypted by Ward. */
    public OnBehalf<Void> putPatientData(String token, String patientId, String key, JsonNode value) {
        return patientCall("PUT", patientPath(patientId) + "/data/" + segment(key), Objects.requireNonNull(value, "value"),
                token, 204, n -> null);
    }

    /** {@code GET …/data/{key}}: the cached value; a closed context throws {@code patient_context_not_open}. */
    public OnBehalf<JsonNode> getPatientData(String token, String patientId, String key) {
        return patientCall("GET", patientPath(patientId) + "/data/" + segment(key), null, token, 200, n -> n);
    }

    /** {@code DELETE …/data/{key}}. */
    public OnBehalf<Void> deletePatientData(String token, String patientId, String key) {
        return patientCall("DELETE", patientPath(patientId) + "/data/" + segment(key), null, token, 204, n -> null);
    }

    /** {@code DELETE /v1/session/patients/{id}}: the context and its data are gone. */
    public OnBehalf<Void> closePatient(String token, String patientId) {
        return patientCall("DELETE", patientPath(patientId), null, token, 204, n -> null);
    }

    /** {@code POST /v1/session/patient-data/clear}: every context of the session; the session lives on. How many were cleared. */
    public OnBehalf<Integer> clearPatientData(String token) {
        return patientCall("POST", "/v1/session/patient-data/clear", null, token, 200, n -> count(n.path("cleared")));
    }

    /** {@code POST /v1/session/emergency-cleanup}: contexts purged and the session ended. How many were cleared. */
    public OnBehalf<Integer> emergencyCleanup(String token) {
        return patientCall("POST", "/v1/session/emergency-cleanup", null, token, 200, n -> count(n.path("cleared")));
    }

    // --- encryption (scope crypto) and the app's audit events (scope audit) -----------------------------------------

    /** {@code POST /v1/crypto/encrypt}: {@code ward:v{N}:…} ciphertext of {@code plaintext}, bound to field and context. */
    public String encrypt(String field, String plaintext, Optional<String> context) {
        ObjectNode body = json.createObjectNode().put("field", field).put("plaintext", plaintext);
        context.ifPresent(c -> body.put("context", c));
        return required(expect("/v1/crypto/encrypt", send("POST", "/v1/crypto/encrypt", body, requireKey(), Map.of()), 200)
                .path("ciphertext"));
    }

    /** {@code POST /v1/crypto/decrypt}; a wrong field, context or tenant throws {@code decrypt_failed}. */
    public String decrypt(String field, String ciphertext, Optional<String> context) {
        ObjectNode body = json.createObjectNode().put("field", field).put("ciphertext", ciphertext);
        context.ifPresent(c -> body.put("context", c));
        JsonNode plaintext = expect("/v1/crypto/decrypt", send("POST", "/v1/crypto/decrypt", body, requireKey(), Map.of()), 200)
                .path("plaintext");
        if (!plaintext.isTextual()) {
            throw garbage("/v1/crypto/decrypt");
        }
        return plaintext.textValue();
    }

    /** {@code POST /v1/crypto/rewrap}: the same value under the tenant's newest key version. */
    public String rewrap(String ciphertext) {
        ObjectNode body = json.createObjectNode().put("ciphertext", ciphertext);
        return required(expect("/v1/crypto/rewrap", send("POST", "/v1/crypto/rewrap", body, requireKey(), Map.of()), 200)
                .path("ciphertext"));
    }

    /**
     * {@code POST /v1/audit/events}: an app-recorded event ({@code app.patient.read}, …) in the tenant's chain, durable
     * when this returns. {@code details} carry identifiers and codes, never a record's contents.
     *
     * @return its position ({@code seq}) in the chain
     */
    public long recordEvent(String type, Optional<String> userId, Optional<String> patientId, Map<String, ?> details) {
        ObjectNode body = json.createObjectNode().put("type", type);
        userId.ifPresent(u -> body.put("user_id", u));
        patientId.ifPresent(p -> body.put("patient_id", p));
        body.set("details", json.valueToTree(details));
        JsonNode seq = expect("/v1/audit/events", send("POST", "/v1/audit/events", body, requireKey(), Map.of()), 201).path("seq");
        if (!seq.canConvertToLong()) {
            throw garbage("/v1/audit/events");
        }
        return seq.longValue();
    }

    // --- the wire ----------------------------------------------------------------------------------------------------

    /** An answer: status, headers and the body as JSON (an empty object for an empty body). */
    record Answer(int status, HttpHeaders headers, JsonNode json) {
        String code() { return json.path("code").asText("unknown"); }
    }

    private <T> OnBehalf<T> patientCall(String method, String path, JsonNode body, String token, int ok,
                                        java.util.function.Function<JsonNode, T> read) {
        String route = route(path);
        Answer a = send(method, path, body, requireKey(), Map.of(ON_BEHALF_HEADER, requireToken(route, token)));
        Optional<String> rotated = a.headers().firstValue(ROTATED_HEADER).filter(WardClient::looksLikeToken);
        if (a.status() != ok) {
            // The use that was refused (patient_data_not_found, break_glass_required, ...) may still have rotated the
            // token: the app must hand the new one back all the same, or the user's session dies with the grace period.
            throw new WardException(a.status(), a.code(), route + ": Ward answered " + a.status() + " " + a.code(), rotated);
        }
        try {
            return new OnBehalf<>(read.apply(a.json()), rotated);
        } catch (RuntimeException e) {
            throw garbage(route);
        }
    }

    /**
     * One call: {@code bearer} in {@code Authorization}, the whole of it (answer body included) within the request
     * timeout. No answer, a 5xx or a body that is not JSON is a {@link WardException} that says {@code unavailable}.
     */
    Answer send(String method, String path, JsonNode body, String bearer, Map<String, String> headers) {
        String route = route(path);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(requestTimeout).header("Accept", "application/json");
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        headers.forEach(b::header);
        try {
            if (body == null) {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the request could not be written as JSON");
        }
        CompletableFuture<HttpResponse<byte[]>> call = http.sendAsync(b.build(), info -> new BoundedBody(MAX_ANSWER_BYTES));
        HttpResponse<byte[]> r;
        try {
            r = call.get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new WardException(route + ": no answer within " + requestTimeout.toMillis() + " ms", null);
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new WardException(route + ": interrupted", null);
        } catch (ExecutionException e) {
            // The cause's class only: its message may name the address, never anything secret, but keep it short.
            throw new WardException(route + ": " + e.getCause().getClass().getSimpleName(), null);
        }
        JsonNode n;
        try {
            n = r.body().length == 0 ? json.createObjectNode() : json.readTree(r.body());
        } catch (IOException e) {
            n = null;
        }
        if (n == null || r.statusCode() >= 500) {
            String code = n == null ? WardException.UNAVAILABLE : n.path("code").asText(WardException.UNAVAILABLE);
            throw new WardException(r.statusCode() >= 500 ? r.statusCode() : 0, code,
                    route + ": " + (n == null ? "an answer that is not JSON" : "Ward answered " + r.statusCode() + " " + code));
        }
        return new Answer(r.statusCode(), r.headers(), n);
    }

    private static JsonNode expect(String route, Answer a, int ok) {
        if (a.status() != ok) {
            throw refused(route, a);
        }
        return a.json();
    }

    private static WardException refused(String route, Answer a) {
        return new WardException(a.status(), a.code(), route + ": Ward answered " + a.status() + " " + a.code());
    }

    private static WardException garbage(String route) {
        return new WardException(0, WardException.UNAVAILABLE, route + ": an answer Ward does not give");
    }

    private WardSession session(JsonNode n) throws JsonProcessingException {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("no session object");
        }
        return json.treeToValue(n, WardSession.class);
    }

    private PatientContext context(JsonNode n) {
        try {
            PatientContext c = json.treeToValue(n, PatientContext.class);
            Objects.requireNonNull(c.patientId());
            return c;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("no patient context");
        }
    }

    private static int count(JsonNode n) {
        if (!n.canConvertToInt()) {
            throw new IllegalArgumentException("no count");
        }
        return n.intValue();
    }

    private String requireKey() {
        if (apiKey == null) {
            throw new WardException(0, WardException.UNAVAILABLE, "no API key configured");
        }
        return apiKey;
    }

    /** Ward refused the app's own credential: a deployment fault, not the user's. */
    private static boolean misconfigured(String code) {
        return "invalid_api_key".equals(code) || "insufficient_scope".equals(code);
    }

    private static String token(JsonNode n) {
        return optionalToken(n).orElseThrow(() -> new IllegalArgumentException("no token"));
    }

    private static Optional<String> optionalToken(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return Optional.empty();
        }
        if (!n.isTextual() || !looksLikeToken(n.textValue())) {
            throw new IllegalArgumentException("not a token");
        }
        return Optional.of(n.textValue());
    }

    private static String required(JsonNode n) {
        if (!n.isTextual() || n.textValue().isEmpty()) {
            throw new IllegalArgumentException("missing text");
        }
        return n.textValue();
    }

    /**
     * The shape of a session token ({@code wst_} and URL-safe base64), checked before it goes anywhere: garbage from a
     * cookie never reaches Ward, and nothing that could break a header line goes into one.
     */
    public static boolean looksLikeToken(String token) {
        if (token == null || !token.startsWith("wst_") || token.length() > 256) {
            return false;
        }
        for (int i = 4; i < token.length(); i++) {
            char c = token.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return false;
            }
        }
        return token.length() > 4;
    }

    private static boolean printableAscii(String s) {
        return s.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }

    private static Optional<Duration> seconds(String s) {
        try {
            return Optional.of(Duration.ofSeconds(Long.parseLong(s.strip())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The route a path belongs to, as messages name it: a patient id or data key stays out of exceptions and logs. */
    static String route(String path) {
        return path.replaceFirst("^/v1/session/patients/[^/]+", "/v1/session/patients/{patient_id}")
                .replaceFirst("/data/[^/]+$", "/data/{key}");
    }

    private static String patientPath(String patientId) { return "/v1/session/patients/" + segment(patientId); }

    private static String segment(String s) {
        return URLEncoder.encode(Objects.requireNonNull(s), StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Snake-case fields as Ward writes them; times as ISO-8601 strings; unknown fields ignored (API.md: additions welcome). */
    public static ObjectMapper mapper() {
        return new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    @Override
    public String toString() { return "WardClient[" + base + "]"; }
}
