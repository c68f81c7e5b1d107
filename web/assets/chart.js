// Clicks per day as an SVG bar chart with a text alternative (a table for screen readers).
import { h, svg } from "./dom.js";

export function dailyChart(days) {
  const width = 600;
  const height = 160;
  const max = Math.max(1, ...days.map((d) => d.clicks));
  const bar = width / Math.max(1, days.length);
  const bars = days.map((d, i) => {
    const barHeight = (d.clicks / max) * (height - 20);
    return svg("rect", {
      x: i * bar + 1, y: height - barHeight, width: Math.max(1, bar - 2), height: barHeight,
      class: "bar",
    }, svg("title", {}, `${d.day}: ${d.clicks} clicks`));
  });
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "data-testid": "clicks-chart",
    "aria-label": `Clicks per day, ${days[0]?.day} to ${days[days.length - 1]?.day}; most in one day: ${max}`,
  }, bars);
  return h("figure", {}, chart,
    h("figcaption", { class: "muted" }, `Clicks per day (UTC), highest bar = ${max}`));
}
