package dev.ward.store.sql;

import dev.ward.crypto.KeyCheckStore;
import java.time.Instant;
import java.util.Optional;

public final class SqlKeyCheckStore implements KeyCheckStore {
    private final SqlDatabase db;

    public SqlKeyCheckStore(SqlDatabase db) { this.db = db; }

    @Override
    public Optional<String> checkValue() {
        return db.call(h -> h.createQuery("SELECT check_value FROM master_key_check WHERE id = 1").mapTo(String.class).findOne());
    }

    @Override
    public boolean insert(String checkValue, Instant at) {
        return db.insertUnlessDuplicate(h -> h.createUpdate(
                        "INSERT INTO master_key_check (id, check_value, created_at) VALUES (1, :value, :at)")
                .bind("value", checkValue).bind("at", Columns.timestamp(at)).execute());
    }
}
