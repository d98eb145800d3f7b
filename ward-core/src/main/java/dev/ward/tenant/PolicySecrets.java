package dev.ward.tenant;

/**
 * Seals and opens the write-only settings of a tenant's policy ({@code alerts.webhook_secret}): the policy holds, stores
 * and caches only the sealed form, bound to its tenant and setting, and only the code that uses one opens it.
 */
public interface PolicySecrets {
    String seal(String tenant, String path, String clear);

    /** @throws dev.ward.crypto.MasterKeyCipher.DecryptionException when it is not this tenant's setting's, or was altered */
    String open(String tenant, String path, String sealed);
}
