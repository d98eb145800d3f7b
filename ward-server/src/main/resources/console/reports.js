// Reports to download: usage, compliance, and patient access (the HIPAA accounting of disclosures), for a tenant and
// a period of UTC days, as JSON, CSV or a printable HTML page. Each is fetched with the session cookie and saved
// from the page's memory (a Blob behind an object URL and a download link); a refusal is shown as Ward gave it.
import {file, q, wardNow} from "./api.js";
import {h, show, page, field, form, announce} from "./dom.js";

const REPORTS = [
  {id: "usage", label: "Usage", path: "/v1/admin/reports/usage",
    about: "Per day: logins by outcome, sessions, distinct users, session durations, peak concurrency."},
  {id: "compliance", label: "Compliance", path: "/v1/admin/reports/compliance",
    about: "Each HIPAA §164.312 control and ONC 170.315 (d) criterion: the policy in force, the evidence from the "
      + "period, and a verdict."},
  {id: "patient-access", label: "Patient access", path: "/v1/admin/reports/patient-access", patient: true,
    about: "Every opening, read, write and break-glass of one patient's data (HIPAA accounting of disclosures)."},
];
const FORMATS = [["csv", "CSV (spreadsheet)"], ["json", "JSON"], ["html", "HTML (printable page)"]];
const DAY = 24 * 3600 * 1000;

/** The object URL of the report last made: one at a time, revoked when the next one is made. */
let saved = null;

export async function render(root, ctx) {
  const today = (await wardNow()).toISOString().slice(0, 10);
  const tenant = h("select", {name: "tenant", id: "report-tenant"},
    ctx.tenants.map(t => h("option", {value: t, selected: t === ctx.tenant}, t)));
  const kind = h("select", {name: "report", id: "report-kind"}, REPORTS.map(r => h("option", {value: r.id}, r.label)));
  const about = h("p", {class: "hint", id: "report-about"});
  const patient = h("input", {name: "patient_id", id: "report-patient", autocomplete: "off"});
  const patientField = field("Patient id", patient, "The patient whose accesses the report lists.");
  const from = h("input", {name: "from", id: "report-from", type: "date", value: day(Date.parse(today) - 29 * DAY)});
  const to = h("input", {name: "to", id: "report-to", type: "date", value: today});
  const format = h("select", {name: "format", id: "report-format"}, FORMATS.map(([v, label]) => h("option", {value: v}, label)));
  const result = h("div", {id: "report-result", "aria-live": "polite"});
  const chosen = () => REPORTS.find(r => r.id === kind.value);
  const describe = () => {
    about.textContent = chosen().about;
    patientField.hidden = !chosen().patient;
  };
  kind.addEventListener("change", describe);
  describe();
  show(root, ...page("Reports",
    h("p", {}, "Choose a report, its tenant and period (whole days, UTC), and a format. Ward reads the audit trail "
      + "for it and records that read in the trail, as an export: who asked, for which report and period."),
    form({class: "card", id: "report-form", "aria-label": "Download a report"}, [
      field("Report", kind), about, patientField, field("Tenant", tenant),
      field("First day (UTC)", from, "Empty: as far back as the report goes."),
      field("Last day (UTC, included)", to, "Empty: up to now."),
      field("Format", format),
      h("button", {type: "submit", id: "report-download-button"}, "Download"),
    ], async () => download(result, {report: chosen(), tenant: tenant.value, patient: patient.value.trim(),
      from: from.value, to: to.value, format: format.value})),
    result));
}

async function download(result, {report, tenant, patient, from, to, format}) {
  if (report.patient && !patient) throw Object.assign(new Error("Enter the patient id."), {field: "patient_id"});
  const path = q(report.path, {tenant, patient_id: report.patient ? patient : "", format,
    from: from ? `${from}T00:00:00Z` : "", to: to ? `${day(Date.parse(to) + DAY)}T00:00:00Z` : ""});
  result.setAttribute("aria-busy", "true");
  show(result, h("p", {}, `Reading the ${report.label.toLowerCase()} report…`));
  let answer;
  try {
    answer = await file(path);
  } catch (e) {
    show(result);
    throw explain(e, report);
  } finally {
    result.removeAttribute("aria-busy");
  }
  const name = ["ward", report.id, tenant, report.patient ? patient : null, from || "start", "to", to || "now"]
    .filter(Boolean).join("-").replace(/[^A-Za-z0-9._-]/g, "_") + `.${format}`;
  if (saved) URL.revokeObjectURL(saved);
  saved = URL.createObjectURL(answer.blob);
  const link = h("a", {href: saved, download: name, id: "report-file"}, `Save ${name}`);
  show(result,
    h("p", {class: "ok"}, `The ${report.label.toLowerCase()} report is ready: ${size(answer.blob.size)}, saved to your `
      + "downloads. If your browser did not save it, use the link."),
    h("p", {}, link),
    format === "html"
      ? h("p", {}, h("a", {href: path, target: "_blank", rel: "noopener", id: "report-open"}, "Open the page in a new tab"),
          " (Ward reads the report again for it, and records that read too).")
      : null);
  link.click();
  announce(`The ${report.label.toLowerCase()} report is ready.`);
}

/**
 * A refusal with the field it names is shown beside that field; any other keeps Ward's words with its status and
 * code, so that "this Ward has no such report" reads differently from "you may not read this tenant's".
 */
function explain(e, report) {
  if (e.field || e.status === 0) return e;
  const what = e.status === 404 && e.code === "not_found"
    ? `This Ward does not serve the ${report.label.toLowerCase()} report (${report.path}).` : "";
  e.message = `${what} Ward answered ${e.status}${e.code ? ` ${e.code}` : ""}: ${e.message}`.trim();
  return e;
}

function day(millis) {
  return new Date(millis).toISOString().slice(0, 10);
}

function size(bytes) {
  return bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KiB`;
}
