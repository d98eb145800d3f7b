package dev.ward.mfa;

/** What {@code GET /v1/me/mfa} shows: whether TOTP is on, unused backup codes, and whether a role requires MFA. */
public record MfaStatus(boolean totpEnabled, int backupCodesRemaining, boolean required) {}
