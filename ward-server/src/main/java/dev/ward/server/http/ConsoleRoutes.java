package dev.ward.server.http;

import dev.ward.problem.ProblemException;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.HashMap;
import java.util.List;
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
    private static final List<String> FILES = List.of("index.html", "console.css", "api.js", "dom.js", "app.js", "login.js",
            "dashboard.js", "sessions.js", "users.js", "alerts.js", "audit.js", "tenants.js", "apikeys.js", "keys.js",
            "breakglass.js", "reports.js", "charts.js");

    private final RouteTable routes;
    private final Map<String, StaticFile> console = new HashMap<>();
    private final StaticFile landing = StaticFile.of("/console/landing.html", typeOf("landing.html"));

    ConsoleRoutes(RouteTable routes) {
        this.routes = routes;
        FILES.forEach(name -> console.put(name, StaticFile.of("/console/" + name, typeOf(name))));
    }

    private static String typeOf(String name) {
        String extension = name.substring(name.lastIndexOf('.') + 1);
        return switch (extension) {
            case "html" -> "text/html; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "js" -> "text/javascript; charset=utf-8";
            default -> throw new IllegalArgumentException("no media type for " + name);
        };
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
