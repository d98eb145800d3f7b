package dev.ward.client.servlet;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.RemoteIpValve;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/** {@link WardFilter} in embedded Tomcat 11 (Servlet 6.1). */
class TomcatFilterTest extends FilterContract {
    @Override
    App.Container container() {
        return params -> {
            Path dir = Files.createTempDirectory("ward-tomcat");
            Tomcat tomcat = new Tomcat();
            tomcat.setBaseDir(dir.toString());
            tomcat.setHostname("127.0.0.1");
            tomcat.setPort(0);
            tomcat.getConnector().setProperty("address", "127.0.0.1");
            Context context = tomcat.addContext("", dir.toString());
            // Behind a TLS-terminating proxy on this host: the container believes X-Forwarded-For and -Proto (as deployed).
            RemoteIpValve proxy = new RemoteIpValve();
            proxy.setProtocolHeader("X-Forwarded-Proto");
            context.getPipeline().addValve(proxy);
            App.Page page = new App.Page();
            Tomcat.addServlet(context, "page", page);
            context.addServletMappingDecoded("/", "page");
            FilterDef def = new FilterDef();
            def.setFilterName("ward");
            def.setFilter(new WardFilter());
            params.forEach(def::addInitParameter);
            context.addFilterDef(def);
            FilterMap map = new FilterMap();
            map.setFilterName("ward");
            map.addURLPattern("/*");
            for (String type : new String[] {"REQUEST", "FORWARD", "INCLUDE", "ERROR", "ASYNC"}) {
                map.setDispatcher(type);
            }
            context.addFilterMap(map);
            tomcat.start();
            return new App() {
                @Override public int port() { return tomcat.getConnector().getLocalPort(); }

                @Override public int reached() { return page.reached.get(); }

                @Override public void close() throws Exception {
                    tomcat.stop();
                    tomcat.destroy();
                }
            };
        };
    }
}
