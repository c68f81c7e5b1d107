// One link's statistics: a range (7, 30, 90 days or custom, kept in the URL), clicks per
// day as a chart with its table, and the breakdowns.
import { api, download, query } from "../api.js";
import { button, copyButton, errorBox, field, loading, pageHeader } from "../components.js";
import { announce, h } from "../dom.js";
import { generalSentence } from "../errors.js";
import { breakdown, clicksChart, daysTable } from "../chart.js";
import { navigate } from "../router.js";

const RANGES = [7, 30, 90];
const countryNames = typeof Intl.DisplayNames === "function" ? new Intl.DisplayNames(undefined, { type: "region" }) : null;

export function countryName(code) {
  if (!/^[A-Z]{2}$/.test(code) || !countryNames) return code;
  try {
    return `${countryNames.of(code)} (${code})`;
  } catch (error) {
    return code;
  }
}

// Stats name a variant or rule by its index in the link as it is now.
function variantName(link) {
  return (index) => {
    const variant = link.variants[Number(index)];
    return `${String.fromCharCode(65 + Number(index))}: ${variant ? variant.url : "(removed)"}`;
  };
}

function ruleName(link) {
  return (index) => {
    const rule = link.rules[Number(index)];
    return `Rule ${Number(index) + 1}: ${rule ? rule.url : "(removed)"}`;
  };
}

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export function rangeOf(params) {
  const from = params.get("from");
  const to = params.get("to");
  if (from && to) return { from, to, days: null };
  const days = RANGES.includes(Number(params.get("days"))) ? Number(params.get("days")) : 30;
  const today = new Date();
  const first = new Date(today.getTime() - (days - 1) * 86400000);
  return { from: isoDay(first), to: isoDay(today), days };
}

// `path`: the page's route, which keeps the range in its query.
export function rangePicker(path, range) {
  const presets = RANGES.map((days) => button(`${days} days`, () => navigate(path, { days }), {
    "aria-pressed": String(range.days === days), class: range.days === days ? "btn btn-primary" : "btn btn-secondary",
  }));
  const from = h("input", { type: "date", name: "from", value: range.from, max: isoDay(new Date()) });
  const to = h("input", { type: "date", name: "to", value: range.to, max: isoDay(new Date()) });
  const custom = h("form", { class: "range-custom" }, field("From", from), field("To", to),
    h("button", { type: "submit", class: "btn btn-secondary" }, "Show"));
  custom.addEventListener("submit", (event) => {
    event.preventDefault();
    if (from.value && to.value) navigate(path, { from: from.value, to: to.value });
  });
  return h("div", { class: "range", role: "group", "aria-label": "Date range" },
    h("div", { class: "actions-row" }, presets), custom);
}

export async function statsPage({ render, params }, shortId) {
  const range = rangeOf(params);
  const title = `Statistics: ${shortId}`;
  render(pageHeader(title), loading());
  try {
    const id = encodeURIComponent(shortId);
    const [{ data: link }, { data: stats }] = await Promise.all([
      api(`/api/v1/links/${id}`),
      api(`/api/v1/links/${id}/stats${query({ from: range.from, to: range.to })}`),
    ]);
    const head = h("div", { class: "card stats-head" },
      h("p", { class: "short-line" }, h("a", { href: link.short_url, class: "short-url" }, link.short_url), copyButton(link.short_url)),
      h("p", { class: "target muted", title: link.url }, "→ ", link.url),
      h("dl", { class: "figures" },
        h("div", {}, h("dt", {}, "Clicks in range"), h("dd", { "data-testid": "clicks-in-range" }, String(stats.clicks))),
        h("div", {}, h("dt", {}, "Unique visitors"), h("dd", { "data-testid": "visitors-in-range" }, String(stats.unique_visitors))),
        h("div", {}, h("dt", {}, "From bots"), h("dd", {}, String(stats.bots))),
        h("div", {}, h("dt", {}, "All-time clicks"), h("dd", {}, String(link.click_count)))));
    const chartCard = h("section", { class: "card", "data-testid": "stats" },
      h("h2", {}, "Clicks per day"),
      stats.days.length ? clicksChart(stats.days) : h("p", { class: "muted" }, "No days in this range."),
      h("details", { class: "table-details", open: stats.days.length <= 31 },
        h("summary", {}, "Table of days"), daysTable(stats.days)));
    const exportCsv = button("Export CSV", async () => {
      try {
        const path = `/api/v1/links/${id}/stats${query({ from: range.from, to: range.to, format: "csv" })}`;
        announce(`Downloaded ${await download(path, `${shortId}-stats.csv`)}`);
      } catch (error) {
        announce(generalSentence(error), { tone: "error" });
      }
    }, { "data-testid": "stats-export" });
    render(pageHeader(title, exportCsv, h("a", { class: "btn btn-secondary", href: "#/links" }, "All links")),
      head, rangePicker(`/links/${id}/stats`, range), chartCard,
      h("div", { class: "breakdowns" },
        breakdown("Referrers", stats.referrers, { testid: "referrers" }),
        breakdown("Countries", stats.countries, { name: countryName, testid: "countries" }),
        breakdown("Browsers", stats.browsers),
        breakdown("Operating systems", stats.oses || []),
        breakdown("Devices", stats.devices),
        link.variants.length ? breakdown("A/B split", stats.variants, { name: variantName(link), testid: "variants" }) : null,
        link.rules.length ? breakdown("Redirect rules", stats.rules, { name: ruleName(link), testid: "rules" }) : null,
        breakdown("Bots", stats.bot_agents, { testid: "bots", empty: "No bots in this range." })),
      h("p", { class: "muted" }, "Clicks are folded into the statistics shortly after they happen."));
  } catch (error) {
    render(pageHeader(title), error.status === 404
      ? h("p", { class: "alert alert-error", role: "alert" }, "There is no such link, or it is not yours.")
      : errorBox(error));
  }
}
