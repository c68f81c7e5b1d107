// Building DOM without innerHTML: every text goes through textContent, so data from
// the API (titles, URLs, names) can never become markup.
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const SVG = "http://www.w3.org/2000/svg";

export function svg(tag, attrs = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  for (const child of children.flat()) {
    if (child) element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// The page-wide message: announced politely, cleared when the page changes (app.js) or
// after a while, so "Deleted x" never lingers on another page. The region is never
// hidden, only empty (CSS gives an empty one no room): screen readers announce changes
// in a live region they already know, and often miss one shown together with its text.
let statusTimer = 0;

export function announce(message, { tone = "info" } = {}) {
  const status = document.getElementById("status");
  window.clearTimeout(statusTimer);
  status.textContent = "";
  status.dataset.tone = tone;
  // A fresh text node after a tick, so screen readers announce a repeated message too.
  window.setTimeout(() => {
    status.textContent = message;
    keepFocusInSight(status);
  }, 10);
  statusTimer = window.setTimeout(clearStatus, 8000);
}

// Said to screen readers only, politely: what changed where the person already is (a
// search's count while they type). A region of its own, always there, never shown.
export function say(message) {
  const quiet = document.getElementById("quiet");
  quiet.textContent = "";
  window.setTimeout(() => { quiet.textContent = message; }, 10);
}

export function clearStatus() {
  const status = document.getElementById("status");
  window.clearTimeout(statusTimer);
  status.textContent = "";
  document.getElementById("main").style.paddingBottom = "";
}

// The message covers the bottom of the screen: a focused control under it (a Copy just
// pressed there) is scrolled above it (WCAG 2.4.11), with room made below the page if the
// page ends there. Widths and paddings from JS go through the CSSOM, which the CSP allows.
function keepFocusInSight(status) {
  const focused = document.activeElement;
  if (!focused || focused === document.body || status.contains(focused)) return;
  const box = focused.getBoundingClientRect();
  const top = status.getBoundingClientRect().top;
  // A control, not the page (focus on <main> after a page change) or a whole table.
  if (box.height > window.innerHeight / 3) return;
  if (box.bottom <= top - 8 || box.top >= window.innerHeight) return;
  document.getElementById("main").style.paddingBottom = `${status.offsetHeight + 48}px`;
  window.scrollBy(0, box.bottom - top + 16);
}

export function downloadBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}
