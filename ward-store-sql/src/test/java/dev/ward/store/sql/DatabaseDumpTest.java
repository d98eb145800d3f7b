package dev.ward.store.sql;

import static dev.ward.store.sql.StoreFixture.OPERATOR;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.AesGcmKey;
import dev.ward.access.Actor;
import dev.ward.access.Scope;
import dev.ward.crypto.CryptoService;
import dev.ward.crypto.CryptoUsage;
import dev.ward.session.Session;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A full dump of the database holds neither plaintext of sealed values nor any key in usable form. */
class DatabaseDumpTest extends StoreContract {
    private static final String ATTRIBUTE_PLAINTEXT = "ATTR-PLAINTEXT-4711";
    private static final String FIELD_PLAINTEXT = "SSN-PLAINTEXT-123-45-6789";
    private static final String PATIENT_PLAINTEXT = "CHART-PLAINTEXT-DIAGNOSIS-0815";

    @Test
    void theDumpHasNoPlaintextAndNoKeyMaterial() throws Exception {
        StoreFixture w = fixture("dump");
        w.tenant("hosp-a");
        Session s = w.open("hosp-a", "usr_1").session();
        w.attributes.put(s, "patient", "{\"mrn\":\"" + ATTRIBUTE_PLAINTEXT + "\"}");
        w.patients.open(s, "p-77", "203.0.113.7");
        w.patients.write(s, "p-77", "chart", "{\"dx\":\"" + PATIENT_PLAINTEXT + "\"}", "203.0.113.7");
        CryptoService crypto = new CryptoService(w.keys, new CryptoUsage(w.audit, w.clock), w.clock);
        Actor app = new Actor.ApiKey("hosp-a", "key_app", Set.of(Scope.CRYPTO));
        crypto.encrypt(app, new CryptoService.EncryptItem("patient.ssn", FIELD_PLAINTEXT, Optional.of("patient-4711")));
        w.keys.rotate(OPERATOR, "hosp-a");
        w.attributes.put(s, "later", "\"" + ATTRIBUTE_PLAINTEXT + "\"");
        w.patients.write(s, "p-77", "later", "\"" + PATIENT_PLAINTEXT + "\"", "203.0.113.7");
        w.clock.advance(dev.ward.crypto.TenantKeys.FRESHNESS);
        w.keys.destroy(OPERATOR, "hosp-a", 1, true);
        w.keys.rotate(OPERATOR, "hosp-a");

        String dump = dump(w);

        assertThat(dump).as("the dump is real").contains("hosp-a").contains("ward:v2:").contains("key.destroyed");
        assertThat(dump).as("patient data is held (sealed)").contains(w.stores.storedPatientData(s.id(), "p-77", "later"));
        assertThat(dump).doesNotContain(ATTRIBUTE_PLAINTEXT, FIELD_PLAINTEXT, PATIENT_PLAINTEXT, "DIAGNOSIS", "4711\"");
        List<byte[]> secrets = new ArrayList<>(tenantKeys(w));
        assertThat(secrets).as("versions 2 and 3 are live").hasSize(2);
        secrets.add(w.masterKey.bytes());
        for (byte[] secret : secrets) {
            for (String form : forms(secret)) {
                assertThat(dump).doesNotContain(form);
            }
        }
    }

    /** The raw AES keys of the tenant's live versions, unwrapped the way Ward does it. */
    private static List<byte[]> tenantKeys(StoreFixture w) throws Exception {
        List<byte[]> keys = new ArrayList<>();
        for (var stored : w.keyStore.versions("hosp-a")) {
            if (stored.wrappedKeyset() == null) {
                continue;
            }
            KeysetHandle handle = TinkProtoKeysetFormat.parseEncryptedKeyset(Base64.getDecoder().decode(stored.wrappedKeyset()),
                    w.masterCipher.aead("tenant-keysets"),
                    ("ward-keyset\u0000hosp-a\u0000" + stored.version()).getBytes(StandardCharsets.UTF_8));
            keys.add(((AesGcmKey) handle.getAt(0).getKey()).getKeyBytes().toByteArray(InsecureSecretKeyAccess.get()));
        }
        return keys;
    }

    /** A secret as it could appear in text: hex, base64 and base64url, and a long-enough slice of each. */
    private static List<String> forms(byte[] secret) {
        List<String> forms = new ArrayList<>();
        for (String full : List.of(HexFormat.of().formatHex(secret), HexFormat.of().withUpperCase().formatHex(secret),
                Base64.getEncoder().withoutPadding().encodeToString(secret), Base64.getUrlEncoder().withoutPadding().encodeToString(secret))) {
            forms.add(full);
            forms.add(full.substring(4, 4 + 24));
        }
        return forms;
    }

    /** The durable database (H2's SCRIPT, or every PostgreSQL row) and every key and value of the session store. */
    private String dump(StoreFixture w) {
        return database(w) + "\n" + String.join("\n", w.stores.dumpSessions());
    }

    private String database(StoreFixture w) {
        if (w.db.dialect() == SqlDatabase.Dialect.H2) {
            List<String> script = w.db.call(h -> h.createQuery("SCRIPT").mapTo(String.class).list());
            return String.join("\n", script);
        }
        List<String> tables = w.db.call(h -> h.createQuery("SELECT table_name FROM information_schema.tables "
                + "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'").mapTo(String.class).list());
        assertThat(tables).contains("key_versions", "session_attributes", "audit_events", "patient_contexts", "patient_data");
        StringBuilder out = new StringBuilder();
        for (String table : tables) {
            w.db.call(h -> h.createQuery("SELECT CAST(t AS TEXT) FROM \"" + table + "\" t").mapTo(String.class).list())
                    .forEach(row -> out.append(table).append(' ').append(row).append('\n'));
        }
        return out.toString();
    }
}
