// Counts across every tenant the signed-in administrator may see: live sessions per tenant, open alerts, and the
// latest logins by outcome. Each list is fetched on its own, so one that is forbidden leaves the others standing.
import {get, q, settle} from "./api.js";
import {h, svg, show, page, table, when, plain} from "./dom.js";

const LIMIT = 1000;

export async function render(root) {
  const [sessions, alerts, logins] = await settle([
    get(q("/v1/admin/sessions", {limit: LIMIT})),
    get(q("/v1/admin/alerts", {status: "open", limit: LIMIT})),
    get(q("/v1/admin/login-history", {limit: 200})),
  ]);
  const perTenant = count(sessions.value?.sessions ?? [], s => s.tenant);
  const outcomes = count(logins.value?.attempts ?? [], a => a.outcome);
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
      ? table("Newest open alerts", [
          {label: "At", cell: a => when(a.at)},
          {label: "Type", cell: a => a.type},
          {label: "Severity", cell: a => a.severity},
          {label: "Subject", cell: a => h("code", {class: "details"}, plain(a.subject))},
        ], alerts.value.alerts.slice(0, 5))
      : null));
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
