package dev.ward.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The CSV form of reports and exports: RFC 4180 (a header row, CRLF line ends, a field quoted where it holds a comma,
 * a quote, CR or LF, quotes doubled), safe to open in a spreadsheet. A text field that a spreadsheet would take for a
 * formula — it starts with {@code =}, {@code +}, {@code -}, {@code @}, a tab or a CR (OWASP, "CSV Injection") — gets a
 * leading {@code '}, which spreadsheets read as "this is text" and show without it; names, reasons, user agents and
 * app-chosen identifiers are attacker-influenced, so every text field goes through {@link #text}. Numbers and times
 * Ward writes itself go through {@link #plain} and are never prefixed. The JSON and NDJSON forms keep values unchanged.
 */
public final class ReportCsv {
    private ReportCsv() {}

    /** A text field, neutralised against formula injection and quoted where RFC 4180 needs it; null is the empty field. */
    public static String text(String value) {
        if (value == null || value.isEmpty()) {
            return "";
        }
        return quoted(switch (value.charAt(0)) {
            case '=', '+', '-', '@', '\t', '\r' -> "'" + value;
            default -> value;
        });
    }

    /** A field Ward formats itself (a number, an ISO-8601 time); null is the empty field. */
    public static String plain(Object value) {
        return value == null ? "" : quoted(value.toString());
    }

    /** Appends one record: the fields (already made by {@link #text} or {@link #plain}) and CRLF. */
    public static void record(Appendable out, List<String> fields) {
        try {
            for (int i = 0; i < fields.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(fields.get(i));
            }
            out.append("\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException("writing the CSV failed", e);
        }
    }

    private static String quoted(String v) {
        if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\r') < 0 && v.indexOf('\n') < 0) {
            return v;
        }
        return '"' + v.replace("\"", "\"\"") + '"';
    }
}
