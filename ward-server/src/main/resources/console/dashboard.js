// Counts across every tenant the signed-in administrator may see: live sessions per tenant, open alerts, and the
// latest logins by outcome. Each list is fetched on its own, so one that is forbidden leaves the others standing.
// Under them, the same over time: sessions, logins by outcome and alerts per UTC day, from the usage report and
// the alerts list of one tenant (or, for the system administrator, of all of them added up).
import {get, q, settle, wardNow} from "./api.js";
import {h, svg, show, page, table, field, form, when, plain, announce} from "./dom.js";
import {dayChart} from "./charts.js";

const LIMIT = 1000;
const ALL = "*";
const DAY = 24 * 3600 * 1000;
const PERIODS = [7, 14, 30, 90];
const SEVERITIES = [["low", "grey"], ["medium", "amber"], ["high", "red"], ["critical", "purple"]];

export async function render(root, ctx) {
  const [sessions, alerts, logins] = await settle([
    get(q("/v1/admin/sessions", {limit: LIMIT})),
    get(q("/v1/admin/alerts", {status: "open", limit: LIMIT})),
    get(q("/v1/admin/login-history", {limit: 200})),
  ]);
  const perTenant = count(sessions.value?.sessions ?? [], s => s.tenant);
  const outcomes = count(logins.value?.attempts ?? [], a => a.outcome);
  const history = h("div", {id: "history", "aria-live": "polite"});
  show(root, ...page("Dashboard",
    h("div", {class: "tiles"},
      tile("Active sessions", sessions, v => total(v.sessions)),
      tile("Open alerts", alerts, v => total(v.alerts)),
      tile("Failed logins (last 200 attempts)", logins, () => outcomes.get("failed") ?? 0)),
    h("section", {"aria-labelledby": "chart-sessions"},
      h("h2", {id: "chart-sessions"}, "Active sessions per tenant"),
      sessions.error ? refused(sessions.error) : bars(perTenant, "sessions")),
    h("section", {"aria-labelledby": "chart-logins"},
      h("h2", {id: "chart-logins"}, "Recent logins by outcome"),
      logins.error ? refused(logins.error) : bars(outcomes, "logins")),
    alerts.value && alerts.value.alerts.length > 0
      ? h("section", {"aria-labelledby": "newest-alerts"},
          h("h2", {id: "newest-alerts"}, "Newest open alerts"),
          table("The five newest open alerts", [
            {label: "At", cell: a => when(a.at)},
            {label: "Type", cell: a => a.type},
            {label: "Severity", cell: a => a.severity},
            {label: "Subject", cell: a => h("code", {class: "details"}, plain(a.subject))},
          ], alerts.value.alerts.slice(0, 5)))
      : null,
    overTime(ctx, history)));
  await drawHistory(history, ctx, ctx.tenant, 14);
}

/**
 * The "over time" section. Reading the usage report is recorded in the audit trail as an export, so it is read when
 * the page opens and when the administrator asks again, never on a timer. A system administrator picks a tenant
 * (the one chosen in the header first) or all of them, which reads one report per tenant.
 */
function overTime(ctx, history) {
  const tenant = h("select", {name: "tenant", id: "history-tenant"},
    ctx.system && ctx.tenants.length > 1 ? h("option", {value: ALL}, "All tenants (one report each)") : null,
    ctx.tenants.map(t => h("option", {value: t, selected: t === ctx.tenant}, t)));
  const days = h("select", {name: "days", id: "history-days"},
    PERIODS.map(n => h("option", {value: n, selected: n === 14}, `Last ${n} days`)));
  return h("section", {"aria-labelledby": "over-time"},
    h("h2", {id: "over-time"}, "Over time"),
    h("p", {class: "hint"}, "Per UTC day, from the usage report and the alerts list. Ward records every read of the "
      + "usage report in the audit trail, as an export: this page reads it when it opens and when you press Refresh, "
      + "never by itself."),
    form({class: "filters", "aria-label": "Period of the charts over time"}, [
      field("Tenant", tenant), field("Period", days), h("button", {type: "submit", id: "history-refresh"}, "Refresh"),
    ], async () => drawHistory(history, ctx, tenant.value, Number(days.value))),
    history);
}

async function drawHistory(box, ctx, tenant, days) {
  box.setAttribute("aria-busy", "true");
  show(box, h("p", {}, "Reading the usage report…"));
  try {
    const to = new Date(Math.floor((await wardNow()).getTime() / DAY) * DAY + DAY);
    const from = new Date(to.getTime() - days * DAY);
    const tenants = tenant === ALL ? ctx.tenants : [tenant];
    const [usage, alerts] = await settle([
      usageOf(tenants, from, to),
      get(q("/v1/admin/alerts", {tenant: tenant === ALL ? "" : tenant, limit: LIMIT})),
    ]);
    const dates = [];
    for (let t = from.getTime(); t < to.getTime(); t += DAY) dates.push(new Date(t).toISOString().slice(0, 10));
    const label = tenant === ALL ? "all tenants" : tenant;
    show(box,
      h("p", {id: "history-period"}, `${label}, ${dates[0]} to ${dates[dates.length - 1]} (UTC).`),
      usage.error ? refused(usage.error) : usageCharts(usage.value, dates, tenant === ALL),
      alerts.error ? refused(alerts.error) : alertChart(alerts.value.alerts, dates));
    announce(`Charts over time drawn for ${label}.`);
  } finally {
    box.removeAttribute("aria-busy");
  }
}

