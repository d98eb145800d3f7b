package dev.ward.client;

import java.util.List;
import java.util.Optional;

/**
 * TOTP enabled ({@code POST /v1/me/mfa/totp/confirm}): the ten backup codes, shown to the person once, and — when the
 * session was enrolment-only and is now {@code aal} 2 — its new token, which the app sets as the cookie.
 */
public record TotpConfirmed(List<String> backupCodes, int aal, Optional<String> token) {
    public TotpConfirmed {
        backupCodes = List.copyOf(backupCodes);
    }

    @Override public String toString() { return "TotpConfirmed[aal " + aal + "]"; }
}
