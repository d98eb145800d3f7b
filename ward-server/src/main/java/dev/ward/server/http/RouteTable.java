package dev.ward.server.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Every route Ward serves, registered through here so that 405 answers can list the allowed methods
 * and a test can hold the served OpenAPI document to the real routes.
 */
public final class RouteTable {
    public record Route(String method, String path) {
        Pattern pattern() {
            return Pattern.compile(path.replaceAll("\\{[^/]+}", "[^/]+").replace(".", "\\."));
        }
    }

    private final List<Route> routes = new ArrayList<>();
    private final List<Pattern> patterns = new ArrayList<>();
    /** The routes without a path parameter: a request path names one of them exactly or none. */
    private final Set<String> literals = new HashSet<>();
    private RoutesConfig config;

    void bind(RoutesConfig config) { this.config = config; }

    void add(HandlerType method, String path, Handler handler) {
        config.addHttpHandler(method, path, handler);
        Route route = new Route(method.name(), path);
        routes.add(route);
        patterns.add(route.pattern());
        if (path.indexOf('{') < 0) {
            literals.add(path);
        }
    }

    public List<Route> all() { return List.copyOf(routes); }

    /**
     * The route template a concrete request path matches ({@code /v1/session/patients/{patient_id}}), or
     * {@code "(unrouted)"}: what the access log writes, since a path's own segments carry patient ids, data keys and
     * other identifiers that do not belong in a log (issue 12 review). A literal route wins over a template.
     */
    String templateOf(String requestPath) {
        // A literal route is a lookup (most requests: validation, login, health); only the rest tries the templates.
        if (literals.contains(requestPath)) {
            return requestPath;
        }
        for (int i = 0; i < routes.size(); i++) {
            String path = routes.get(i).path();
            if (path.indexOf('{') >= 0 && patterns.get(i).matcher(requestPath).matches()) {
                return path;
            }
        }
        return "(unrouted)";
    }

    /** Methods served at a concrete request path; empty when no route matches it. */
    Set<String> methodsAt(String requestPath) {
        Set<String> methods = new TreeSet<>();
        for (int i = 0; i < routes.size(); i++) {
            if (patterns.get(i).matcher(requestPath).matches()) {
                methods.add(routes.get(i).method());
            }
        }
        return methods;
    }
}
