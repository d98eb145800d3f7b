package dev.ward.store.redis;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A browser's user agent in a few dozen bytes, exactly restored: raw DEFLATE against a preset dictionary of the
 * fragments browsers' user agents are made of, then base64url (Redis values go through a text codec). A typical
 * desktop browser's 110-byte user agent becomes about 20 characters, which keeps a session record small (decision
 * 0020); a user agent that does not get shorter this way is stored as it is. Decoding is remembered for the user
 * agents met most recently, since a deployment sees few distinct ones and validation reads one every time.
 */
final class CompactUserAgent {
    /**
     * Fragments of the user agents of current browsers (Chrome, Edge, Firefox, Safari on Windows, macOS, Linux, iOS,
     * Android). Changing it makes every stored compact form unreadable: it is part of the record layout's version.
     */
    private static final byte[] DICTIONARY = ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) (iPhone; CPU iPhone OS 18_0 like"
            + " Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
            + " Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
            + " Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15"
            + " Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36"
            + " Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
            + " Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
            + " Edg/131.0.0.0").getBytes(StandardCharsets.US_ASCII);
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    /** Client clips a user agent to 512 characters: at most 2,048 bytes of UTF-8. */
    private static final int MAX_BYTES = 2_048;
    private static final int REMEMBERED = 1_024;
    private static final Map<String, String> DECODED = new ConcurrentHashMap<>();

    private CompactUserAgent() {}

    /** The compact form, or empty when it would not be shorter than the user agent itself. */
    static Optional<String> encode(String userAgent) {
        byte[] text = userAgent.getBytes(StandardCharsets.UTF_8);
        if (text.length < 24) {
            return Optional.empty();
        }
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
        try {
            deflater.setDictionary(DICTIONARY);
            deflater.setInput(text);
            deflater.finish();
            byte[] out = new byte[text.length + 64];
            int n = deflater.deflate(out);
            if (!deflater.finished()) {
                return Optional.empty();
            }
            String compact = ENCODER.encodeToString(Arrays.copyOf(out, n));
            return compact.length() < text.length ? Optional.of(compact) : Optional.empty();
        } finally {
            deflater.end();
        }
    }

    /** The user agent a compact form was made from. */
    static String decode(String compact) {
        String known = DECODED.get(compact);
        if (known != null) {
            return known;
        }
        String userAgent = inflate(compact);
        if (DECODED.size() >= REMEMBERED) {
            DECODED.clear();
        }
        DECODED.put(compact, userAgent);
        return userAgent;
    }

    private static String inflate(String compact) {
        Inflater inflater = new Inflater(true);
        try {
            inflater.setDictionary(DICTIONARY); // raw DEFLATE names no dictionary: it is set before any input
            inflater.setInput(DECODER.decode(compact));
            ByteArrayOutputStream text = new ByteArrayOutputStream(256);
            byte[] buffer = new byte[512];
            while (!inflater.finished()) {
                int n = inflater.inflate(buffer);
                if (n == 0 || text.size() + n > MAX_BYTES) {
                    throw new IllegalStateException("a stored user agent does not decode");
                }
                text.write(buffer, 0, n);
            }
            return text.toString(StandardCharsets.UTF_8);
        } catch (DataFormatException e) {
            throw new IllegalStateException("a stored user agent does not decode", e);
        } finally {
            inflater.end();
        }
    }
}
