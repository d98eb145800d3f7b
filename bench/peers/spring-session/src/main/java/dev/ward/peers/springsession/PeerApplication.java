package dev.ward.peers.springsession;

import java.util.List;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.session.data.redis.config.annotation.web.http.EnableRedisIndexedHttpSession;
import org.springframework.session.web.http.CookieHttpSessionIdResolver;
import org.springframework.session.web.http.HeaderHttpSessionIdResolver;
import org.springframework.session.web.http.HttpSessionIdResolver;

/**
 * The peer of issue 13, item 5: what a team would write instead of Ward with Spring Boot and Spring Session —
 * HTTP sessions kept in Redis by the <em>indexed</em> repository (sessions findable by user name, expiry events),
 * which is the one comparable to Ward's store: Ward also keeps a per-user index and revokes by user.
 * Everything is Spring's default except what the benchmark needs (a header as well as the cookie).
 */
@SpringBootApplication
@EnableRedisIndexedHttpSession
public class PeerApplication {
    public static void main(String[] args) {
        SpringApplication.run(PeerApplication.class, args);
    }

    /**
     * Argon2id at Ward's parameters (PasswordHasher.Params.OWASP: m=19456 KiB, t=2, p=1; 16-byte salt, 32-byte
     * hash), through Spring Security's encoder, which runs Bouncy Castle's Argon2 as Ward does: so a login costs
     * both servers the same hash, and login-to-first-validate compares everything else.
     */
    @Bean
    Argon2PasswordEncoder passwordEncoder() {
        return new Argon2PasswordEncoder(16, 32, 1, 19 * 1024, 2);
    }

    /**
     * The session id from the {@code X-Auth-Token} header (how an API client or a load generator sends it),
     * otherwise from the {@code SESSION} cookie (a browser's way); a new session is announced in both.
     */
    @Bean
    HttpSessionIdResolver httpSessionIdResolver() {
        return new HeaderOrCookieSessionIdResolver(HeaderHttpSessionIdResolver.xAuthToken(), new CookieHttpSessionIdResolver());
    }

    record HeaderOrCookieSessionIdResolver(HttpSessionIdResolver header, HttpSessionIdResolver cookie)
            implements HttpSessionIdResolver {
        @Override
        public List<String> resolveSessionIds(jakarta.servlet.http.HttpServletRequest request) {
            List<String> fromHeader = header.resolveSessionIds(request);
            return fromHeader.isEmpty() ? cookie.resolveSessionIds(request) : fromHeader;
        }

        @Override
        public void setSessionId(jakarta.servlet.http.HttpServletRequest request,
                                 jakarta.servlet.http.HttpServletResponse response, String sessionId) {
            header.setSessionId(request, response, sessionId);
            cookie.setSessionId(request, response, sessionId);
        }

        @Override
        public void expireSession(jakarta.servlet.http.HttpServletRequest request,
                                  jakarta.servlet.http.HttpServletResponse response) {
            header.expireSession(request, response);
            cookie.expireSession(request, response);
        }
    }
}
