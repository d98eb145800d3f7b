package dev.ward.mfa;

/** A pending TOTP secret as handed to the user once: base32, as an {@code otpauth://} URI, and as a QR code. */
public record TotpEnrolment(String secret, String otpauthUri, String qrSvg) {
    @Override
    public String toString() { return "TotpEnrolment[<redacted>]"; }
}
