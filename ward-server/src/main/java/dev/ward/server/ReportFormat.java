package dev.ward.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.problem.ProblemException;
import dev.ward.report.PatientAccessReport;
import dev.ward.report.ReportHtml;
import dev.ward.report.UsageReport;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The forms of a report (GET /v1/admin/reports/…, {@code ward report …}): {@code json}, {@code csv} (RFC 4180, formula
 * cells neutralised: {@link dev.ward.report.ReportCsv}) and {@code html} (a printable page: {@link ReportHtml}, answered
 * with its own Content-Security-Policy). Each is written to a stream, the patient-access report row by row.
 */
public enum ReportFormat {
    JSON("application/json", "json"),
    CSV("text/csv; charset=utf-8; header=present", "csv"),
    HTML(ReportHtml.CONTENT_TYPE, "html");

    private static final ObjectMapper MAPPER = new ObjectMapper().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    private final String contentType;
    private final String extension;

    ReportFormat(String contentType, String extension) {
        this.contentType = contentType;
        this.extension = extension;
    }

    public String contentType() { return contentType; }

    public String wire() { return name().toLowerCase(Locale.ROOT); }

    public static Optional<ReportFormat> parse(String wire) {
        for (ReportFormat f : values()) {
            if (f.wire().equals(wire)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** The problem for a format that is none of these (field {@code format}, as the audit export's). */
    public static ProblemException unknown() {
        return ProblemException.validation("format", "format must be one of json, csv, html");
    }

    /**
     * {@code Content-Disposition} for a report of a tenant ({@code report}: usage, patient-access, …): a page opens in
     * the browser, a CSV downloads. File names carry no patient id: a downloads folder is no place for one.
     */
    public String disposition(String report, String tenant) {
        return (this == HTML ? "inline" : "attachment") + "; filename=\"ward-" + report + "-" + tenant + "." + extension + "\"";
    }

    /** Writes the usage report; {@code pretty} indents the JSON (for people at a terminal). {@code out} stays open. */
    public void write(UsageReport.Report report, OutputStream out, boolean pretty) {
        write(out, w -> {
            switch (this) {
                case JSON -> {
                    JsonGenerator g = json(w, pretty);
                    g.writeObject(UsageReport.json(report));
                    g.flush();
                    w.write('\n');
                }
                case CSV -> w.write(UsageReport.csv(report));
                case HTML -> UsageReport.html(report, w);
            }
            return null;
        });
    }

    /** Writes the patient-access report row by row and answers its summary. {@code out} stays open. */
    public PatientAccessReport.Summary write(PatientAccessReport.Report report, OutputStream out, boolean pretty) {
        return write(out, w -> switch (this) {
            case JSON -> {
                JsonGenerator g = json(w, pretty);
                g.writeStartObject();
                for (Map.Entry<String, Object> e : PatientAccessReport.head(report).entrySet()) {
                    g.writeObjectField(e.getKey(), e.getValue());
                }
                g.writeArrayFieldStart("events");
                PatientAccessReport.Summary summary = new PatientAccessReport.Summary();
                while (report.accesses().hasNext()) {
                    g.writeObject(PatientAccessReport.json(summary.add(report.accesses().next())));
                }
                g.writeEndArray();
                g.writeObjectField("summary", summary.json());
                g.writeEndObject();
                g.flush();
                w.write('\n');
                yield summary;
            }
            case CSV -> PatientAccessReport.csv(report, w);
            case HTML -> PatientAccessReport.html(report, w);
        });
    }

    private interface Body<T> {
        T write(Writer w) throws IOException;
    }

    private static <T> T write(OutputStream out, Body<T> body) {
        try {
            Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
            T result = body.write(w);
            w.flush();
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("writing the report failed", e);
        }
    }

    private static JsonGenerator json(Writer w, boolean pretty) throws IOException {
        JsonGenerator g = MAPPER.getFactory().createGenerator(w);
        if (pretty) {
            g.useDefaultPrettyPrinter();
        }
        return g;
    }
}
