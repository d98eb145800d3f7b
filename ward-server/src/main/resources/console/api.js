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
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new Problem(0, {detail: "Ward did not answer; check the connection and try again."});
  }
  const text = await response.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch { json = null; }
  }
  if (!response.ok) {
    const problem = new Problem(response.status, json);
    if (response.status === 401 && !path.startsWith("/v1/auth/")) {
      // The session ended (idle, revoked, signed out elsewhere): the app goes back to the sign-in form.
      window.dispatchEvent(new CustomEvent("console:signed-out", {detail: problem.code}));
    }
    throw problem;
  }
  return json;
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
