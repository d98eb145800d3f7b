package dev.ward.crypto;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Refuses a master key other than the one a database's data is sealed under, before anything is sealed with it.
 * The database keeps the key's check value ({@link MasterKeyCipher#checkValue}); a database made before check
 * values existed gets one only once every value already sealed under the master key (tenant key versions,
 * JWT signing keys) opens under this key. Data that does not open is refused, never "fixed" by recording the
 * key that cannot open it.
 */
public final class MasterKeyCheck {
    /** What {@link #verify} found. */
    public enum Outcome {
        /** The stored check value is this key's. */
        MATCHES,
        /** There was none; everything sealed opens under this key, and its check value is stored now. */
        RECORDED,
        /** There is none, and everything sealed opens under this key; nothing was written (a read-only check). */
        UNRECORDED
    }

    private final KeyCheckStore store;
    private final String checkValue;
    private final String keyName;
    private final List<Supplier<List<String>>> sealed;
    private final Clock clock;
    private volatile boolean holds = true;

    /**
     * @param keyName how an operator knows this key in messages, e.g. {@code WARD_MASTER_KEY}
     * @param sealed per source of values sealed under the master key: those that do not open under this key
     */
    public MasterKeyCheck(KeyCheckStore store, MasterKeyCipher cipher, String keyName, List<Supplier<List<String>>> sealed, Clock clock) {
        this.store = store;
        this.checkValue = cipher.checkValue();
        this.keyName = keyName;
        this.sealed = List.copyOf(sealed);
        this.clock = clock;
    }

    /**
     * Checks the key against the database; records its check value when there is none yet and {@code record}.
     *
     * @throws MasterKeyMismatchException when the database's data is sealed under another key
     */
    public Outcome verify(boolean record) {
        Optional<String> stored = store.checkValue();
        if (stored.isPresent()) {
            return matches(stored.get());
        }
        List<String> notOpening = new ArrayList<>();
        for (Supplier<List<String>> source : sealed) {
            notOpening.addAll(source.get());
        }
        if (!notOpening.isEmpty()) {
            holds = false;
            throw new MasterKeyMismatchException(keyName + " does not open the data already sealed in this database ("
                    + String.join(", ", notOpening.subList(0, Math.min(3, notOpening.size())))
                    + (notOpening.size() > 3 ? " and " + (notOpening.size() - 3) + " more" : "")
                    + "); start Ward with the master key that sealed it");
        }
        if (!record) {
            return Outcome.UNRECORDED;
        }
        if (store.insert(checkValue, clock.instant())) {
            return Outcome.RECORDED;
        }
        // Another process recorded its key in between: it must be this one.
        return matches(store.checkValue().orElseThrow());
    }

    private Outcome matches(String stored) {
        if (!Secrets.constantTimeEquals(stored, checkValue)) {
            holds = false;
            throw new MasterKeyMismatchException(keyName + " is not the master key this database was sealed with "
                    + "(its key check value differs); start Ward with the original key");
        }
        holds = true;
        return Outcome.MATCHES;
    }

    /**
     * Whether the database still names this key, for readiness: false once the stored check value is another
     * key's. While the database does not answer, the last answer stands (readiness reports the database itself).
     */
    public boolean holds() {
        try {
            store.checkValue().ifPresent(v -> holds = Secrets.constantTimeEquals(v, checkValue));
        } catch (RuntimeException unreachable) {
            // the database check of readiness reports this
        }
        return holds;
    }

    @Override
    public String toString() { return "MasterKeyCheck[" + keyName + "]"; }
}
