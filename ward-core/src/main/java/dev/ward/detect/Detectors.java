package dev.ward.detect;

import dev.ward.access.Actor;
import dev.ward.alert.Alert;
import dev.ward.alert.Alerts;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditFeed;
import dev.ward.audit.AuditTrail;
import dev.ward.audit.ForwardingOutbox;
import dev.ward.auth.LoginService;
import dev.ward.session.SessionService;
import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;
import dev.ward.tenant.TenantService;
import dev.ward.user.AccountLockout;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The login detectors of C8 (docs/security.md "Detectors", decision 0026): brute force per account, brute force per
 * address and credential stuffing (many usernames from one address). They read the audit trail after the fact, never
 * in the login's request: per tenant the {@code login.failed} events after a stored position, under a cluster-wide
 * lock so that one node looks at them at a time, with their counters and incidents in the database. An incident
 * raises one alert, then stays open while failures keep coming less than {@code detect.quiet_seconds} apart.
 *
 * <p>Windows are measured on the events' own times (the injected clock that stamped them), so a detector that runs
 * late judges an attack as it happened. Events older than the window when first read (a trail that predates the
 * detectors, a long outage of every node) can raise nothing and are passed over.
 */
public final class Detectors {
    public static final String BRUTE_FORCE = "brute_force";
    public static final String CREDENTIAL_STUFFING = "credential_stuffing";
    static final int BATCH = 500;
    /** At most this many seqs (the most recent) in an alert's evidence. */
    static final int MAX_EVIDENCE = 100;
    /** Failures that guess nothing: the server refused before looking, or the password was right. */
    private static final Set<String> NOT_GUESSES = Set.of("server_busy", "session_limit");

    private final AuditFeed feed;
    private final ForwardingOutbox positions;
    private final DetectionStore store;
    private final TenantService tenants;
    private final Alerts alerts;
    private final AccountLockout lockout;
    private final SessionService sessions;
    private final AuditTrail audit;
    private final Clock clock;
    /** One pass at a time in this process (the schedule and {@link #catchUp}); the database lock does the cluster. */
    private final ReentrantLock local = new ReentrantLock();

    public Detectors(AuditFeed feed, ForwardingOutbox positions, DetectionStore store, TenantService tenants, Alerts alerts,
                     AccountLockout lockout, SessionService sessions, AuditTrail audit, Clock clock) {
        this.lockout = lockout;
        this.sessions = sessions;
        this.feed = feed;
        this.positions = positions;
        this.store = store;
        this.tenants = tenants;
        this.alerts = alerts;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * One batch per tenant. True when this node looked at every tenant and none has more waiting; false when another
     * node holds the lock (it is doing the work) or a batch was full.
     */
    public boolean pass() {
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
                    return false;
                }
                caughtUp &= read[0] < BATCH;
            }
            return caughtUp;
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

    /** Counts the event if it is a failed login; true when it raised an alert. */
    private boolean look(String tenant, Policy policy, AuditEvent e) {
        if (!"login.failed".equals(e.type()) || NOT_GUESSES.contains(String.valueOf(e.details().get("reason")))) {
            return false;
        }
        boolean raised = false;
        String ip = e.ip() == null || e.ip().isEmpty() ? "" : LoginService.ipBucket(e.ip());
        Object tag = e.details().get("username_tag");
        store.addFailure(tenant, new DetectionStore.Failure(e.seq(), e.at(), e.userId(), ip, tag == null ? null : tag.toString()));
        Instant since = e.at().minus(policy.detectWindow());
        if (e.userId() != null) {
            Optional<Alert> account = check(tenant, policy, e, "brute_force_account", e.userId(), BRUTE_FORCE,
                    () -> store.failuresOfUser(tenant, e.userId(), since), List::size, policy.bruteForceAccountFailures(),
                    Map.of("user_id", e.userId()), "account");
            account.ifPresent(alert -> respond(tenant, policy, e.userId(), alert));
            raised = account.isPresent();
        }
        if (!ip.isEmpty()) {
            Supplier<List<DetectionStore.Failure>> fromIp = () -> store.failuresFromIp(tenant, ip, since);
            raised |= check(tenant, policy, e, "brute_force_ip", ip, BRUTE_FORCE, fromIp, List::size,
                    policy.bruteForceIpFailures(), Map.of("ip", e.ip()), "ip").isPresent();
            raised |= check(tenant, policy, e, CREDENTIAL_STUFFING, ip, CREDENTIAL_STUFFING, fromIp, Detectors::distinctUsernames,
                    policy.credentialStuffingUsernames(), Map.of("ip", e.ip()), "ip").isPresent();
        }
        return raised;
    }

    private static int distinctUsernames(List<DetectionStore.Failure> failures) {
        return (int) failures.stream().map(DetectionStore.Failure::usernameTag).filter(t -> t != null).distinct().count();
    }

    /**
     * One detector on one event: an open incident is extended and nothing raised; else the window is measured and, at
     * the threshold, the alert and its incident are written in one transaction (read again after a failed step, the
     * same events find the incident open and raise nothing).
     */
    private Optional<Alert> check(String tenant, Policy policy, AuditEvent e, String detector, String key, String alertType,
                       Supplier<List<DetectionStore.Failure>> window, java.util.function.ToIntFunction<List<DetectionStore.Failure>> measure,
                       int threshold, Map<String, Object> subject, String scope) {
        Optional<DetectionStore.Incident> open = store.incident(tenant, detector, key)
                .filter(i -> !i.lastAt().plus(policy.detectQuiet()).isBefore(e.at()));
        if (open.isPresent()) {
            store.extendIncident(tenant, detector, key, e.at());
            return Optional.empty();
        }
        List<DetectionStore.Failure> recent = window.get();
        int measured = measure.applyAsInt(recent);
        if (measured < threshold) {
            return Optional.empty();
        }
        List<Long> evidence = recent.stream().map(DetectionStore.Failure::seq)
                .skip(Math.max(0, recent.size() - MAX_EVIDENCE)).collect(Collectors.toList());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("scope", scope);
        details.put("window_seconds", policy.detectWindow().toSeconds());
        details.put("failures", recent.size());
        if (CREDENTIAL_STUFFING.equals(alertType)) {
            details.put("distinct_usernames", measured);
        }
        details.put("threshold", threshold);
        details.put("evidence", evidence);
        return Optional.of(audit.atomically(() -> {
            Alert alert = alerts.raise(tenant, alertType, "high", subject, details);
            store.openIncident(tenant, detector, key, alert.id(), e.at());
            return alert;
        }));
    }

    /**
     * {@code detect.response} to an account's alert, right after it was raised, so once per alert: {@code lock_account}
     * locks the account until an administrator unlocks it, then (as {@code end_session}) ends its live sessions; an
     * {@code alert.responded} event says what was done. A node that dies between the alert and its response leaves the
     * response undone (the alert is there for a person to act on); events read again never respond twice.
     */
    private void respond(String tenant, Policy policy, String userId, Alert alert) {
        String response = policy.detectResponse();
        if (response.equals("none")) {
            return;
        }
        Actor.Detector by = new Actor.Detector(tenant, alert.id());
        if (response.equals("lock_account")) {
            lockout.lockUntilUnlocked(tenant, userId, by);
        }
        int ended = sessions.endAllOfUser(tenant, userId, "detector", by);
        audit.atomically(() -> audit.append(AuditEntry.of(tenant, "alert.responded").actor(by).user(userId)
                .detail("alert_id", alert.id()).detail("response", response).detail("sessions_ended", ended).build()));
    }
}
