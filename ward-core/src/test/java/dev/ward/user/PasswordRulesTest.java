package dev.ward.user;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PasswordRulesTest {
    private static final PasswordRules RULES = PasswordRules.withShippedCommonList();
    private static final int MIN = 12;

    private static List<String> codes(String password, String username) {
        return RULES.check(password, username, MIN).stream().map(PasswordRules.Reason::code).toList();
    }

    @Test
    void strongPasswordHasNoReasons() {
        assertThat(RULES.check("Tr0ub4dor&3-Horse", "alice", MIN)).isEmpty();
    }

    @Test
    void passwordOfExactlyMinimumLengthIsLongEnough() {
        assertThat(codes("Abcdefgh1!xy", "alice")).isEmpty();
        assertThat(codes("Abcdefg1!xy", "alice")).containsExactly("too_short");
    }

    @Test
    void minimumLengthComesFromTheCaller() {
        assertThat(codes("Abcdefgh1!xy", "alice")).isEmpty();
        assertThat(RULES.check("Abcdefgh1!xy", "alice", 20)).extracting(PasswordRules.Reason::code).containsExactly("too_short");
    }

    @Test
    void lengthCountsCharactersNotUtf16Units() {
        // 11 code points, 22 UTF-16 units: still too short
        String elevenEmoji = "\uD83D\uDE00".repeat(8) + "Aa1";
        assertThat(codes(elevenEmoji, "alice")).contains("too_short");
    }

    @Test
    void missingUppercaseIsReported() {
        assertThat(codes("abcdefgh1!xyz", "alice")).containsExactly("missing_uppercase");
    }

    @Test
    void missingLowercaseIsReported() {
        assertThat(codes("ABCDEFGH1!XYZ", "alice")).containsExactly("missing_lowercase");
    }

    @Test
    void missingDigitIsReported() {
        assertThat(codes("Abcdefgh!xyzw", "alice")).containsExactly("missing_digit");
    }

    @Test
    void missingSpecialIsReported() {
        assertThat(codes("Abcdefgh1xyzw", "alice")).containsExactly("missing_special");
    }

    @Test
    void containsUsernameIsReportedCaseInsensitively() {
        assertThat(codes("xx-Alice-2026!", "alice")).containsExactly("contains_username");
        assertThat(codes("xx-alice-2026!X", "ALICE")).containsExactly("contains_username");
        assertThat(codes("Sm1th.J0hn!wx", "sm1th.j0hn")).containsExactly("contains_username");
    }

    @Test
    void emptyUsernameIsNotAReason() {
        assertThat(codes("Tr0ub4dor&3-Horse", "")).isEmpty();
    }

    @Test
    void commonPasswordIsReportedCaseInsensitively() {
        assertThat(codes("password1234", "alice")).contains("common_password");
        assertThat(codes("PASSWORD1234", "alice")).contains("common_password");
        assertThat(codes("PassWord1234", "alice")).contains("common_password");
    }

    @ParameterizedTest
    @ValueSource(strings = {"G00dPa$$w0rd", "Diunilaobu8*", "1qaz2wsx3EDC", "Qwertyuiop123", "000000000000", "112233445566"})
    void longEntriesOfTheShippedListAreCommon(String password) {
        assertThat(codes(password, "alice")).contains("common_password");
    }

    @Test
    void commonPasswordThatPassesEveryOtherRuleHasOnlyThatReason() {
        // "g00dpa$$w0rd" is in the shipped list; capitalised it satisfies length and all four classes
        assertThat(codes("G00dPa$$w0rd", "alice")).containsExactly("common_password");
    }

    @Test
    void everyReasonOfABadPasswordIsReturnedAtOnce() {
        // "password" (lowercase letters only) is common, short, contains the username "pass"
        assertThat(codes("password", "pass")).containsExactlyInAnyOrder(
                "too_short", "missing_uppercase", "missing_digit", "missing_special", "contains_username", "common_password");
        // no letters at all: both letter classes are missing too
        assertThat(codes("12345678", "1234")).containsExactlyInAnyOrder(
                "too_short", "missing_uppercase", "missing_lowercase", "missing_special", "contains_username", "common_password");
    }

    @Test
    void everyReasonCarriesAHumanMessage() {
        assertThat(RULES.check("", "x", MIN)).isNotEmpty().allSatisfy(r -> assertThat(r.message()).isNotBlank());
    }

    @Test
    void overlongPasswordIsRefused() {
        assertThat(codes("Aa1!" + "x".repeat(300), "alice")).containsExactly("too_long");
    }
}
