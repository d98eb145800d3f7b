package dev.ward.example.portal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.client.WardClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What an operator does once before the portal runs, through Ward's admin API: two clinicians (one in the confidential
 * patient's care team), the portal's API key (scopes {@code sessions} and {@code patients}), and the restriction of
 * the confidential patients to that care team. Not part of the portal: {@code ./ward example} runs it, and so does the
 * portal's test.
 *
 * <p>{@code ./ward example} creates the tenant and a set-up administrator with {@code ./ward tenant create} and
 * {@code ./ward user create}; {@link #main} signs in as that administrator, sets up, disables the administrator (an
 * account without a second factor is not left behind), and starts the portal.
 */
public final class DemoSetup {
    public static final String CLINICIAN = "dr.demo";
    public static final String CARE_TEAM_MEMBER = "dr.patel";
    private static final ObjectMapper JSON = WardClient.mapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String ward;
    private final String tenant;

    /** What the set-up made: the portal's key and the clinicians' passwords (printed once, never logged). */
    public record Demo(String apiKey, String clinicianPassword, String careTeamPassword) {
        @Override public String toString() { return "Demo[…]"; }
    }

    public DemoSetup(String wardUrl, String tenant) {
        this.ward = wardUrl.replaceAll("/+$", "");
        this.tenant = tenant;
    }

    /** Sets up the tenant with an administrator's bearer (a session token or an API key with scope admin). */
    public Demo run(String adminBearer) {
        String clinicianPassword = password();
        String careTeamPassword = password();
        createUser(adminBearer, CLINICIAN, clinicianPassword);
        String careTeamId = createUser(adminBearer, CARE_TEAM_MEMBER, careTeamPassword);
        String apiKey = call("POST", "/v1/admin/tenants/" + tenant + "/api-keys",
                Map.of("name", "clinic portal", "scopes", List.of("sessions", "patients")), adminBearer).path("key").asText();
        for (Patients.Patient p : Patients.ALL) {
            if (p.confidential()) {
                call("PUT", "/v1/patients/" + p.id() + "/access", Map.of("restricted", true, "care_team", List.of(careTeamId)), apiKey);
            }
        }
        return new Demo(apiKey, clinicianPassword, careTeamPassword);
    }

    /** Signs in as the tenant's set-up administrator, sets up, and disables that administrator (which ends its session). */
    public Demo runAsSetupAdmin(String username, String password) {
        JsonNode login = call("POST", "/v1/auth/login", Map.of("tenant", tenant, "username", username, "password", password), null);
        if (!"authenticated".equals(login.path("status").asText())) {
            throw new IllegalStateException("the set-up administrator could not sign in without a second factor ("
                    + login.path("status").asText() + "); the tenant's mfa.required_roles must not include admin");
        }
        String token = login.path("token").asText();
        Demo demo = run(token);
        call("POST", "/v1/admin/tenants/" + tenant + "/users/" + login.path("user").path("id").asText() + "/disable", null, token);
        return demo;
    }

    private String createUser(String adminBearer, String username, String password) {
        return call("POST", "/v1/admin/tenants/" + tenant + "/users",
                Map.of("username", username, "password", password, "roles", List.of("provider")), adminBearer).path("id").asText();
    }

    /** One admin API call; anything but 2xx stops the set-up with Ward's status and code (never a body with secrets). */
    private JsonNode call(String method, String path, Object body, String bearer) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(ward + path)).timeout(Duration.ofSeconds(30))
                    .header("Accept", "application/json");
            if (bearer != null) {
                b.header("Authorization", "Bearer " + bearer);
            }
            if (body == null) {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            }
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode n = r.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(r.body());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException(method + " " + path.replaceFirst("/v1/patients/[^/]+", "/v1/patients/{id}")
                        + ": Ward answered " + r.statusCode() + " " + n.path("code").asText());
            }
            return n;
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + ": " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    /**
     * A password for a demo user, easy to type: four groups of four characters (no look-alikes such as 0/O, 1/l),
     * about 90 bits, joined by '-', with the upper- and lower-case letter and digit the default password rules want.
     */
    static String password() {
        String alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        while (true) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                if (i > 0 && i % 4 == 0) {
                    out.append('-');
                }
                out.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
            }
            String p = out.toString();
            if (p.chars().anyMatch(Character::isUpperCase) && p.chars().anyMatch(Character::isLowerCase)
                    && p.chars().anyMatch(Character::isDigit)) {
                return p;
            }
        }
    }

    /**
     * {@code DemoSetup WARD_URL TENANT SETUP_USER PORTAL_PORT}, the set-up administrator's password on the first line of
     * standard input: sets up, starts the portal and prints how to sign in.
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: DemoSetup WARD_URL TENANT SETUP_USER PORTAL_PORT (the set-up password on standard input)");
            System.exit(2);
        }
        String password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        Demo demo = new DemoSetup(args[0], args[1]).runAsSetupAdmin(args[2], password == null ? "" : password.strip());
        ClinicPortal portal = ClinicPortal.start(new ClinicPortal.Settings(args[0], demo.apiKey(), args[1], "127.0.0.1",
                Integer.parseInt(args[3]), Duration.ofSeconds(5), 120, 300));
        System.out.println(String.join(System.lineSeparator(),
                "",
                "  Ward           " + args[0] + "   (tenant " + args[1] + ")",
                "  Clinic portal  " + portal.url(),
                "",
                "  Sign in to the portal as " + CLINICIAN + " / " + demo.clinicianPassword(),
                "    (first sign-in: scan the QR code with an authenticator app; Grace Okafor's record needs break-glass)",
                "  or as " + CARE_TEAM_MEMBER + " / " + demo.careTeamPassword() + ", in Grace Okafor's care team.",
                "",
                "  Ctrl-C stops both."));
        portal.join();
    }
}
