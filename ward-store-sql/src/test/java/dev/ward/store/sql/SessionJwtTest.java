package dev.ward.store.sql;

import static dev.ward.store.sql.StoreFixture.OPERATOR;
import static dev.ward.store.sql.StoreFixture.SYSTEM_ADMIN;
import static dev.ward.store.sql.StoreFixture.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.ward.access.Actor;
import dev.ward.access.Scope;
import dev.ward.jwt.SessionJwt;
import dev.ward.session.Opening;
import dev.ward.session.Session;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Session JWTs (EdDSA) and the JWKS that verifies them: claims, persistence across restarts, key rotation. */
class SessionJwtTest extends StoreContract {
    private static final String TENANT = "hosp-a";
    private static final String ISSUER = "https://ward.example.org";

    private StoreFixture w;
    private Session session;

    @BeforeEach
    void setUp() {
        w = fixture("jwt");
        w.tenant(TENANT);
        String alice = w.user(TENANT, "alice", "Correct-Horse-9!", List.of("provider", "staff"));
        Opening opening = w.sessions.open(TENANT, alice, "alice", List.of("provider", "staff"), 2, w.policy(TENANT), StoreFixture.DESK, o -> { });
        session = ((Opening.Opened) opening).issued().session();
    }

    private static JWKSet jwks(SessionJwt jwt) throws Exception {
        return JWKSet.parse(jwt.jwks());
    }

    private static List<String> kids(SessionJwt jwt) throws Exception {
        return jwks(jwt).getKeys().stream().map(JWK::getKeyID).toList();
    }

    /** Verifies the signature with the key the JWKS holds for the token's kid, as a downstream service would. */
    private static boolean verifies(SessionJwt jwksSource, String token) throws Exception {
        SignedJWT jwt = SignedJWT.parse(token);
        JWK key = jwks(jwksSource).getKeyByKeyId(jwt.getHeader().getKeyID());
        return key != null && jwt.verify(new Ed25519Verifier(key.toOctetKeyPair()));
    }

