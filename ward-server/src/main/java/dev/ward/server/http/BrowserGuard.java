package dev.ward.server.http;

import dev.ward.problem.ProblemException;
import dev.ward.tenant.TenantService;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What a browser may do with Ward's cookie (CSRF) and which other origins may read Ward's answers (CORS).
 *
 * <p>A browser attaches the session cookie to any request to Ward, whoever's page makes it; {@code SameSite=Strict}
 * does not stop a sibling subdomain, another port of the same host, or script injected anywhere on the site. So a
 * state-changing request authenticated by the cookie must say where it comes from — an {@code Origin} that is
 * Ward's own or one the session's tenant lists in {@code browser.allowed_origins}, or, from a browser that sends
 * no {@code Origin}, {@code Sec-Fetch-Site: same-origin} — and a body must be {@code application/json}, which a
 * cross-site HTML form cannot send without a CORS preflight that only allowed origins pass.
 */
final class BrowserGuard {
    private static final Set<HandlerType> STATE_CHANGING = Set.of(HandlerType.POST, HandlerType.PUT, HandlerType.PATCH,
            HandlerType.DELETE);
    /** Request attribute: the tenant a request turned out to act in, for the CORS decision on its answer. */
    static final String TENANT = "ward.tenant";

    private final TenantService tenants;
    private final TrustedProxies proxies;
    private final Optional<String> publicUrl;
    private final Optional<String> publicOrigin;

    BrowserGuard(TenantService tenants, TrustedProxies proxies, Optional<String> publicUrl) {
        this.tenants = tenants;
        this.proxies = proxies;
        this.publicUrl = publicUrl;
        this.publicOrigin = publicUrl.map(BrowserGuard::originOf);
    }

    /**
     * Ward's base URL as its users reach it: {@code WARD_PUBLIC_URL}, or else the scheme and Host of this request
     * (good enough on a laptop; a deployment sets the URL so that JWT issuers do not depend on a Host header).
     */
    String publicBase(Context ctx) {
        if (publicUrl.isPresent()) {
            return publicUrl.get();
        }
        String host = ctx.header("Host");
        return (proxies.secure(ctx) ? "https" : "http") + "://" + (host == null ? "localhost" : host.toLowerCase(Locale.ROOT));
    }

    static boolean stateChanging(Context ctx) {
        return STATE_CHANGING.contains(ctx.method());
    }

    /**
     * Refuses a cookie-authenticated state-changing request from anywhere but Ward itself or the tenant's allowed
     * origins. {@code tenantOfCookie} looks the cookie's session up without using it; it is asked only for a
     * foreign origin, so a refused request never counts as a use of the session (or rotates its token).
     */
    void requireCookieWriteAllowed(Context ctx, Supplier<Optional<String>> tenantOfCookie) {
        if (!stateChanging(ctx)) {
            requireCookieAdminReadAllowed(ctx, tenantOfCookie);
            return;
        }
        String origin = ctx.header("Origin");
        if (origin == null) {
            if (!"same-origin".equals(ctx.header("Sec-Fetch-Site"))) {
                throw refused("A request authenticated by the session cookie that changes something must carry an Origin "
                        + "header (browsers send it); this one has none.");
            }
        } else if (!isOwn(ctx, origin)) {
            Optional<String> tenant = cookieTenant(ctx, tenantOfCookie);
            if (tenant.isEmpty() || !tenants.allowsOrigin(tenant.get(), origin)) {
                throw refused("This origin may not act with the session cookie; an administrator can add it to the tenant's "
                        + "browser.allowed_origins.");
            }
        }
        requireJsonBody(ctx);
    }

    /**
     * A read of the admin API with the cookie that the browser says another site's page made ({@code Sec-Fetch-Site:
     * same-site} or {@code cross-site}: an image, a link, a frame on a sibling subdomain, where {@code SameSite=Strict}
     * still sends the cookie) is refused unless it is a CORS fetch from an origin the tenant allows. Such a page reads
     * nothing, but every audit search, export, verification and report is recorded in the administrator's name and
     * costs a read of the trail (review16). The console is same-origin; a typed address says {@code none}; a client
     * that sends no fetch metadata is not a browser this could come from.
     */
    private void requireCookieAdminReadAllowed(Context ctx, Supplier<Optional<String>> tenantOfCookie) {
        String site = ctx.header("Sec-Fetch-Site");
        if (!ctx.path().startsWith("/v1/admin/") || site == null || site.equals("same-origin") || site.equals("none")) {
            return;
        }
        String origin = ctx.header("Origin");
        if (origin != null && (isOwn(ctx, origin)
                || cookieTenant(ctx, tenantOfCookie).filter(t -> tenants.allowsOrigin(t, origin)).isPresent())) {
            return;
        }
        throw refused("Another site's page may not read the admin API with the session cookie; open the console, or "
                + "add the page's origin to the tenant's browser.allowed_origins.");
    }

