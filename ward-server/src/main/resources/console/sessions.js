// Live sessions, filtered by tenant and user; an administrator can end any of them (reason "admin").
import {get, del, q, seg} from "./api.js";
import {h, show, page, table, field, form, button, when, announce, report} from "./dom.js";

export async function render(root, ctx, filter = {tenant: ctx.system ? "" : ctx.tenant, user_id: ""}) {
  const tenant = h("select", {name: "tenant", id: "sessions-tenant"},
    ctx.system ? h("option", {value: ""}, "All tenants") : null,
    ctx.tenants.map(t => h("option", {value: t, selected: t === filter.tenant}, t)));
  const user = h("input", {name: "user_id", id: "sessions-user", value: filter.user_id});
  const results = h("div", {id: "sessions-results"});
  show(root, ...page("Sessions",
    form({class: "filters", "aria-label": "Filter sessions"}, [
      field("Tenant", tenant), field("User id", user, "Needs a tenant."), h("button", {type: "submit"}, "Filter"),
    ], async () => list(results, ctx, {tenant: tenant.value, user_id: user.value.trim()})),
    results));
  await list(results, ctx, filter);
}

async function list(results, ctx, filter) {
  const answer = await get(q("/v1/admin/sessions", {...filter, limit: 1000}));
  show(results, table(`${answer.sessions.length} live session(s)`, [
    {label: "User", cell: s => s.user.username},
    {label: "Tenant", cell: s => s.tenant},
    {label: "Roles", cell: s => s.user.roles.join(", ")},
    {label: "AAL", cell: s => s.aal},
    {label: "Started", cell: s => when(s.created_at)},
    {label: "Last seen", cell: s => when(s.last_seen_at)},
    {label: "Client", cell: s => `${s.client.ip} ${s.client.user_agent ?? ""}`.trim()},
    {label: "Action", cell: s => s.id === ctx.me.id ? "this session" : button("Terminate", async () => {
      try {
        await del(`/v1/admin/sessions/${seg(s.id)}`);
        announce(`Session of ${s.user.username} terminated.`);
        await list(results, ctx, filter);
      } catch (e) {
        report(e);
      }
    }, {"aria-label": `Terminate the session of ${s.user.username} started ${s.created_at}`, class: "danger"})},
  ], answer.sessions));
}
