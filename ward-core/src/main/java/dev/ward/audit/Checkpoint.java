package dev.ward.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A signed chain head (docs/decisions/0012-audit-checkpoints.md): the tenant's chain had the event at position
 * {@code seq} with hash {@code hash} at time {@code at}, said with an Ed25519 signature by checkpoint key
 * {@code keyId}. A copy kept off the box anchors the chain: no one without the key can make a chain that matches it.
 *
 * @param kind {@link #PERIODIC} (the schedule), {@link #ON_DEMAND} ({@code ward audit checkpoint}) or {@link #PRUNED}
 *             (the start of a chain whose older events retention deleted: verification starts from it)
 */
public record Checkpoint(String tenant, long seq, String hash, Instant at, String kind, String keyId, String signature) {
    public static final String PERIODIC = "periodic";
    public static final String ON_DEMAND = "on_demand";
    public static final String PRUNED = "pruned";
    /** The first line of the signed text: names what is signed and the version of its layout. */
    public static final String LABEL = "ward-audit-checkpoint-v1";

    /** Times in signed text and in the API: UTC, always with milliseconds, so an outside verifier can copy them. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** {@code at} as the API shows it and the signature covers it: {@code 2026-11-22T10:00:00.000Z}. */
    public static String time(Instant at) { return TIME.format(at); }

    /**
     * The bytes the signature covers, UTF-8, lines separated by a single LF and no LF at the end:
     * <pre>ward-audit-checkpoint-v1
     * &lt;tenant&gt;
     * &lt;seq, decimal&gt;
     * &lt;hash, 64 lowercase hex&gt;
     * &lt;at, yyyy-MM-ddTHH:mm:ss.SSSZ&gt;</pre>
     * (tenant ids hold no line breaks.) With curl and openssl: {@code printf '%s\n%s\n%s\n%s\n%s' ward-audit-checkpoint-v1
     * "$tenant" "$seq" "$hash" "$at"}.
     */
    public static byte[] signedBytes(String tenant, long seq, String hash, Instant at) {
        return (LABEL + "\n" + tenant + "\n" + seq + "\n" + hash + "\n" + time(at)).getBytes(StandardCharsets.UTF_8);
    }

    public byte[] signedBytes() { return signedBytes(tenant, seq, hash, at); }

    /** As the API and {@code ward audit checkpoint --format json} show it. */
    public java.util.Map<String, Object> view() {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("tenant", tenant);
        out.put("seq", seq);
        out.put("hash", hash);
        out.put("at", time(at));
        out.put("kind", kind);
        out.put("key_id", keyId);
        out.put("signature", signature);
        return out;
    }
}
