package dev.ward.client;

import java.util.Optional;

/**
 * The answer to a call an app back-end made with its user's session token ({@code Ward-Session-Token}): the value, and
 * the user's new token when this use rotated it ({@code Ward-Rotated-Token}), which the app must hand to the browser.
 */
public record OnBehalf<T>(T value, Optional<String> rotatedToken) {
    @Override public String toString() { return "OnBehalf[" + (rotatedToken.isPresent() ? "rotated" : "") + "]"; }
}
