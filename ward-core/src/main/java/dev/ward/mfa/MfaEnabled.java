package dev.ward.mfa;

import java.util.List;
import java.util.Optional;

/**
 * TOTP confirmed: the backup codes (shown this once), the session's assurance level afterwards, and its new
 * token when that level was raised (and the token could be rotated).
 */
public record MfaEnabled(List<String> backupCodes, int aal, Optional<String> rotatedToken) {
    public MfaEnabled {
        backupCodes = List.copyOf(backupCodes);
    }

    @Override
    public String toString() { return "MfaEnabled[<redacted>]"; }
}
