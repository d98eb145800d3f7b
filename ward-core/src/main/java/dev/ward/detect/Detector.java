package dev.ward.detect;

import dev.ward.audit.AuditEvent;
import dev.ward.tenant.Policy;
import java.util.Set;

/** One detector of C8: the audit event types it reads, and what it does with one of them. */
interface Detector {
    Set<String> types();

    /** Looks at one event of its types (at most once per seq, though a step read again may show it twice); true when it raised an alert. */
    boolean look(String tenant, Policy policy, AuditEvent e);
}
