package dev.ward.session;

/** The end user's network address and user agent, as seen by Ward or vouched for by an API-key caller. */
public record Client(String ip, String userAgent) {
    public static final Client UNKNOWN = new Client("", "");

    public Client {
        ip = clip(ip, 64);
        userAgent = clip(userAgent, 512);
    }

    private static String clip(String s, int max) {
        if (s == null) {
            return "";
        }
        return s.length() <= max ? s : s.substring(0, max);
    }
}
