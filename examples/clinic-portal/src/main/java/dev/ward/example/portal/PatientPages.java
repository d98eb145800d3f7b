package dev.ward.example.portal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.client.OnBehalf;
import dev.ward.client.PatientContext;
import dev.ward.client.WardClient;
import dev.ward.client.WardException;
import dev.ward.client.WardSession;
import dev.ward.client.servlet.SessionCookie;
import dev.ward.example.portal.Patients.Patient;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /patients/*}, behind WardFilter: the list, and a patient's chart. Opening a chart opens a patient context in
 * Ward on the user's behalf (the app's API key, scope {@code patients}, and the user's token in
 * {@code Ward-Session-Token}) and caches the chart in it ({@code PUT …/data/chart}, encrypted by Ward); the chart shown
 * is the cached one. A restricted patient answers {@code break_glass_required}: the page asks for a reason.
 */
final class PatientPages extends PortalServlet {
    private static final ObjectMapper JSON = WardClient.mapper();
    static final String CHART = "chart";
    /** HL7 v3 ActReason codes Ward accepts for breaking the glass. */
    private static final Set<String> REASON_CODES = Set.of("ETREAT", "BTG", "ERTREAT");

    PatientPages(ClinicPortal.Settings settings, WardClient ward, SessionCookie cookie) { super(settings, ward, cookie); }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
        WardSession session = (WardSession) req.getAttribute(WardSession.ATTRIBUTE);
        String path = Optional.ofNullable(req.getPathInfo()).orElse("/");
        if (path.equals("/")) {
            list(res, session);
            return;
        }
        Optional<Patient> patient = known(res, session, path.substring(1));
        if (patient.isEmpty()) {
            return;
        }
        Patient p = patient.get();
        String token = token(req);
        try {
            // The filter's validation listed the session's open contexts: one already open (a break-glass one too) is
            // used as it is; opening again would ask a restricted patient for the glass to be broken again.
            if (session.patients().stream().noneMatch(o -> o.patientId().equals(p.id()))) {
                handBack(req, res, ward.openPatient(token, p.id()));
            }
            chart(req, res, session, p, token);
        } catch (WardException e) {
            handBack(req, res, e.rotatedToken());
            if ("break_glass_required".equals(e.code())) {
                breakGlassForm(res, session, p, "");
            } else {
                failed(res, session, e);
            }
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse res) throws IOException {
        WardSession session = (WardSession) req.getAttribute(WardSession.ATTRIBUTE);
        String path = Optional.ofNullable(req.getPathInfo()).orElse("/");
        boolean close = path.endsWith("/close");
        Optional<Patient> patient = known(res, session, path.substring(1, close ? path.length() - "/close".length() : path.length()));
        if (patient.isEmpty()) {
            return;
        }
        Patient p = patient.get();
        String token = token(req);
        try {
            if (close) {
                handBack(req, res, ward.closePatient(token, p.id()));
                res.sendRedirect("/patients/");
                return;
            }
            String reason = Optional.ofNullable(req.getParameter("reason")).orElse("").strip();
            Optional<String> code = Optional.ofNullable(req.getParameter("reason_code")).filter(REASON_CODES::contains);
            handBack(req, res, ward.breakGlass(token, p.id(), reason, code));
            res.sendRedirect("/patients/" + p.id());
        } catch (WardException e) {
            handBack(req, res, e.rotatedToken());
            if ("validation_failed".equals(e.code())) {
                breakGlassForm(res, session, p, SignIn.error("Give the reason in a sentence or two (at least 10 characters)."));
            } else {
                failed(res, session, e);
            }
        }
    }

    /** The token the filter validated: a bearer's first (as the filter reads them), else the cookie's. */
    private String token(HttpServletRequest req) {
        String header = Optional.ofNullable(req.getHeader("Authorization")).orElse("");
        String bearer = header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : "";
        return WardClient.looksLikeToken(bearer) ? bearer : cookie.read(req).orElseThrow();
    }

    /** The record of a patient of this portal, or a 404 page written (an unknown id never reaches Ward). */
    private Optional<Patient> known(HttpServletResponse res, WardSession session, String id) throws IOException {
        Optional<Patient> patient = Patients.byId(id);
        if (patient.isEmpty()) {
            page(res, 404, "No such patient", Optional.of(session), "<p><a href=\"/patients/\">All patients</a></p>");
        }
        return patient;
    }

    private void list(HttpServletResponse res, WardSession session) throws IOException {
        StringBuilder rows = new StringBuilder();
        for (Patient p : Patients.ALL) {
            boolean open = session.patients().stream().anyMatch(o -> o.patientId().equals(p.id()));
            rows.append("<tr><td><a href=\"/patients/").append(escape(p.id())).append("\" id=\"open-").append(escape(p.id()))
                    .append("\">").append(escape(p.name())).append("</a>")
                    .append(p.confidential() ? " <span class=\"tag\">confidential</span>" : "")
                    .append("</td><td>").append(p.born()).append("</td><td>").append(escape(p.ward())).append("</td><td>")
                    .append(open ? "chart open" : "").append("</td></tr>");
        }
        page(res, 200, "Patients", Optional.of(session), "<table id=\"patients\"><thead><tr><th>Name</th><th>Born</th>"
                + "<th>Ward</th><th></th></tr></thead><tbody>" + rows + "</tbody></table>");
    }

