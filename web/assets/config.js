// The deployment's settings. Locally: same origin, no sign-in (AUTH_MODE=none).
// `make deploy-frontend` rewrites this file with the API URL (and Cognito's, if used).
// It never holds a secret.
export default {
  apiBaseUrl: "",
  cognitoDomain: "",
  cognitoClientId: "",
};
