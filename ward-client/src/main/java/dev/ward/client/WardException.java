package dev.ward.client;

import java.util.Optional;

/**
 * Ward refused a call ({@code status} and its problem {@code code}), or gave no answer to trust
 * ({@link #unavailable()}: status 0 or 5xx, code {@code ward_unavailable} or Ward's own, such as
 * {@code store_unavailable}). The message names the call's route and the code only: never a token, key or body.
 */
public class WardException extends RuntimeException {
    public static final String UNAVAILABLE = "ward_unavailable";

    private final int status;
    private final String code;
    private final transient Optional<String> rotatedToken;

    public WardException(int status, String code, String message) {
        this(status, code, message, Optional.empty());
    }

    /** A refusal of a call made with the user's token that rotated it all the same ({@code Ward-Rotated-Token}). */
    public WardException(int status, String code, String message, Optional<String> rotatedToken) {
        super(message);
        this.status = status;
        this.code = code;
        this.rotatedToken = rotatedToken;
    }

    WardException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
        this.code = UNAVAILABLE;
        this.rotatedToken = Optional.empty();
    }

    /**
     * The user's new token when the refused call still counted as a use that rotated it: the app hands it to the
     * browser as it does {@code OnBehalf.rotatedToken()}. Never part of the message.
     */
    public Optional<String> rotatedToken() { return rotatedToken; }

    /** Ward's HTTP status, or 0 when there was no answer. */
    public int status() { return status; }

    /** Ward's problem code ({@code patient_context_not_open}, {@code decrypt_failed}, …) or {@code ward_unavailable}. */
    public String code() { return code; }

    /** No answer to trust: the app must not act as though the call succeeded. */
    public boolean unavailable() { return status == 0 || status >= 500 || UNAVAILABLE.equals(code); }
}