    /** The chart as cached in the patient context; the first view of it fetches it from the record and caches it. */
    private void chart(HttpServletRequest req, HttpServletResponse res, WardSession session, Patient p, String token)
            throws IOException {
        JsonNode chart;
        try {
            OnBehalf<JsonNode> cached = ward.getPatientData(token, p.id(), CHART);
            handBack(req, res, cached);
            chart = cached.value();
        } catch (WardException e) {
            if (!"patient_data_not_found".equals(e.code())) {
                throw e;
            }
            handBack(req, res, e.rotatedToken());
            chart = JSON.valueToTree(p.chart());
            handBack(req, res, ward.putPatientData(token, p.id(), CHART, chart));
        }
        OnBehalf<List<PatientContext>> contexts = ward.listPatients(token);
        handBack(req, res, contexts);
        PatientContext context = contexts.value().stream().filter(c -> c.patientId().equals(p.id())).findFirst()
                .orElseThrow(() -> new WardException(404, "patient_context_not_open", "the context closed"));
        String banner = context.breakGlass()
                ? "<p class=\"break-glass\" id=\"break-glass\">Emergency access: this chart was opened by breaking the glass. "
                + "It is audited and will be reviewed.</p>" : "";
        page(res, 200, p.name(), Optional.of(session), banner
                + "<section class=\"card\" id=\"chart\" data-chart><p>Born " + p.born() + " · Ward " + escape(p.ward()) + "</p>"
                + "<h2>Allergies</h2>" + items(chart.path("allergies"), "None known")
                + "<h2>Medications</h2>" + items(chart.path("medications"), "None")
                + "<h2>Note</h2><p>" + escape(chart.path("note").asText()) + "</p></section>"
                + "<p class=\"meta\">Chart open until " + context.expiresAt() + " (" + context.accesses() + " uses).</p>"
                + "<form method=\"post\" action=\"/patients/" + escape(p.id()) + "/close\"><button type=\"submit\" id=\"close\">"
                + "Close chart</button></form><p><a href=\"/patients/\">All patients</a></p>");
    }

    private void breakGlassForm(HttpServletResponse res, WardSession session, Patient p, String message) throws IOException {
        page(res, 403, "Restricted record", Optional.of(session), message
                + "<p>This patient's record is restricted to their care team. In an emergency you may open it by breaking "
                + "the glass: your reason is recorded, an alert is raised, and the access will be reviewed.</p>"
                + "<form method=\"post\" action=\"/patients/" + escape(p.id()) + "\" class=\"card\">"
                + "<label>Reason <textarea name=\"reason\" id=\"reason\" minlength=\"10\" required></textarea></label>"
                + "<label>Kind <select name=\"reason_code\" id=\"reason-code\"><option value=\"ETREAT\">Emergency treatment</option>"
                + "<option value=\"ERTREAT\">Emergency room treatment</option><option value=\"BTG\">Other emergency</option></select></label>"
                + "<button type=\"submit\" id=\"break-glass-submit\">Break the glass</button></form>"
                + "<p><a href=\"/patients/\">Back to the list</a></p>");
    }

    private void failed(HttpServletResponse res, WardSession session, WardException e) throws IOException {
        if (e.unavailable()) {
            log("Ward is unavailable for a patient call: " + e.getMessage());
            page(res, 503, "Unavailable", Optional.of(session), SignIn.error("Patient records cannot be opened right now. Try again shortly."));
        } else {
            page(res, e.status() >= 400 && e.status() < 500 ? e.status() : 502, "Not possible", Optional.of(session),
                    SignIn.error("Ward refused this (" + e.code() + ").") + "<p><a href=\"/patients/\">All patients</a></p>");
        }
    }

    /**
     * A call that rotated the user's token hands the new one to the browser, as the filter does for validations — a
     * refused call too ({@link WardException#rotatedToken}): the old token lives only through the grace period.
     */
    private void handBack(HttpServletRequest req, HttpServletResponse res, OnBehalf<?> answer) {
        handBack(req, res, answer.rotatedToken());
    }

    private void handBack(HttpServletRequest req, HttpServletResponse res, Optional<String> rotated) {
        rotated.ifPresent(fresh -> cookie.set(req, res, fresh));
    }

    private static String items(JsonNode list, String none) {
        if (!list.isArray() || list.isEmpty()) {
            return "<p>" + escape(none) + "</p>";
        }
        StringBuilder out = new StringBuilder("<ul>");
        list.forEach(i -> out.append("<li>").append(escape(i.asText())).append("</li>"));
        return out.append("</ul>").toString();
    }
}
