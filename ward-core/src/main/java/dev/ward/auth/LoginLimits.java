package dev.ward.auth;

/** Login attempts allowed per minute from one address and against one username (C2), before any password work. */
public record LoginLimits(long perIpPerMinute, long perUsernamePerMinute) {
    public static final LoginLimits DEFAULT = new LoginLimits(300, 20);
}
