package dev.ward.tenant;

import dev.ward.problem.ProblemException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A tenant's security policy: a fixed set of settings, each with a PRODUCT.md default, addressed by a
 * dotted path ({@code session.idle_timeout_seconds}). The JSON form is nested by the first segment.
 * Immutable; {@link #merge} validates a partial patch and returns a new policy.
 */
public final class Policy {
    public enum OnLimit { EVICT_OLDEST, REJECT }
    public enum Binding { OFF, WARN, STRICT }

    private sealed interface Kind permits Count, Choice, Strings, Text, Secret {}
    private record Count(long min, long max) implements Kind {
        Count(long max) { this(1, max); }
    }
    private record Choice(Set<String> allowed) implements Kind {}
    private record Strings(Pattern item, String itemDescription, int maxItems) implements Kind {
        Strings(Pattern item, String itemDescription) { this(item, itemDescription, Integer.MAX_VALUE); }
    }
    /** One string matching {@code pattern}, or empty for "not set". */
    private record Text(Pattern pattern, String description) implements Kind {}
    /**
     * A write-only setting (API.md: {@code alerts.webhook_secret} is never read back): given in clear, held only as
     * the sealed form a {@link SecretSealer} returns, left out of {@link #toNestedMap}; empty for "not set".
     */
    private record Secret(int minLength, int maxLength) implements Kind {}

    /** Seals a write-only setting's clear value before a policy holds it. */
    @FunctionalInterface
    public interface SecretSealer {
        String seal(String path, String clear);
    }

    private static final SecretSealer NO_SEALER = (path, clear) -> {
        throw new IllegalStateException("policy." + path + " given without a sealer");
    };

    /**
     * The most alert e-mail recipients: a tenant administrator must not turn Ward's mail server into a way to send
     * every alert to thousands of addresses (a distribution list on the mail server is the way to reach many).
     */
    public static final int MAX_ALERT_RECIPIENTS = 20;
    /** The longest password Ward accepts; {@code password.min_length} cannot exceed it. */
    public static final int MAX_PASSWORD_LENGTH = 256;
    private static final long MAX_SECONDS = 10L * 366 * 24 * 3600;
    /** The highest rate a limit may be set to: a billion calls a minute is "unlimited" for any one node. */
    private static final long MAX_RATE = 1_000_000_000L;
    private static final Pattern ROLE = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
    private static final Pattern ORIGIN = Pattern.compile("https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?");
    private static final Pattern AUDIENCE = Pattern.compile("[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]{1,200}");
    /** An http(s) URL to a named host or IPv4 address: no user information, a port of 1-65535. */
    private static final Pattern WEBHOOK_URL = Pattern.compile(
            "https?://[A-Za-z0-9.-]{1,253}(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?"
                    + "(/[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]{0,1800})?");
    private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63}){0,8}");
    private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
    /** Alert severities, lowest first (C8). */
    public static final List<String> SEVERITIES = List.of("low", "medium", "high", "critical");

    private static final Map<String, Kind> KINDS = new LinkedHashMap<>();
    private static final Map<String, Object> DEFAULTS = new LinkedHashMap<>();

    private static void define(String path, Kind kind, Object defaultValue) {
        KINDS.put(path, kind);
        DEFAULTS.put(path, defaultValue);
    }

    static {
        define("session.idle_timeout_seconds", new Count(MAX_SECONDS), 1800L);
        define("session.absolute_timeout_seconds", new Count(MAX_SECONDS), 43200L);
        define("session.max_concurrent", new Count(10_000), 3L);
        define("session.on_limit", new Choice(Set.of("evict_oldest", "reject")), "evict_oldest");
        define("session.rotate_after_uses", new Count(Integer.MAX_VALUE), 100L);
        define("session.rotate_after_seconds", new Count(MAX_SECONDS), 900L);
        define("session.rotation_grace_seconds", new Count(3600), 30L);
        define("session.binding", new Choice(Set.of("off", "warn", "strict")), "warn");
        define("browser.allowed_origins", new Strings(ORIGIN, "an origin such as https://app.example.org"), List.of());
        define("login.max_failures", new Count(1000), 5L);
        define("login.lockout_seconds", new Count(MAX_SECONDS), 900L);
        define("password.min_length", new Count(MAX_PASSWORD_LENGTH), 12L);
        define("mfa.required_roles", new Strings(ROLE, "a role name"), List.of("admin", "provider"));
        define("mfa.backup_codes", new Count(50), 10L);
        define("mfa.challenge_seconds", new Count(3600), 300L);
        define("mfa.challenge_max_failures", new Count(100), 5L);
        define("keys.rotate_after_seconds", new Count(MAX_SECONDS), 86400L);
        // Audit retention (C7): events older than this many days are pruned from the start of the chain (6 years).
        define("audit.retention_days", new Count(1, 36_600), 2190L);
        // How often a tenant's chain head is signed; at most a day apart, or a cut-off tail could go unnoticed that long.
        define("audit.checkpoint_seconds", new Count(10, 86_400), 300L);
        define("jwt.audience", new Text(AUDIENCE, "an audience such as https://api.example.org or a name"), "");
        define("patient.idle_timeout_seconds", new Count(MAX_SECONDS), 1800L);
        define("patient.max_seconds", new Count(MAX_SECONDS), 3600L);
        define("patient.break_glass_seconds", new Count(MAX_SECONDS), 900L);
        // Alert delivery (C8): a signed webhook and e-mail, for alerts at or above alerts.min_severity.
        define("alerts.webhook_url", new Text(WEBHOOK_URL, "an http(s) URL such as https://siem.example.org/ward-alerts"), "");
        define("alerts.webhook_secret", new Secret(16, 256), "");
        define("alerts.email_recipients", new Strings(EMAIL, "an e-mail address", MAX_ALERT_RECIPIENTS), List.of());
        define("alerts.min_severity", new Choice(Set.copyOf(SEVERITIES)), "low");
        // Logins only from these countries (ISO 3166-1 alpha-2), located with WARD_GEOIP_DB; empty: from anywhere.
        define("geo.allowed_countries", new Strings(COUNTRY, "an ISO 3166-1 alpha-2 country code such as GB"), List.of());
        // The detectors (C8, docs/security.md "Detectors"): events counted over a sliding window (failed logins per
        // account, per address and in distinct usernames per address, and the rest below); an incident stays open (one
        // alert) until a quiet period without its events has passed.
        define("detect.window_seconds", new Count(MAX_SECONDS), 600L);
        define("detect.quiet_seconds", new Count(MAX_SECONDS), 900L);
        define("detect.brute_force_account_failures", new Count(100_000), 10L);
        define("detect.brute_force_ip_failures", new Count(100_000), 30L);
        define("detect.credential_stuffing_usernames", new Count(100_000), 10L);
        // Two located logins of one user further apart than this speed allows (km/h; 1000 is about an airliner's).
        define("detect.max_travel_kmh", new Count(1_000_000), 1000L);
        // Session hijack under session.binding = warn: changes of one session's client within the window; and returns
        // of one session to an address it left within the window (two holders taking turns).
        define("detect.binding_changes", new Count(100_000), 1L);
        define("detect.two_places_returns", new Count(100_000), 1L);
        // Data exfiltration: distinct patients opened, or bytes of patient data read, by one user within the window.
        define("detect.exfiltration_patients", new Count(1_000_000), 50L);
        define("detect.exfiltration_bytes", new Count(1L << 40), 10_000_000L);
        // Logins of one user past session.max_concurrent (refused or evicting) within the window.
        define("detect.concurrent_limit_hits", new Count(100_000), 5L);
        // MFA bypass: wrong or replayed codes of one user; refused requests of an enrolment-only session (aal 0).
        define("detect.mfa_failures", new Count(100_000), 5L);
        define("detect.mfa_scope_denials", new Count(100_000), 5L);
        // Alerts one detector may raise within the window; beyond them one alert_storm alert stands for the rest (a
        // botnet's thousand addresses must not become a thousand alerts and twenty thousand e-mails).
        define("detect.max_alerts_per_window", new Count(100_000), 20L);
        // What Ward does itself when an account's alert is raised (once per alert): nothing, end the account's
        // sessions, or also lock it until an administrator unlocks it.
        define("detect.response", new Choice(Set.of("none", "end_session", "lock_account")), "none");
        // Request rate limits (C8, docs/security.md "Rate limits", decision 0028), token buckets a minute's worth deep:
        // per session on patient-data routes (PRODUCT.md: 60), per client address, per API key. The last two are set
        // far above what a clinic behind one NAT or a busy back-end sends; they bound a runaway script or a stolen key.
        define("rate_limit.per_minute", new Count(MAX_RATE), 60L);
        define("rate_limit.per_ip_per_minute", new Count(MAX_RATE), 10_000L);
        define("rate_limit.per_api_key_per_minute", new Count(MAX_RATE), 600_000L);
    }

    /** The one setting that is not a fixed path: {@code permissions}, role → module → actions ({@link Permissions}). */
    public static final String PERMISSIONS = "permissions";

    private static final Policy DEFAULT = new Policy(DEFAULTS, Permissions.none());

    private final Map<String, Object> values;
    private final Permissions permissions;

    private Policy(Map<String, Object> values, Permissions permissions) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.permissions = permissions;
    }

    public static Policy defaults() { return DEFAULT; }

    /** Every setting's dotted path, in documentation order. */
    public static Set<String> paths() { return Collections.unmodifiableSet(KINDS.keySet()); }

    /**
     * Deep-merges a nested patch (as parsed from JSON) into this policy. Unknown keys and wrong types
     * are refused with {@code validation_failed} naming {@code policy.<path>}; nothing is half-applied.
     */
    public Policy merge(Map<String, ?> patch) {
        return merge(patch, NO_SEALER);
    }

    /** As {@link #merge(Map)}, sealing the clear values of write-only settings with {@code sealer}. */
    public Policy merge(Map<String, ?> patch, SecretSealer sealer) {
        Map<String, Object> next = new LinkedHashMap<>(values);
        Permissions nextPermissions = permissions;
        for (var group : patch.entrySet()) {
            String groupName = group.getKey();
            if (PERMISSIONS.equals(groupName)) {
                nextPermissions = nextPermissions.merge(group.getValue());
                continue;
            }
            if (KINDS.keySet().stream().noneMatch(p -> p.startsWith(groupName + "."))) {
                throw ProblemException.validation("policy." + groupName, "Unknown policy key policy." + groupName);
            }
            if (!(group.getValue() instanceof Map<?, ?> settings)) {
                throw ProblemException.validation("policy." + groupName, "policy." + groupName + " must be an object");
            }
            for (var setting : settings.entrySet()) {
                String path = groupName + "." + setting.getKey();
                Kind kind = KINDS.get(path);
                if (kind == null) {
                    throw ProblemException.validation("policy." + path, "Unknown policy key policy." + path);
                }
                next.put(path, kind instanceof Secret secret ? sealed(path, secret, setting.getValue(), sealer)
                        : coerce(path, kind, setting.getValue()));
            }
        }
        if (!((String) next.get("alerts.webhook_url")).isEmpty() && ((String) next.get("alerts.webhook_secret")).isEmpty()) {
            // An unsigned alert would be one anybody could forge to the receiver: no URL without its secret.
            throw ProblemException.validation("policy.alerts.webhook_secret",
                    "policy.alerts.webhook_secret is required with policy.alerts.webhook_url");
        }
        return new Policy(next, nextPermissions);
    }

    private static String sealed(String path, Secret kind, Object v, SecretSealer sealer) {
        String field = "policy." + path;
        if (!(v instanceof String s)) {
            throw ProblemException.validation(field, field + " must be a string");
        }
        if (s.isEmpty()) {
            return "";
        }
        if (s.length() < kind.minLength() || s.length() > kind.maxLength() || s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw ProblemException.validation(field, field + " must be " + kind.minLength() + "-" + kind.maxLength()
                    + " printable characters");
        }
        return sealer.seal(path, s);
    }

    /** Rebuilds a stored policy; settings absent from storage (added in a later version) take their default. */
    public static Policy fromStored(Map<String, ?> nested) {
        Map<String, Object> known = new LinkedHashMap<>();
        for (var group : nested.entrySet()) {
            if (PERMISSIONS.equals(group.getKey())) {
                continue;
            }
            if (group.getValue() instanceof Map<?, ?> settings) {
                for (var s : settings.entrySet()) {
                    String path = group.getKey() + "." + s.getKey();
                    if (KINDS.containsKey(path)) {
                        known.put(path, s.getValue());
                    }
                }
            }
        }
        // Write-only settings are stored sealed already: taken as they are, the rest validated as a patch.
        Map<String, Object> start = new LinkedHashMap<>(DEFAULTS);
        known.entrySet().removeIf(e -> {
            if (KINDS.get(e.getKey()) instanceof Secret && e.getValue() instanceof String sealed) {
                start.put(e.getKey(), sealed);
                return true;
            }
            return false;
        });
        Permissions stored = nested.get(PERMISSIONS) == null ? Permissions.none() : Permissions.parse(nested.get(PERMISSIONS));
        return new Policy(start, stored).merge(nest(known));
    }

    private static Object coerce(String path, Kind kind, Object v) {
        String field = "policy." + path;
        return switch (kind) {
            case Count c -> {
                if (!(v instanceof Integer || v instanceof Long)) {
                    throw ProblemException.validation(field, field + " must be an integer");
                }
                long n = ((Number) v).longValue();
                if (n < c.min() || n > c.max()) {
                    throw ProblemException.validation(field, field + " must be between " + c.min() + " and " + c.max());
                }
                yield n;
            }
            case Choice ch -> {
                if (!(v instanceof String s) || !ch.allowed().contains(s)) {
                    throw ProblemException.validation(field, field + " must be one of " + new TreeMap<>(
                            ch.allowed().stream().collect(java.util.stream.Collectors.toMap(x -> x, x -> x))).keySet());
                }
                yield s;
            }
            case Strings st -> {
                if (!(v instanceof List<?> list)) {
                    throw ProblemException.validation(field, field + " must be an array of strings");
                }
                if (list.size() > st.maxItems()) {
                    throw ProblemException.validation(field, field + " may hold at most " + st.maxItems() + " items");
                }
                List<String> out = new ArrayList<>();
                for (Object item : list) {
                    if (!(item instanceof String s) || !st.item().matcher(s).matches()) {
                        throw ProblemException.validation(field, field + " must contain only " + st.itemDescription() + "s");
                    }
                    if (!out.contains(s)) {
                        out.add(s);
                    }
                }
                yield List.copyOf(out);
            }
            case Secret secret -> throw new IllegalStateException(field + " is sealed by merge, never coerced");
            case Text t -> {
                if (!(v instanceof String s) || !(s.isEmpty() || t.pattern().matcher(s).matches())) {
                    throw ProblemException.validation(field, field + " must be " + t.description() + " (or empty)");
                }
                yield s;
            }
        };
    }

    private static Map<String, Object> nest(Map<String, Object> flat) {
        Map<String, Object> nested = new LinkedHashMap<>();
        flat.forEach((path, value) -> {
            int dot = path.indexOf('.');
            @SuppressWarnings("unchecked")
            Map<String, Object> group = (Map<String, Object>) nested.computeIfAbsent(path.substring(0, dot), g -> new LinkedHashMap<>());
            group.put(path.substring(dot + 1), value);
        });
        return nested;
    }

    /** The nested JSON form with every setting present but the write-only ones: what administrators read. */
    public Map<String, Object> toNestedMap() { return withPermissions(nest(readable())); }

    private Map<String, Object> readable() {
        Map<String, Object> readable = new LinkedHashMap<>(values);
        readable.keySet().removeIf(path -> KINDS.get(path) instanceof Secret);
        return readable;
    }

    /** The nested JSON form with every setting, write-only ones in their sealed form: what is stored. */
    public Map<String, Object> toStoredMap() { return withPermissions(nest(values)); }

    private Map<String, Object> withPermissions(Map<String, Object> nested) {
        nested.put(PERMISSIONS, permissions.toMap());
        return nested;
    }

    /**
     * One setting as administrators read it, by its dotted path ({@code session.idle_timeout_seconds} → 1800); empty for
     * write-only settings and for paths that name no setting.
     */
    public Optional<Object> setting(String path) {
        Kind kind = KINDS.get(path);
        return kind == null || kind instanceof Secret ? Optional.empty() : Optional.of(values.get(path));
    }

    /** The tenant's role × module permissions (empty: no role may do anything a {@code require} asks about). */
    public Permissions permissions() { return permissions; }

    private long count(String path) { return (Long) values.get(path); }

    @SuppressWarnings("unchecked")
    private List<String> strings(String path) { return (List<String>) values.get(path); }

    public Duration idleTimeout() { return Duration.ofSeconds(count("session.idle_timeout_seconds")); }
    public Duration absoluteTimeout() { return Duration.ofSeconds(count("session.absolute_timeout_seconds")); }
    public int maxConcurrentSessions() { return (int) count("session.max_concurrent"); }
    public OnLimit onLimit() { return OnLimit.valueOf(((String) values.get("session.on_limit")).toUpperCase()); }
    public long rotateAfterUses() { return count("session.rotate_after_uses"); }
    public Duration rotateAfter() { return Duration.ofSeconds(count("session.rotate_after_seconds")); }
    public Duration rotationGrace() { return Duration.ofSeconds(count("session.rotation_grace_seconds")); }
    public Binding binding() { return Binding.valueOf(((String) values.get("session.binding")).toUpperCase()); }
    public List<String> allowedOrigins() { return strings("browser.allowed_origins"); }
    /** A patient context's idle timeout, slid by every use of that context. */
    public Duration patientIdleTimeout() { return Duration.ofSeconds(count("patient.idle_timeout_seconds")); }
    /** A patient context's hard limit from its opening. */
    public Duration patientMaxLifetime() { return Duration.ofSeconds(count("patient.max_seconds")); }

    /**
     * A break-glass context's hard limit from its opening (short: an emergency, not a standing grant). Never longer
     * than an ordinary context's ({@code patient.max_seconds}): a {@code break_glass_seconds} set above it would make
     * breaking the glass the way to hold a restricted chart open longer than its own care team may (issue 12 review).
     */
    public Duration breakGlassLifetime() {
        return Duration.ofSeconds(Math.min(count("patient.break_glass_seconds"), count("patient.max_seconds")));
    }

    /** How far back the detectors count failed logins. */
    public Duration detectWindow() { return Duration.ofSeconds(count("detect.window_seconds")); }
    /** How long without a failure before a detector's incident is over (and the next one raises a new alert). */
    public Duration detectQuiet() { return Duration.ofSeconds(count("detect.quiet_seconds")); }
    public int bruteForceAccountFailures() { return (int) count("detect.brute_force_account_failures"); }
    public int bruteForceIpFailures() { return (int) count("detect.brute_force_ip_failures"); }
    public int credentialStuffingUsernames() { return (int) count("detect.credential_stuffing_usernames"); }
    public long maxTravelKmh() { return count("detect.max_travel_kmh"); }
    public int bindingChanges() { return (int) count("detect.binding_changes"); }
    public int twoPlacesReturns() { return (int) count("detect.two_places_returns"); }
    public int exfiltrationPatients() { return (int) count("detect.exfiltration_patients"); }
    public long exfiltrationBytes() { return count("detect.exfiltration_bytes"); }
    public int concurrentLimitHits() { return (int) count("detect.concurrent_limit_hits"); }
    public int mfaFailures() { return (int) count("detect.mfa_failures"); }
    public int mfaScopeDenials() { return (int) count("detect.mfa_scope_denials"); }
    /** How many alerts one detector raises within the window before one {@code alert_storm} alert stands for the rest. */
    public int maxAlertsPerWindow() { return (int) count("detect.max_alerts_per_window"); }
    /** {@code none}, {@code end_session} or {@code lock_account}. */
    public String detectResponse() { return (String) values.get("detect.response"); }

    /** Calls a minute one session may make to the patient-data routes ({@code rate_limit.per_minute}). */
    public long patientDataPerMinute() { return count("rate_limit.per_minute"); }
    /** Calls a minute from one client address ({@code rate_limit.per_ip_per_minute}). */
    public long perIpPerMinute() { return count("rate_limit.per_ip_per_minute"); }
    /** Calls a minute with one API key ({@code rate_limit.per_api_key_per_minute}). */
    public long perApiKeyPerMinute() { return count("rate_limit.per_api_key_per_minute"); }

    public int maxLoginFailures() { return (int) count("login.max_failures"); }
    public Duration lockout() { return Duration.ofSeconds(count("login.lockout_seconds")); }
    public int passwordMinLength() { return (int) count("password.min_length"); }
    public List<String> mfaRequiredRoles() { return strings("mfa.required_roles"); }
    public int mfaBackupCodes() { return (int) count("mfa.backup_codes"); }
    public Duration mfaChallengeLifetime() { return Duration.ofSeconds(count("mfa.challenge_seconds")); }
    public int mfaChallengeMaxFailures() { return (int) count("mfa.challenge_max_failures"); }
    public Duration keyRotation() { return Duration.ofSeconds(count("keys.rotate_after_seconds")); }
    public Duration auditRetention() { return Duration.ofDays(count("audit.retention_days")); }
    public Duration auditCheckpointInterval() { return Duration.ofSeconds(count("audit.checkpoint_seconds")); }
    /** Where alerts are POSTed; empty when the tenant has no webhook. */
    public String alertWebhookUrl() { return (String) values.get("alerts.webhook_url"); }
    /** The webhook's signing secret as sealed by the tenant service; empty when none. */
    public String sealedAlertWebhookSecret() { return (String) values.get("alerts.webhook_secret"); }
    public List<String> alertEmailRecipients() { return strings("alerts.email_recipients"); }
    /** The countries logins may come from; empty for anywhere. */
    public List<String> allowedCountries() { return strings("geo.allowed_countries"); }
    /** Whether an alert of this severity is delivered ({@code alerts.min_severity} or above). */
    public boolean deliversSeverity(String severity) {
        return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf((String) values.get("alerts.min_severity"));
    }

    /** The {@code aud} of the tenant's session JWTs: {@code jwt.audience}, or the tenant id when that is empty. */
    public String jwtAudience(String tenantId) {
        String audience = (String) values.get("jwt.audience");
        return audience.isEmpty() ? tenantId : audience;
    }

    /** Whether a browser origin is in {@code browser.allowed_origins} (scheme and host compare case-insensitively). */
    public boolean allowsOrigin(String origin) {
        for (String allowed : allowedOrigins()) {
            if (allowed.equalsIgnoreCase(origin)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) { return o instanceof Policy p && p.values.equals(values) && p.permissions.equals(permissions); }

    @Override
    public int hashCode() { return values.hashCode() * 31 + permissions.hashCode(); }

    @Override
    public String toString() { return "Policy" + readable() + (permissions.isEmpty() ? "" : " " + permissions); }
}
