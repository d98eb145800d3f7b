// ward.js: Ward's browser library (API.md "ward.js"). A plain ES module with no build step and no dependencies.
//   import { Ward } from "https://ward.example/ward.js";
//   const ward = Ward.start({ base: "https://ward.example", idleWarningSeconds: 120, hiddenCleanupSeconds: 300 });
// `base` is Ward's URL (calls carry the cookie: credentials "include"), or the path where the app forwards to Ward
// on its own origin ("/ward"). The page's origin must be in the tenant's browser.allowed_origins, or be Ward's own.

const CLEAR = "/v1/session/patient-data/clear";
const EMERGENCY = "/v1/session/emergency-cleanup";
const KEEPALIVE = "/v1/session/keepalive";
const LOGOUT = "/v1/auth/logout";

export class Ward {
  /** Starts the cleanups, shortcuts, buttons and idle warning; `ward.ready` settles once the session is read. */
  static start(options) {
    const ward = new Ward(options);
    ward.install();
    ward.ready = ward.refresh();
    return ward;
  }

  constructor({ base = "", idleWarningSeconds = 120, hiddenCleanupSeconds = 300 } = {}) {
    this.base = String(base).replace(/\/+$/, "");
    this.warnMs = idleWarningSeconds * 1000;
    this.hiddenMs = hiddenCleanupSeconds * 1000;
    this.enabled = true;
    this.skew = 0; // Ward's clock minus this browser's, so that a wrong PC clock cannot skew the countdown
    this.expires = 0; // the session's idle_expires_at on Ward's clock (ms); 0 = not known yet
    this.out = false; // signed out: no more beacons or warnings until a session is read again
    this.navigating = 0;
    this.channel = typeof BroadcastChannel == "function" ? new BroadcastChannel("ward:" + this.base) : null;
  }

  /** Automatic cleanups (tab closed, tab hidden) on again. */
  enable() { this.enabled = true; }

  /** Automatic cleanups off (the idle warning stays: it follows Ward's own timeout). */
  disable() { this.enabled = false; clearTimeout(this.hiddenTimer); }

  /** Clears every patient context of the session and its data; the session lives on. Resolves to {cleared}. */
  async clearPatientData() {
    const out = await this.call(CLEAR);
    emit("ward:patient-session-cleared", { cleared: out.cleared });
    return out;
  }

  /** Purges the contexts and ends the session at once. Resolves to {cleared, terminated}. */
  async emergencyCleanup() {
    const out = await this.call(EMERGENCY);
    emit("ward:patient-session-cleared", { cleared: out.cleared });
    this.signedOut("emergency_cleanup");
    return out;
  }

  /** Reads the session (a use of it: it slides the idle timeout) and schedules the idle warning from it. */
  async refresh() {
    const sent = Date.now();
    try {
      const s = await this.call("/v1/session", "GET", true);
      this.skew = Date.parse(s.last_seen_at) - (sent + Date.now()) / 2;
      this.schedule(Date.parse(s.idle_expires_at), true);
      return s;
    } catch (e) {
      return null; // not signed in (yet): nothing to watch
    }
  }

  /** "Stay signed in": slides the idle timeout. */
  async keepalive() {
    const out = await this.call(KEEPALIVE);
    this.schedule(Date.parse(out.idle_expires_at), true);
    return out;
  }

  // --- internals ------------------------------------------------------------------------------------------

  async call(path, method = "POST", quiet) {
    const r = await fetch(this.base + path, { method, credentials: "include", keepalive: method == "POST",
      headers: { Accept: "application/json" } });
    const body = r.status == 204 ? {} : await r.json().catch(() => ({}));
    if (!r.ok) {
      if (r.status == 401 && !quiet) this.signedOut(body.code || "session_invalid");
      throw Object.assign(new Error(body.detail || "Ward answered " + r.status), { status: r.status, code: body.code });
    }
    return body;
  }

  /** A cleanup the page cannot wait for: the tab is closing or hidden. Its answer is never read. */
  beacon() {
    if (!this.enabled || this.out) return false;
    const url = this.base + CLEAR;
    if (!(navigator.sendBeacon && navigator.sendBeacon(url))) {
      fetch(url, { method: "POST", credentials: "include", keepalive: true }).catch(() => {});
    }
    return true;
  }

