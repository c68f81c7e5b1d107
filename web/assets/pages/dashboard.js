// The dashboard: every link of the caller at once (GET /api/v1/stats). Clicks per day as a
// chart with its table, the totals, the top links (each to its own statistics), clicks by
// hour of the day and the breakdowns; the range and its time zone as on a link's
// statistics, kept in the URL.
import { download, query } from "../api.js";
import { button, errorBox, loading, pageHeader } from "../components.js";
import { announce, h } from "../dom.js";
import { generalSentence } from "../errors.js";
import { breakdown, clicksChart, daysTable } from "../chart.js";
import { countryName, hoursBreakdown, rangeOf, rangePicker, refusedRange, zonedStats, zoneNote } from "./stats.js";

const TITLE = "Dashboard";

function figure(label, value, testid) {
  return h("div", {}, h("dt", {}, label), h("dd", { "data-testid": testid }, String(value)));
}

function topLinks(rows) {
  if (!rows.length) return h("p", { class: "muted" }, "No clicks in this range.");
  return h("ol", { class: "top-links", "data-testid": "top-links" }, rows.map((row) =>
    h("li", {},
      h("a", { href: `#/links/${encodeURIComponent(row.short_id)}/stats` }, row.title || row.short_id),
      h("span", { class: "muted top-target", title: row.url }, row.url),
      h("span", { class: "num" }, `${row.clicks} ${row.clicks === 1 ? "click" : "clicks"}`))));
}

export async function dashboardPage({ render, params }) {
  const range = rangeOf(params);
  const refused = refusedRange("/dashboard", range);
  if (refused) return render(pageHeader(TITLE), refused);
  render(pageHeader(TITLE), loading());
  try {
    const stats = await zonedStats("/api/v1/stats", range);
    const totals = h("dl", { class: "card figures" },
      figure("Clicks", stats.clicks, "overview-clicks"),
      figure("Unique visitors", stats.unique_visitors, "overview-visitors"),
      figure("From bots", stats.bots, "overview-bots"));
    const chartCard = h("section", { class: "card", "data-testid": "overview" },
      h("h2", {}, "Clicks per day, all links"),
      clicksChart(stats.days, stats.time_zone),
      h("details", { class: "table-details", open: stats.days.length <= 31 },
        h("summary", {}, "Table of days"), daysTable(stats.days, stats.time_zone)),
      zoneNote(stats, range));
    const exportCsv = button("Export CSV", async () => {
      try {
        const path = `/api/v1/stats${query({ from: range.from, to: range.to, tz: stats.time_zone, format: "csv" })}`;
        announce(`Downloaded ${await download(path, "stats.csv")}`);
      } catch (error) {
        announce(generalSentence(error), { tone: "error" });
      }
    }, { "data-testid": "overview-export" });
    render(pageHeader(TITLE, exportCsv, h("a", { class: "btn btn-secondary", href: "#/links" }, "All links")),
      rangePicker("/dashboard", range), totals, chartCard,
      h("section", { class: "card" }, h("h2", {}, "Top links"), topLinks(stats.top_links)),
      h("div", { class: "breakdowns" },
        hoursBreakdown(stats),
        breakdown("Referrers", stats.referrers, { testid: "referrers" }),
        breakdown("Countries", stats.countries, { name: countryName, testid: "countries" }),
        breakdown("Browsers", stats.browsers),
        breakdown("Devices", stats.devices)),
      h("p", { class: "muted" }, "Unique visitors are counted per UTC day (a visitor's hash changes every UTC day), so a range adds its days up. Clicks are folded in shortly after they happen."));
  } catch (error) {
    render(pageHeader(TITLE), refusedRange("/dashboard", range, error) || errorBox(error));
  }
  return undefined;
}
