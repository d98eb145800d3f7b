package dev.ward.user;

/** What an administrator sees: disabled wins over locked. */
public enum UserStatus {
    ACTIVE, LOCKED, DISABLED;

    public String wire() { return name().toLowerCase(); }
}
