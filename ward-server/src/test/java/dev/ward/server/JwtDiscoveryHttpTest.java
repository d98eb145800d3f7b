package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.SignedJWT;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Session JWTs name their issuer, audience and id, and a resource server finds the keys from the issuer alone
 * (issue 10, item 8): one key signs for every tenant, so without {@code aud} a verifier that checks only signature and
 * expiry accepted another tenant's administrator.
 */
class JwtDiscoveryHttpTest {
    static final String PASSWORD = "Jwt-Issuer-Pass-9!";

    @Test
    void theIssuerIsThePublicUrlAndDiscoveryLeadsToTheKeys() throws Exception {
        try (TestWard w = TestWard.configured(c -> c.withPublicUrl(Optional.of("https://ward.stmarys.example")))) {
            w.createTenant("stmarys");
            w.createTenant("other", Map.of("mfa", Map.of("required_roles", List.of()), "jwt", Map.of("audience", "https://emr.other.example")));
            w.createUser("stmarys", "nurse", PASSWORD, "staff");
            w.createUser("other", "boss", PASSWORD, "admin");

            var discovery = w.get("/.well-known/openid-configuration", null);
            assertThat(discovery.status()).isEqualTo(200);
            assertThat(discovery.text("issuer")).isEqualTo("https://ward.stmarys.example");
            assertThat(discovery.text("jwks_uri")).isEqualTo("https://ward.stmarys.example/.well-known/jwks.json");
            assertThat(discovery.json().path("id_token_signing_alg_values_supported").get(0).asText()).isEqualTo("EdDSA");

            SignedJWT nurse = SignedJWT.parse(w.post("/v1/session/jwt", null, w.login("stmarys", "nurse", PASSWORD)).text("access_token"));
            SignedJWT boss = SignedJWT.parse(w.post("/v1/session/jwt", null, w.login("other", "boss", PASSWORD)).text("access_token"));
            assertThat(nurse.getJWTClaimsSet().getIssuer()).isEqualTo("https://ward.stmarys.example");
            assertThat(nurse.getJWTClaimsSet().getAudience()).containsExactly("stmarys");
            assertThat(nurse.getJWTClaimsSet().getJWTID()).isNotBlank();
            assertThat(boss.getJWTClaimsSet().getAudience()).containsExactly("https://emr.other.example");
            assertThat(boss.getJWTClaimsSet().getJWTID()).isNotEqualTo(nurse.getJWTClaimsSet().getJWTID());

            JWKSet keys = JWKSet.parse(w.get("/.well-known/jwks.json", null).raw());
            assertThat(nurse.verify(new Ed25519Verifier((OctetKeyPair) keys.getKeyByKeyId(nurse.getHeader().getKeyID())))).isTrue();
        }
    }

    @Test
    void withoutAPublicUrlTheIssuerIsTheAddressWardWasReachedAt() throws Exception {
        try (TestWard w = new TestWard()) {
            w.createTenant("stmarys");
            w.createUser("stmarys", "nurse", PASSWORD, "staff");
            var discovery = w.get("/.well-known/openid-configuration", null);
            assertThat(discovery.text("issuer")).isEqualTo(w.base());
            SignedJWT jwt = SignedJWT.parse(w.post("/v1/session/jwt", null, w.login("stmarys", "nurse", PASSWORD)).text("access_token"));
            assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo(discovery.text("issuer"));
        }
    }
}
