package dev.ward.crypto;

import dev.ward.access.Actor;
import dev.ward.access.Scope;
import dev.ward.problem.ProblemException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Encryption as a service for apps' own fields (API key scope {@code crypto}; the tenant is the key's).
 * Values are sealed under the tenant's keys in a domain of their own ({@code app:<field>}), so an app's
 * ciphertext never opens as one of Ward's internal values or the other way round.
 */
public final class CryptoService {
    public static final int MAX_ITEMS = 1000;
    public static final int MAX_CONTEXT_LENGTH = 1024;
    private static final Pattern FIELD = Pattern.compile("[A-Za-z0-9._:/-]{1,128}");

    public record EncryptItem(String field, String plaintext, Optional<String> context) {
        @Override public String toString() { return "EncryptItem[" + field + "]"; }
    }

    public record DecryptItem(String field, String ciphertext, Optional<String> context) {}

    /** One item of a batch decryption: its plaintext, or why it did not open. */
    public sealed interface Opened {
        record Plaintext(String value) implements Opened {
            @Override public String toString() { return "Plaintext[<redacted>]"; }
        }

        record Refused(ProblemException problem) implements Opened {}
    }

    private final TenantKeys keys;
    private final CryptoUsage usage;
    private final Clock clock;

    public CryptoService(TenantKeys keys, CryptoUsage usage, Clock clock) {
        this.keys = keys;
        this.usage = usage;
        this.clock = clock;
    }

    public String encrypt(Actor actor, EncryptItem item) {
        return encryptAll(actor, List.of(item), false).getFirst();
    }

    /** All or nothing: an invalid item refuses the whole batch, naming it ({@code items[3].field}). */
    public List<String> encryptAll(Actor actor, List<EncryptItem> items) {
        return encryptAll(actor, items, true);
    }

    private List<String> encryptAll(Actor actor, List<EncryptItem> items, boolean batch) {
        String tenant = tenantOf(actor);
        checkBatch(items, batch);
        for (int i = 0; i < items.size(); i++) {
            checkBinding(name(batch, i, ""), items.get(i).field(), items.get(i).context());
        }
        List<String> out = new ArrayList<>(items.size());
        for (EncryptItem item : items) {
            out.add(keys.seal(tenant, domainField(item.field()), item.plaintext().getBytes(StandardCharsets.UTF_8),
                    context(item.context())));
            usage.count(tenant, item.field(), CryptoUsage.Operation.ENCRYPT);
        }
        return out;
    }

    /** @throws ProblemException {@code 422 decrypt_failed} when it does not open for this tenant, field and context */
    public String decrypt(Actor actor, DecryptItem item) {
        return switch (decryptAll(actor, List.of(item), false).getFirst()) {
            case Opened.Plaintext p -> p.value();
            case Opened.Refused r -> throw r.problem();
        };
    }

    /** Each item opens or is refused on its own; malformed input refuses the whole batch. */
    public List<Opened> decryptAll(Actor actor, List<DecryptItem> items) {
        return decryptAll(actor, items, true);
    }

