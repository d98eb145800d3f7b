package dev.ward.client;

/**
 * A pending TOTP enrolment ({@code POST /v1/me/mfa/totp/setup}): the secret for typing in, the {@code otpauth://} URI
 * and the same as a QR code (an SVG document the enrolment page shows). Secret: never in {@code toString()}.
 */
public record TotpSetup(String secret, String otpauthUri, String qrSvg) {
    @Override public String toString() { return "TotpSetup[…]"; }
}
