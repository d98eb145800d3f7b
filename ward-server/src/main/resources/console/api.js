// The console's only way to Ward: the public HTTP API, same origin, with the session cookie (HttpOnly, SameSite=Strict)
// that POST /v1/auth/login set. The console never holds a token: the JSON answers carry one, and it is dropped.

/** A problem answer (RFC 9457) as an error: message = detail, plus status, code and the field it names. */
export class Problem extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? null;
    this.field = body?.field ?? null;
    this.body = body;
  }
}

/** Calls the API; resolves to the parsed JSON (null for 204), rejects with a Problem. */
export async function call(method, path, body) {
  const init = {method, credentials: "same-origin", headers: {Accept: "application/json"}};
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await send(path, init);
  const text = await response.text();
  if (!response.ok) throw refusal(path, response, text);
  return parse(text);
}

/**
 * Reads a file the API serves (a report as JSON, CSV or HTML) with the session cookie: resolves to {blob, type},
 * rejects with a Problem as call() does. The answer stays in the page's memory, as a Blob, until it is saved.
 */
export async function file(path) {
  const response = await send(path, {method: "GET", credentials: "same-origin"});
  if (!response.ok) throw refusal(path, response, await response.text());
  const blob = await response.blob();
  return {blob, type: response.headers.get("Content-Type") ?? blob.type};
}

async function send(path, init) {
  try {
    return await fetch(path, init);
  } catch {
    throw new Problem(0, {detail: "Ward did not answer; check the connection and try again."});
  }
}

function parse(text) {
  if (!text) return null;
  try { return JSON.parse(text); } catch { return null; }
}

function refusal(path, response, text) {
  const problem = new Problem(response.status, parse(text));
  if (response.status === 401 && !path.startsWith("/v1/auth/")) {
    // The session ended (idle, revoked, signed out elsewhere): the app goes back to the sign-in form.
    window.dispatchEvent(new CustomEvent("console:signed-out", {detail: problem.code}));
  }
  return problem;
}

export const get = path => call("GET", path);
export const post = (path, body) => call("POST", path, body);
export const patch = (path, body) => call("PATCH", path, body);
export const del = path => call("DELETE", path);

/** A path with its query: empty values are left out, the rest encoded. */
export function q(path, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") query.set(k, v);
  }
  const s = query.toString();
  return s ? `${path}?${s}` : path;
}

/** A path segment from data (a tenant or user id), encoded. */
export const seg = value => encodeURIComponent(value);

/**
 * Settles each call on its own, so that one forbidden list (a tenant administrator asking for something only the
 * system administrator may see) leaves the rest of a page standing: {value} or {error}.
 */
export async function settle(promises) {
  const results = await Promise.allSettled(promises);
  return results.map(r => r.status === "fulfilled" ? {value: r.value} : {error: r.reason});
}

/**
 * Ward's own time, not the browser's (whose clock may be off, or in another day): the session's last use, which
 * reading it has just moved to now. Periods the console asks for (today, the last 14 days) are counted from it.
 */
export async function wardNow() {
  return new Date((await get("/v1/session")).last_seen_at);
}
