// Sign in with a token on a jwt-mode server without a hosted sign-in page (a local one
// with `shortstack dev-token`, say). The token stays in this browser tab only.
import { api } from "../api.js";
import { field, pageHeader, submitButton } from "../components.js";
import { announce, h } from "../dom.js";
import { signOut, useToken } from "../auth.js";

export function signInPage({ render }) {
  const token = h("textarea", { name: "token", rows: 4, required: true, spellcheck: "false", "data-testid": "signin-token",
    placeholder: "eyJhbGciOi… or sk_…" });
  const status = h("div", { "aria-live": "assertive" });
  const form = h("form", { class: "card form" },
    h("p", {}, "Paste a bearer token: a JWT from your identity provider, ",
      h("code", {}, "shortstack dev-token"), " on a local server, or an API key."),
    field("Token", token, { wide: true }), h("div", { class: "actions-row" }, submitButton("Sign in")), status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    useToken(token.value);
    try {
      const { data } = await api("/api/v1/users/me");
      announce(`Signed in as ${data.sub}`);
      window.dispatchEvent(new Event("shortstack:session"));
      window.location.hash = "#/links";
    } catch (error) {
      signOut();
      status.replaceChildren(h("p", { class: "alert alert-error", role: "alert" },
        error.status === 401 ? "The server refused this token: it is expired, or not one it trusts." : error.message));
    }
  });
  render(pageHeader("Sign in"), form);
}
