package dev.ward.server.cli;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --from} / {@code --to} of the commands that read a period of the trail ({@code audit search}, {@code audit
 * export}, {@code report …}): each a date (its start, 00:00 UTC) or an ISO-8601 time with a zone; {@code --from}
 * inclusive, {@code --to} exclusive. What an end left out means is the command's to say.
 */
final class PeriodOptions {
    @Option(names = "--from", paramLabel = "WHEN",
            description = "Start, inclusive: a date (2026-11-01, from 00:00 UTC) or an ISO-8601 time (2026-11-01T08:00:00Z).")
    String from;

    @Option(names = "--to", paramLabel = "WHEN", description = "End, exclusive: a date or an ISO-8601 time.")
    String to;

    /** The ends given (null where not), or empty after saying why on standard error (exit code 2). */
    Optional<Period> parse(String command) {
        try {
            return Optional.of(new Period(when(from), when(to)));
        } catch (BadTime e) {
            System.err.println(command + ": " + e.option + " must be a date such as 2026-11-01 or a time such as "
                    + "2026-11-01T08:00:00Z.");
            return Optional.empty();
        }
    }

    /** A period; either end null when not given. */
    record Period(Instant from, Instant to) {}

    private Instant when(String value) throws BadTime {
        if (value == null) {
            return null;
        }
        try {
            return value.length() == 10 ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new BadTime(value == from ? "--from" : "--to");
        }
    }

    private static final class BadTime extends Exception {
        final String option;

        BadTime(String option) {
            super(option, null, false, false);
            this.option = option;
        }
    }
}
