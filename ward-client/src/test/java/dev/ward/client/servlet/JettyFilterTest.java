package dev.ward.client.servlet;

import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.ForwardedRequestCustomizer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** {@link WardFilter} in embedded Jetty 12 (ee10, Servlet 6). */
class JettyFilterTest extends FilterContract {
    @Override
    App.Container container() {
        return params -> {
            Server server = new Server();
            // Behind a TLS-terminating proxy: the container believes X-Forwarded-For and -Proto (as deployed).
            HttpConfiguration http = new HttpConfiguration();
            http.addCustomizer(new ForwardedRequestCustomizer());
            ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            server.addConnector(connector);
            ServletContextHandler context = new ServletContextHandler();
            context.setContextPath("/");
            FilterHolder filter = new FilterHolder(new WardFilter());
            filter.setInitParameters(params);
            context.addFilter(filter, "/*", EnumSet.allOf(DispatcherType.class));
            App.Page page = new App.Page();
            context.addServlet(new ServletHolder(page), "/");
            server.setHandler(context);
            server.start();
            return new App() {
                @Override public int port() { return connector.getLocalPort(); }

                @Override public int reached() { return page.reached.get(); }

                @Override public void close() throws Exception { server.stop(); }
            };
        };
    }
}
