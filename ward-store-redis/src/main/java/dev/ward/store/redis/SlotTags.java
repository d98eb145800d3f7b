package dev.ward.store.redis;

import dev.ward.session.SessionRoute;
import io.lettuce.core.cluster.SlotHash;

/**
 * For each of the 16 384 cluster slots, a short hash tag ({@code {x7Q}}) whose key hashes to that slot.
 * A session's keys carry the tag of its route, so a token that names its route finds its session, and the
 * user's index {@code {tenant:user}} (same slot by construction), in one script on one node.
 */
final class SlotTags {
    private static final String ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final String[] TAGS = build();

    private SlotTags() {}

    /** The hash tag, braces included, of a route. */
    static String of(int route) {
        return TAGS[route];
    }

    /** Enumerates strings by length, then alphabet order, keeping the first one that lands in each slot. */
    private static String[] build() {
        String[] tags = new String[SessionRoute.COUNT];
        int found = 0;
        for (int length = 1; found < tags.length; length++) {
            int[] digits = new int[length];
            char[] chars = new char[length];
            while (true) {
                for (int i = 0; i < length; i++) {
                    chars[i] = ALPHABET.charAt(digits[i]);
                }
                String candidate = new String(chars);
                int slot = SlotHash.getSlot(candidate);
                if (tags[slot] == null) {
                    tags[slot] = "{" + candidate + "}";
                    found++;
                }
                int i = length - 1;
                while (i >= 0 && ++digits[i] == ALPHABET.length()) {
                    digits[i--] = 0;
                }
                if (i < 0) {
                    break;
                }
            }
        }
        return tags;
    }
}
