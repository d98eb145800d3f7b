package dev.ward.detect;

import dev.ward.alert.Alerts;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditFeed;
import dev.ward.audit.AuditTrail;
import dev.ward.audit.ForwardingOutbox;
import dev.ward.session.SessionService;
import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;
import dev.ward.tenant.TenantService;
import dev.ward.user.AccountLockout;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The detectors of C8 (docs/security.md "Detectors", decisions 0026 and 0027): brute force per account and per
 * address, credential stuffing, impossible travel, session hijack, data exfiltration, concurrent-limit and MFA bypass.
 * They read the audit trail after the fact, never in the request that wrote it: per tenant one read of the events
 * after a stored position, each event handed to the detectors of its type, under a cluster-wide lock so that one node
 * looks at them at a time, with their counters and incidents in the database. An incident raises one alert, then
 * stays open while its events keep coming less than {@code detect.quiet_seconds} apart ({@link Incidents}).
 *
 * <p>Windows are measured on the events' own times (the injected clock that stamped them), so a detector that runs
 * late judges an attack as it happened. Events older than the window when first read (a trail that predates the
 * detectors, a long outage of every node) can raise nothing and are passed over.
 */
public final class Detectors {
    public static final String BRUTE_FORCE = "brute_force";
    public static final String CREDENTIAL_STUFFING = "credential_stuffing";
    static final int BATCH = 500;

    private final AuditFeed feed;
    private final ForwardingOutbox positions;
    private final DetectionStore store;
    private final TenantService tenants;
    private final Clock clock;
    /** Incidents and the running tallies of the step in progress (reset as each tenant's step begins). */
    private final Incidents incidents;
    /** The detectors by the event types they read: the pass reads each tenant's feed once and dispatches. */
    private final Map<String, List<Detector>> byType = new HashMap<>();
    /** One pass at a time in this process (the schedule and {@link #catchUp}); the database lock does the cluster. */
    private final ReentrantLock local = new ReentrantLock();

    public Detectors(AuditFeed feed, ForwardingOutbox positions, DetectionStore store, TenantService tenants, Alerts alerts,
                     AccountLockout lockout, SessionService sessions, AuditTrail audit, Clock clock) {
        this.feed = feed;
        this.positions = positions;
        this.store = store;
        this.tenants = tenants;
        this.clock = clock;
        this.incidents = new Incidents(store, alerts, lockout, sessions, audit);
        for (Detector d : List.of(new LoginFailures(store, incidents), new ImpossibleTravel(store, incidents),
                new SessionHijack(store, incidents), new Exfiltration(incidents), new ConcurrentLimit(incidents),
                new MfaBypass(incidents))) {
            d.types().forEach(type -> byType.computeIfAbsent(type, t -> new ArrayList<>()).add(d));
        }
    }

    /** How a pass ended: every tenant looked at and none with more waiting; a batch was full; another node holds a lock. */
    enum Outcome { CAUGHT_UP, MORE, ANOTHER_NODE }

    /**
     * One batch per tenant. True when this node looked at every tenant and none has more waiting; false when another
     * node holds the lock (it is doing the work) or a batch was full.
     */
    public boolean pass() {
        return passOnce() == Outcome.CAUGHT_UP;
    }

    /**
     * Passes while there is more to look at, for at most {@code budget} (the schedule's turn): one batch a second would
     * let a busy tenant's trail (thousands of audited reads a second) run ahead of the detectors for good. Stops at once
     * when another node holds a lock: that node is doing the work.
     */
    public void drain(Duration budget) {
        long deadline = System.nanoTime() + budget.toNanos();
        while (passOnce() == Outcome.MORE && System.nanoTime() < deadline) {
            // the next batch at once
        }
    }

    private Outcome passOnce() {
        local.lock();
        try {
            boolean caughtUp = true;
            for (String tenant : feed.tenants()) {
                Optional<Policy> policy = tenants.cached(tenant).map(Tenant::policy);
                if (policy.isEmpty()) {
                    continue; // the system tenant, or one deleted: no thresholds to judge by
                }
                int[] read = {0};
                boolean ours = positions.step(tenant, position -> {
                    incidents.startStep();
                    List<AuditFeed.Entry> batch = feed.after(tenant, position, BATCH);
                    read[0] = batch.size();
                    if (batch.isEmpty()) {
                        return position;
                    }
                    Instant oldest = clock.instant().minus(policy.get().detectWindow());
                    AuditEvent last = batch.get(batch.size() - 1).event();
                    for (AuditFeed.Entry entry : batch) {
                        if (!entry.event().at().isBefore(oldest) && look(tenant, policy.get(), entry.event())) {
                            // An alert's event holds the tenant's chain until this step commits: end the step here so
                            // that the tenant's logins wait for one alert, not for the rest of a batch.
                            last = entry.event();
                            read[0] = BATCH;
                            break;
                        }
                    }
                    store.prune(tenant, last.at().minus(policy.get().detectWindow()), last.at().minus(policy.get().detectQuiet()));
                    return last.seq();
                });
                if (!ours) {
                    return Outcome.ANOTHER_NODE;
                }
                caughtUp &= read[0] < BATCH;
            }
            return caughtUp ? Outcome.CAUGHT_UP : Outcome.MORE;
        } finally {
            local.unlock();
        }
    }

    /** Passes until every tenant's events are looked at (by this node or another); for tests and {@code ward} commands. */
    public void catchUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!pass()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the detectors did not catch up within " + timeout);
            }
            try {
                // Another node holds a tenant's detection lock (or more events than one batch came): its pass ends
                // in milliseconds, and nothing signals this node when it does, so look again shortly.
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the detectors caught up", e);
            }
        }
    }

    /** Hands the event to the detectors of its type; true when one raised an alert. */
    private boolean look(String tenant, Policy policy, AuditEvent e) {
        boolean raised = false;
        for (Detector d : byType.getOrDefault(e.type(), List.of())) {
            raised |= d.look(tenant, policy, e);
        }
        return raised;
    }
}
