// Charts people read: clicks per day drawn by uPlot (vendored; axes with dates and
// values, the values under the pointer in its legend), and breakdowns as labelled bars.
// Every chart has a table beside it with the same numbers for screen readers and copying.
import uPlot from "./vendor/uPlot.esm.js";
import { h } from "./dom.js";

function cssColor(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
const fullDay = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });

function epoch(day) {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}

export function dayLabel(day) {
  return fullDay.format(new Date(epoch(day) * 1000));
}

// Clicks (and bots) per day; `days` is the API's [{day, clicks, bots}], oldest first, and
// `zone` the time zone its days are in (the answer's `time_zone`).
export function clicksChart(days, zone = "UTC") {
  const holder = h("div", { class: "chart", "data-testid": "clicks-chart" });
  const total = days.reduce((sum, d) => sum + d.clicks, 0);
  const summary = h("p", { class: "sr-only" },
    `Clicks per day from ${dayLabel(days[0].day)} to ${dayLabel(days[days.length - 1].day)}: ${total} in all. The table below lists every day.`);
  const data = [days.map((d) => epoch(d.day)), days.map((d) => d.clicks), days.map((d) => d.bots)];
  const accent = cssColor("--accent", "#3b4fd8");
  const muted = cssColor("--muted", "#667085");
  const grid = cssColor("--line", "#e4e7ec");
  const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const options = {
    width: 600,
    height: 240,
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] } },
    axes: [
      { ...axis, values: (u, ticks) => ticks.map((t) => dayFormat.format(new Date(t * 1000))) },
      { ...axis, label: "Clicks", labelSize: 20, size: 48,
        values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : "")) },
    ],
    series: [
      { label: "Day", value: (u, t) => (t == null ? "" : fullDay.format(new Date(t * 1000))) },
      { label: "Clicks", stroke: accent, width: 2, fill: `${accent}22`, points: { size: 6 },
        value: (u, v) => (v == null ? "" : String(v)) },
      { label: "Bots", stroke: muted, width: 1, dash: [4, 4], points: { size: 4 },
        value: (u, v) => (v == null ? "" : String(v)) },
    ],
    legend: { live: true },
    cursor: { points: { size: 8 } },
  };
  const plot = new uPlot(options, data, holder);
  const fit = () => plot.setSize({ width: Math.max(260, holder.clientWidth), height: holder.clientWidth < 480 ? 200 : 240 });
  new ResizeObserver(fit).observe(holder);
  return h("figure", { class: "chart-figure" }, summary, holder,
    h("figcaption", { class: "muted" }, `Clicks per day (${zone}). Point at a day to see its numbers.`));
}

// The same days as a table, one row a day.
export function daysTable(days, zone = "UTC") {
  // Focusable, so the days can be scrolled with the keyboard too.
  return h("div", { class: "table-wrap table-scroll", tabindex: "0", role: "region", "aria-label": "Clicks per day, table" },
    h("table", { class: "data-table compact", "data-testid": "stats-table" },
      h("caption", {}, `Clicks per day (${zone})`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Day"), h("th", { scope: "col", class: "num" }, "Clicks"),
        h("th", { scope: "col", class: "num" }, "Visitors"), h("th", { scope: "col", class: "num" }, "Bots"))),
      h("tbody", {}, [...days].reverse().map((d) => h("tr", {},
        h("th", { scope: "row" }, dayLabel(d.day)), h("td", { class: "num" }, d.clicks),
        h("td", { class: "num" }, d.unique_visitors ?? 0), h("td", { class: "num" }, d.bots))))));
}

// One breakdown (referrers, browsers, ...) as bars; long names are cut with an ellipsis
// and shown whole on hover and to screen readers.
export function breakdown(title, rows, { name = (v) => v, testid, empty = "No clicks in this range." } = {}) {
  const max = Math.max(1, ...rows.map((r) => r.clicks));
  const total = rows.reduce((sum, r) => sum + r.clicks, 0);
  const list = rows.length
    ? h("ol", { class: "bars" }, rows.map((row) => {
      const bar = h("span", { class: "bar-fill" });
      bar.style.width = `${Math.max(2, (row.clicks / max) * 100)}%`; // CSSOM: allowed by the CSP
      const label = name(row.value);
      const share = total ? Math.round((row.clicks / total) * 100) : 0;
      return h("li", { class: "bar-row" },
        h("span", { class: "bar-label", title: label }, label),
        h("span", { class: "bar-track", "aria-hidden": "true" }, bar),
        h("span", { class: "bar-value" }, `${row.clicks}`, h("span", { class: "muted" }, ` ${share}%`)));
    }))
    : h("p", { class: "muted" }, empty);
  return h("section", { class: "card breakdown", "data-testid": testid }, h("h2", {}, title), list);
}
