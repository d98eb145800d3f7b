package dev.ward.user;

import dev.ward.tenant.Policy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The password policy of C1 (seed 001, ASVS 2.1): minimum length, the four character classes,
 * not containing the username, and not a commonly used password. Returns every reason at once.
 */
public final class PasswordRules {
    public record Reason(String code, String message) {}

    private final Set<String> common;

    private PasswordRules(Set<String> common) { this.common = common; }

    public static PasswordRules withShippedCommonList() {
        var resource = PasswordRules.class.getResourceAsStream("common-passwords.txt");
        if (resource == null) {
            throw new IllegalStateException("common-passwords.txt is missing from the classpath");
        }
        Set<String> words = new HashSet<>();
        try (var in = new BufferedReader(new InputStreamReader(resource, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    words.add(line.strip());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new PasswordRules(Set.copyOf(words));
    }

    public List<Reason> check(String password, String username, int minLength) {
        List<Reason> reasons = new ArrayList<>();
        int length = password.codePointCount(0, password.length());
        if (length < minLength) {
            reasons.add(new Reason("too_short", "must be at least " + minLength + " characters"));
        }
        if (length > Policy.MAX_PASSWORD_LENGTH) {
            reasons.add(new Reason("too_long", "must be at most " + Policy.MAX_PASSWORD_LENGTH + " characters"));
        }
        if (password.codePoints().noneMatch(Character::isUpperCase)) {
            reasons.add(new Reason("missing_uppercase", "must contain an upper-case letter"));
        }
        if (password.codePoints().noneMatch(Character::isLowerCase)) {
            reasons.add(new Reason("missing_lowercase", "must contain a lower-case letter"));
        }
        if (password.codePoints().noneMatch(Character::isDigit)) {
            reasons.add(new Reason("missing_digit", "must contain a digit"));
        }
        if (password.codePoints().allMatch(Character::isLetterOrDigit)) {
            reasons.add(new Reason("missing_special", "must contain a special character"));
        }
        String lower = password.toLowerCase(Locale.ROOT);
        if (!username.isEmpty() && lower.contains(username.toLowerCase(Locale.ROOT))) {
            reasons.add(new Reason("contains_username", "must not contain the username"));
        }
        if (common.contains(lower)) {
            reasons.add(new Reason("common_password", "is a commonly used password"));
        }
        return reasons;
    }
}
