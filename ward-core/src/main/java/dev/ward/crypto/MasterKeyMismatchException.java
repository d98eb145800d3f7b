package dev.ward.crypto;

/** The master key is not the one the database's data is sealed under; the message says so in one line. */
public final class MasterKeyMismatchException extends IllegalStateException {
    public MasterKeyMismatchException(String message) { super(message); }
}
