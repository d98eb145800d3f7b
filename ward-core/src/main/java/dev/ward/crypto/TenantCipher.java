package dev.ward.crypto;

/**
 * Encryption of a tenant's data at rest (session attributes, MFA secrets, later patient data). Data of one
 * tenant opens only with that tenant's keys; the associated data binds a value to tenant, field and the
 * caller's context, so a value moved elsewhere does not open. Implemented by {@link TenantKeys}: values are
 * sealed under the tenant's primary key version, and destroying a version shreds what was sealed under it.
 */
public interface TenantCipher {
    String seal(String tenant, String field, byte[] plaintext, byte[] associatedData);

    /** @throws MasterKeyCipher.DecryptionException when the ciphertext is not this tenant's, field's and context's */
    byte[] open(String tenant, String field, String sealed, byte[] associatedData);
}
