package dev.ward.store.redis;

import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.codec.ToByteBufEncoder;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Keys and values as UTF-8 text, as Lettuce's {@link StringCodec#UTF8} reads and writes them, with less garbage per
 * reply (issue 13, goal 4): a value is decoded from the reply's buffer straight into its string, where StringCodec wraps
 * each one in a Netty buffer and two NIO views first (some 3 KB per validation, whose script answers about 40 values),
 * and a one-byte value (the field names of a session's record) is a string made once. ASCII text is written byte by
 * byte, without the NIO view StringCodec's UTF-8 writer takes of the target.
 */
final class TextCodec implements RedisCodec<String, String>, ToByteBufEncoder<String, String> {
    static final TextCodec UTF8 = new TextCodec();

    private static final String[] ONE_BYTE = new String[128];

    static {
        for (int c = 0; c < ONE_BYTE.length; c++) {
            ONE_BYTE[c] = String.valueOf((char) c);
        }
    }

    private TextCodec() {
    }

    @Override
    public String decodeKey(ByteBuffer bytes) {
        return decode(bytes);
    }

    @Override
    public String decodeValue(ByteBuffer bytes) {
        return decode(bytes);
    }

    @Override
    public ByteBuffer encodeKey(String key) {
        return StringCodec.UTF8.encodeKey(key);
    }

    @Override
    public ByteBuffer encodeValue(String value) {
        return StringCodec.UTF8.encodeValue(value);
    }

    @Override
    public void encodeKey(String key, ByteBuf target) {
        encode(key, target);
    }

    @Override
    public void encodeValue(String value, ByteBuf target) {
        encode(value, target);
    }

    @Override
    public int estimateSize(Object keyOrValue) {
        return StringCodec.UTF8.estimateSize(keyOrValue);
    }

    @Override
    public boolean isEstimateExact() {
        return StringCodec.UTF8.isEstimateExact();
    }

    private static String decode(ByteBuffer bytes) {
        if (bytes == null) {
            return null;
        }
        int n = bytes.remaining();
        if (n == 0) {
            return "";
        }
        if (n == 1) {
            byte b = bytes.get(bytes.position());
            if (b >= 0) {
                return ONE_BYTE[b];
            }
        }
        byte[] raw = new byte[n];
        bytes.get(bytes.position(), raw);
        return new String(raw, StandardCharsets.UTF_8);
    }

    private static void encode(String text, ByteBuf target) {
        if (text == null) {
            return;
        }
        int n = text.length();
        for (int i = 0; i < n; i++) {
            if (text.charAt(i) >= 0x80) {
                StringCodec.UTF8.encodeValue(text, target);
                return;
            }
        }
        target.ensureWritable(n);
        for (int i = 0; i < n; i++) {
            target.writeByte(text.charAt(i));
        }
    }
}
