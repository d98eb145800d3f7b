package dev.ward.peers.springsession;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.time.Instant;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /login} creates a session for a user name after an Argon2id password check; {@code GET /me}
 * validates the session the request names and returns it as JSON (401 when it is unknown or expired).
 *
 * <p>Accounts: every user name shares one password, {@code peer.password}, hashed once at start. A real app
 * would read the user's own hash from a database; Ward does (PostgreSQL), so the peer's login is lighter by that
 * one query, which only favours the peer.
 */
@RestController
class SessionController {
    static final String USERNAME = "username";

    private final Argon2PasswordEncoder encoder;
    private final String passwordHash;

    SessionController(Argon2PasswordEncoder encoder, @Value("${peer.password}") String password) {
        this.encoder = encoder;
        this.passwordHash = encoder.encode(password);
    }

    record Login(String username, String password) {}

    record LoginAnswer(String token, String username) {}

    record Me(String id, String username, Instant createdAt, Instant lastAccessedAt, long maxInactiveSeconds) {}

    record Problem(String code) {}

    @PostMapping("/login")
    ResponseEntity<?> login(@RequestBody Login login, HttpServletRequest request) {
        if (login.username() == null || login.username().isBlank() || login.password() == null
                || !encoder.matches(login.password(), passwordHash)) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).body(new Problem("invalid_credentials"));
        }
        HttpSession old = request.getSession(false);
        if (old != null) {
            old.invalidate();   // a login never continues a session it was handed (fixation)
        }
        HttpSession session = request.getSession(true);
        session.setAttribute(USERNAME, login.username());
        // What the indexed repository keys its per-user index on (findByPrincipalName).
        session.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, login.username());
        return ResponseEntity.ok(new LoginAnswer(session.getId(), login.username()));
    }

    @GetMapping("/me")
    ResponseEntity<?> me(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        if (session == null || session.getAttribute(USERNAME) == null) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).body(new Problem("no_session"));
        }
        return ResponseEntity.ok(new Me(session.getId(), (String) session.getAttribute(USERNAME),
                Instant.ofEpochMilli(session.getCreationTime()), Instant.ofEpochMilli(session.getLastAccessedTime()),
                session.getMaxInactiveInterval()));
    }
}
