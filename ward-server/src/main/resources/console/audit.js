// The chosen tenant's audit trail: search with filters (page by page), verify the hash chain, export.
import {get, q} from "./api.js";
import {h, show, page, table, field, form, button, when, plain} from "./dom.js";

const FILTERS = [["user_id", "User id"], ["patient_id", "Patient id"], ["type", "Event type"]];

export async function render(root, ctx) {
  const inputs = Object.fromEntries(FILTERS.map(([name]) => [name, h("input", {name, id: `audit-${name}`})]));
  const from = h("input", {name: "from", id: "audit-from", placeholder: "2026-11-22T00:00:00Z"});
  const to = h("input", {name: "to", id: "audit-to", placeholder: "2026-11-23T00:00:00Z"});
  const results = h("div", {id: "audit-results"});
  const verdict = h("div", {id: "audit-verify", "aria-live": "polite"});
  const exports = h("p", {class: "exports"});
  const filter = () => ({tenant: ctx.tenant, ...Object.fromEntries(FILTERS.map(([n]) => [n, inputs[n].value.trim()])),
    from: from.value.trim(), to: to.value.trim()});
  const search = async () => {
    exportLinks(exports, filter());
    await list(results, filter());
  };
  show(root, ...page(`Audit trail of ${ctx.tenant}`,
    form({class: "filters", "aria-label": "Search the audit trail"}, [
      FILTERS.map(([name, label]) => field(label, inputs[name])),
      field("From (ISO-8601 UTC)", from), field("To (ISO-8601 UTC)", to),
      h("button", {type: "submit"}, "Search"),
    ], search),
    h("div", {class: "actions"}, button("Verify the chain", async () => verify(verdict, ctx.tenant), {id: "audit-verify-button"})),
    verdict, exports, results));
  await search();
}

function exportLinks(exports, filter) {
  const {tenant, from, to} = filter;
  show(exports, "Export this tenant's trail", from || to ? " for the period" : "", ": ",
    ["ndjson", "csv", "fhir"].flatMap((format, i) => [i ? ", " : "",
      h("a", {href: q("/v1/admin/audit/export", {tenant, from, to, format}), download: ""}, format.toUpperCase())]));
}

async function verify(verdict, tenant) {
  try {
    const r = await get(q("/v1/admin/audit/verify", {tenant}));
    show(verdict, r.ok
      ? h("p", {class: "ok", role: "status"}, `Chain intact: ${r.checked} event(s) checked, head #${r.head?.seq ?? "—"}.`)
      : h("p", {class: "bad", role: "alert"}, `Chain broken at event #${r.first_bad_seq}: ${r.reason}`));
  } catch (e) {
    show(verdict, h("p", {role: "alert"}, e.message));
  }
}

async function list(results, filter, cursor) {
  const answer = await get(q("/v1/admin/audit", {...filter, limit: 50, cursor}));
  show(results, table(`Events, newest first`, [
    {label: "#", cell: e => e.seq},
    {label: "At", cell: e => when(e.at)},
    {label: "Type", cell: e => e.type},
    {label: "Outcome", cell: e => e.outcome ?? ""},
    {label: "User", cell: e => e.user_id ?? ""},
    {label: "Patient", cell: e => e.patient_id ?? ""},
    {label: "IP", cell: e => e.ip ?? ""},
    {label: "Details", cell: e => h("code", {class: "details"}, plain(e.details))},
  ], answer.events),
    answer.next_cursor ? button("Older events", async () => list(results, filter, answer.next_cursor)) : null);
}
