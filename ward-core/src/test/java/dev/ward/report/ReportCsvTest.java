package dev.ward.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Text fields are neutralised against formula injection and quoted as RFC 4180 wants; Ward's own values are not. */
class ReportCsvTest {
    @Test
    void aTextFieldThatASpreadsheetWouldEvaluateGetsALeadingQuote() {
        assertThat(ReportCsv.text("=HYPERLINK(\"http://x\",\"y\")")).isEqualTo("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
        assertThat(ReportCsv.text("+1")).isEqualTo("'+1");
        assertThat(ReportCsv.text("-2+3")).isEqualTo("'-2+3");
        assertThat(ReportCsv.text("@SUM(A1)")).isEqualTo("'@SUM(A1)");
        assertThat(ReportCsv.text("\t=1")).isEqualTo("'\t=1");
        assertThat(ReportCsv.text("\r=1")).isEqualTo("\"'\r=1\"");
        assertThat(ReportCsv.text("a=1")).isEqualTo("a=1");
        assertThat(ReportCsv.text("'already text")).isEqualTo("'already text");
    }

    @Test
    void fieldsAreQuotedOnlyWhereRfc4180NeedsIt() {
        assertThat(ReportCsv.text("plain")).isEqualTo("plain");
        assertThat(ReportCsv.text("a,b")).isEqualTo("\"a,b\"");
        assertThat(ReportCsv.text("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(ReportCsv.text("two\nlines")).isEqualTo("\"two\nlines\"");
        assertThat(ReportCsv.text(null)).isEmpty();
        assertThat(ReportCsv.text("")).isEmpty();
        assertThat(ReportCsv.plain(-5)).isEqualTo("-5");
        assertThat(ReportCsv.plain(null)).isEmpty();
        StringBuilder out = new StringBuilder();
        ReportCsv.record(out, List.of("a", ReportCsv.text("b,c"), ""));
        assertThat(out.toString()).isEqualTo("a,\"b,c\",\r\n");
    }
}
