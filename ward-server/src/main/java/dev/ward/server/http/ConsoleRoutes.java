package dev.ward.server.http;

import dev.ward.problem.ProblemException;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The landing page {@code /} and the admin console {@code /console/}: static files from the jar (plain ES modules and
 * CSS, no build step; decision 0033). The console is a client of the public API like any other, and holds nothing
 * the API would not give it.
 *
 * <p>Javalin ignores a trailing slash, so {@code /console} is the page too: its addresses are absolute for that reason.
 *
 * <p>Only the files named in {@link #FILES} are served, looked up by name in a map: a path never reaches the class
 * loader, so no {@code ..}, encoded or not, can name anything else in the jar.
 */
final class ConsoleRoutes {
    /**
     * The pages' own policy: scripts, styles, images and fetches from Ward itself only, no inline script or style, no
     * plugins, no framing, and Trusted Types with no policy at all, so that any assignment of a string to
     * {@code innerHTML} throws in the browser instead of parsing markup (the console builds its DOM with
     * {@code textContent}). {@code data:} images are the TOTP QR code, an SVG Ward made.
     */
    static final String HTML_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; "
            + "require-trusted-types-for 'script'; trusted-types 'none'";

    /** The console's files by name: {@code /console/<name>}. */
    private static final Map<String, String> FILES = files(
            "index.html", "text/html; charset=utf-8",
            "console.css", "text/css; charset=utf-8",
            "api.js", "text/javascript; charset=utf-8",
            "dom.js", "text/javascript; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "login.js", "text/javascript; charset=utf-8",
            "dashboard.js", "text/javascript; charset=utf-8",
            "sessions.js", "text/javascript; charset=utf-8",
            "users.js", "text/javascript; charset=utf-8",
            "alerts.js", "text/javascript; charset=utf-8",
            "audit.js", "text/javascript; charset=utf-8",
            "tenants.js", "text/javascript; charset=utf-8",
            "apikeys.js", "text/javascript; charset=utf-8",
            "keys.js", "text/javascript; charset=utf-8",
            "breakglass.js", "text/javascript; charset=utf-8");

    private final RouteTable routes;
    private final Map<String, StaticFile> console = new LinkedHashMap<>();
    private final StaticFile landing = StaticFile.of("/console/landing.html", "text/html; charset=utf-8");

    ConsoleRoutes(RouteTable routes) {
        this.routes = routes;
        FILES.forEach((name, type) -> console.put(name, StaticFile.of("/console/" + name, type)));
    }

    private static Map<String, String> files(String... nameAndType) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < nameAndType.length; i += 2) {
            m.put(nameAndType[i], nameAndType[i + 1]);
        }
        return m;
    }

    void register() {
        routes.add(HandlerType.GET, "/", ctx -> serve(ctx, landing));
        routes.add(HandlerType.GET, "/console/", ctx -> serve(ctx, console.get("index.html")));
        routes.add(HandlerType.GET, "/console/{file}", ctx -> {
            StaticFile file = console.get(ctx.pathParam("file"));
            if (file == null) {
                throw ProblemException.notFound("not_found", "No such console file.");
            }
            serve(ctx, file);
        });
    }

    /**
     * Revalidated on every use ({@code no-cache} with the ETag: a 304 is cheap), so a new Ward's console replaces the
     * old one at once; the files carry no data, so they may be stored. HTML gets its own policy; the rest keep the
     * API's {@code default-src 'none'}, which a script or style sheet is not subject to anyway.
     */
    private static void serve(Context ctx, StaticFile file) {
        ctx.header("Cache-Control", "no-cache");
        if (file.contentType().startsWith("text/html")) {
            ctx.header("Content-Security-Policy", HTML_POLICY);
            ctx.header("Cross-Origin-Opener-Policy", "same-origin");
        }
        file.answer(ctx);
    }
}
