package dev.ward.server.mail;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where alert e-mail goes out ({@code WARD_SMTP_URL}): {@code smtp://[user[:password]@]host[:port][?from=address]}
 * (port 25, STARTTLS when the server offers it) or {@code smtps://…} (port 465, TLS from the first byte). The password
 * is never shown: {@link #toString} names the server only.
 */
public record SmtpTarget(boolean tls, String host, int port, Optional<String> user, Optional<String> password, String from) {
    private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,253}");

    /** @throws IllegalArgumentException naming what is wrong, never echoing the password */
    public static SmtpTarget parse(String url) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("WARD_SMTP_URL must look like smtp://user:password@mail.example.org:587?from=ward@example.org");
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("smtp") || scheme.equals("smtps")) || uri.getHost() == null) {
            throw new IllegalArgumentException("WARD_SMTP_URL must start smtp:// or smtps:// and name a host");
        }
        boolean tls = scheme.equals("smtps");
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 465 : 25;
        Optional<String> user = Optional.empty();
        Optional<String> password = Optional.empty();
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = Optional.of(decode(parts[0]));
            password = parts.length > 1 ? Optional.of(decode(parts[1])) : Optional.empty();
        }
        String from = "ward@" + uri.getHost();
        if (uri.getRawQuery() != null) {
            for (String param : uri.getRawQuery().split("&")) {
                if (param.startsWith("from=")) {
                    from = decode(param.substring(5));
                } else {
                    throw new IllegalArgumentException("WARD_SMTP_URL: unknown parameter '" + param.split("=", 2)[0] + "' (only from=)");
                }
            }
        }
        if (!ADDRESS.matcher(from).matches()) {
            throw new IllegalArgumentException("WARD_SMTP_URL: from= must be an e-mail address");
        }
        return new SmtpTarget(tls, uri.getHost(), port, user, password, from);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return (tls ? "smtps://" : "smtp://") + host + ":" + port + user.map(u -> " as " + u).orElse("");
    }
}