    /**
     * The two beacon-safe routes ({@code patient-data/clear}, {@code emergency-cleanup}): {@code navigator.sendBeacon}
     * sends a POST with the cookie, an {@code Origin} and a {@code text/plain} body (or none), and cannot be made to
     * send JSON without a preflight it never does. So these two, and only these, take any body (it is ignored); the
     * {@code Origin} is what they stand on: it must be there, and Ward's own or one the tenant allows. What a forged
     * one could do is end a session or drop cached data, never read anything.
     */
    void requireBeaconOriginAllowed(Context ctx, Supplier<Optional<String>> tenantOfCookie) {
        String origin = ctx.header("Origin");
        if (origin == null) {
            throw refused("A cleanup beacon authenticated by the session cookie must carry an Origin header (browsers send "
                    + "it with sendBeacon); this one has none.");
        }
        if (!isOwn(ctx, origin)) {
            Optional<String> tenant = cookieTenant(ctx, tenantOfCookie);
            if (tenant.isEmpty() || !tenants.allowsOrigin(tenant.get(), origin)) {
                throw refused("This origin may not act with the session cookie; an administrator can add it to the tenant's "
                        + "browser.allowed_origins.");
            }
        }
    }

    /**
     * The cookie's tenant, remembered for the CORS decision on the answer: a refusal is then readable only by an origin
     * that tenant allows, never by one some other tenant allows (issue 12 review).
     */
    private static Optional<String> cookieTenant(Context ctx, Supplier<Optional<String>> tenantOfCookie) {
        Optional<String> tenant = tenantOfCookie.get();
        tenant.ifPresent(t -> ctx.attribute(TENANT, t));
        return tenant;
    }

    /** A browser login must come from Ward itself or an origin the tenant allows (no login CSRF). */
    void requireLoginOriginAllowed(Context ctx, String tenant) {
        String origin = ctx.header("Origin");
        if (origin == null || isOwn(ctx, origin) || tenants.allowsOrigin(tenant, origin)) {
            return;
        }
        throw new ProblemException(403, "origin_not_allowed", "Origin not allowed",
                "This origin may not sign in to this tenant; add it to the tenant's browser.allowed_origins.");
    }

    /** A body, if any, must be JSON: the one content type a cross-site form cannot send. */
    static void requireJsonBody(Context ctx) {
        boolean hasBody = ctx.req().getContentLengthLong() > 0 || ctx.header("Transfer-Encoding") != null;
        if (hasBody && !isJson(ctx)) {
            throw unsupportedMediaType();
        }
    }

    static boolean isJson(Context ctx) {
        String type = ctx.header("Content-Type");
        if (type == null) {
            return false;
        }
        int semicolon = type.indexOf(';');
        String media = (semicolon < 0 ? type : type.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
        return media.equals("application/json");
    }

    static ProblemException unsupportedMediaType() {
        return new ProblemException(415, "unsupported_media_type", "Unsupported media type",
                "Send the request body as Content-Type: application/json.");
    }

    /** Ward's own origin: {@code WARD_PUBLIC_URL}'s, or the scheme and Host this request came to. */
    boolean isOwn(Context ctx, String origin) {
        if (publicOrigin.isPresent() && publicOrigin.get().equals(origin)) {
            return true;
        }
        String host = ctx.header("Host");
        return host != null && origin.equals((proxies.secure(ctx) ? "https" : "http") + "://" + host.toLowerCase(Locale.ROOT));
    }

    // --- CORS -----------------------------------------------------------------------------------------------

    /**
     * Answers a CORS preflight. The tenant is unknown before the real request (a preflight carries no credentials
     * and no body), so an origin some tenant allows passes here; the real request then gets CORS headers only if
     * its own tenant allows the origin, and a cookie write from any other origin is refused.
     */
    void preflight(Context ctx, Set<String> methods) {
        String origin = ctx.header("Origin");
        ctx.header("Vary", "Origin");
        if (origin == null || !(isOwn(ctx, origin) || tenants.anyTenantAllowsOrigin(origin))) {
            throw refused("This origin is not in any tenant's browser.allowed_origins.");
        }
        ctx.header("Access-Control-Allow-Origin", origin);
        ctx.header("Access-Control-Allow-Credentials", "true");
        ctx.header("Access-Control-Allow-Methods", String.join(", ", methods));
        ctx.header("Access-Control-Allow-Headers", "Authorization, Content-Type, Ward-Session-Token");
        ctx.header("Access-Control-Max-Age", "600");
        ctx.status(204);
    }

    /**
     * CORS headers on an answer, for an origin allowed by the tenant the request acted in (or, when it never got
     * to a tenant — an unauthenticated or public call — by any tenant). Never {@code *} with credentials.
     */
    void decorate(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null) {
            return;
        }
        ctx.header("Vary", "Origin");
        if (isOwn(ctx, origin) || "*".equals(ctx.res().getHeader("Access-Control-Allow-Origin"))) {
            // Ward's own page, or a public resource (ward.js) that any page may read without credentials.
            return;
        }
        String tenant = ctx.attribute(TENANT);
        boolean allowed = tenant != null ? tenants.allowsOrigin(tenant, origin) : tenants.anyTenantAllowsOrigin(origin);
        if (allowed) {
            ctx.header("Access-Control-Allow-Origin", origin);
            ctx.header("Access-Control-Allow-Credentials", "true");
            ctx.header("Access-Control-Expose-Headers", "Ward-Rotated-Token, Retry-After");
        }
    }

    private static ProblemException refused(String detail) {
        return new ProblemException(403, "origin_not_allowed", "Origin not allowed", detail);
    }

    /** {@code scheme://host[:port]} of a URL, the way a browser writes an Origin header. */
    static String originOf(String url) {
        URI uri = URI.create(url);
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        int port = uri.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80);
        return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    }
}
