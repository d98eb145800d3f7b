package dev.ward.store.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.SslVerifyMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where Redis is, from {@code WARD_REDIS_URL}: {@code redis://[:password@]host:port[/db]},
 * {@code rediss://…} (TLS), or {@code redis-cluster://[:password@]host:port,host:port,…} (Redis Cluster; any
 * reachable nodes, the rest is discovered). Never prints a password.
 */
public record RedisEndpoint(boolean cluster, boolean tls, List<RedisURI> nodes, String description) {
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

    public RedisEndpoint {
        nodes = List.copyOf(nodes);
    }

    /** @throws IllegalArgumentException with a message naming what is wrong (no secret in it) */
    public static RedisEndpoint parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("WARD_REDIS_URL is empty");
        }
        String u = url.trim();
        boolean clusterTls = u.startsWith("rediss-cluster://");
        if (clusterTls || u.startsWith("redis-cluster://")) {
            String rest = u.substring(u.indexOf("://") + 3);
            String username = null;
            String password = null;
            int at = rest.lastIndexOf('@');
            if (at >= 0) {
                String userInfo = rest.substring(0, at);
                int colon = userInfo.indexOf(':');
                username = colon > 0 ? userInfo.substring(0, colon) : null;
                password = colon >= 0 ? userInfo.substring(colon + 1) : userInfo;
                rest = rest.substring(at + 1);
            }
            if (rest.contains("/")) {
                throw new IllegalArgumentException("redis-cluster:// and rediss-cluster:// take host:port,host:port,… "
                        + "without a database number");
            }
            List<RedisURI> nodes = new ArrayList<>();
            List<String> shown = new ArrayList<>();
            for (String hostPort : rest.split(",")) {
                RedisURI node = hostPort(hostPort.trim());
                if (password != null && username != null) {
                    node.setAuthentication(username, password.toCharArray());
                } else if (password != null) {
                    node.setAuthentication(password.toCharArray());
                }
                if (clusterTls) {
                    // Nodes discovered from the cluster's topology inherit these settings from the seed URIs.
                    node.setSsl(true);
                    node.setVerifyPeer(SslVerifyMode.FULL);
                }
                node.setTimeout(COMMAND_TIMEOUT);
                nodes.add(node);
                shown.add(node.getHost() + ":" + node.getPort());
            }
            return new RedisEndpoint(true, clusterTls, nodes, (clusterTls ? "Redis Cluster (TLS) " : "Redis Cluster ")
                    + String.join(",", shown));
        }
        boolean tls = u.startsWith("rediss://");
        if (!tls && !u.startsWith("redis://")) {
            throw new IllegalArgumentException(
                    "WARD_REDIS_URL must start with redis://, rediss://, redis-cluster:// or rediss-cluster://");
        }
        RedisURI uri;
        try {
            uri = RedisURI.create(u);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("WARD_REDIS_URL is not a valid Redis URL");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("WARD_REDIS_URL names no host");
        }
        if (uri.getDatabase() < 0 || uri.getDatabase() > 15) {
            throw new IllegalArgumentException("WARD_REDIS_URL database must be between 0 and 15");
        }
        uri.setTimeout(COMMAND_TIMEOUT);
        return new RedisEndpoint(false, tls, List.of(uri),
                (tls ? "Redis (TLS) " : "Redis ") + uri.getHost() + ":" + uri.getPort() + "/" + uri.getDatabase());
    }

    private static RedisURI hostPort(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("redis-cluster:// needs host:port pairs, got '" + hostPort + "'");
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("redis-cluster:// port is not a number in '" + hostPort + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("redis-cluster:// port out of range in '" + hostPort + "'");
        }
        return RedisURI.create(hostPort.substring(0, colon), port);
    }

    /** Whether every configured node is on this machine (plain redis:// beyond it sends sessions in the clear). */
    public boolean loopbackOnly() {
        return nodes.stream().allMatch(n -> n.getHost().equals("localhost") || n.getHost().startsWith("127.")
                || n.getHost().equals("::1") || n.getHost().equals("[::1]"));
    }

    @Override
    public String toString() { return description; }
}
