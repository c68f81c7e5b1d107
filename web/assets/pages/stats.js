// One link's statistics: a range (7, 30, 90 days or custom, kept in the URL), clicks per
// day as a chart with its table, and the breakdowns.
import { api, download, query } from "../api.js";
import { button, copyButton, errorBox, field, loading, pageHeader } from "../components.js";
import { announce, h } from "../dom.js";
import { generalSentence } from "../errors.js";
import { breakdown, clicksChart, daysTable } from "../chart.js";
import { navigate } from "../router.js";

const RANGES = [7, 30, 90];
// The API's limit on one range of days (a longer one is a 422).
const MAX_RANGE_DAYS = 366;
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

function isDay(text) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text || "")) return false;
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && isoDay(parsed) === text;
}

// Why the API would refuse a custom range, in a person's words; "" when it would not.
export function rangeProblem({ from, to }) {
  if (!isDay(from) || !isDay(to)) return "Pick both days from the calendar.";
  if (from > to) return "The first day must be on or before the last day.";
  const days = (Date.parse(to) - Date.parse(from)) / 86400000 + 1;
  return days > MAX_RANGE_DAYS ? `Pick at most ${MAX_RANGE_DAYS} days.` : "";
}

// `path`: the page's route, which keeps the range in its query. `problem`: what is wrong
// with the range in the address, said here so that the picker that fixes it stays.
export function rangePicker(path, range, problem = "") {
  const presets = RANGES.map((days) => button(`${days} days`, () => navigate(path, { days }), {
    "aria-pressed": String(range.days === days), class: range.days === days ? "btn btn-primary" : "btn btn-secondary",
  }));
  const from = h("input", { type: "date", name: "from", value: range.from, max: isoDay(new Date()) });
  const to = h("input", { type: "date", name: "to", value: range.to, max: isoDay(new Date()) });
  const custom = h("form", { class: "range-custom" }, field("From", from), field("To", to),
    h("button", { type: "submit", class: "btn btn-secondary" }, "Show"));
  const alert = h("p", { class: "alert alert-error", role: "alert", hidden: !problem }, problem);
  custom.addEventListener("submit", (event) => {
    event.preventDefault();
    const refused = rangeProblem({ from: from.value, to: to.value });
    alert.textContent = refused;
    alert.hidden = !refused;
    if (refused) from.focus();
    else navigate(path, { from: from.value, to: to.value });
  });
  return h("div", { class: "range", role: "group", "aria-label": "Date range" },
    h("div", { class: "actions-row" }, presets), custom, alert);
}

// The range picker alone, saying why, when the address holds a range the API refuses.
export function refusedRange(path, range, error = null) {
  const problem = range.days ? "" : rangeProblem(range);
  if (problem) return rangePicker(path, range, problem);
  if (error && error.status === 422) return rangePicker(path, range, "Those days cannot be shown: pick others.");
  return null;
}

export async function statsPage({ render, params }, shortId) {
  const range = rangeOf(params);
  const title = `Statistics: ${shortId}`;
  const id = encodeURIComponent(shortId);
  const path = `/links/${id}/stats`;
  const refused = refusedRange(path, range);
  if (refused) return render(pageHeader(title), refused);
  render(pageHeader(title), loading());
  try {
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
      head, rangePicker(path, range), chartCard,
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
      : refusedRange(path, range, error) || errorBox(error));
  }
  return undefined;
}
