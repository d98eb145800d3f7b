package dev.ward.user;

/**
 * The second steps of sign-ins a user has begun with their password and not finished (MFA challenges).
 * They rest on what the password proved, so whatever withdraws that proof ends them: a password change, a
 * disabled or locked account, an MFA reset.
 */
public interface OpenChallenges {
    /** Ends every open challenge of the user; how many there were. */
    int deleteAllOfUser(String tenant, String userId);
}
