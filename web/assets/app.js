// The shell: navigation, the session, and the router that renders one page at a time.
// A page change clears the page-wide message, so nothing said on one page lingers on another.
import { api } from "./api.js";
import { accessToken, completeSignIn, signIn, signInConfigured, signOut } from "./auth.js";
import { button, listRedrawn } from "./components.js";
import { announce, clearStatus, h } from "./dom.js";
import { currentRoute } from "./router.js";
import { dashboardPage } from "./pages/dashboard.js";
import { importPage } from "./pages/importer.js";
import { itemsPage } from "./pages/items.js";
import { keysPage } from "./pages/keys.js";
import { linksPage } from "./pages/links.js";
import { shortenPage } from "./pages/shorten.js";
import { signInPage } from "./pages/signin.js";
import { statsPage } from "./pages/stats.js";
import { usersPage } from "./pages/users.js";
import { webhooksPage } from "./pages/webhooks.js";

const main = document.getElementById("main");
const ROUTES = [
  [/^\/$/, () => shortenPage],
  [/^\/dashboard$/, () => dashboardPage],
  [/^\/links$/, () => linksPage],
  [/^\/links\/([^/]+)\/stats$/, (m) => (view) => statsPage(view, decodeURIComponent(m[1]))],
  [/^\/import$/, () => importPage],
  [/^\/items$/, () => itemsPage],
  [/^\/users$/, () => usersPage],
  [/^\/keys$/, () => keysPage],
  [/^\/webhooks$/, () => webhooksPage],
  [/^\/signin$/, () => signInPage],
];

// Each route gets its own view; once another route has rendered, an older page's late answer
// (a slow range, a list before its filter changed) is dropped instead of drawn over it.
let generation = 0;

function view() {
  const mine = ++generation;
  return {
    render: (...children) => {
      if (mine === generation) main.replaceChildren(...children);
    },
    params: currentRoute().params,
  };
}

function markCurrent(path) {
  const section = `#/${path.split("/")[1] || ""}`;
  for (const link of document.querySelectorAll(".nav a")) {
    if (link.getAttribute("href") === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

let lastPath = null;
const menu = document.getElementById("menu");
const nav = document.querySelector(".nav");

function setMenu(open) {
  nav.classList.toggle("open", open);
  menu.setAttribute("aria-expanded", String(open));
}

// A page chosen from the menu (or any link) leaves focus on what was clicked, which the new
// page no longer shows: focus moves to the page itself unless the page placed it.
function focusThePage(from) {
  const active = document.activeElement;
  if (active === document.body || active === from || nav.contains(active)) main.focus({ preventScroll: true });
}

function route() {
  const { path } = currentRoute();
  const from = document.activeElement;
  const changed = path !== lastPath;
  if (changed) {
    clearStatus();
    listRedrawn(false);
    setMenu(false);
    window.scrollTo(0, 0);
  }
  const first = lastPath === null;
  lastPath = path;
  markCurrent(path);
  const shown = ROUTES.find(([pattern]) => pattern.test(path));
  const rendered = shown ? shown[1](path.match(shown[0]))(view())
    : main.replaceChildren(h("h1", {}, "Not found"),
      h("p", {}, "There is no page here. ", h("a", { href: "#/" }, "Shorten a link"), "."));
  if (changed && !first) focusThePage(from);
  return rendered;
}

// A pasted token's sign-out: the header says so at once, then the sign-in page, whose
// arrival clears messages, says "Signed out" (the message follows the page change).
function signOutHere() {
  signOut();
  renderSession();
  if (window.location.hash === "#/signin") announce("Signed out");
  else {
    window.addEventListener("hashchange", () => announce("Signed out"), { once: true });
    window.location.hash = "#/signin";
  }
}

async function renderSession() {
  const holder = document.getElementById("session");
  if (signInConfigured()) {
    holder.replaceChildren(accessToken() ? button("Sign out", signOut) : button("Sign in", signIn, { variant: "primary" }));
    return;
  }
  try {
    const { data } = await api("/api/v1/users/me");
    const out = data.auth_mode === "jwt" ? button("Sign out", signOutHere) : null;
    holder.replaceChildren(...[h("span", { class: "muted who" }, data.auth_mode === "none" ? "local mode" : data.sub), out].filter(Boolean));
  } catch (error) {
    if (error.status === 401) holder.replaceChildren(h("a", { class: "btn btn-primary", href: "#/signin" }, "Sign in"));
  }
}

menu.addEventListener("click", () => setMenu(!nav.classList.contains("open")));
// The skip link's #main would be taken for a route (hash routing): it moves focus itself.
document.querySelector(".skip").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !nav.classList.contains("open")) return;
  setMenu(false);
  menu.focus();
});
// The document's title follows the page's heading, whenever a page (or its late answer)
// draws one: it is what a screen reader says on arrival and what the tab is called.
new MutationObserver(() => {
  const heading = main.querySelector("h1");
  const title = heading ? `${heading.textContent.trim()} · shortstack` : "shortstack";
  if (document.title !== title) document.title = title;
}).observe(main, { childList: true, subtree: true, characterData: true });
window.addEventListener("hashchange", route);
window.addEventListener("shortstack:session", renderSession);
completeSignIn().finally(() => {
  renderSession();
  route();
});
