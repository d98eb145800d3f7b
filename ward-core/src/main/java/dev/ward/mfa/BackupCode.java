package dev.ward.mfa;

import java.time.Instant;

/** One single-use backup code as stored: SHA-256 of a per-code random salt and the code. {@code usedAt} null while unused. */
public record BackupCode(String id, String salt, String hash, Instant usedAt) {
    public boolean used() { return usedAt != null; }

    @Override
    public String toString() { return "BackupCode[" + id + ", used=" + used() + "]"; }
}
