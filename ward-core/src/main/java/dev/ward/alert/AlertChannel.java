package dev.ward.alert;

import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;

/** A way alerts leave Ward (C8): a signed webhook, e-mail. */
public interface AlertChannel {
    /** The channel's name in the outbox and in the deliveries list: {@code webhook}, {@code email}. */
    String name();

    /** Whether the tenant's policy asks for alerts over this channel. */
    boolean wanted(Policy policy);

    /**
     * One attempt to hand the alert over, to where the tenant's policy says now. Receiver faults are results, not
     * exceptions; a result carries no secret and nothing the receiver answered beyond its status.
     */
    Result send(Tenant tenant, Alert alert, String payload);

    record Result(boolean delivered, Integer statusCode, String error) {
        public static Result ok(Integer statusCode) { return new Result(true, statusCode, null); }

        public static Result failed(Integer statusCode, String error) { return new Result(false, statusCode, error); }
    }
}
