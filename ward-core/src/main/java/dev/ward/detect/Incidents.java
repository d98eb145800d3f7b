package dev.ward.detect;

import dev.ward.access.Actor;
import dev.ward.alert.Alert;
import dev.ward.alert.Alerts;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditTrail;
import dev.ward.session.SessionService;
import dev.ward.tenant.Policy;
import dev.ward.user.AccountLockout;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * One alert per incident, for every detector (decision 0026): an incident of a detector about a key opens with its
 * alert, in one transaction, and stays open while its events keep coming less than {@code detect.quiet_seconds}
 * apart; then {@code detect.response} acts on the account of an account-scoped alert, once.
 */
final class Incidents {
    /** At most this many seqs (the most recent) in an alert's evidence. */
    static final int MAX_EVIDENCE = 100;

    /**
     * What a detector found: the alert's type, severity, subject and details, and the user whose account {@code
     * detect.response} acts on (null: the alert is about an address or one session, and nothing is done by itself).
     */
    record Finding(String type, String severity, Map<String, Object> subject, Map<String, Object> details, String account) {}

    /** The alert a counting detector raises: type, severity, scope, subject, and the account it is about (or null). */
    record Alerting(String type, String severity, String scope, Map<String, Object> subject, String account) {}

    private final DetectionStore store;
    private final Alerts alerts;
    private final AccountLockout lockout;
    private final SessionService sessions;
    private final AuditTrail audit;

    Incidents(DetectionStore store, Alerts alerts, AccountLockout lockout, SessionService sessions, AuditTrail audit) {
        this.store = store;
        this.alerts = alerts;
        this.lockout = lockout;
        this.sessions = sessions;
        this.audit = audit;
    }

    /**
     * What this step learnt, so that an event costs a few narrow statements, not a scan of its subject's whole window
     * (a heavy reader has thousands of marks in it, and an attack is exactly when the detectors must keep up): the
     * running tallies of the subjects it met, and the incidents it read or wrote. Only the node holding the detection
     * lock writes the store, and a step is one transaction, so nothing changes underneath; {@link #startStep} forgets
     * it all (a step that failed and is tried again starts from the store).
     */
    private final Map<String, Running> running = new HashMap<>();
    private final Map<String, Optional<DetectionStore.Incident>> incidentsSeen = new HashMap<>();

    /** Called by {@link Detectors} as each tenant's step begins. */
    void startStep() {
        running.clear();
        incidentsSeen.clear();
    }

    /** One subject's tally over the window [since, …): loaded once a step, then moved by marks added and left behind. */
    private static final class Running {
        Instant since;
        int count;
        long amount;
        final Map<String, Integer> items = new HashMap<>();

        void add(String item, int n, long sum) {
            count += n;
            amount += sum;
            if (item != null) {
                items.merge(item, n, Integer::sum);
            }
        }

        void remove(DetectionStore.Mark m) {
            count--;
            amount -= m.amount();
            if (m.item() != null) {
                items.computeIfPresent(m.item(), (k, n) -> n <= 1 ? null : n - 1);
            }
        }

        DetectionStore.Tally tally() { return new DetectionStore.Tally(count, items.size(), amount); }
    }

    /**
     * The subject's tally at or after {@code since}, {@code mark} (just recorded when {@code fresh}) included: as
     * {@link DetectionStore#tally} would count it, from this step's running tally when it has one.
     */
    private DetectionStore.Tally tally(String tenant, String marks, DetectionStore.Mark mark, boolean fresh, Instant since) {
        String key = tenant + '\0' + marks + '\0' + mark.subject();
        Running r = running.get(key);
        if (r == null || since.isBefore(r.since)) {
            r = new Running();
            r.since = since;
            for (DetectionStore.ItemTally t : store.tallyByItem(tenant, marks, mark.subject(), since)) {
                r.add(t.item(), t.count(), t.amount());
            }
            running.put(key, r);
            return r.tally(); // the store holds the new mark already
        }
        if (since.isAfter(r.since)) {
            for (DetectionStore.Mark left : store.marksBetween(tenant, marks, mark.subject(), r.since, since)) {
                r.remove(left);
            }
            r.since = since;
        }
        if (fresh && !mark.at().isBefore(since)) {
            r.add(mark.item(), 1, mark.amount());
        }
        return r.tally();
    }

    private Optional<DetectionStore.Incident> incident(String tenant, String detector, String key) {
        return incidentsSeen.computeIfAbsent(tenant + '\0' + detector + '\0' + key, k -> store.incident(tenant, detector, key));
    }

    /** True when the detector's incident about {@code key} is open at {@code at}: its last event less than quiet ago. */
    boolean open(String tenant, Policy policy, String detector, String key, Instant at) {
        return incident(tenant, detector, key).filter(i -> !i.lastAt().plus(policy.detectQuiet()).isBefore(at)).isPresent();
    }

    void extend(String tenant, String detector, String key, Instant at) {
        store.extendIncident(tenant, detector, key, at);
        incidentsSeen.computeIfPresent(tenant + '\0' + detector + '\0' + key, (k, seen) -> seen.map(i ->
                i.lastAt().isBefore(at) ? new DetectionStore.Incident(i.alertId(), i.openedAt(), at) : i));
    }

