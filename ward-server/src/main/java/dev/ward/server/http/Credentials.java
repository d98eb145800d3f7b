package dev.ward.server.http;

import dev.ward.access.Actor;
import dev.ward.apikey.ApiKeyService;
import dev.ward.problem.ProblemException;
import dev.ward.session.Session;
import dev.ward.session.SessionService;
import dev.ward.session.Validation;
import io.javalin.http.Context;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the one credential of a request: {@code Authorization: Bearer wak_…} (API key),
 * {@code Bearer wst_…} or the session cookie (session). Never logs or echoes what it reads.
 */
final class Credentials {
    static final String COOKIE = "ward_session";

    private final ApiKeyService apiKeys;
    private final SessionService sessions;

    Credentials(ApiKeyService apiKeys, SessionService sessions) {
        this.apiKeys = apiKeys;
        this.sessions = sessions;
    }

    /** Any authenticated caller: an API key or a live session. */
    Actor require(Context ctx) {
        Optional<String> bearer = bearer(ctx);
        if (bearer.isPresent() && bearer.get().startsWith(ApiKeyService.PREFIX)) {
            return apiKey(bearer.get());
        }
        Session s = requireSession(ctx);
        return new Actor.User(s.tenant(), s.userId(), s.username(), Set.copyOf(s.roles()), s.id());
    }

    /** The API key, if the request carries one; a carried but invalid key is refused, never ignored. */
    Optional<Actor.ApiKey> optionalApiKey(Context ctx) {
        Optional<String> bearer = bearer(ctx);
        if (bearer.isEmpty()) {
            return Optional.empty();
        }
        if (bearer.get().startsWith(SessionService.TOKEN_PREFIX)) {
            return Optional.empty();
        }
        return Optional.of(apiKey(bearer.get()));
    }

    Actor.ApiKey requireApiKey(Context ctx) {
        Optional<String> bearer = bearer(ctx);
        if (bearer.isEmpty()) {
            throw Problems.unauthenticated("This endpoint needs an API key: Authorization: Bearer wak_…");
        }
        return apiKey(bearer.get());
    }

    /** The caller's live session (counts as a use). */
    Session requireSession(Context ctx) {
        String token = sessionToken(ctx)
                .orElseThrow(() -> Problems.unauthenticated("This endpoint needs a session token (Bearer wst_… or the session cookie)."));
        return switch (sessions.validate(token)) {
            case Validation.Valid v -> v.session();
            case Validation.Invalid i -> throw new ProblemException(401, i.code(), "Session not valid", i.detail());
        };
    }

    Optional<String> sessionToken(Context ctx) {
        Optional<String> bearer = bearer(ctx);
        if (bearer.isPresent()) {
            if (bearer.get().startsWith(ApiKeyService.PREFIX)) {
                throw Problems.unauthenticated("This endpoint needs a session token, not an API key.");
            }
            return bearer;
        }
        return Optional.ofNullable(ctx.cookie(COOKIE)).filter(c -> !c.isEmpty());
    }

    private Actor.ApiKey apiKey(String presented) {
        if (!presented.startsWith(ApiKeyService.PREFIX)) {
            throw new ProblemException(401, "invalid_api_key", "Invalid API key", "The credentials are not a valid API key.");
        }
        return apiKeys.authenticate(presented).orElseThrow(() ->
                new ProblemException(401, "invalid_api_key", "Invalid API key", "The API key is unknown or revoked."));
    }

    private static Optional<String> bearer(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw Problems.unauthenticated("Use Authorization: Bearer <token>.");
        }
        String value = header.substring(7).strip();
        if (value.isEmpty()) {
            throw Problems.unauthenticated("The bearer token is empty.");
        }
        return Optional.of(value);
    }
}
