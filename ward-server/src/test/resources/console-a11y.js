// The accessibility checks ConsoleBrowserTest runs on every page it photographs (executeScript: the body of a
// function whose return value is the list of problems found, empty when there is none). Cheap, automatic checks
// only: every control labelled, every image and drawing with a text alternative or hidden, buttons and links named,
// headings in order, ids unique, and text contrast of at least 4.5:1 (3:1 for large text), WCAG 2.2 AA.
const problems = [];
const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
const describe = el => el.outerHTML.slice(0, 120);

for (const control of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
  const named = control.labels.length > 0 || control.getAttribute("aria-label") || control.getAttribute("aria-labelledby");
  if (!named) problems.push(`control without a label: ${describe(control)}`);
}
for (const el of document.querySelectorAll("button, a[href], summary")) {
  if (shown(el) && !(el.textContent.trim() || el.getAttribute("aria-label"))) problems.push(`unnamed ${describe(el)}`);
}
for (const img of document.querySelectorAll("img")) {
  if (!img.hasAttribute("alt")) problems.push(`image without alt: ${describe(img)}`);
}
for (const drawing of document.querySelectorAll("svg")) {
  if (drawing.closest("[aria-hidden=true]")) continue;
  const named = drawing.getAttribute("role") === "img"
    && (drawing.getAttribute("aria-label") || drawing.getAttribute("aria-labelledby") || drawing.querySelector(":scope > title"));
  if (!named) problems.push(`drawing neither hidden nor named: ${describe(drawing)}`);
}

const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].filter(shown);
if (headings.filter(x => x.tagName === "H1").length !== 1) problems.push(`${headings.filter(x => x.tagName === "H1").length} h1`);
let level = 0;
for (const heading of headings) {
  const next = Number(heading.tagName[1]);
  if (next > level + 1) problems.push(`${heading.tagName} "${heading.textContent}" follows h${level}`);
  level = next;
}

const ids = new Map();
for (const el of document.querySelectorAll("[id]")) ids.set(el.id, (ids.get(el.id) ?? 0) + 1);
for (const [id, n] of ids) if (n > 1) problems.push(`id ${id} used ${n} times`);

const rgba = text => (text.match(/[\d.]+/g) ?? ["0", "0", "0", "0"]).map(Number).concat([1]).slice(0, 4);
const luminance = ([r, g, b]) => [r, g, b].map(v => v / 255)
  .map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
  .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
const backdrop = el => {
  for (let e = el; e; e = e.parentElement) {
    const colour = rgba(getComputedStyle(e).backgroundColor);
    if (colour[3] > 0) return colour;
  }
  return [255, 255, 255, 1];
};
for (const el of document.body.querySelectorAll("*")) {
  const ownText = [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
  if (!ownText || !shown(el) || el.disabled || el.closest("[hidden], .visually-hidden, .skip")) continue;
  const style = getComputedStyle(el);
  const ink = rgba(el instanceof SVGElement ? style.fill : style.color);
  const [a, b] = [luminance(ink), luminance(backdrop(el instanceof SVGElement ? el.closest("svg").parentElement : el))];
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const size = parseFloat(style.fontSize);
  const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)}:1 of "${el.textContent.trim().slice(0, 40)}"`);
}
return problems;
