// The chosen tenant's data-encryption key versions: rotate to a new primary (old versions still decrypt).
import {get, post, seg} from "./api.js";
import {h, show, page, table, button, when, announce, report} from "./dom.js";

export async function render(root, ctx) {
  const base = `/v1/admin/tenants/${seg(ctx.tenant)}/keys`;
  const results = h("div", {id: "keys-results"});
  show(root, ...page(`Encryption keys of ${ctx.tenant}`,
    h("p", {}, "New data is encrypted under the primary version; older versions stay to decrypt what they wrote until rewrapped."),
    h("div", {class: "actions"}, button("Rotate: make a new primary version", async () => {
      try {
        versions(results, await post(`${base}/rotate`));
        announce("Key rotated.");
      } catch (e) {
        report(e);
      }
    }, {id: "keys-rotate"})),
    results));
  versions(results, await get(base));
}

function versions(results, answer) {
  show(results, table("Key versions", [
    {label: "Version", cell: v => v.version},
    {label: "State", cell: v => v.state},
    {label: "Created", cell: v => when(v.created_at)},
    {label: "Destroyed", cell: v => when(v.destroyed_at)},
  ], answer.versions));
}
