// Sign-in with the Cognito hosted UI (authorization code + PKCE), only when config.js
// names a Cognito domain and client. Without one, a jwt-mode server (a local one with
// `shortstack dev-token`, say) takes a pasted token, kept for this browser tab only.
import config from "./config.js";

const TOKEN = "shortstack.token";
const VERIFIER = "shortstack.pkce";

export function signInConfigured() {
  return Boolean(config.cognitoDomain && config.cognitoClientId);
}

export function accessToken() {
  const raw = sessionStorage.getItem(TOKEN);
  if (!raw) return "";
  const { token, expiresAt } = JSON.parse(raw);
  if (Date.now() > expiresAt) {
    sessionStorage.removeItem(TOKEN);
    return "";
  }
  return token;
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function redirectUri() {
  return `${window.location.origin}/`;
}

export async function signIn() {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  sessionStorage.setItem(VERIFIER, verifier);
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: config.cognitoClientId,
    redirect_uri: redirectUri(),
    scope: "openid email",
    code_challenge_method: "S256",
    code_challenge: challenge,
  });
  window.location.assign(`https://${config.cognitoDomain}/oauth2/authorize?${query}`);
}

// A token pasted by the person (no hosted UI): kept until it expires or they sign out.
export function useToken(token) {
  const trimmed = token.trim();
  let expiresAt = Date.now() + 3600 * 1000;
  try {
    const claims = JSON.parse(atob(trimmed.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    if (claims.exp) expiresAt = claims.exp * 1000;
  } catch (error) {
    // Not a JWT we can read (an API key, say): keep it for an hour.
  }
  sessionStorage.setItem(TOKEN, JSON.stringify({ token: trimmed, expiresAt }));
}

export function signOut() {
  sessionStorage.removeItem(TOKEN);
  if (signInConfigured()) {
    const query = new URLSearchParams({ client_id: config.cognitoClientId, logout_uri: redirectUri() });
    window.location.assign(`https://${config.cognitoDomain}/logout?${query}`);
  }
}

// After the hosted UI sends the user back with ?code=..., trade it for tokens.
export async function completeSignIn() {
  const params = new URLSearchParams(window.location.search);
  const code = params.get("code");
  const verifier = sessionStorage.getItem(VERIFIER);
  if (!code || !verifier || !signInConfigured()) return;
  sessionStorage.removeItem(VERIFIER);
  const response = await fetch(`https://${config.cognitoDomain}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: config.cognitoClientId,
      code,
      redirect_uri: redirectUri(),
      code_verifier: verifier,
    }),
  });
  if (response.ok) {
    const tokens = await response.json();
    // The API's audience is the app client: the ID token carries it as `aud`.
    sessionStorage.setItem(TOKEN, JSON.stringify({
      token: tokens.id_token,
      expiresAt: Date.now() + (tokens.expires_in - 30) * 1000,
    }));
  }
  window.history.replaceState(null, "", `${window.location.pathname}${window.location.hash || "#/"}`);
}
