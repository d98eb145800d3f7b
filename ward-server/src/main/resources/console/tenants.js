// Tenants (the system administrator creates them) and the chosen tenant's policy: the policy in force, and a partial
// policy to merge into it (PATCH), whose refusal Ward explains by naming the field.
import {get, post, patch, seg} from "./api.js";
import {h, show, page, table, field, form, when, announce, fieldError} from "./dom.js";

export async function render(root, ctx) {
  const list = ctx.system ? await get("/v1/admin/tenants") : null;
  const tenant = await get(`/v1/admin/tenants/${seg(ctx.tenant)}`);
  show(root, ...page("Tenants and policy",
    list ? table("Tenants", [
      {label: "Id", cell: t => t.id},
      {label: "Name", cell: t => t.name},
      {label: "Policy version", cell: t => t.policy_version},
      {label: "Created", cell: t => when(t.created_at)},
    ], list.tenants) : null,
    list ? createTenant(root, ctx) : null,
    h("h2", {}, `Policy of ${tenant.name} (${tenant.id}), version ${tenant.policy_version}`),
    h("pre", {class: "policy", id: "policy-current", tabindex: 0, "aria-label": "The policy in force"},
      JSON.stringify(tenant.policy, null, 2)),
    editPolicy(root, ctx)));
}

function createTenant(root, ctx) {
  const id = h("input", {name: "id", required: true, autocomplete: "off"});
  const name = h("input", {name: "name", required: true, autocomplete: "off"});
  return [h("h2", {}, "Create a tenant"), form({class: "card", "aria-label": "Create a tenant"}, [
    field("Id", id, "Lower-case letters, digits and dashes."), field("Name", name), h("button", {type: "submit"}, "Create tenant"),
  ], async () => {
    await post("/v1/admin/tenants", {id: id.value.trim(), name: name.value.trim()});
    announce(`Tenant ${id.value.trim()} created; choose it in the tenant list to administer it.`);
    ctx.tenants.push(id.value.trim());
    const choice = document.getElementById("tenant-choice");
    choice.append(h("option", {value: id.value.trim()}, id.value.trim()));
    await render(root, ctx);
  })];
}

function editPolicy(root, ctx) {
  const text = h("textarea", {name: "policy", id: "policy-patch", rows: 8, cols: 60, spellcheck: "false"},
    '{\n  "session": {"idle_timeout_seconds": 900}\n}');
  return [h("h2", {}, "Change the policy"), form({class: "card", "aria-label": "Change the policy"}, [
    field("Changes (JSON, merged into the policy)", text,
      "Only the keys you give change; an unknown key or a wrong type is refused and named here."),
    h("button", {type: "submit"}, "Apply changes"),
  ], async () => {
    let changes;
    try {
      changes = JSON.parse(text.value);
    } catch (e) {
      fieldError(text, `Not JSON: ${e.message}`);
      text.focus();
      return;
    }
    try {
      await patch(`/v1/admin/tenants/${seg(ctx.tenant)}`, {policy: changes});
    } catch (e) {
      // Ward names the policy key it refused (policy.session.idle_timeout_seconds): shown beside the text area.
      if (e.status === 400 && e.field && !e.message.includes(e.field)) e.message = `${e.field}: ${e.message}`;
      e.field = "policy";
      throw e;
    }
    announce("Policy changed.");
    await render(root, ctx);
  })];
}
