package dev.ward.alert;

import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;
import dev.ward.tenant.TenantService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends alerts from the durable outbox (API.md "Alerts"; docs/decisions/0024-alert-delivery.md): each channel the
 * tenant's policy asks for, for alerts at or above {@code alerts.min_severity}, is enqueued with the alert; deliveries
 * are then tried one at a time, each failure retried after a doubling wait ({@link #FIRST_RETRY} up to
 * {@link #MAX_RETRY}) until the receiver takes it or {@link #GIVE_UP_AFTER} has passed. Every attempt is recorded.
 * Times come from the injected clock, so tests move through the backoff without sleeping.
 */
public final class AlertDelivery {
    private static final Logger log = LoggerFactory.getLogger(AlertDelivery.class);
    public static final Duration FIRST_RETRY = Duration.ofSeconds(30);
    public static final Duration MAX_RETRY = Duration.ofHours(1);
    public static final Duration GIVE_UP_AFTER = Duration.ofHours(72);
    /** How long a node holds a claimed delivery: well beyond the longest attempt (a channel's timeouts). */
    static final Duration LEASE = Duration.ofMinutes(2);
    /** The error of an attempt not made because its receiver was unreachable moments before, in the same pass. */
    static final String RECEIVER_DOWN = "receiver_down";
    /** Errors that say the receiver could not be reached at all (not that it refused). */
    private static final Set<String> UNREACHABLE = Set.of("connect_timeout", "connect_failed", "timeout", "dns_failed");
    /** Deliveries one pass tries at most, so one pass never runs unbounded. */
    static final int PER_PASS = 100;

    private final DeliveryOutbox outbox;
    private final AlertStore alerts;
    private final TenantService tenants;
    private final Map<String, AlertChannel> channels = new LinkedHashMap<>();
    private final Clock clock;
    private final String node;
    /** One pass at a time on this node: the schedule's and one asked for ({@link #deliverDue}) wait for each other. */
    private final ReentrantLock pass = new ReentrantLock();

    public AlertDelivery(DeliveryOutbox outbox, AlertStore alerts, TenantService tenants, List<AlertChannel> channels,
                         Clock clock, String node) {
        this.outbox = outbox;
        this.alerts = alerts;
        this.tenants = tenants;
        channels.forEach(c -> this.channels.put(c.name(), c));
        this.clock = clock;
        this.node = node;
    }

    /** Enqueues the alert on every channel its tenant wants it on; call inside the transaction that raises it. */
    void enqueue(Alert alert) {
        Policy policy = tenants.policyOf(alert.tenant());
        if (!policy.deliversSeverity(alert.severity())) {
            return;
        }
        List<String> wanted = channels.values().stream().filter(c -> c.wanted(policy)).map(AlertChannel::name).toList();
        if (!wanted.isEmpty()) {
            outbox.enqueue(alert, wanted, payload(alert), alert.at());
        }
    }

    /** The webhook body: the alert as the alerts list shows it, when it was raised. */
    static Map<String, Object> payload(Alert a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("tenant", a.tenant());
        m.put("at", a.at().toString());
        m.put("type", a.type());
        m.put("severity", a.severity());
        m.put("status", a.status());
        m.put("subject", a.subject());
        m.put("details", a.details());
        return m;
    }

    /** Tries every delivery due now, once each (at most {@link #PER_PASS}); answers how many were tried. */
    public int deliverDue() {
        pass.lock();
        try {
            int tried = 0;
            Set<String> down = new HashSet<>();
            while (tried < PER_PASS) {
                Instant now = clock.instant();
                Optional<Delivery> due = outbox.claimDue(now, node, now.plus(LEASE));
                if (due.isEmpty()) {
                    break;
                }
                attempt(due.get(), down);
                tried++;
            }
            return tried;
        } finally {
            pass.unlock();
        }
    }

    /**
     * One attempt; {@code down} holds the receivers (tenant and channel) that could not be reached earlier in this pass.
     * Their other deliveries wait for the next pass instead of each waiting out the same timeout: one tenant's dead
     * receiver, or a flood of its alerts, must not hold up every other tenant's.
     */
    private void attempt(Delivery d, Set<String> down) {
        AlertChannel channel = channels.get(d.channel());
        String receiver = d.tenant() + "/" + d.channel();
        Optional<Tenant> tenant = tenants.find(d.tenant());
        Optional<Alert> alert = alerts.find(d.alertId());
        AlertChannel.Result result;
        if (channel == null || tenant.isEmpty() || alert.isEmpty()) {
            result = AlertChannel.Result.failed(null, "unavailable");
        } else if (!channel.wanted(tenant.get().policy())) {
            // The tenant turned the channel off since: nothing to deliver to, and nothing left to retry.
            result = AlertChannel.Result.failed(null, "channel_removed");
        } else if (down.contains(receiver)) {
            result = AlertChannel.Result.failed(null, RECEIVER_DOWN);
        } else {
            try {
                result = channel.send(tenant.get(), alert.get(), d.payload());
            } catch (RuntimeException e) {
                // Class only: a message could carry a host name, an address or a server's words.
                log.warn("alert delivery {} over {} failed: {}", d.id(), d.channel(), e.getClass().getSimpleName());
                result = AlertChannel.Result.failed(null, "internal_error");
            }
            if (!result.delivered() && UNREACHABLE.contains(result.error())) {
                down.add(receiver);
            }
        }
        Instant at = clock.instant();
        DeliveryAttempt attempt = new DeliveryAttempt(d.alertId(), d.channel(), at,
                result.delivered() ? DeliveryAttempt.DELIVERED : DeliveryAttempt.FAILED, result.statusCode(), result.error());
        String status;
        Instant next = at;
        if (result.delivered()) {
            status = Delivery.DELIVERED;
        } else if ("channel_removed".equals(result.error()) || !at.isBefore(d.createdAt().plus(GIVE_UP_AFTER))) {
            status = Delivery.ABANDONED;
            log.warn("alert delivery {} over {} abandoned after {} attempt(s)", d.id(), d.channel(), d.attempts() + 1);
        } else {
            status = Delivery.PENDING;
            next = at.plus(backoff(d.attempts() + 1));
        }
        if (!outbox.finish(d, node, attempt, status, next)) {
            log.warn("alert delivery {} was claimed by another node while this one sent it", d.id());
        }
    }

    /** The wait after the {@code failures}-th failed attempt: 30 s, 1 min, 2 min, … at most an hour. */
    static Duration backoff(int failures) {
        int doublings = Math.min(failures - 1, 20);
        Duration wait = FIRST_RETRY.multipliedBy(1L << doublings);
        return wait.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : wait;
    }
}
