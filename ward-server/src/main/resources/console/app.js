// The console's shell: who is signed in, the tenant being administered, and the page the location's hash names.
import {get, post, settle} from "./api.js";
import {h, show, announce} from "./dom.js";
import {signIn} from "./login.js";
import * as dashboard from "./dashboard.js";
import * as sessions from "./sessions.js";
import * as users from "./users.js";
import * as alerts from "./alerts.js";
import * as audit from "./audit.js";
import * as tenants from "./tenants.js";
import * as apiKeys from "./apikeys.js";
import * as keys from "./keys.js";
import * as breakGlass from "./breakglass.js";
import * as reports from "./reports.js";

const PAGES = {
  "dashboard": dashboard, "sessions": sessions, "users": users, "alerts": alerts, "audit": audit,
  "tenants": tenants, "api-keys": apiKeys, "keys": keys, "break-glass": breakGlass, "reports": reports,
};

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");

/** What every page is given: the signed-in session, the tenants it administers, and the one chosen. */
const context = {me: null, tenants: [], tenant: null, system: false};

async function start() {
  // A live session from an earlier visit (the cookie) goes straight in; none, or an enrolment-only one (which may
  // not read /v1/session), signs in afresh.
  try {
    await enter(await get("/v1/session"));
  } catch {
    signedOut();
  }
}

function signedOut(message) {
  nav.hidden = true;
  who.replaceChildren();
  context.me = null;
  signIn(main, async () => enter(await get("/v1/session")), message);
}

async function enter(me) {
  context.me = me;
  context.system = me.tenant === "system";
  const [list] = await settle([get("/v1/admin/tenants")]);
  // A tenant administrator may not list tenants: their own is then the only one.
  context.tenants = list.value ? list.value.tenants.map(t => t.id) : [me.tenant];
  if (!context.tenants.includes(me.tenant)) context.tenants.unshift(me.tenant);
  context.tenant = sessionStorage.getItem("console.tenant");
  if (!context.tenants.includes(context.tenant)) context.tenant = me.tenant;
  shell();
  if (!location.hash || location.hash === "#/" || location.hash === "#") location.hash = "#/dashboard";
  else route();
}

function shell() {
  const choose = h("select", {id: "tenant-choice", name: "tenant"},
    context.tenants.map(t => h("option", {value: t, selected: t === context.tenant}, t)));
  choose.addEventListener("change", () => {
    context.tenant = choose.value;
    sessionStorage.setItem("console.tenant", choose.value);
    announce(`Tenant ${choose.value}`);
    route();
  });
  const out = h("button", {type: "button", id: "sign-out"}, "Sign out");
  out.addEventListener("click", async () => {
    await post("/v1/auth/logout").catch(() => {});
    sessionStorage.removeItem("console.tenant");
    location.hash = "";
    signedOut("Signed out.");
  });
  show(who,
    h("span", {class: "me"}, `${context.me.user.username} @ ${context.me.tenant}`),
    h("label", {for: "tenant-choice"}, "Tenant"), choose, out);
  nav.hidden = false;
}

async function route() {
  if (!context.me) return;
  const name = location.hash.replace(/^#\//, "").split("?")[0] || "dashboard";
  const pageModule = Object.hasOwn(PAGES, name) ? PAGES[name] : dashboard; // not #/constructor, #/__proto__
  for (const a of nav.querySelectorAll("a")) {
    if (a.getAttribute("href") === `#/${name}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  show(main, h("p", {}, "Loading…"));
  try {
    await pageModule.render(main, context);
  } catch (e) {
    // A 401 has already put the sign-in form up (console:signed-out): leave it there.
    if (!context.me) return;
    show(main, h("h1", {}, "Something went wrong"), h("p", {role: "alert"}, e.message));
  }
  document.title = `${main.querySelector("h1")?.textContent ?? "Console"} · Ward console`;
  main.focus();
}

window.addEventListener("hashchange", route);
window.addEventListener("console:signed-out", () => {
  if (context.me) signedOut("Your session has ended; sign in again.");
});
start();