/** The usage reports of the tenants, one after the other (each is a pass over that tenant's trail), by day. */
async function usageOf(tenants, from, to) {
  const byDay = new Map();
  for (const tenant of tenants) {
    const report = await get(q("/v1/admin/reports/usage", {tenant, from: from.toISOString(), to: to.toISOString()}));
    for (const d of report.days) {
      const sum = byDay.get(d.date) ?? {succeeded: 0, failed: 0, mfa_required: 0, sessions: 0, users: 0, peak: 0};
      sum.succeeded += d.logins.succeeded;
      sum.failed += d.logins.failed;
      sum.mfa_required += d.logins.mfa_required;
      sum.sessions += d.sessions;
      sum.users += d.distinct_users;
      sum.peak += d.peak_concurrency;
      byDay.set(d.date, sum);
    }
  }
  return byDay;
}

function usageCharts(byDay, dates, summed) {
  const value = (d, key) => byDay.get(d)?.[key] ?? 0;
  return [
    dayChart({id: "history-sessions", title: "Active sessions", kind: "lines", days: dates, value,
      series: [{key: "peak", label: "Most alive at once"}, {key: "sessions", label: "Started"},
        {key: "users", label: "Distinct users"}],
      note: summed ? "Added up over the tenants: a day's peak is the sum of each tenant's peak, which may be more "
        + "than were ever alive at the same moment." : null}),
    dayChart({id: "history-logins", title: "Logins by outcome", kind: "bars", days: dates, value,
      series: [{key: "succeeded", label: "Succeeded", tone: "green"},
        {key: "mfa_required", label: "Second factor asked", tone: "amber"}, {key: "failed", label: "Failed", tone: "red"}]}),
  ];
}

function alertChart(alerts, dates) {
  const perDay = new Map();
  for (const a of alerts) {
    const key = `${a.at.slice(0, 10)} ${a.severity}`;
    perDay.set(key, (perDay.get(key) ?? 0) + 1);
  }
  // The list is newest first and capped: days older than its last alert may be missing some.
  const capped = alerts.length >= LIMIT ? alerts[alerts.length - 1].at.slice(0, 10) : null;
  return dayChart({id: "history-alerts", title: "Alerts raised", kind: "bars", days: dates,
    value: (d, severity) => perDay.get(`${d} ${severity}`) ?? 0,
    series: SEVERITIES.map(([severity, tone]) => ({key: severity, label: severity, tone})),
    note: capped && capped >= dates[0] ? `Counted from the newest ${LIMIT} alerts: ${capped} and the days before it may `
      + "be missing some." : null});
}

function count(items, key) {
  const m = new Map();
  for (const item of items) m.set(key(item), (m.get(key(item)) ?? 0) + 1);
  return m;
}

/** A list capped at the limit says so rather than pretending to be the whole. */
function total(list) {
  return list.length >= LIMIT ? `${LIMIT}+` : String(list.length);
}

function tile(label, result, value) {
  return h("div", {class: "tile"}, h("span", {class: "tile-label"}, label),
    h("span", {class: "tile-value"}, result.error ? "—" : value(result.value)),
    result.error ? h("span", {class: "tile-note"}, result.error.message) : null);
}

function refused(error) {
  return h("p", {class: "notice"}, error.message);
}

/** A horizontal bar chart in SVG, with the same numbers as a list for screen readers (the SVG is hidden from them). */
function bars(counts, noun) {
  const entries = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return h("p", {}, `No ${noun}.`);
  const max = Math.max(...entries.map(e => e[1]));
  const row = 28, labelWidth = 140, barWidth = 360;
  const chart = svg("svg", {class: "chart", viewBox: `0 0 ${labelWidth + barWidth + 60} ${entries.length * row + 8}`,
    width: labelWidth + barWidth + 60, height: entries.length * row + 8, "aria-hidden": "true", focusable: "false"},
    entries.map(([label, n], i) => svg("g", {transform: `translate(0 ${i * row + 4})`},
      svg("text", {x: labelWidth - 8, y: 17, "text-anchor": "end", class: "chart-label"}, label),
      svg("rect", {x: labelWidth, y: 2, height: 20, width: Math.max(2, Math.round(barWidth * n / max)),
        class: `chart-bar bar-${String(label).replace(/[^a-z]/g, "")}`}),
      svg("text", {x: labelWidth + Math.round(barWidth * n / max) + 6, y: 17, class: "chart-value"}, n))));
  return h("figure", {}, chart,
    h("ul", {class: "visually-hidden"}, entries.map(([label, n]) => h("li", {}, `${label}: ${n}`))));
}
