package dev.ward.auth;

import dev.ward.session.Client;

public record LoginRequest(String tenant, String username, String password, Client client) {
    @Override
    public String toString() { return "LoginRequest[tenant=" + tenant + ", password=<redacted>]"; }
}
