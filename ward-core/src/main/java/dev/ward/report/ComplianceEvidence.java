package dev.ward.report;

import dev.ward.access.Actor;
import dev.ward.apikey.ApiKeyService;
import dev.ward.audit.AuditCheckpoints;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditSearch;
import dev.ward.audit.AuditVerifier;
import dev.ward.audit.CheckpointKeys;
import dev.ward.crypto.TenantKeys;
import dev.ward.jwt.SessionJwt;
import dev.ward.patient.BreakGlass;
import dev.ward.patient.PatientAccess;
import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;
import dev.ward.tenant.TenantService;
import dev.ward.user.UserService;
import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Gathers a compliance report's evidence ({@link ComplianceReport}) through the services that own it, each checking that
 * the caller administers the tenant: a tenant administrator reports on their tenant only.
 *
 * <p>The chain is verified afresh for every report (recorded as {@code audit.verified}), so that a report never
 * vouches for a trail on the strength of an older check; a verification walks the whole chain (about 0.2 ms an event:
 * minutes for millions — {@code ward report compliance} shows its progress). The period's events are read once, oldest
 * first, as an export recorded as {@code audit.exported} (format {@code compliance_report}); the report counts the
 * events recorded before it began, not the verification and export it adds itself.
 */
public final class ComplianceEvidence {
    /** Policy changes read after the period's start, at most (a tenant changes its policy a few times a year). */
    static final int MAX_POLICY_CHANGES = 10_000;
    /** Breaks of the glass awaiting review read, at most. */
    static final int MAX_AWAITING_REVIEW = 10_000;

    private final TenantService tenants;
    private final UserService users;
    private final ApiKeyService apiKeys;
    private final AuditSearch search;
    private final AuditVerifier verifier;
    private final AuditCheckpoints checkpoints;
    private final CheckpointKeys checkpointKeys;
    private final TenantKeys keys;
    private final SessionJwt jwt;
    private final PatientAccess patientAccess;
    private final ComplianceReport.Deployment deployment;
    private final Clock clock;

    public ComplianceEvidence(TenantService tenants, UserService users, ApiKeyService apiKeys, AuditSearch search,
                              AuditVerifier verifier, AuditCheckpoints checkpoints, CheckpointKeys checkpointKeys,
                              TenantKeys keys, SessionJwt jwt, PatientAccess patientAccess,
                              ComplianceReport.Deployment deployment, Clock clock) {
        this.tenants = tenants;
        this.users = users;
        this.apiKeys = apiKeys;
        this.search = search;
        this.verifier = verifier;
        this.checkpoints = checkpoints;
        this.checkpointKeys = checkpointKeys;
        this.keys = keys;
        this.jwt = jwt;
        this.patientAccess = patientAccess;
        this.deployment = deployment;
        this.clock = clock;
    }

    /** How many events the report's verification walks (for a progress bar). */
    public long chainSize(Actor actor, String tenant) {
        return verifier.size(search.readable(actor, tenant));
    }

    /**
     * The report of {@code [from, to)} for the tenant ({@code null}: the caller's own), reporting the verification's
     * progress to {@code progress}.
     */
    public ComplianceReport.Report report(Actor actor, String tenant, Instant from, Instant to, LongConsumer progress) {
        String t = search.readable(actor, tenant);
        AuditSearch.requirePeriod(from, to);
        Instant generatedAt = clock.instant();
        Tenant current = tenants.get(actor, t);
        long lastBefore = checkpoints.headSeq(actor, t);
        AuditVerifier.Result verification = verifier.verify(actor, t, progress);

        TrailTally tally = new TrailTally(from, to, (seq, limit) -> checkpoints.after(actor, t, seq, limit));
        Iterator<AuditEvent> events = search.export(actor, t, from, to, "compliance_report");
        while (events.hasNext()) {
            AuditEvent e = events.next();
            if (e.seq() > lastBefore) {
                break; // recorded since the report began: its own verification and export, and whatever came meanwhile
            }
            tally.add(e);
        }
        tally.finish(generatedAt);

        List<AuditEvent> changes = search.policyChangesSince(actor, t, from, MAX_POLICY_CHANGES + 1);
        // More changes than read: the oldest are missing, and with them what was in force early on (shown as not recorded).
        PolicyTimeline timeline = new PolicyTimeline(current.policy(), from, to, changes, changes.size() > MAX_POLICY_CHANGES);
        List<BreakGlass> awaiting = patientAccess.awaitingReview(actor, t, MAX_AWAITING_REVIEW);
        // Ward's system administrators administer every tenant: whether they need a second factor is this tenant's concern too.
        boolean systemAdminsNeedMfa = tenants.find(Actor.SYSTEM_TENANT).map(s -> s.policy().mfaRequiredRoles())
                .orElse(Policy.defaults().mfaRequiredRoles()).contains(Actor.ADMIN_ROLE);

        return ComplianceReport.build(new ComplianceReport.Facts(t, current.name(), from, to, generatedAt, actor.auditName(),
                current.policyVersion(), timeline, tally, verification, checkpoints.newest(actor, t), keys.list(actor, t),
                jwt.activeKeySince(), checkpointKeys.activeKeySince(), users.list(actor, t), systemAdminsNeedMfa,
                apiKeys.list(actor, t), awaiting, deployment));
    }
}
