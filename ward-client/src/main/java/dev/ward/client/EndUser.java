package dev.ward.client;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The person behind a request, as an app back-end vouches for them to Ward ({@code "client": {"ip", "user_agent"}}):
 * what Ward binds the session to and rate-limits by. Control characters in the user agent are replaced (Ward refuses
 * them, and a header may legally carry a tab) and it is cut to a length Ward keeps, so that no browser's odd header
 * turns a validation into a refusal.
 */
public record EndUser(String ip, @JsonProperty("user_agent") String userAgent) {
    static final int MAX_USER_AGENT = 512;

    public EndUser {
        // A link-local IPv6 address may come with its zone ("fe80::1%eth0"), which is no part of the address Ward keeps.
        ip = ip == null ? "" : ip.strip().replaceFirst("%.*$", "");
        userAgent = printable(userAgent == null ? "" : userAgent);
    }

    private static String printable(String s) {
        String cut = s.length() <= MAX_USER_AGENT ? s : s.substring(0, MAX_USER_AGENT);
        StringBuilder out = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? '\uFFFD' : c);
        }
        return out.toString();
    }
}
