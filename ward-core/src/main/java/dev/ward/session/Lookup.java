package dev.ward.session;

/** What the store found for a token hash: the one round trip of validation. */
public sealed interface Lookup {
    /**
     * Alive: the use was counted and the idle timeout slid.
     * @param current false when the token is the previous one, accepted during the rotation grace period
     */
    record Touched(Session session, boolean current) implements Lookup {}
    record Expired(Session session) implements Lookup {}
    /** A token replaced by rotation whose grace period is over. */
    record Superseded(Session session) implements Lookup {}
    record Revoked(Session session) implements Lookup {}
    /** Alive but belongs to another tenant than the caller's; not counted as a use. */
    record OtherTenant(Session session) implements Lookup {}
    record Unknown() implements Lookup {}
}
