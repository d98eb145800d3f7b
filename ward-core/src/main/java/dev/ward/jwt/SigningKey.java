package dev.ward.jwt;

import java.time.Instant;

/** An Ed25519 key for session JWTs: public JWK in the clear, private JWK sealed under the master key. */
public record SigningKey(String kid, String publicJwk, String sealedPrivateJwk, Instant createdAt, Instant retiredAt) {
    @Override
    public String toString() { return "SigningKey[" + kid + ", retired=" + retiredAt + "]"; }
}
