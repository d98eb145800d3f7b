// Break-glass openings of restricted patients waiting for review (HIPAA emergency access): mark each justified or not.
import {get, post, q, seg} from "./api.js";
import {h, show, page, table, field, form, when, announce} from "./dom.js";

export async function render(root, ctx) {
  const status = h("select", {name: "status", id: "break-glass-status"},
    h("option", {value: "open"}, "Waiting for review"), h("option", {value: "reviewed"}, "Reviewed"));
  const results = h("div", {id: "break-glass-results"});
  show(root, ...page(`Break-glass review, ${ctx.tenant}`,
    form({class: "filters", "aria-label": "Filter break-glass openings"}, [field("Status", status), h("button", {type: "submit"}, "Show")],
      async () => list(results, ctx, status.value)),
    results));
  await list(results, ctx, "open");
}

async function list(results, ctx, status) {
  const answer = await get(q("/v1/admin/break-glass", {tenant: ctx.tenant, status, limit: 200}));
  show(results, table(`${answer.break_glass.length} opening(s)`, [
    {label: "Opened", cell: b => when(b.opened_at)},
    {label: "User", cell: b => b.username},
    {label: "Patient", cell: b => b.patient_id},
    {label: "Reason", cell: b => [b.reason_code ? `${b.reason_code}: ` : "", b.reason]},
    {label: "Reads", cell: b => b.reads},
    {label: "Review", cell: b => b.status === "open" ? review(results, ctx, status, b) : b.status},
  ], answer.break_glass));
}

function review(results, ctx, status, item) {
  const verdict = h("select", {name: "justified"}, h("option", {value: "true"}, "Justified"), h("option", {value: "false"}, "Not justified"));
  const note = h("input", {name: "note", autocomplete: "off"});
  return form({class: "inline", "aria-label": `Review ${item.username}'s opening of ${item.patient_id}`}, [
    field("Verdict", verdict), field("Note", note), h("button", {type: "submit"}, "Record review"),
  ], async () => {
    await post(`/v1/admin/break-glass/${seg(item.id)}/review`, {justified: verdict.value === "true", note: note.value.trim()});
    announce("Review recorded.");
    await list(results, ctx, status);
  });
}
