package dev.ward.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Writes a report as one self-contained printable HTML page (issue 16 item 2): no script, no external resource (fonts,
 * images, style sheets), one inline style sheet allowed by its hash ({@link #CONTENT_SECURITY_POLICY}), print rules
 * (A4, table headers repeated on each page, rows never split, {@code newPage} sections start a page). Every value is
 * escaped here, so a name, reason or user agent an attacker chose shows as text and nothing else: {@code < > & " '}
 * as character references, and control and bidirectional-formatting characters (which could hide or reorder what a
 * reviewer reads) as a visible {@code [U+202E]}.
 *
 * <p>Written as it goes, to any {@link Appendable} (a {@code StringBuilder}, or a buffered writer over a response), so
 * that a long table streams. The calls follow the page top-down:
 *
 * <pre>{@code
 * ReportHtml html = ReportHtml.begin(out, "Usage report",
 *         ReportHtml.term("Tenant", "stmarys"), ReportHtml.term("Period", from + " – " + to),
 *         ReportHtml.term("Generated", Instant.now()));
 * html.section("Per day", false);
 * ReportHtml.Table days = html.table("Logins and sessions per UTC day", "Date", "Logins", "Sessions");
 * days.row(LocalDate.parse("2026-11-02"), 42, 40);            // the first cell is the row's header
 * days.end("No day in this period.");                        // said when the table had no row
 * html.section("Controls", true)                            // true: starts on a new printed page
 *     .definitions(ReportHtml.term("Verdict", ReportHtml.badge(ReportHtml.Verdict.ATTENTION)));
 * html.end();
 * }</pre>
 *
 * <p>Cell and definition values: {@code null} is an empty cell; a {@link Number} is right-aligned; an {@link Instant} is
 * written in ISO-8601 UTC to the second inside {@code <time>}; a {@link Badge} is a verdict badge (its text says the
 * verdict, the colour only repeats it); anything else is {@code String.valueOf}, escaped. Newlines in a value show.
 * Answer the page with {@link #CONTENT_TYPE} and {@link #CONTENT_SECURITY_POLICY}; the page carries the same policy
 * (less {@code frame-ancestors}, which a {@code <meta>} cannot set) for when it is saved and opened from a file.
 */
public final class ReportHtml {
    public static final String CONTENT_TYPE = "text/html; charset=utf-8";

    /** The verdict of a row of a report (the compliance report's pass / attention). */
    public enum Verdict {
        PASS, ATTENTION, FAIL, INFO;

        String css() { return name().toLowerCase(Locale.ROOT); }
    }

    /** A verdict badge: {@code label} is its text. */
    public record Badge(Verdict verdict, String label) {}

    /** A name and its value: a line of the page's header block or of a definition list. */
    public record Term(String name, Object value) {}

    public static Badge badge(Verdict verdict) {
        return new Badge(verdict, verdict.css());
    }

    public static Badge badge(Verdict verdict, String label) {
        return new Badge(verdict, label);
    }

    public static Term term(String name, Object value) {
        return new Term(name, value);
    }

    private static final String STYLE = String.join("",
            ":root{color-scheme:light}",
            "body{font:11pt/1.4 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif;",
            "color:#1a1a1a;background:#fff;margin:2rem auto;max-width:75rem;padding:0 1rem}",
            "h1{font-size:1.6rem;margin:0 0 .6rem}",
            "h2{font-size:1.2rem;margin:1.8rem 0 .6rem;border-bottom:1px solid #999;padding-bottom:.2rem;break-after:avoid-page}",
            "dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1.2rem;margin:0 0 1rem}",
            "dt{font-weight:600}",
            "dd{margin:0}",
            "dd,td,th,p{white-space:pre-wrap;overflow-wrap:anywhere}",
            "th,td{min-width:5.5em}",
            "thead th{overflow-wrap:normal}",
            "time{white-space:nowrap}",
            "table{border-collapse:collapse;width:100%;margin:0 0 1.2rem;font-size:.92em}",
            "caption{caption-side:top;text-align:left;font-weight:600;padding:.3rem 0}",
            "th,td{border:1px solid #8a8a8a;padding:.25rem .45rem;text-align:left;vertical-align:top}",
            "thead th{background:#e6e6e6}",
            "tbody th{font-weight:600}",
            ".num{text-align:right;font-variant-numeric:tabular-nums}",
            ".none{font-style:italic;color:#4a4a4a}",
            ".badge{display:inline-block;padding:0 .5rem;border:1px solid;border-radius:.7rem;font-weight:700;",
            "font-size:.85em;text-transform:uppercase;letter-spacing:.03em}",
            ".badge.pass{color:#0b5d1e;background:#e2f3e5}",
            ".badge.attention{color:#6b4100;background:#fff0cc}",
            ".badge.fail{color:#8b0000;background:#fde2e2}",
            ".badge.info{color:#123e6b;background:#e2ecf8}",
            "footer{margin-top:2rem;border-top:1px solid #999;padding-top:.4rem;font-size:.85em;color:#4a4a4a}",
            "@page{size:A4;margin:14mm 12mm}",
            "@media print{body{margin:0;max-width:none;padding:0;font-size:9pt}",
            ".new-page{break-before:page}",
            "thead{display:table-header-group}",
            "tr,dt,dd{break-inside:avoid}",
            ".badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}}");

    /**
     * The page's policy: nothing may load or run but the one style sheet, named by its SHA-256 (CSP Level 2 hash
     * source) rather than {@code 'unsafe-inline'}, so that markup which ever slipped past the escaping could not style
     * the page (say, hide a row) any more than it could run; no base, no form target, no framing.
     */
    public static final String CONTENT_SECURITY_POLICY;
    private static final String META_POLICY;

    static {
        String hash;
        try {
            hash = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(STYLE.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
        META_POLICY = "default-src 'none'; style-src 'sha256-" + hash + "'; base-uri 'none'; form-action 'none'";
        CONTENT_SECURITY_POLICY = META_POLICY + "; frame-ancestors 'none'";
    }

    private final Appendable out;
    private boolean inSection;
    private boolean ended;

    private ReportHtml(Appendable out) {
        this.out = out;
    }

    /** Writes the head, the title as the page's heading, and the header block (tenant, period, generated at, …). */
    public static ReportHtml begin(Appendable out, String title, Term... header) {
        return begin(out, title, List.of(header));
    }

    public static ReportHtml begin(Appendable out, String title, List<Term> header) {
        ReportHtml html = new ReportHtml(out);
        html.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .raw("<meta http-equiv=\"Content-Security-Policy\" content=\"").raw(META_POLICY).raw("\">\n")
                .raw("<meta name=\"referrer\" content=\"no-referrer\">\n")
                .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .raw("<title>").text(title).raw("</title>\n<style>").raw(STYLE).raw("</style>\n</head>\n<body>\n")
                .raw("<header>\n<h1>").text(title).raw("</h1>\n");
        html.termList(header);
        html.raw("</header>\n<main>\n");
        return html;
    }

    /** Starts a section (ending the one before); with {@code newPage} it starts a new printed page. */
    public ReportHtml section(String heading, boolean newPage) {
        closeSection();
        raw(newPage ? "<section class=\"new-page\">\n<h2>" : "<section>\n<h2>").text(heading).raw("</h2>\n");
        inSection = true;
        return this;
    }

    public ReportHtml paragraph(String text) {
        return raw("<p>").text(text).raw("</p>\n");
    }

    public ReportHtml definitions(Term... terms) {
        return definitions(List.of(terms));
    }

    public ReportHtml definitions(List<Term> terms) {
        termList(terms);
        return this;
    }

    /** Starts a table: its caption (what it lists, for screen readers and print) and its column headings. */
    public Table table(String caption, String... columns) {
        return table(caption, List.of(columns));
    }

    public Table table(String caption, List<String> columns) {
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("a table has at least one column");
        }
        raw("<table>\n<caption>").text(caption).raw("</caption>\n<thead><tr>");
        for (String c : columns) {
            raw("<th scope=\"col\">").text(c).raw("</th>");
        }
        raw("</tr></thead>\n<tbody>\n");
        return new Table(columns.size());
    }

    /** One table being written; {@link #end} closes it before anything else is written to the page. */
    public final class Table {
        private final int columns;
        private long rows;

        private Table(int columns) {
            this.columns = columns;
        }

        /** A row, one value per column; the first is the row's header ({@code <th scope="row">}). */
        public Table row(Object... cells) {
            return row(Arrays.asList(cells)); // List.of refuses nulls, and an empty cell is a null
        }

        public Table row(List<?> cells) {
            if (cells.size() != columns) {
                throw new IllegalArgumentException("a row of " + cells.size() + " cells in a table of " + columns + " columns");
            }
            raw("<tr>");
            for (int i = 0; i < cells.size(); i++) {
                Object v = cells.get(i);
                String tag = i == 0 ? "th" : "td";
                raw("<").raw(tag).raw(i == 0 ? " scope=\"row\"" : "").raw(v instanceof Number ? " class=\"num\">" : ">");
                value(v);
                raw("</").raw(tag).raw(">");
            }
            raw("</tr>\n");
            rows++;
            return this;
        }

        public long rows() { return rows; }

        /** Closes the table; {@code whenEmpty} is said in its only row if it had none. */
        public ReportHtml end(String whenEmpty) {
            if (rows == 0) {
                raw("<tr><td class=\"none\" colspan=\"").raw(Integer.toString(columns)).raw("\">").text(whenEmpty)
                        .raw("</td></tr>\n");
            }
            return raw("</tbody>\n</table>\n");
        }
    }

    /** Closes the page; {@code out} is neither flushed nor closed. */
    public void end() {
        if (ended) {
            return;
        }
        ended = true;
        closeSection();
        raw("</main>\n<footer>Written by Ward. Every time is UTC (ISO 8601).</footer>\n</body>\n</html>\n");
    }

    private void closeSection() {
        if (inSection) {
            raw("</section>\n");
            inSection = false;
        }
    }

    private void termList(List<Term> terms) {
        if (terms.isEmpty()) {
            return;
        }
        raw("<dl>\n");
        for (Term t : terms) {
            raw("<dt>").text(t.name()).raw("</dt><dd>");
            value(t.value());
            raw("</dd>\n");
        }
        raw("</dl>\n");
    }

    private void value(Object v) {
        switch (v) {
            case null -> { }
            case Badge b -> raw("<span class=\"badge ").raw(b.verdict().css()).raw("\">").text(b.label()).raw("</span>");
            case Instant t -> {
                String iso = t.truncatedTo(ChronoUnit.SECONDS).toString();
                raw("<time datetime=\"").raw(iso).raw("\">").raw(iso).raw("</time>");
            }
            case LocalDate d -> raw("<time datetime=\"").raw(d.toString()).raw("\">").raw(d.toString()).raw("</time>");
            default -> text(String.valueOf(v));
        }
    }

    private ReportHtml raw(String s) {
        try {
            out.append(s);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the report failed", e);
        }
        return this;
    }

    private ReportHtml text(String s) {
        return raw(escape(s));
    }

    /**
     * Text made safe in element content and in quoted attribute values: markup characters as references, C0/C1 control
     * characters (but tab, LF and CR) and bidirectional formatting characters as a visible {@code [U+XXXX]}, and a
     * lone surrogate as U+FFFD.
     */
    public static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            String r = switch (cp) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                case '\t', '\n', '\r' -> null;
                default -> {
                    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || bidiControl(cp)) {
                        yield String.format(Locale.ROOT, "[U+%04X]", cp);
                    }
                    yield n == 1 && Character.isSurrogate((char) cp) ? "\uFFFD" : null;
                }
            };
            if (r != null && b == null) {
                b = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (b != null) {
                if (r != null) {
                    b.append(r);
                } else {
                    b.appendCodePoint(cp);
                }
            }
            i += n;
        }
        return b == null ? s : b.toString();
    }

    /** Unicode's bidirectional formatting characters (UAX #9 §2): marks, embeddings, overrides and isolates. */
    private static boolean bidiControl(int cp) {
        return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
    }
}
