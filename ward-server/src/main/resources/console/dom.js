// Every piece of the console's DOM is made here: text goes in as text nodes, attributes through setAttribute, so
// nothing that came from the API is ever parsed as markup (the page's CSP also forbids it: Trusted Types, no policy).

/** An element: h("button", {type: "button", onclick: f}, "Label", child, …). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An SVG element (charts). */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  append(el, children);
  return el;
}

/** Replaces what a container holds. */
export function show(container, ...children) {
  container.replaceChildren();
  append(container, children);
}

let fieldIds = 0;

/** A labelled control; the label's for= names it, and a message area under it (aria-describedby) for its errors. */
export function field(label, control, hint) {
  const id = control.id || (control.id = `f${++fieldIds}`);
  const error = h("p", {class: "field-error", id: `${id}-error`, "aria-live": "polite"});
  control.setAttribute("aria-describedby", `${id}-error`);
  return h("div", {class: "field"}, h("label", {for: id}, label), control,
    hint ? h("p", {class: "hint"}, hint) : null, error);
}

/** Shows an error next to its field (or clears it with null). */
export function fieldError(control, message) {
  const error = document.getElementById(`${control.id}-error`);
  if (error) error.textContent = message ?? "";
  if (message) control.setAttribute("aria-invalid", "true");
  else control.removeAttribute("aria-invalid");
}

/** A table with a caption: columns = [{label, cell: row => text or node}]. Empty rows say so. */
export function table(caption, columns, rows) {
  return h("table", {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, columns.map(c => h("th", {scope: "col"}, c.label)))),
    h("tbody", {}, rows.length === 0
      ? h("tr", {}, h("td", {colspan: columns.length}, "None."))
      : rows.map(r => h("tr", {}, columns.map(c => h("td", {}, c.cell(r)))))));
}

/** A section with a heading; the page's main heading is the first h1. */
export function page(title, ...children) {
  return [h("h1", {}, title), ...children];
}

/** A time from the API, shown in the reader's zone but unambiguous. */
export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return h("time", {datetime: iso, title: iso}, d.toLocaleString());
}

/** A value from the API as text: objects (an alert's subject, an event's details) as compact JSON. */
export function plain(value) {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** A notice in the page's polite live region. */
export function announce(text) {
  const status = document.getElementById("status");
  status.textContent = "";
  // A fresh text node, so that repeating the same message is read out again.
  requestAnimationFrame(() => { status.textContent = text; });
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => { status.textContent = ""; }, 8000);
}

/** An action's failure: said aloud, and kept on the page above its content until the next page or success. */
export function report(error) {
  const main = document.getElementById("main");
  let box = document.getElementById("page-error");
  if (!box) {
    box = h("p", {id: "page-error", class: "form-error", role: "alert"});
    main.querySelector("h1")?.after(box);
  }
  box.textContent = error ? error.message : "";
  if (error) announce(error.message);
}

/** A form whose submit runs `action`, its button busy meanwhile, its problem shown in `errorBox`. */
export function form(attrs, children, action) {
  const errorBox = h("p", {class: "form-error", role: "alert"});
  const f = h("form", {...attrs, novalidate: true}, children, errorBox);
  f.addEventListener("submit", async event => {
    event.preventDefault();
    const buttons = [...f.querySelectorAll("button")];
    buttons.forEach(b => { b.disabled = true; });
    errorBox.textContent = "";
    f.querySelectorAll("[aria-invalid]").forEach(c => fieldError(c, null));
    try {
      await action(f);
    } catch (e) {
      const control = e.field && f.querySelector(`[name="${CSS.escape(e.field)}"]`);
      if (control) {
        fieldError(control, e.message);
        control.focus();
      } else {
        errorBox.textContent = e.message;
      }
    } finally {
      buttons.forEach(b => { b.disabled = false; });
    }
  });
  return f;
}

/** A button that runs `action` once per click, reporting its problem through `onError`. */
export function button(label, action, attrs = {}) {
  const b = h("button", {type: "button", ...attrs}, label);
  b.addEventListener("click", async () => {
    b.disabled = true;
    try {
      await action();
    } finally {
      if (b.isConnected) b.disabled = false;
    }
  });
  return b;
}
