package dev.ward.client.servlet;

import dev.ward.client.WardSession;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** A web app in a real container with {@link WardFilter} in front of its one servlet. */
interface App extends AutoCloseable {
    int port();

    /** How many requests reached the app's servlet. */
    int reached();

    default String base() { return "http://127.0.0.1:" + port(); }

    /** Starts the app with the filter configured by these init parameters. */
    interface Container {
        App start(Map<String, String> filterParams) throws Exception;
    }

    /**
     * The app: says who it thinks the user is ({@code getUserPrincipal}, {@code isUserInRole}, the session attribute),
     * which is what a real page would show or use.
     */
    final class Page extends HttpServlet {
        final AtomicInteger reached = new AtomicInteger();

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException, jakarta.servlet.ServletException {
            // /open/forward?to=… and /open/include?to=…: an open page of the app that hands over to another path.
            String to = req.getParameter("to");
            if (to != null && req.getDispatcherType() == jakarta.servlet.DispatcherType.REQUEST) {
                if (req.getServletPath().equals("/open/forward")) {
                    req.getRequestDispatcher(to).forward(req, res);
                    return;
                }
                if (req.getServletPath().equals("/open/include")) {
                    res.setContentType("text/plain");
                    req.getRequestDispatcher(to).include(req, res);
                    return;
                }
            }
            reached.incrementAndGet();
            WardSession s = (WardSession) req.getAttribute(WardSession.ATTRIBUTE);
            String body = req.getRequestURI() + " user=" + (req.getUserPrincipal() == null ? "-" : req.getUserPrincipal().getName())
                    + " provider=" + req.isUserInRole("provider") + " admin=" + req.isUserInRole("admin")
                    + " session=" + (s == null ? "-" : s.id()) + " ip=" + (s == null ? "-" : s.client().ip())
                    + " remote=" + req.getRemoteAddr();
            if (req.getDispatcherType() != jakarta.servlet.DispatcherType.INCLUDE) {
                res.setContentType("text/plain");
            }
            res.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
        }
    }
}
