// Charts of counts per UTC day, drawn by hand in SVG: stacked bars or lines, an axis of counts, the days under them,
// and a legend. The SVG is hidden from assistive technology; the same numbers are a table under each chart.
import {h, svg, table} from "./dom.js";

const WIDTH = 720, HEIGHT = 240;
const LEFT = 48, RIGHT = 12, TOP = 12, BOTTOM = 44;
const TONES = ["blue", "green", "purple", "amber"];

/**
 * A chart of `days` (["2026-11-22", …]) with one value per day and series: {id, title, kind: "bars" | "lines",
 * series: [{key, label, tone}], value: (day, key) => count, note}. Bars are stacked in the order of the series; a
 * tone (blue, green, amber, red, purple, grey: console.css) colours a series, and lines differ by their dashes too.
 */
export function dayChart({id, title, kind, series, days, value, note}) {
  const totals = days.map(d => kind === "bars"
    ? series.reduce((sum, s) => sum + value(d, s.key), 0)
    : Math.max(0, ...series.map(s => value(d, s.key))));
  const {top, step} = scale(Math.max(0, ...totals));
  const plotWidth = WIDTH - LEFT - RIGHT, plotHeight = HEIGHT - TOP - BOTTOM;
  const band = plotWidth / Math.max(1, days.length);
  const y = n => TOP + plotHeight - plotHeight * n / top;
  const x = i => LEFT + band * i + band / 2;
  const marks = kind === "bars" ? bars(days, series, value, band, x, y) : lines(days, series, value, x, y);
  const chart = svg("svg", {class: "chart", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT,
    "aria-hidden": "true", focusable: "false"},
    yAxis(top, step, y), xAxis(days, x), marks);
  return h("section", {id, class: "day-chart", "aria-labelledby": `${id}-title`},
    h("h3", {id: `${id}-title`}, title),
    note ? h("p", {class: "hint"}, note) : null,
    legend(kind, series),
    h("div", {class: "chart-frame"}, chart),
    h("details", {class: "chart-numbers"},
      h("summary", {}, `${title}: the numbers`),
      table(`${title}, per UTC day`, [
        {label: "Day (UTC)", cell: d => d},
        ...series.map(s => ({label: s.label, cell: d => value(d, s.key)})),
      ], days)));
}

/** The top of the axis and the distance between its ticks: 1, 2 or 5 times a power of ten, about four ticks. */
function scale(max) {
  if (max <= 4) return {top: Math.max(1, max), step: 1};
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map(m => m * power).find(s => s >= rough);
  return {top: Math.ceil(max / step) * step, step};
}

function yAxis(top, step, y) {
  const ticks = [];
  for (let n = 0; n <= top; n += step) ticks.push(n);
  return svg("g", {class: "axis"},
    ticks.map(n => svg("g", {},
      svg("line", {x1: LEFT, x2: WIDTH - RIGHT, y1: y(n), y2: y(n), class: n === 0 ? "axis-line" : "grid-line"}),
      svg("text", {x: LEFT - 6, y: y(n) + 4, "text-anchor": "end", class: "chart-label"}, n))),
    svg("text", {x: 12, y: TOP + (HEIGHT - TOP - BOTTOM) / 2, "text-anchor": "middle", class: "chart-label",
      transform: `rotate(-90 12 ${TOP + (HEIGHT - TOP - BOTTOM) / 2})`}, "count"));
}

/** Days as MM-DD, as many as fit without overlapping, counted back from the last (today); the axis says they are UTC. */
function xAxis(days, x) {
  const every = Math.max(1, Math.ceil(days.length / 12));
  return svg("g", {class: "axis"},
    days.map((d, i) => (days.length - 1 - i) % every === 0
      ? svg("text", {x: x(i), y: HEIGHT - BOTTOM + 16, "text-anchor": "middle", class: "chart-label"}, d.slice(5))
      : null),
    svg("text", {x: LEFT + (WIDTH - LEFT - RIGHT) / 2, y: HEIGHT - 6, "text-anchor": "middle", class: "chart-label"},
      "day (UTC)"));
}

function bars(days, series, value, band, x, y) {
  const width = Math.max(2, band * 0.7);
  return days.map((d, i) => {
    let base = 0;
    return svg("g", {}, series.map((s, k) => {
      const n = value(d, s.key);
      const rect = n === 0 ? null : svg("rect", {x: x(i) - width / 2, y: y(base + n), width, height: y(base) - y(base + n),
        class: `mark ${tone(s, k)}`}, svg("title", {}, `${d} ${s.label}: ${n}`));
      base += n;
      return rect;
    }));
  });
}

function lines(days, series, value, x, y) {
  return series.map((s, k) => svg("g", {class: `${tone(s, k)} dash-${k + 1}`},
    svg("polyline", {class: "line", points: days.map((d, i) => `${x(i)},${y(value(d, s.key))}`).join(" ")}),
    days.map((d, i) => svg("circle", {cx: x(i), cy: y(value(d, s.key)), r: 3, class: "point"},
      svg("title", {}, `${d} ${s.label}: ${value(d, s.key)}`)))));
}

/** The legend: each series' name beside its swatch (a block for bars, the line's dash for lines). */
function legend(kind, series) {
  return h("ul", {class: "legend", "aria-hidden": "true"}, series.map((s, k) => h("li", {},
    svg("svg", {width: 28, height: 12, viewBox: "0 0 28 12", class: `${tone(s, k)} dash-${k + 1}`, "aria-hidden": "true",
      focusable: "false"},
      kind === "bars"
        ? svg("rect", {x: 0, y: 0, width: 28, height: 12, class: "mark"})
        : svg("line", {x1: 0, x2: 28, y1: 6, y2: 6, class: "line"})),
    s.label)));
}

function tone(series, index) {
  return `tone-${series.tone ?? TONES[index % TONES.length]}`;
}
