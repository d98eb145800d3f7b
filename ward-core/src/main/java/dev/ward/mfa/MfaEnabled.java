package dev.ward.mfa;

import java.util.List;
import java.util.Optional;

/** TOTP confirmed: the backup codes (shown this once) and the session's new token, if it could be rotated. */
public record MfaEnabled(List<String> backupCodes, Optional<String> rotatedToken) {
    public MfaEnabled {
        backupCodes = List.copyOf(backupCodes);
    }

    @Override
    public String toString() { return "MfaEnabled[<redacted>]"; }
}
