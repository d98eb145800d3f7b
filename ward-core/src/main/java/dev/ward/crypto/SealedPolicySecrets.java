package dev.ward.crypto;

import dev.ward.tenant.PolicySecrets;
import java.nio.charset.StandardCharsets;

/**
 * Policy secrets sealed under a key derived from the master key for this purpose alone, bound (associated data) to the
 * tenant and the setting, so a sealed value copied into another tenant's policy or another setting does not open.
 * Not under the tenant's own keys: destroying a tenant key version shreds patient data, not the tenant's configuration.
 */
public final class SealedPolicySecrets implements PolicySecrets {
    private static final String PURPOSE = "policy-secrets";
    private final MasterKeyCipher cipher;

    public SealedPolicySecrets(MasterKeyCipher cipher) { this.cipher = cipher; }

    @Override
    public String seal(String tenant, String path, String clear) {
        return cipher.seal(PURPOSE, clear.getBytes(StandardCharsets.UTF_8), aad(tenant, path));
    }

    @Override
    public String open(String tenant, String path, String sealed) {
        return new String(cipher.open(PURPOSE, sealed, aad(tenant, path)), StandardCharsets.UTF_8);
    }

    private static byte[] aad(String tenant, String path) {
        return ("policy\u0000" + tenant + "\u0000" + path).getBytes(StandardCharsets.UTF_8);
    }
}
