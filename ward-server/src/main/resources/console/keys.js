// The chosen tenant's data-encryption key versions: rotate to a new primary (old versions still decrypt), and destroy
// an old version (crypto-shredding) behind Ward's own safety checks, whose refusals are shown as they come.
import {get, post, seg} from "./api.js";
import {h, show, page, table, field, form, button, when, announce, report} from "./dom.js";

export async function render(root, ctx) {
  const base = `/v1/admin/tenants/${seg(ctx.tenant)}/keys`;
  const results = h("div", {id: "keys-results"});
  show(root, ...page(`Encryption keys of ${ctx.tenant}`,
    h("p", {}, "New data is encrypted under the primary version; older versions stay to decrypt what they wrote until rewrapped."),
    h("div", {class: "actions"}, button("Rotate: make a new primary version", async () => {
      try {
        versions(results, base, await post(`${base}/rotate`));
        announce("Key rotated.");
      } catch (e) {
        report(e);
      }
    }, {id: "keys-rotate"})),
    results));
  versions(results, base, await get(base));
}

function versions(results, base, answer) {
  show(results, table("Key versions", [
    {label: "Version", cell: v => v.version},
    {label: "State", cell: v => v.state},
    {label: "Created", cell: v => when(v.created_at)},
    {label: "Destroyed", cell: v => v.state === "active" ? destroy(results, base, v) : when(v.destroyed_at)},
  ], answer.versions));
}

/**
 * Destroying makes everything sealed under the version unreadable for good: the administrator types the version
 * number to confirm, and Ward still refuses a version that was the primary moments ago or that values it keeps are
 * sealed under (no force from the console: `ward keys` has it, for the rare case that wants it).
 */
function destroy(results, base, v) {
  const confirm = h("input", {name: "confirm", inputmode: "numeric", autocomplete: "off", size: 4, id: `destroy-${v.version}`});
  return form({class: "inline", "aria-label": `Destroy key version ${v.version}`}, [
    field(`Type ${v.version} to destroy this version`, confirm),
    h("button", {type: "submit", class: "danger"}, `Destroy version ${v.version}`),
  ], async () => {
    if (confirm.value.trim() !== String(v.version)) {
      throw Object.assign(new Error(`Type ${v.version} to confirm.`), {field: "confirm"});
    }
    versions(results, base, await post(`${base}/${v.version}/destroy`, {confirm: true}));
    announce(`Key version ${v.version} destroyed.`);
  });
}
