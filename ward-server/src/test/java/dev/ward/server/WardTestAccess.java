package dev.ward.server;

import dev.ward.store.sql.SqlDatabase;

/** The database under a running server, for tests in other packages that tamper with it directly. */
public final class WardTestAccess {
    private WardTestAccess() {}

    public static SqlDatabase db(Ward ward) { return ward.core().db(); }
}
