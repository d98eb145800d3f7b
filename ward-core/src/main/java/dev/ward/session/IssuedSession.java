package dev.ward.session;

/** A freshly opened session and its bearer token, which exists only in this answer. */
public record IssuedSession(Session session, String token) {
    @Override
    public String toString() { return "IssuedSession[" + session.id() + ", token=<redacted>]"; }
}
