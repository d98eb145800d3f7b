package dev.ward.server.http;

import java.time.Instant;

/**
 * An instant as {@code t.truncatedTo(MILLIS).toString()} writes it ({@code 2026-12-07T01:20:00.123Z}, no fraction
 * when the milliseconds are 0), into a caller's buffer: the session object carries four to six times, and each
 * {@code Instant.toString} builds a formatter's worth of objects. Years outside 1–9999 are left to the JDK.
 */
final class IsoMillis {
    /** {@code yyyy-MM-ddTHH:mm:ss.SSSZ}. */
    static final int MAX_LENGTH = 24;

    private IsoMillis() {}

    /** Writes the text into {@code out} (at least {@link #MAX_LENGTH} long) and returns its length, or -1 for a year outside 1–9999. */
    static int format(Instant t, char[] out) {
        long seconds = t.getEpochSecond();
        long days = Math.floorDiv(seconds, 86_400);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400);
        // Days since 1970-01-01 to a civil date (proleptic Gregorian), after H. Hinnant's days_from_civil inverse.
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long dayOfEra = z - era * 146_097;
        long yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        long mp = (5 * dayOfYear + 2) / 153;
        int day = (int) (dayOfYear - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
        if (year < 1 || year > 9999) {
            return -1;
        }
        digits(out, 0, (int) year, 4);
        out[4] = '-';
        digits(out, 5, month, 2);
        out[7] = '-';
        digits(out, 8, day, 2);
        out[10] = 'T';
        digits(out, 11, secondOfDay / 3600, 2);
        out[13] = ':';
        digits(out, 14, secondOfDay / 60 % 60, 2);
        out[16] = ':';
        digits(out, 17, secondOfDay % 60, 2);
        int millis = t.getNano() / 1_000_000;
        int at = 19;
        if (millis != 0) {
            out[19] = '.';
            digits(out, 20, millis, 3);
            at = 23;
        }
        out[at] = 'Z';
        return at + 1;
    }

    private static void digits(char[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
