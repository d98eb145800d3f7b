package dev.ward.audit;

import java.util.List;

/** Reads the trail in order, tenant by tenant, for those who copy it elsewhere (the ATNA syslog forwarder). */
public interface AuditFeed {
    /** An event and its hash in the tenant's chain (null where the trail holds none). */
    record Entry(AuditEvent event, String hash) {}

    /** Every tenant that may have events. */
    List<String> tenants();

    /** The tenant's events with a seq above {@code seq}, in seq order, at most {@code limit}. */
    List<Entry> after(String tenant, long seq, int limit);

    /** How many of the tenant's events have a seq above {@code seq}. */
    long countAfter(String tenant, long seq);
}
