// One link's statistics: a range (7, 30, 90 days or custom, kept in the URL), clicks per
// day as a chart with its table, by hour of the day, and the breakdowns. Days and hours are
// in the browser's time zone (or the address's `tz`), which the page names.
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

// The browser's time zone (an IANA name), which the API buckets the days into (`tz`).
function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch (error) {
    return "UTC";
  }
}

// Today's date in `zone` as YYYY-MM-DD (the UTC date if the browser does not know it).
export function todayIn(zone, now = new Date()) {
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(now);
    const part = (type) => parts.find((p) => p.type === type).value;
    return `${part("year")}-${part("month")}-${part("day")}`;
  } catch (error) {
    return isoDay(now);
  }
}

// The range in the address: its days are local days of `zone`, the address's `tz` or else
// the browser's zone; `tz` is kept in the address only when it was there.
export function rangeOf(params) {
  const tz = params.get("tz") || undefined;
  const zone = tz || browserZone();
  const from = params.get("from");
  const to = params.get("to");
  if (from && to) return { from, to, days: null, zone, tz };
  const days = RANGES.includes(Number(params.get("days"))) ? Number(params.get("days")) : 30;
  const today = new Date(`${todayIn(zone)}T00:00:00Z`);
  const first = new Date(today.getTime() - (days - 1) * 86400000);
  return { from: isoDay(first), to: isoDay(today), days, zone, tz };
}

// GET `path` with the range and its zone; a zone the server does not know (a browser's
// newer than the server's zone database) falls back to UTC. The answer's `time_zone` says
// which zone its days are in.
export async function zonedStats(path, range) {
  const ask = (tz) => api(`${path}${query({ from: range.from, to: range.to, tz })}`);
  try {
    return (await ask(range.zone)).data;
  } catch (error) {
    if (error.status !== 422 || range.zone === "UTC" || !/\btz\b/.test(error.message)) throw error;
    return (await ask("UTC")).data;
  }
}

// What the page says about its days' zone, and about what stays per UTC day.
export function zoneNote(stats, range) {
  const whose = range.tz ? "" : " (your browser's time zone)";
  const fellBack = stats.time_zone !== range.zone ? ` The server does not know ${range.zone}.` : "";
  const older = stats.days_by_utc_day.length
    ? ` ${stats.days_by_utc_day.length === 1 ? "One day includes" : `${stats.days_by_utc_day.length} days include`} clicks recorded before hourly counts were kept: those count on their UTC day.`
    : "";
  return h("p", { class: "muted", "data-testid": "zone-note" },
    `Days and hours are in ${stats.time_zone}${stats.time_zone === range.zone ? whose : ""}.${fellBack} `
    + `Unique visitors and the breakdowns below are counted per UTC day.${older}`);
}

// Clicks by hour of the day, 00:00 to 23:00 in the answer's zone, as bars.
export function hoursBreakdown(stats) {
  const rows = stats.hours.map((hour) => ({ value: hour.hour, clicks: hour.clicks }));
  return breakdown(`Clicks by hour of day (${stats.time_zone})`, rows.some((r) => r.clicks) ? rows : [],
    { name: (hour) => `${String(hour).padStart(2, "0")}:00`, testid: "hours" });
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
  const presets = RANGES.map((days) => button(`${days} days`, () => navigate(path, { days, tz: range.tz }), {
    "aria-pressed": String(range.days === days), class: range.days === days ? "btn btn-primary" : "btn btn-secondary",
  }));
  const today = todayIn(range.zone);
  const from = h("input", { type: "date", name: "from", value: range.from, max: today });
  const to = h("input", { type: "date", name: "to", value: range.to, max: today });
  const custom = h("form", { class: "range-custom" }, field("From", from), field("To", to),
    h("button", { type: "submit", class: "btn btn-secondary" }, "Show"));
  const alert = h("p", { class: "alert alert-error", role: "alert", id: `${from.id}-refused`, hidden: !problem }, problem);
  // The first day, where focus goes, carries the refusal too: a screen reader on the field hears it.
  const ownDescription = from.getAttribute("aria-describedby");
  custom.addEventListener("submit", (event) => {
    event.preventDefault();
    const refused = rangeProblem({ from: from.value, to: to.value });
    alert.textContent = refused;
    alert.hidden = !refused;
    if (refused) {
      from.setAttribute("aria-invalid", "true");
      from.setAttribute("aria-describedby", `${alert.id} ${ownDescription}`);
      from.focus();
    } else {
      from.removeAttribute("aria-invalid");
      from.setAttribute("aria-describedby", ownDescription);
      navigate(path, { from: from.value, to: to.value, tz: range.tz });
    }
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
    const [{ data: link }, stats] = await Promise.all([
      api(`/api/v1/links/${id}`),
      zonedStats(`/api/v1/links/${id}/stats`, range),
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
      stats.days.length ? clicksChart(stats.days, stats.time_zone) : h("p", { class: "muted" }, "No days in this range."),
      h("details", { class: "table-details", open: stats.days.length <= 31 },
        h("summary", {}, "Table of days"), daysTable(stats.days, stats.time_zone)),
      zoneNote(stats, range));
    const exportCsv = button("Export CSV", async () => {
      try {
        const path = `/api/v1/links/${id}/stats${query({ from: range.from, to: range.to, tz: stats.time_zone, format: "csv" })}`;
        announce(`Downloaded ${await download(path, `${shortId}-stats.csv`)}`);
      } catch (error) {
        announce(generalSentence(error), { tone: "error" });
      }
    }, { "data-testid": "stats-export" });
    render(pageHeader(title, exportCsv, h("a", { class: "btn btn-secondary", href: "#/links" }, "All links")),
      head, rangePicker(path, range), chartCard,
      h("div", { class: "breakdowns" },
        hoursBreakdown(stats),
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
