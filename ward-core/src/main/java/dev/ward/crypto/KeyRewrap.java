package dev.ward.crypto;

import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Moves everything Ward stores for a tenant onto the tenant's primary key version, value by value with
 * compare-and-set, so it is safe while servers keep writing: a value changed meanwhile was sealed anew
 * (under the primary) and is left alone. Values already current are skipped, so a run that stopped halfway
 * simply runs again. Only data keys are re-sealed; no plaintext exists in the process.
 */
public final class KeyRewrap {
    private static final int PAGE = 500;

    /** What one run did. {@code unreadable}: values whose key version was destroyed (shredded) or which were tampered with. */
    public record Result(long rewrapped, long current, long changedMeanwhile, long unreadable) {
        public long seen() { return rewrapped + current + changedMeanwhile + unreadable; }
    }

    private final TenantKeys keys;

    public KeyRewrap(TenantKeys keys) { this.keys = keys; }

    /** The number of values a run would visit. */
    public long total(String tenant, List<Resealable> sources) {
        return sources.stream().mapToLong(s -> s.count(tenant)).sum();
    }

    /** @param progress told the number of values visited so far, after each page */
    public Result run(String tenant, List<Resealable> sources, LongConsumer progress) {
        long rewrapped = 0;
        long current = 0;
        long changed = 0;
        long unreadable = 0;
        for (Resealable source : sources) {
            Optional<String> after = Optional.empty();
            while (true) {
                List<Resealable.Sealed> page = source.page(tenant, after, PAGE);
                for (Resealable.Sealed sealed : page) {
                    String resealed;
                    try {
                        resealed = keys.rewrap(tenant, sealed.value());
                    } catch (MasterKeyCipher.DecryptionException e) {
                        unreadable++;
                        continue;
                    }
                    if (resealed.equals(sealed.value())) {
                        current++;
                    } else if (source.replace(tenant, sealed, resealed)) {
                        rewrapped++;
                    } else {
                        changed++;
                    }
                }
                progress.accept(rewrapped + current + changed + unreadable);
                if (page.size() < PAGE) {
                    break;
                }
                after = Optional.of(page.getLast().position());
            }
        }
        return new Result(rewrapped, current, changed, unreadable);
    }
}
