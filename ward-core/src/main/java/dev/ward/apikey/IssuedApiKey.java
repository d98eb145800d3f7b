package dev.ward.apikey;

/** A new API key and its secret, shown exactly once. */
public record IssuedApiKey(ApiKey apiKey, String key) {
    @Override
    public String toString() { return "IssuedApiKey[" + apiKey.id() + ", key=<redacted>]"; }
}
