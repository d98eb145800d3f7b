package dev.ward.crypto;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Ward's ciphertext text form, {@code ward:v{N}:<base64url>}, naming the tenant key version N. The bytes are
 * Tink's envelope format ({@code KmsEnvelopeAead}): a 4-byte big-endian length, the data key (DEK) encrypted by
 * key version N, then the value encrypted by the DEK. Rewrapping replaces only the encrypted DEK.
 */
public record Ciphertext(int version, byte[] envelope) {
    private static final String PREFIX = "ward:v";
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,8}");
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    /** The parsed form, or empty when the text is not a Ward ciphertext. */
    public static Optional<Ciphertext> parse(String text) {
        // By hand, not by a regular expression: a regex over a 5 KiB payload cost more than the decryption.
        if (text == null || !text.startsWith(PREFIX)) {
            return Optional.empty();
        }
        int colon = text.indexOf(':', PREFIX.length());
        if (colon < 0 || !VERSION.matcher(text.substring(PREFIX.length(), colon)).matches() || colon == text.length() - 1) {
            return Optional.empty();
        }
        String payload = text.substring(colon + 1);
        if (payload.indexOf('=') >= 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Ciphertext(Integer.parseInt(text, PREFIX.length(), colon, 10), DECODER.decode(payload)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The prefix every ciphertext under this version starts with. */
    public static String prefix(int version) {
        return PREFIX + version + ":";
    }

    public String text() {
        return prefix(version) + ENCODER.encodeToString(envelope);
    }

    /** The encrypted DEK, or empty when the envelope is too short to hold one and a payload. */
    Optional<byte[]> encryptedDek() {
        if (envelope.length < 4) {
            return Optional.empty();
        }
        int length = ByteBuffer.wrap(envelope, 0, 4).getInt();
        if (length <= 0 || length > envelope.length - 4) {
            return Optional.empty();
        }
        byte[] dek = new byte[length];
        System.arraycopy(envelope, 4, dek, 0, length);
        return Optional.of(dek);
    }

    /** The same payload with another encrypted DEK, under another version. */
    Ciphertext withDek(int newVersion, byte[] newEncryptedDek) {
        int oldLength = ByteBuffer.wrap(envelope, 0, 4).getInt();
        int payload = envelope.length - 4 - oldLength;
        ByteBuffer out = ByteBuffer.allocate(4 + newEncryptedDek.length + payload);
        out.putInt(newEncryptedDek.length).put(newEncryptedDek).put(envelope, 4 + oldLength, payload);
        return new Ciphertext(newVersion, out.array());
    }

    @Override
    public String toString() { return "Ciphertext[v" + version + ", " + envelope.length + " bytes]"; }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ciphertext c && c.version == version && java.util.Arrays.equals(c.envelope, envelope);
    }

    @Override
    public int hashCode() { return 31 * version + java.util.Arrays.hashCode(envelope); }
}
