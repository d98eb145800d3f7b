// The chosen tenant's users: create one, unlock, disable or enable, reset MFA.
import {get, post, seg} from "./api.js";
import {h, show, page, table, field, form, button, when, announce, report} from "./dom.js";

export async function render(root, ctx) {
  const base = `/v1/admin/tenants/${seg(ctx.tenant)}/users`;
  const results = h("div", {id: "users-results"});
  const username = h("input", {name: "username", autocomplete: "off", required: true});
  const password = h("input", {name: "password", type: "password", autocomplete: "new-password", required: true});
  const roles = h("input", {name: "roles", value: "provider", required: true});
  show(root, ...page(`Users of ${ctx.tenant}`,
    results,
    h("h2", {}, "Create a user"),
    form({class: "card", "aria-label": "Create a user"}, [
      field("Username", username), field("Password", password),
      field("Roles", roles, "Comma-separated, e.g. provider, admin."),
      h("button", {type: "submit"}, "Create user"),
    ], async () => {
      try {
        await post(base, {username: username.value.trim(), password: password.value,
          roles: roles.value.split(",").map(r => r.trim()).filter(Boolean)});
      } catch (e) {
        if (e.code === "weak_password") {
          e.field = "password";
          e.message = [e.message, ...(e.body.reasons ?? [])].join(" ");
        }
        throw e;
      }
      announce(`User ${username.value.trim()} created.`);
      username.value = "";
      password.value = "";
      await list(results, base);
    })));
  await list(results, base);
}

async function list(results, base) {
  const answer = await get(base);
  const act = (u, verb, label) => button(label, async () => {
    try {
      await post(`${base}/${seg(u.id)}/${verb}`);
      announce(`${label}: ${u.username} — done.`);
      await list(results, base);
    } catch (e) {
      report(e);
    }
  }, {"aria-label": `${label} ${u.username}`});
  show(results, table(`${answer.users.length} user(s)`, [
    {label: "Username", cell: u => u.username},
    {label: "Id", cell: u => h("code", {}, u.id)},
    {label: "Roles", cell: u => u.roles.join(", ")},
    {label: "Status", cell: u => u.status === "locked" && u.locked_until ? [u.status, " until ", when(u.locked_until)] : u.status},
    {label: "MFA", cell: u => u.mfa_enabled ? "on" : "off"},
    {label: "Created", cell: u => when(u.created_at)},
    {label: "Actions", cell: u => h("div", {class: "actions"},
      u.status === "locked" ? act(u, "unlock", "Unlock") : null,
      u.status === "disabled" ? act(u, "enable", "Enable") : act(u, "disable", "Disable"),
      u.mfa_enabled ? act(u, "reset-mfa", "Reset MFA") : null)},
  ], answer.users));
}