  install() {
    const d = document;
    addEventListener("pagehide", () => {
      // A click to another page of the same app is not the tab closing: that page starts ward.js again.
      if (Date.now() - this.navigating > 5000) this.beacon();
    });
    d.addEventListener("visibilitychange", () => {
      clearTimeout(this.hiddenTimer);
      if (d.visibilityState == "hidden" && this.enabled) {
        this.hiddenTimer = setTimeout(() => {
          // A beacon's answer is never read, so the count is unknown (null); the app takes the patient off screen.
          if (this.beacon()) emit("ward:patient-session-cleared", { cleared: null });
        }, this.hiddenMs);
      }
    });
    d.addEventListener("click", (e) => {
      const el = e.target.closest && e.target.closest("[data-ward-action],a[href]");
      if (!el) return;
      const action = el.getAttribute("data-ward-action");
      if (action) {
        e.preventDefault();
        this.act(action);
      } else if (el.origin == location.origin && !el.target && !el.hasAttribute("download")) {
        this.navigating = Date.now();
      }
    });
    d.addEventListener("submit", (e) => {
      if (new URL(e.target.action, location.href).origin == location.origin) this.navigating = Date.now();
    });
    d.addEventListener("keydown", (e) => {
      const el = e.target.closest && e.target.closest("[data-ward-action]");
      const key = (e.key || "").toUpperCase();
      if (e.ctrlKey && e.shiftKey && (key == "C" || key == "E")) {
        e.preventDefault();
        this.act(key == "C" ? "clear" : "emergency");
      } else if (el && el.tagName != "BUTTON" && (e.key == "Enter" || e.key == " ")) {
        e.preventDefault();
        this.act(el.getAttribute("data-ward-action"));
      }
    });
    for (const el of d.querySelectorAll("[data-ward-action]")) {
      if (el.tagName != "BUTTON") { el.setAttribute("role", "button"); el.tabIndex = 0; }
    }
    if (this.channel) this.channel.onmessage = (m) => this.schedule(m.data, false);
    // The names the seed apps' pages call.
    window.clearPatientSession = () => this.clearPatientData();
    window.emergencySessionCleanup = () => this.emergencyCleanup();
    window.patientSessionCleanup = { enable: () => this.enable(), disable: () => this.disable(),
      manualCleanup: () => this.clearPatientData() };
  }

  act(action) {
    (action == "emergency" ? this.emergencyCleanup() : this.clearPatientData()).catch(() => {});
  }

  /** Ward's clock now, as well as this browser can tell. */
  now() { return Date.now() + this.skew; }

  /** Schedules the warning for a new idle_expires_at (told to the app's other tabs, which share the session). */
  schedule(expires, tell) {
    if (!(expires > 0)) return;
    this.expires = expires;
    this.out = false;
    if (tell && this.channel) this.channel.postMessage(expires);
    this.closeDialog();
    clearTimeout(this.warnTimer);
    this.warnTimer = setTimeout(() => this.warn(), Math.max(0, expires - this.now() - this.warnMs));
  }

  warn() {
    emit("ward:idle-warning", { seconds_left: Math.max(0, Math.ceil((this.expires - this.now()) / 1000)) });
    const d = document;
    const dlg = this.dialog = d.createElement("dialog");
    dlg.setAttribute("role", "alertdialog");
    dlg.setAttribute("aria-labelledby", "ward-idle-title");
    dlg.setAttribute("aria-describedby", "ward-idle-text");
    Object.assign(dlg.style, { font: "16px system-ui, sans-serif", padding: "1.5em", border: "2px solid #444",
      borderRadius: "8px", maxWidth: "24em", color: "#111", background: "#fff" });
    const h = d.createElement("h2");
    h.id = "ward-idle-title";
    h.textContent = "Are you still there?";
    const p = d.createElement("p");
    p.id = "ward-idle-text";
    const count = d.createElement("strong");
    count.className = "ward-countdown";
    p.append("For patient privacy you will be signed out in ", count, " seconds.");
    const stay = d.createElement("button");
    stay.type = "button";
    stay.textContent = "Stay signed in";
    stay.onclick = () => this.stay();
    const out = d.createElement("button");
    out.type = "button";
    out.textContent = "Sign out";
    out.style.marginLeft = "1em";
    out.onclick = () => this.expire("logout");
    dlg.append(h, p, stay, out);
    // Escape is "stay signed in" (the native cancel of a modal dialog, which would otherwise just close it).
    dlg.addEventListener("cancel", (e) => { e.preventDefault(); this.stay(); });
    this.restoreFocus = d.activeElement;
    d.body.append(dlg);
    dlg.showModal ? dlg.showModal() : dlg.setAttribute("open", "");
    stay.focus();
    const tick = () => {
      const left = Math.ceil((this.expires - this.now()) / 1000);
      if (left <= 0) return this.expire("idle_timeout");
      count.textContent = left;
    };
    tick();
    this.ticker = setInterval(tick, 250);
  }

  stay() {
    this.keepalive().catch(() => {});
  }

  /** The idle timeout ran out (or the person chose to leave): end the session and clear the page. */
  expire(reason) {
    fetch(this.base + LOGOUT, { method: "POST", credentials: "include", keepalive: true }).catch(() => {});
    this.signedOut(reason);
  }

  closeDialog() {
    clearInterval(this.ticker);
    if (!this.dialog) return;
    this.dialog.remove();
    this.dialog = null;
    if (this.restoreFocus && this.restoreFocus.focus) this.restoreFocus.focus();
  }

  /** The session is over: stop watching, tell the app, and unless it says otherwise, take patient data off the screen. */
  signedOut(reason) {
    if (this.out) return;
    this.out = true;
    clearTimeout(this.warnTimer);
    clearTimeout(this.hiddenTimer);
    this.closeDialog();
    if (emit("ward:signed-out", { reason })) {
      const p = document.createElement("p");
      p.textContent = "You have been signed out.";
      document.body.replaceChildren(p);
    }
  }
}

/** Dispatches a cancelable event on document; true unless a listener called preventDefault(). */
function emit(type, detail) {
  return document.dispatchEvent(new CustomEvent(type, { detail, cancelable: true }));
}

export default Ward;
