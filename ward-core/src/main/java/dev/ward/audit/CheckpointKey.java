package dev.ward.audit;

import java.time.Instant;

/** A checkpoint signing key (Ed25519): the public JWK in the clear, the private JWK sealed under the master key. */
public record CheckpointKey(String kid, String publicJwk, String sealedPrivateJwk, Instant createdAt, Instant retiredAt) {
    @Override
    public String toString() { return "CheckpointKey[" + kid + ", retired=" + retiredAt + "]"; }
}
