package dev.ward.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Base64;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;

/** The report page: hostile values stay text (read back by a real HTML parser), the policy admits only its own style. */
class ReportHtmlTest {
    private static final String SCRIPT = "<script>alert(1)</script>";
    private static final String ATTRIBUTE = "\" onmouseover=\"alert(2)\" x='";
    private static final String AMPERSANDS = "Tom & Jerry &amp; &lt;b&gt; &#60;i&#62;";
    private static final String CLOSER = "</td></tr></table><img src=x onerror=alert(3)><style>body{display:none}</style>";

    private static Document page(String hostile) {
        StringBuilder out = new StringBuilder();
        ReportHtml html = ReportHtml.begin(out, "Report " + hostile, ReportHtml.term("Tenant " + hostile, hostile),
                ReportHtml.term("Generated", Instant.parse("2026-11-22T10:00:00.123Z")));
        html.section("Section " + hostile, false).paragraph(hostile);
        html.table("Caption " + hostile, "Who " + hostile, "What", "Count", "Verdict")
                .row(hostile, hostile, 7, ReportHtml.badge(ReportHtml.Verdict.ATTENTION, hostile))
                .end("nothing " + hostile);
        html.section("Terms", true).definitions(ReportHtml.term(hostile, hostile));
        html.end();
        return Jsoup.parse(out.toString());
    }

    @Test
    void hostileValuesAreReadBackAsTheSameTextAndAddNoElement() {
        for (String hostile : new String[] {SCRIPT, ATTRIBUTE, AMPERSANDS, CLOSER}) {
            Document d = page(hostile);
            assertThat(d.select("script, img, iframe, object, embed, link, a, form, base, [onerror], [onmouseover], [style]")).isEmpty();
            assertThat(d.select("style")).hasSize(1);
            assertThat(d.select("table")).hasSize(1);
            assertThat(d.title()).isEqualTo("Report " + hostile);
            assertThat(d.selectFirst("h1").text()).isEqualTo("Report " + hostile);
            assertThat(d.selectFirst("header dt").text()).isEqualTo("Tenant " + hostile);
            assertThat(d.selectFirst("header dd").text()).isEqualTo(hostile);
            assertThat(d.select("h2").eachText()).containsExactly("Section " + hostile, "Terms");
            assertThat(d.selectFirst("main p").text()).isEqualTo(hostile);
            assertThat(d.selectFirst("caption").text()).isEqualTo("Caption " + hostile);
            assertThat(d.select("thead th").eachText()).containsExactly("Who " + hostile, "What", "Count", "Verdict");
            Element row = d.selectFirst("tbody tr");
            assertThat(row.child(0).text()).isEqualTo(hostile);
            assertThat(row.child(1).text()).isEqualTo(hostile);
            assertThat(row.selectFirst(".badge").text()).isEqualTo(hostile);
            assertThat(d.selectFirst("section.new-page dt").text()).isEqualTo(hostile);
        }
    }

    @Test
    void controlAndBidirectionalCharactersShowAsTheirCodePoints() {
        assertThat(ReportHtml.escape("evil\u202Etxt.exe")).isEqualTo("evil[U+202E]txt.exe");
        assertThat(ReportHtml.escape("a\u2066b\u2069c\u200Fd\u061Ce")).isEqualTo("a[U+2066]b[U+2069]c[U+200F]d[U+061C]e");
        assertThat(ReportHtml.escape("bell\u0007nul\u0000del\u007Fnel\u0085")).isEqualTo("bell[U+0007]nul[U+0000]del[U+007F]nel[U+0085]");
        assertThat(ReportHtml.escape("tab\tline\ncr\r")).isEqualTo("tab\tline\ncr\r");
        assertThat(ReportHtml.escape("lone \uD800 surrogate")).isEqualTo("lone \uFFFD surrogate");
        assertThat(ReportHtml.escape("Zoë 患者 \uD83D\uDE91 שלום")).isEqualTo("Zoë 患者 \uD83D\uDE91 שלום");
        assertThat(ReportHtml.escape("a<b>&\"'")).isEqualTo("a&lt;b&gt;&amp;&quot;&#39;");
        assertThat(ReportHtml.escape(null)).isEmpty();
        Document d = page("x\u202Ey");
        assertThat(d.selectFirst("tbody th").text()).isEqualTo("x[U+202E]y");
    }

    @Test
    void thePolicyAdmitsExactlyThePagesStyleSheetAndNothingElse() throws Exception {
        Document d = page("x");
        String style = d.selectFirst("style").data();
        String hash = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(style.getBytes(StandardCharsets.UTF_8)));
        assertThat(ReportHtml.CONTENT_SECURITY_POLICY).isEqualTo("default-src 'none'; style-src 'sha256-" + hash
                + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        // The copy in the page (for a saved file) is the same less frame-ancestors, which a <meta> cannot carry.
        assertThat(d.selectFirst("meta[http-equiv=Content-Security-Policy]").attr("content"))
                .isEqualTo(ReportHtml.CONTENT_SECURITY_POLICY.replace("; frame-ancestors 'none'", ""));
        assertThat(d.select("[src], [href]")).isEmpty();
        assertThat(style).contains("@media print").contains("break-before:page").contains("display:table-header-group");
    }

    @Test
    void tablesHaveCaptionsScopedHeadersAndSayWhenEmpty() {
        StringBuilder out = new StringBuilder();
        ReportHtml html = ReportHtml.begin(out, "Usage");
        html.section("Days", false);
        ReportHtml.Table days = html.table("Logins per day", "Date", "Logins", "Median");
        days.row(LocalDate.parse("2026-11-02"), 42, null).row(LocalDate.parse("2026-11-03"), 0, 12L);
        assertThat(days.rows()).isEqualTo(2);
        days.end("No day.");
        html.table("Alerts", "At", "Type").end("No alert in this period.");
        html.end();
        html.end();
        Document d = Jsoup.parse(out.toString());
        assertThat(d.select("header dl")).isEmpty();
        assertThat(d.select("thead th").eachAttr("scope")).containsOnly("col");
        Element first = d.selectFirst("tbody tr");
        assertThat(first.child(0).tagName()).isEqualTo("th");
        assertThat(first.child(0).attr("scope")).isEqualTo("row");
        assertThat(first.selectFirst("time").attr("datetime")).isEqualTo("2026-11-02");
        assertThat(first.child(1).hasClass("num")).isTrue();
        assertThat(first.child(2).text()).isEmpty();
        Element empty = d.select("table").get(1).selectFirst("tbody td");
        assertThat(empty.attr("colspan")).isEqualTo("2");
        assertThat(empty.text()).isEqualTo("No alert in this period.");
        assertThat(out.toString()).endsWith("</html>\n");
        assertThat(d.select("footer")).hasSize(1);
    }

    @Test
    void timesAreUtcToTheSecond() {
        StringBuilder out = new StringBuilder();
        ReportHtml.begin(out, "t", ReportHtml.term("Generated", Instant.parse("2026-11-22T10:00:05.987Z"))).end();
        Element time = Jsoup.parse(out.toString()).selectFirst("header time");
        assertThat(time.attr("datetime")).isEqualTo("2026-11-22T10:00:05Z");
        assertThat(time.text()).isEqualTo("2026-11-22T10:00:05Z");
    }

    @Test
    void aRowOfTheWrongWidthIsRefused() {
        ReportHtml.Table t = ReportHtml.begin(new StringBuilder(), "t").table("c", "A", "B");
        assertThatThrownBy(() -> t.row("only one")).isInstanceOf(IllegalArgumentException.class);
    }
}
