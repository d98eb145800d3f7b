// The chosen tenant's alerts: acknowledge open ones, see where each was delivered (webhook, e-mail).
import {get, post, q, seg} from "./api.js";
import {h, show, page, table, field, form, button, when, announce, plain, report} from "./dom.js";

export async function render(root, ctx) {
  const status = h("select", {name: "status", id: "alerts-status"},
    h("option", {value: "open"}, "Open"), h("option", {value: "acknowledged"}, "Acknowledged"),
    h("option", {value: ""}, "All"));
  const results = h("div", {id: "alerts-results"});
  const deliveries = h("div", {id: "alerts-deliveries"});
  show(root, ...page(`Alerts of ${ctx.tenant}`,
    form({class: "filters", "aria-label": "Filter alerts"}, [field("Status", status), h("button", {type: "submit"}, "Show")],
      async () => list(results, deliveries, ctx, status.value)),
    results, deliveries));
  await list(results, deliveries, ctx, "open");
}

async function list(results, deliveries, ctx, status) {
  const answer = await get(q("/v1/admin/alerts", {tenant: ctx.tenant, status, limit: 200}));
  show(results, table(`${answer.alerts.length} alert(s)`, [
    {label: "At", cell: a => when(a.at)},
    {label: "Type", cell: a => a.type},
    {label: "Severity", cell: a => h("span", {class: `severity severity-${a.severity}`}, a.severity)},
    {label: "Subject", cell: a => h("code", {class: "details"}, plain(a.subject))},
    {label: "Details", cell: a => h("code", {class: "details"}, plain(a.details))},
    {label: "Status", cell: a => a.status},
    {label: "Actions", cell: a => h("div", {class: "actions"},
      a.status === "open" ? button("Acknowledge", async () => {
        try {
          await post(`/v1/admin/alerts/${seg(a.id)}/ack`);
          announce(`Alert ${a.type} acknowledged.`);
          await list(results, deliveries, ctx, status);
        } catch (e) {
          report(e);
        }
      }, {"aria-label": `Acknowledge the ${a.type} alert of ${a.at}`}) : null,
      button("Deliveries", async () => showDeliveries(deliveries, a), {"aria-label": `Deliveries of the ${a.type} alert of ${a.at}`}))},
  ], answer.alerts));
}

async function showDeliveries(deliveries, alert) {
  try {
    const answer = await get(`/v1/admin/alerts/${seg(alert.id)}/deliveries`);
    show(deliveries, h("h2", {id: "deliveries-heading", tabindex: -1}, `Deliveries of the ${alert.type} alert`),
      table("Channels", [
        {label: "Channel", cell: c => c.channel},
        {label: "Status", cell: c => c.status},
        {label: "Attempts", cell: c => c.attempts},
        {label: "Next attempt", cell: c => when(c.next_attempt_at)},
      ], answer.channels ?? []),
      table("Delivery attempts", [
        {label: "Channel", cell: d => d.channel},
        {label: "At", cell: d => when(d.at)},
        {label: "Outcome", cell: d => d.outcome},
        {label: "HTTP status", cell: d => d.status_code ?? ""},
      ], answer.deliveries));
    deliveries.querySelector("h2").focus();
  } catch (e) {
    show(deliveries, h("p", {role: "alert"}, e.message));
  }
}