    private List<Opened> decryptAll(Actor actor, List<DecryptItem> items, boolean batch) {
        String tenant = tenantOf(actor);
        checkBatch(items, batch);
        List<Ciphertext> parsed = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            DecryptItem item = items.get(i);
            checkBinding(name(batch, i, ""), item.field(), item.context());
            parsed.add(parse(name(batch, i, "ciphertext"), item.ciphertext()));
        }
        List<Opened> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            DecryptItem item = items.get(i);
            try {
                byte[] plain = keys.open(tenant, domainField(item.field()), item.ciphertext(), context(item.context()));
                usage.count(tenant, item.field(), CryptoUsage.Operation.DECRYPT);
                out.add(new Opened.Plaintext(new String(plain, StandardCharsets.UTF_8)));
            } catch (MasterKeyCipher.DecryptionException e) {
                usage.count(tenant, item.field(), CryptoUsage.Operation.DECRYPT_FAILED);
                out.add(new Opened.Refused(decryptFailed(tenant, parsed.get(i).version())));
            }
        }
        return out;
    }

    /** The ciphertext under the tenant's primary key version; the value itself is never decrypted. */
    public String rewrap(Actor actor, String ciphertext) {
        String tenant = tenantOf(actor);
        Ciphertext parsed = parse("ciphertext", ciphertext);
        try {
            String rewrapped = keys.rewrap(tenant, ciphertext);
            // A rewrap names no field (it never opens the value): counted under one name for all.
            usage.count(tenant, CryptoUsage.ANY_FIELD, CryptoUsage.Operation.REWRAP);
            return rewrapped;
        } catch (MasterKeyCipher.DecryptionException e) {
            throw decryptFailed(tenant, parsed.version());
        }
    }

    /**
     * Verifies and decrypts a Fernet token of any age with the app's Fernet key and returns the plaintext
     * sealed as Ward ciphertext; the Fernet key is used for this call only and never stored.
     */
    public String importFernet(Actor actor, String fernetKey, String token, String field, Optional<String> context) {
        String tenant = tenantOf(actor);
        checkBinding("", field, context);
        Fernet fernet = Fernet.key(fernetKey).orElseThrow(() ->
                ProblemException.validation("fernet_key", "fernet_key must be a Fernet key: base64url of 32 bytes"));
        byte[] plain;
        try {
            plain = fernet.decrypt(token, clock.instant(), Optional.empty());
        } catch (Fernet.InvalidToken e) {
            throw ProblemException.unprocessable("fernet_invalid",
                    "The token is not a valid Fernet token for this key (malformed, tampered, or made with another key).", Map.of());
        }
        if (!isUtf8(plain)) {
            throw ProblemException.unprocessable("fernet_plaintext_not_text",
                    "The token's plaintext is not UTF-8 text; the encryption API carries text values.", Map.of());
        }
        String sealed = keys.seal(tenant, domainField(field), plain, context(context));
        usage.count(tenant, field, CryptoUsage.Operation.IMPORT_FERNET);
        return sealed;
    }

    /** The caller's tenant, when the caller may use this API at all (checked before its request is read). */
    public String requireCaller(Actor actor) {
        return tenantOf(actor);
    }

    private static String tenantOf(Actor actor) {
        if (actor instanceof Actor.ApiKey key) {
            if (!key.has(Scope.CRYPTO)) {
                throw ProblemException.insufficientScope(Scope.CRYPTO.wire());
            }
            return key.tenant();
        }
        throw ProblemException.forbidden("The encryption API is for API keys with the scope 'crypto'.");
    }

    private static void checkBatch(List<?> items, boolean batch) {
        if (batch && (items.isEmpty() || items.size() > MAX_ITEMS)) {
            throw ProblemException.validation("items", "items must hold 1 to " + MAX_ITEMS + " entries").with("max_items", MAX_ITEMS);
        }
    }

    private static void checkBinding(String prefix, String field, Optional<String> context) {
        if (!FIELD.matcher(field).matches()) {
            throw ProblemException.validation(prefix + "field", prefix + "field must be 1-128 characters of A-Z, a-z, 0-9 and . _ : / -");
        }
        if (context.isPresent() && context.get().length() > MAX_CONTEXT_LENGTH) {
            throw ProblemException.validation(prefix + "context", prefix + "context is limited to " + MAX_CONTEXT_LENGTH + " characters");
        }
    }

    private static Ciphertext parse(String name, String ciphertext) {
        return Ciphertext.parse(ciphertext).orElseThrow(() -> ProblemException.validation(name, name + " is not a Ward ciphertext (ward:v<N>:<base64url>)"));
    }

    private ProblemException decryptFailed(String tenant, int version) {
        ProblemException p = ProblemException.unprocessable("decrypt_failed", "The ciphertext does not decrypt for this tenant, "
                + "field and context: it belongs elsewhere, was altered, or its key version is gone.", Map.of());
        return keys.state(tenant, version).filter(s -> s == KeyState.DESTROYED).isPresent()
                ? p.with("reason", "key_destroyed").with("key_version", version) : p;
    }

    private static String name(boolean batch, int index, String field) {
        return batch ? "items[" + index + "]." + field : field;
    }

    private static String domainField(String field) {
        return "app:" + field;
    }

    private static byte[] context(Optional<String> context) {
        return context.map(c -> c.getBytes(StandardCharsets.UTF_8)).orElse(new byte[0]);
    }

    private static boolean isUtf8(byte[] bytes) {
        try {
            CharBuffer ignored = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return ignored != null;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
