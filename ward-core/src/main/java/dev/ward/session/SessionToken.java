package dev.ward.session;

import java.util.Optional;

/**
 * What a store is told of a presented session token: the SHA-256 (hex) of the whole token, the only form of it any store
 * keeps; the route it names ({@link SessionRoute}); and the session it names — every token issued since decision 0040
 * carries its session's id beside 256 random bits, so a store partitioned like Redis finds the session without a
 * pointer kept per token. Empty for a token of the earlier format (route and random bits only), which a store finds by
 * its hash. The id is not trusted: it only says where to look, and the session is the token's only if the hash of the
 * whole token (id included) is the one the session holds.
 */
public record SessionToken(String hash, int route, Optional<String> sessionId) {
    /** Never the hash: a digest of a live bearer secret has no business in logs either. */
    @Override
    public String toString() {
        return "SessionToken[route=" + route + ", session=" + sessionId.orElse("(earlier format)") + "]";
    }
}