    /** After the store opened (or reopened) an incident: what this step knows of it. */
    private void opened(String tenant, String detector, String key, String alertId, Instant at) {
        incidentsSeen.put(tenant + '\0' + detector + '\0' + key, Optional.of(new DetectionStore.Incident(alertId, at, at)));
    }

    /**
     * The shape of the counting detectors: while an incident is open, an event that still finds the measure over its
     * threshold keeps it open (and raises nothing); without one, the first event over it raises the finding. So a
     * user who goes on working below the threshold lets the incident end, and a later burst is a new one.
     */
    Optional<Alert> judge(String tenant, Policy policy, String detector, String key, Instant at, boolean over,
                          Supplier<Finding> finding) {
        if (open(tenant, policy, detector, key, at)) {
            if (over) {
                extend(tenant, detector, key, at);
            }
            return Optional.empty();
        }
        return over ? Optional.of(raise(tenant, policy, detector, key, at, finding.get())) : Optional.empty();
    }

    /**
     * The counting detectors' whole step: records the event's mark under {@code marks}, measures the subject's marks in
     * the window and judges the {@code incident} about the subject. The alert's details are {@link #details}, then
     * what {@code more} adds, then the evidence: the seqs of the marks in the window.
     */
    boolean count(String tenant, Policy policy, AuditEvent e, String marks, String incident, DetectionStore.Mark mark,
                  ToLongFunction<DetectionStore.Tally> measure, long threshold, Alerting alerting,
                  BiConsumer<Map<String, Object>, DetectionStore.Tally> more) {
        boolean fresh = store.addMark(tenant, marks, mark);
        Instant since = e.at().minus(policy.detectWindow());
        DetectionStore.Tally tally = tally(tenant, marks, mark, fresh, since);
        return judge(tenant, policy, incident, mark.subject(), e.at(), measure.applyAsLong(tally) >= threshold, () -> {
            Map<String, Object> details = details(alerting.scope(), policy, threshold);
            more.accept(details, tally);
            details.put("evidence", store.markSeqs(tenant, marks, mark.subject(), since, MAX_EVIDENCE));
            return new Finding(alerting.type(), alerting.severity(), alerting.subject(), details, alerting.account());
        }).isPresent();
    }

    /**
     * Raises the finding's alert and opens its incident in one transaction; then the response, once per alert. Past
     * {@code detect.max_alerts_per_window} incidents of this detector within the window (a distributed attack: a
     * thousand addresses, each its own incident), the incident opens under one {@link #STORM} alert instead, raised
     * once per storm and delivered like any alert; the account of a suppressed finding still gets its response, by
     * the storm's alert. Answers the alert the incident belongs to.
     */
    Alert raise(String tenant, Policy policy, String detector, String key, Instant at, Finding f) {
        Alert alert = audit.atomically(() -> {
            Instant since = at.minus(policy.detectWindow());
            Alert raised = store.incidentsOpenedSince(tenant, detector, since) >= policy.maxAlertsPerWindow()
                    ? storm(tenant, policy, detector, f, at)
                    : alerts.raise(tenant, f.type(), f.severity(), f.subject(), f.details());
            store.openIncident(tenant, detector, key, raised.id(), at);
            opened(tenant, detector, key, raised.id(), at);
            return raised;
        });
        if (f.account() != null) {
            respond(tenant, policy, f.account(), alert);
        }
        return alert;
    }

    /** The alert type that stands for a detector's findings beyond {@code detect.max_alerts_per_window}. */
    static final String STORM = "alert_storm";

    /**
     * The detector's open storm (extended by this finding), or a new one: severity critical, about the detector, with
     * the alert type it stands for and the first suppressed finding's subject.
     */
    private Alert storm(String tenant, Policy policy, String detector, Finding f, Instant at) {
        Optional<Alert> open = incident(tenant, STORM, detector)
                .filter(i -> !i.lastAt().plus(policy.detectQuiet()).isBefore(at))
                .flatMap(i -> alerts.find(tenant, i.alertId()));
        if (open.isPresent()) {
            extend(tenant, STORM, detector, at);
            return open.get();
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("scope", "tenant");
        details.put("detector", detector);
        details.put("alert_type", f.type());
        details.put("window_seconds", policy.detectWindow().toSeconds());
        details.put("max_alerts_per_window", policy.maxAlertsPerWindow());
        details.put("first_suppressed", f.subject());
        Alert storm = alerts.raise(tenant, STORM, "critical", Map.of("detector", detector), details);
        store.openIncident(tenant, STORM, detector, storm.id(), at);
        opened(tenant, STORM, detector, storm.id(), at);
        return storm;
    }

    /** The details every counting detector's alert starts with, in this order; the caller adds its own after. */
    static Map<String, Object> details(String scope, Policy policy, long threshold) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("scope", scope);
        details.put("window_seconds", policy.detectWindow().toSeconds());
        details.put("threshold", threshold);
        return details;
    }

    /** The most recent {@link #MAX_EVIDENCE} of {@code seqs}. */
    static List<Long> evidence(List<Long> seqs) {
        return seqs.subList(Math.max(0, seqs.size() - MAX_EVIDENCE), seqs.size());
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
