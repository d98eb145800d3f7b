package dev.ward.access;

import java.util.Arrays;
import java.util.Optional;

/** What an API key may do. */
public enum Scope {
    SESSIONS("sessions"), PATIENTS("patients"), CRYPTO("crypto"), AUDIT("audit"), ADMIN("admin");

    private final String wire;

    Scope(String wire) { this.wire = wire; }

    public String wire() { return wire; }

    public static Optional<Scope> parse(String s) {
        return Arrays.stream(values()).filter(v -> v.wire.equals(s)).findFirst();
    }
}
