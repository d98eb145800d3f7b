// The chosen tenant's API keys: create one (its secret shown once, here), list, revoke.
import {get, post, del, seg} from "./api.js";
import {h, show, page, table, field, form, button, when, announce, report} from "./dom.js";

const SCOPES = ["sessions", "patients", "crypto", "audit", "admin"];

export async function render(root, ctx) {
  const base = `/v1/admin/tenants/${seg(ctx.tenant)}/api-keys`;
  const results = h("div", {id: "api-keys-results"});
  const created = h("div", {id: "api-key-created"});
  const name = h("input", {name: "name", required: true, autocomplete: "off"});
  const boxes = SCOPES.map(s => h("input", {type: "checkbox", name: "scopes", value: s, id: `scope-${s}`}));
  show(root, ...page(`API keys of ${ctx.tenant}`,
    created,
    results,
    h("h2", {}, "Create an API key"),
    form({class: "card", "aria-label": "Create an API key"}, [
      field("Name", name),
      h("fieldset", {}, h("legend", {}, "Scopes"),
        boxes.map(b => h("div", {class: "check"}, b, h("label", {for: b.id}, b.value)))),
      h("button", {type: "submit"}, "Create key"),
    ], async () => {
      const answer = await post(base, {name: name.value.trim(), scopes: boxes.filter(b => b.checked).map(b => b.value)});
      show(created, h("div", {class: "once", role: "alert"},
        h("p", {}, `Key ${name.value.trim()} created. Copy it now: Ward keeps only its hash and will not show it again.`),
        h("code", {id: "api-key-secret", tabindex: 0}, answer.key)));
      name.value = "";
      boxes.forEach(b => { b.checked = false; });
      await list(results, base);
      created.querySelector("code").focus();
    })));
  await list(results, base);
}

async function list(results, base) {
  const answer = await get(base);
  show(results, table(`${answer.api_keys.length} key(s)`, [
    {label: "Name", cell: k => k.name},
    {label: "Id", cell: k => h("code", {}, k.id)},
    {label: "Scopes", cell: k => k.scopes.join(", ")},
    {label: "Created", cell: k => when(k.created_at)},
    {label: "Revoked", cell: k => k.revoked_at ? when(k.revoked_at) : button("Revoke", async () => {
      try {
        await del(`${base}/${seg(k.id)}`);
        announce(`Key ${k.name} revoked.`);
        await list(results, base);
      } catch (e) {
        report(e);
      }
    }, {"aria-label": `Revoke the key ${k.name}`, class: "danger"})},
  ], answer.api_keys));
}
