package dev.ward.atna;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * An ATNA audit record repository reached by syslog over TLS (RFC 5425): {@code WARD_AUDIT_SYSLOG=tls://host:port},
 * the receiver's CA ({@code WARD_AUDIT_SYSLOG_CA}, else the JVM's trust store) and, for mutual TLS (ATNA node
 * authentication), Ward's certificate chain and PKCS#8 key ({@code WARD_AUDIT_SYSLOG_CERT}, {@code _KEY}). Each of
 * the three is PEM text or the path of a PEM file. Plain TCP is refused: audit records leave the box only encrypted.
 */
public record SyslogTarget(String host, int port, Optional<String> caPem, Optional<String> certPem, Optional<String> keyPem) {

    /** RFC 5425's registered port. */
    public static final int DEFAULT_PORT = 6514;

    public SyslogTarget {
        if (certPem.isPresent() != keyPem.isPresent()) {
            throw new IllegalArgumentException("WARD_AUDIT_SYSLOG_CERT and WARD_AUDIT_SYSLOG_KEY go together");
        }
    }

    /** Parses the variables; an IllegalArgumentException says what is wrong, never echoing a key. */
    public static SyslogTarget parse(String url, String ca, String cert, String key) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("WARD_AUDIT_SYSLOG must look like tls://host:6514, got '" + url + "'");
        }
        if (!"tls".equals(uri.getScheme()) || uri.getHost() == null || uri.getRawPath() != null && !uri.getRawPath().isEmpty()
                || uri.getRawQuery() != null || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("WARD_AUDIT_SYSLOG must look like tls://host:6514 (syslog over TLS, RFC 5425), got '"
                    + url + "'");
        }
        SyslogTarget target = new SyslogTarget(uri.getHost(), uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(),
                pem("WARD_AUDIT_SYSLOG_CA", ca), pem("WARD_AUDIT_SYSLOG_CERT", cert), pem("WARD_AUDIT_SYSLOG_KEY", key));
        target.sslContext();
        return target;
    }

    private static Optional<String> pem(String name, String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        if (value.strip().startsWith("-----BEGIN")) {
            return Optional.of(value);
        }
        try {
            return Optional.of(Files.readString(Path.of(value.strip()), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            // A path is worth showing; a key is not: base64 pasted without its BEGIN line would land here, in a log.
            throw new IllegalArgumentException(name + " must be PEM text or the path of a readable PEM file"
                    + (name.endsWith("_KEY") ? "" : " (" + value.strip() + ")"));
        }
    }

    /** The TLS context: trust in the receiver's CA, and Ward's key where mutual TLS is configured. */
    public SSLContext sslContext() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (caPem.isPresent()) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                List<Certificate> cas = certificates("WARD_AUDIT_SYSLOG_CA", caPem.get());
                for (int i = 0; i < cas.size(); i++) {
                    trust.setCertificateEntry("ca" + i, cas.get(i));
                }
                tmf.init(trust);
            } else {
                tmf.init((KeyStore) null);
            }
            KeyManagerFactory kmf = null;
            if (certPem.isPresent()) {
                char[] none = new char[0];
                KeyStore own = KeyStore.getInstance("PKCS12");
                own.load(null, null);
                own.setKeyEntry("ward", privateKey(keyPem.orElseThrow()), none,
                        certificates("WARD_AUDIT_SYSLOG_CERT", certPem.get()).toArray(Certificate[]::new));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(own, none);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("the syslog TLS configuration cannot be used: " + e.getClass().getSimpleName());
        }
    }

    private static List<Certificate> certificates(String name, String pem) {
        try {
            List<Certificate> certs = List.copyOf(CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
            if (certs.isEmpty()) {
                throw new IllegalArgumentException(name + " holds no certificate");
            }
            return certs;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(name + " holds no readable X.509 certificate");
        }
    }

    private static PrivateKey privateKey(String pem) {
        String begin = "-----BEGIN PRIVATE KEY-----";
        int start = pem.indexOf(begin);
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("WARD_AUDIT_SYSLOG_KEY must be an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY); "
                    + "convert with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(start + begin.length(), end));
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // Not this algorithm; PKCS#8 names it inside, but KeyFactory wants to be told.
            }
        }
        throw new IllegalArgumentException("WARD_AUDIT_SYSLOG_KEY is not an RSA, EC or Ed25519 PKCS#8 key");
    }

    /** Where it sends, for logs and {@code ward check}: never the keys. */
    @Override
    public String toString() {
        return "tls://" + host + ":" + port + (certPem.isPresent() ? " (mutual TLS)" : "");
    }
}
