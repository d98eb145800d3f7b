package dev.ward.crypto;

/**
 * Encryption of a tenant's data at rest (session attributes now; MFA secrets and patient data later).
 * Data of one tenant opens only with that tenant's key. Today the key is derived per tenant from the
 * master key; C5 (issue 6) replaces this with versioned per-tenant keysets behind the same interface.
 */
public interface TenantCipher {
    String seal(String tenant, String field, byte[] plaintext, byte[] associatedData);

    /** @throws MasterKeyCipher.DecryptionException when the ciphertext is not this tenant's and field's */
    byte[] open(String tenant, String field, String sealed, byte[] associatedData);

    /** Derives each tenant's key from the master key (purpose {@code tenant/<id>/<field>}). */
    static TenantCipher derivedFrom(MasterKeyCipher master) {
        return new TenantCipher() {
            @Override public String seal(String tenant, String field, byte[] plaintext, byte[] aad) {
                return master.seal("tenant/" + tenant + "/" + field, plaintext, aad);
            }

            @Override public byte[] open(String tenant, String field, String sealed, byte[] aad) {
                return master.open("tenant/" + tenant + "/" + field, sealed, aad);
            }
        };
    }
}
