package dev.ward.audit;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The hash chain of a tenant's audit trail (C7, docs/decisions/0010-audit-chain.md). Each event's hash is
 * {@code SHA-256(prev_hash ‖ canonical bytes of the event)}, where {@code prev_hash} is the previous event's hash
 * (32 zero bytes before the first) and the canonical bytes are, in this order, the label {@code ward-audit-v1},
 * the tenant, the event's position in the tenant's chain (decimal), its time in UTC milliseconds since the epoch
 * (decimal), type, outcome, actor, user id, session id, patient id, IP address and the canonical JSON of its
 * details ({@link CanonicalJson}) — each as a 4-byte big-endian length and its UTF-8 bytes, an absent one as
 * length {@code 0xFFFFFFFF}. So no two different events encode alike, and changing, inserting, deleting or
 * reordering any event breaks every hash after it.
 */
public final class AuditChain {
    public static final String GENESIS = "0".repeat(64);
    private static final byte[] LABEL = "ward-audit-v1".getBytes(StandardCharsets.UTF_8);
    private static final HexFormat HEX = HexFormat.of();

    private AuditChain() {}

    /** The hash of an event given the previous one's (hex). {@code at} counts to the millisecond. */
    public static String hash(String prevHash, String tenant, long seq, Instant at, String type, String outcome, String actor,
                              String userId, String sessionId, String patientId, String ip, String canonicalDetails) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.writeBytes(HEX.parseHex(prevHash));
        field(out, LABEL);
        text(out, tenant);
        text(out, Long.toString(seq));
        text(out, Long.toString(at.toEpochMilli()));
        text(out, type);
        text(out, outcome);
        text(out, actor);
        text(out, userId);
        text(out, sessionId);
        text(out, patientId);
        text(out, ip);
        text(out, canonicalDetails);
        return HEX.formatHex(sha256(out.toByteArray()));
    }

    /** The hash of a stored event, recomputed from its fields: what verification compares with its stored hash. */
    public static String hashOf(AuditEvent e, String prevHash) {
        return hash(prevHash, e.tenant(), e.seq(), e.at(), e.type(), e.outcome(), e.actor(), e.userId(), e.sessionId(),
                e.patientId(), e.ip(), CanonicalJson.write(e.details()));
    }

    private static void text(ByteArrayOutputStream out, String s) {
        if (s == null) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(-1).array());
        } else {
            field(out, s.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void field(ByteArrayOutputStream out, byte[] bytes) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
        out.writeBytes(bytes);
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }
}
