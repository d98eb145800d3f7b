package dev.ward.crypto;

/** A tenant key version's state: the primary encrypts; active ones only decrypt; destroyed ones are gone. */
public enum KeyState {
    PRIMARY, ACTIVE, DESTROYED;

    public String wire() { return name().toLowerCase(); }
}
