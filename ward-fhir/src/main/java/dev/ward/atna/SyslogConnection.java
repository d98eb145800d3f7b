package dev.ward.atna;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One TLS connection to the receiver. Syslog over TLS is one-way: the receiver never answers, so a write that
 * returns only means the bytes reached this machine's socket buffer. What this class can learn is whether the
 * peer has gone: a receiver that closed sends a TLS close_notify or FIN (read returns -1), one that died or had
 * closed before our bytes arrived answers them with a reset (read throws). {@link #alive} looks before a batch;
 * {@link #confirm} looks again after it, long enough for a reset to come back.
 */
final class SyslogConnection implements Closeable {
    private final SSLSocket socket;
    private final InputStream in;
    private final OutputStream out;

    private SyslogConnection(SSLSocket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects and completes the handshake, checking the receiver's certificate and host name (RFC 5425 §5.2). */
    static SyslogConnection open(SyslogTarget target, Duration timeout) throws IOException {
        SSLSocket socket = (SSLSocket) target.sslContext().getSocketFactory().createSocket();
        try {
            SSLParameters params = socket.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(params);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) timeout.toMillis());
            socket.connect(new InetSocketAddress(target.host(), target.port()), (int) timeout.toMillis());
            socket.startHandshake();
            return new SyslogConnection(socket);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Whether the receiver still holds the connection: a read that waits {@code wait} and times out means it
     * does. Data from a receiver (none is expected) is ignored; end of stream or an error means it does not.
     */
    boolean alive(Duration wait) {
        try {
            socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
            return in.read() >= 0;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    void write(byte[] frame) throws IOException {
        out.write(frame);
    }

    /** Flushes, then throws unless the receiver is still there after {@code wait}. */
    void confirm(Duration wait) throws IOException {
        out.flush();
        if (!alive(wait)) {
            throw new IOException("the receiver closed the connection");
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // Closing a connection already gone: nothing more to release.
        }
    }
}