    @Test
    void issuedTokenIsAnEdDsaJwtSignedByAKeyInTheJwks() throws Exception {
        SessionJwt.Issued issued = w.jwt.issue(session, ISSUER);

        SignedJWT jwt = SignedJWT.parse(issued.token());
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.EdDSA);
        assertThat(jwt.getHeader().getKeyID()).startsWith("jwk_");
        assertThat(kids(w.jwt)).containsExactly(jwt.getHeader().getKeyID());
        assertThat(verifies(w.jwt, issued.token())).isTrue();
        assertThat(issued.expiresInSeconds()).isEqualTo(300);
        assertThat(issued.toString()).doesNotContain(issued.token());
    }

    @Test
    void tokenCarriesTheSessionsClaims() throws Exception {
        Instant now = w.clock.instant();

        JWTClaimsSet claims = SignedJWT.parse(w.jwt.issue(session, ISSUER).token()).getJWTClaimsSet();

        assertThat(claims.getStringClaim("sid")).isEqualTo(session.id()).startsWith("ses_");
        assertThat(claims.getSubject()).isEqualTo(session.userId()).startsWith("usr_");
        assertThat(claims.getStringClaim("tenant")).isEqualTo(TENANT);
        assertThat(claims.getStringListClaim("roles")).containsExactly("provider", "staff");
        assertThat(claims.getLongClaim("aal")).isEqualTo(2);
        assertThat(claims.getLongClaim("pv")).isEqualTo(1);
        assertThat(claims.getIssueTime()).isEqualTo(Date.from(now));
        assertThat(claims.getNotBeforeTime()).isEqualTo(Date.from(now));
        assertThat(claims.getExpirationTime()).isEqualTo(Date.from(now.plusSeconds(300)));
        assertThat(claims.getIssuer()).isEqualTo(ISSUER);
        assertThat(claims.getAudience()).containsExactly(TENANT);
        assertThat(claims.getJWTID()).startsWith("jti_");
    }

    /**
     * One key signs for every tenant, so the audience is what keeps a verifier of one tenant from accepting
     * another tenant's token (issue 10, item 8): each token names its tenant's audience, and ids never repeat.
     */
    @Test
    void audienceIsTheTenantsAndEveryTokenHasItsOwnId() throws Exception {
        w.tenant("hosp-b");
        String bob = w.user("hosp-b", "bob", "Correct-Horse-9!", List.of("admin"));
        Session other = ((Opening.Opened) w.sessions.open("hosp-b", bob, "bob", List.of("admin"), 2, w.policy("hosp-b"),
                StoreFixture.DESK, o -> { })).issued().session();
        w.tenants.updatePolicy(OPERATOR, TENANT, Map.of("jwt", Map.of("audience", "https://emr.hosp-a.example")));

        JWTClaimsSet a1 = SignedJWT.parse(w.jwt.issue(session, ISSUER).token()).getJWTClaimsSet();
        JWTClaimsSet a2 = SignedJWT.parse(w.jwt.issue(session, ISSUER).token()).getJWTClaimsSet();
        JWTClaimsSet b = SignedJWT.parse(w.jwt.issue(other, ISSUER).token()).getJWTClaimsSet();

        assertThat(a1.getAudience()).containsExactly("https://emr.hosp-a.example");
        assertThat(b.getAudience()).containsExactly("hosp-b");
        assertThat(a1.getJWTID()).isNotEqualTo(a2.getJWTID());
        // A verifier configured for hosp-a's audience, checking as Nimbus's default verifier does, refuses hosp-b's admin.
        var verifier = new com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier<com.nimbusds.jose.proc.SecurityContext>(
                "https://emr.hosp-a.example", new JWTClaimsSet.Builder().issuer(ISSUER).build(), Set.of("sub", "exp", "jti")) {
            @Override protected Date currentTime() { return Date.from(w.clock.instant()); }
        };
        verifier.verify(a1, null);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> verifier.verify(b, null))
                .isInstanceOf(com.nimbusds.jwt.proc.BadJWTException.class);
    }

    @Test
    void tokenCarriesTheCurrentPolicyVersion() throws Exception {
        w.tenants.updatePolicy(OPERATOR, TENANT, Map.of("login", Map.of("max_failures", 7)));

        JWTClaimsSet claims = SignedJWT.parse(w.jwt.issue(session, ISSUER).token()).getJWTClaimsSet();

        assertThat(claims.getLongClaim("pv")).isEqualTo(2);
    }

    @Test
    void tamperedTokenDoesNotVerify() throws Exception {
        String token = w.jwt.issue(session, ISSUER).token();
        String[] parts = token.split("\\.");
        JWTClaimsSet forged = new JWTClaimsSet.Builder(SignedJWT.parse(token).getJWTClaimsSet()).claim("roles", List.of("admin")).build();
        String forgedPayload = Base64URL.encode(forged.toString()).toString();

        assertThat(verifies(w.jwt, parts[0] + "." + forgedPayload + "." + parts[2])).isFalse();
    }

    @Test
    void jwksHoldsOnlyPublicKeys() throws Exception {
        w.jwt.issue(session, ISSUER);

        assertThat(jwks(w.jwt).getKeys()).isNotEmpty().allSatisfy(k -> assertThat(k.isPrivate()).isFalse());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> keys = (List<Map<String, Object>>) w.jwt.jwks().get("keys");
        assertThat(keys).isNotEmpty().allSatisfy(k -> assertThat(k).containsOnlyKeys("kty", "crv", "kid", "x"));
    }

    @Test
    void jwksHoldsTheSigningKeyBeforeTheFirstTokenIsIssued() throws Exception {
        List<String> published = kids(w.jwt);

        String kid = SignedJWT.parse(w.jwt.issue(session, ISSUER).token()).getHeader().getKeyID();

        assertThat(published).containsExactly(kid);
    }

    @Test
    void signingKeySurvivesARestart() throws Exception {
        String before = w.jwt.issue(session, ISSUER).token();
        String kid = SignedJWT.parse(before).getHeader().getKeyID();

        StoreFixture restarted = new StoreFixture(w);
        restarted.clock.set(w.clock.instant());
        String after = restarted.jwt.issue(session, ISSUER).token();

        assertThat(SignedJWT.parse(after).getHeader().getKeyID()).isEqualTo(kid);
        assertThat(verifies(restarted.jwt, before)).isTrue();
        assertThat(verifies(w.jwt, after)).isTrue();
        assertThat(w.count("SELECT COUNT(*) FROM signing_keys")).isEqualTo(1);
    }

    @Test
    void privateKeyIsNeverStoredInTheClear() {
        w.jwt.issue(session, ISSUER);
        w.jwt.rotate(SYSTEM_ADMIN);
        w.jwt.issue(session, ISSUER);

        List<Map<String, Object>> rows = w.db.call(h -> h.createQuery("SELECT kid, public_jwk, private_jwk FROM signing_keys").mapToMap().list());

        assertThat(rows).hasSize(2).allSatisfy(row -> {
            assertThat((String) row.get("private_jwk")).startsWith("m1:").doesNotContain("\"d\":").doesNotContain("Ed25519");
            assertThat((String) row.get("public_jwk")).doesNotContain("\"d\":");
        });
    }

    @Test
    void rotationSignsWithANewKeyAndKeepsTheOldPublicKeyUntilItsTokensHaveExpired() throws Exception {
        String oldToken = w.jwt.issue(session, ISSUER).token();
        String oldKid = SignedJWT.parse(oldToken).getHeader().getKeyID();

        String newKid = w.jwt.rotate(SYSTEM_ADMIN);
        String newToken = w.jwt.issue(session, ISSUER).token();

        assertThat(newKid).isNotEqualTo(oldKid).startsWith("jwk_");
        assertThat(SignedJWT.parse(newToken).getHeader().getKeyID()).isEqualTo(newKid);
        assertThat(kids(w.jwt)).containsExactlyInAnyOrder(oldKid, newKid);
        assertThat(verifies(w.jwt, oldToken)).isTrue();
        assertThat(verifies(w.jwt, newToken)).isTrue();

        w.advance(300 + 60 - 1);
        assertThat(kids(w.jwt)).containsExactlyInAnyOrder(oldKid, newKid);
        assertThat(verifies(w.jwt, oldToken)).isTrue();

        w.advance(1);
        assertThat(kids(w.jwt)).containsExactly(newKid);
        assertThat(verifies(w.jwt, oldToken)).isFalse();
        assertThat(verifies(w.jwt, w.jwt.issue(session, ISSUER).token())).isTrue();
    }

    @Test
    void rotationIsAudited() {
        String kid = w.jwt.rotate(SYSTEM_ADMIN);

        assertThat(w.auditOf(Actor.SYSTEM_TENANT, "signing_key.rotated")).singleElement().satisfies(e -> {
            assertThat(e.actor()).isEqualTo("user:usr_root");
            assertThat(e.details()).containsEntry("kid", kid);
        });
    }

    @Test
    void operatorMayRotate() throws Exception {
        String kid = w.jwt.rotate(OPERATOR);
        assertThat(SignedJWT.parse(w.jwt.issue(session, ISSUER).token()).getHeader().getKeyID()).isEqualTo(kid);
    }

    @Test
    void onlyASystemAdministratorRotates() throws Exception {
        w.jwt.issue(session, ISSUER);
        List<String> before = kids(w.jwt);
        Actor tenantAdmin = new Actor.User(TENANT, "usr_adm", "boss", Set.of("admin"), "ses_adm");
        Actor tenantAdminKey = new Actor.ApiKey(TENANT, "key_adm", Set.of(Scope.ADMIN));
        Actor provider = new Actor.User(Actor.SYSTEM_TENANT, "usr_p", "p", Set.of("provider"), "ses_p");

        assertThat(refusal(() -> w.jwt.rotate(tenantAdmin)).code()).isEqualTo("forbidden");
        assertThat(refusal(() -> w.jwt.rotate(tenantAdminKey)).code()).isEqualTo("forbidden");
        assertThat(refusal(() -> w.jwt.rotate(provider)).code()).isEqualTo("forbidden");
        assertThat(refusal(() -> w.jwt.rotate(new Actor.ApiKey(TENANT, "key_s", Set.of(Scope.SESSIONS)))).code())
                .isEqualTo("insufficient_scope");

        assertThat(kids(w.jwt)).isEqualTo(before);
        assertThat(w.count("SELECT COUNT(*) FROM signing_keys")).isEqualTo(1);
    }

    @Test
    void rotationOnOneNodeReachesAnotherWithinItsReloadInterval() throws Exception {
        StoreFixture otherNode = new StoreFixture(w);
        otherNode.clock.set(w.clock.instant());
        String oldKid = SignedJWT.parse(otherNode.jwt.issue(session, ISSUER).token()).getHeader().getKeyID();

        String newKid = w.jwt.rotate(SYSTEM_ADMIN);
        otherNode.clock.advance(Duration.ofSeconds(30));

        String token = otherNode.jwt.issue(session, ISSUER).token();
        assertThat(newKid).isNotEqualTo(oldKid);
        assertThat(SignedJWT.parse(token).getHeader().getKeyID()).isEqualTo(newKid);
        assertThat(verifies(w.jwt, token)).isTrue();
    }
}
