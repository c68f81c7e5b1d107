// The shell: navigation, the session, and the router that renders one page at a time.
// A page change clears the page-wide message, so nothing said on one page lingers on another.
import { api } from "./api.js";
import { accessToken, completeSignIn, signIn, signInConfigured, signOut } from "./auth.js";
import { button } from "./components.js";
import { clearStatus, h } from "./dom.js";
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

function view() {
  return {
    render: (...children) => main.replaceChildren(...children),
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

function route() {
  const { path } = currentRoute();
  if (path !== lastPath) {
    clearStatus();
    document.querySelector(".nav").classList.remove("open");
    window.scrollTo(0, 0);
  }
  lastPath = path;
  markCurrent(path);
  for (const [pattern, page] of ROUTES) {
    const match = path.match(pattern);
    if (match) return page(match)(view());
  }
  return main.replaceChildren(h("h1", {}, "Not found"),
    h("p", {}, "There is no page here. ", h("a", { href: "#/" }, "Shorten a link"), "."));
}

async function renderSession() {
  const holder = document.getElementById("session");
  if (signInConfigured()) {
    holder.replaceChildren(accessToken() ? button("Sign out", signOut) : button("Sign in", signIn, { variant: "primary" }));
    return;
  }
  try {
    const { data } = await api("/api/v1/users/me");
    const out = data.auth_mode === "jwt" ? button("Sign out", () => { signOut(); window.location.hash = "#/signin"; }) : null;
    holder.replaceChildren(...[h("span", { class: "muted who" }, data.auth_mode === "none" ? "local mode" : data.sub), out].filter(Boolean));
  } catch (error) {
    if (error.status === 401) holder.replaceChildren(h("a", { class: "btn btn-primary", href: "#/signin" }, "Sign in"));
  }
}

document.getElementById("menu").addEventListener("click", () => {
  const nav = document.querySelector(".nav");
  const open = nav.classList.toggle("open");
  document.getElementById("menu").setAttribute("aria-expanded", String(open));
});
window.addEventListener("hashchange", route);
window.addEventListener("shortstack:session", renderSession);
completeSignIn().finally(() => {
  renderSession();
  route();
});
