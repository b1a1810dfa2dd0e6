// Every flow of cognito-auth-api, from one static page on any origin.
"use strict";

(() => {
  // Renew this long before the shorter-lived token of the pair expires.
  const RENEW_MARGIN_S = 60;
  // Never sooner than this, whatever a token says: a renewal loop would spend the
  // Cognito quota that every user of the account shares.
  const MIN_RENEW_DELAY_S = 10;
  // After a renewal that failed for a passing reason (unreachable, 503).
  const RENEW_RETRY_S = 30;

  const $ = (id) => document.getElementById(id);

  // Tokens live in this closure only: never in localStorage, sessionStorage or
  // cookies, where any script injected into the origin could read them later.
  let session = null; // {username, idToken, accessToken, refreshToken}
  let renewTimer = null;
  let renewing = null; // the renewal under way, shared by everyone who needs one
  let challenge = null; // {username, name, session}

  class ServiceError extends Error {
    constructor(message, requestId = null) {
      super(message);
      this.requestId = requestId;
    }
  }

  // --- talking to the service ---------------------------------------------------

  function baseUrl() {
    const value = $("api-url").value.trim().replace(/\/+$/, "");
    if (!value) {
      throw new ServiceError("Enter the service URL first.");
    }
    let url;
    try {
      url = new URL(value);
    } catch {
      throw new ServiceError(`"${value}" is not a URL: enter the service URL, such as http://127.0.0.1:8000.`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ServiceError("The service URL must start with http:// or https://.");
    }
    return value;
  }

  // One POST; answers {status, ok, answer, requestId} for any HTTP answer, and
  // throws only when no answer came.
  async function send(path, body, token) {
    const base = baseUrl();
    const headers = {};
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    if (token) {
      // The raw token, as API Gateway's Cognito authorizer documents it: no "Bearer".
      headers.Authorization = token;
    }
    let response;
    try {
      response = await fetch(base + path, {
        method: "POST",
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
    } catch {
      // The browser tells a script no more than this, a CORS refusal included.
      throw new ServiceError(
        `The service at ${base} cannot be reached. Check that it is running and that ` +
          `it allows this page's origin (${location.origin}).`,
      );
    }
    let answer = null;
    try {
      answer = await response.json();
    } catch {
      answer = null;
    }
    return {
      status: response.status,
      ok: response.ok,
      answer,
      requestId: response.headers.get("X-Request-Id"),
    };
  }

  function failure(result) {
    const message = result.answer && typeof result.answer.message === "string" ? result.answer.message : "";
    return new ServiceError(message || `The service answered HTTP ${result.status}.`, result.requestId);
  }

  // The gateway's refusal of a token is {"message": ...} alone; our own 401s (a wrong
  // current password, a session signed out elsewhere) are envelopes, and a new token
  // would not change them.
  function tokenRefused(result) {
    return result.status === 401 && !(result.answer && "success" in result.answer);
  }

  // A call that succeeds or throws. `auth` names the token a guarded route wants
  // ("id" or "access"); a refused token is renewed once and the call made once more.
  async function call(path, body, auth) {
    const token = () => (auth === "id" ? session.idToken : session.accessToken);
    let result = await send(path, body, auth ? token() : undefined);
    if (auth && tokenRefused(result)) {
      await renew();
      result = await send(path, body, token());
    }
    if (!result.ok) {
      throw failure(result);
    }
    return result.answer;
  }

  // --- tokens -----------------------------------------------------------------------

  // The payload, unverified: the service verifies tokens, this page only reads
  // lifetimes and names from them.
  function claimsOf(jwt) {
    try {
      const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const bytes = Uint8Array.from(atob(part.padEnd(Math.ceil(part.length / 4) * 4, "=")), (c) =>
        c.charCodeAt(0),
      );
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return {};
    }
  }

  // Seconds the token lives from its issue: exp - iat, both the issuer's clock, so
  // a page whose clock is off still renews in time (exp against the page's clock
  // would renew too late, or in a loop).
  function lifetime(jwt, fallback) {
    const { exp, iat } = claimsOf(jwt);
    return Number.isFinite(exp) && Number.isFinite(iat) && exp > iat ? exp - iat : fallback;
  }

  function setTokens(data) {
    session.idToken = data.id_token;
    session.accessToken = data.access_token;
    const expiresIn = Number(data.expires_in) || 3600;
    const lives = Math.min(lifetime(data.id_token, expiresIn), lifetime(data.access_token, expiresIn));
    scheduleRenewal(lives - RENEW_MARGIN_S);
  }

  function scheduleRenewal(seconds) {
    clearTimeout(renewTimer);
    const delay = Math.max(seconds, MIN_RENEW_DELAY_S);
    renewTimer = setTimeout(renewOnTimer, delay * 1000);
    const at = new Date(Date.now() + delay * 1000).toLocaleTimeString();
    $("session-info").textContent = `Your tokens renew automatically; next renewal at ${at}.`;
  }

  function renew() {
    if (!renewing) {
      renewing = renewNow().finally(() => {
        renewing = null;
      });
    }
    return renewing;
  }

  async function renewNow() {
    const current = session;
    const result = await send("/user/renew_refresh_token", {
      username: current.username,
      refresh_token: current.refreshToken,
    });
    if (session !== current) {
      throw new ServiceError("You logged out while the tokens were being renewed.");
    }
    if (result.status === 401) {
      endSession();
      const error = failure(result);
      error.message = `Your session has ended: please log in again. (${error.message})`;
      throw error;
    }
    if (!result.ok) {
      throw failure(result);
    }
    // With rotation the answer carries the refresh token that replaces the one
    // sent, which stops working after the service's grace period.
    if (result.answer.data.refresh_token) {
      current.refreshToken = result.answer.data.refresh_token;
    }
    setTokens(result.answer.data);
  }

  async function renewOnTimer() {
    try {
      await renew();
      await loadProfile();
    } catch (error) {
      showError(error);
      if (session) {
        scheduleRenewal(RENEW_RETRY_S);
      }
    }
  }

  // --- what the user sees -------------------------------------------------------------

  function clearMessages() {
    $("alert").replaceChildren();
    $("status").textContent = "";
  }

  function showError(error) {
    if (!(error instanceof ServiceError)) {
      // A bug of this page: say so rather than fail silently.
      console.error(error);
      error = new ServiceError("Something went wrong in this page; reload it and try again.");
    }
    const parts = [document.createTextNode(error.message)];
    if (error.requestId) {
      const id = document.createElement("span");
      id.className = "request-id";
      id.textContent = `Request id: ${error.requestId}`;
      parts.push(" ", id);
    }
    $("alert").replaceChildren(...parts);
  }

  function showStatus(message) {
    $("status").textContent = message;
  }

  function showSignedIn(signedIn) {
    $("signed-in").hidden = !signedIn;
    $("signed-out").hidden = signedIn;
    // The tokens belong to this service: another URL would get them.
    $("api-url").readOnly = signedIn;
  }

  function startSession(username, data) {
    session = { username, refreshToken: data.refresh_token };
    setTokens(data);
    challenge = null;
    $("challenge").hidden = true;
    $("signed-in-as").textContent = username;
    showSignedIn(true);
    $("profile-title").focus();
  }

  function endSession() {
    clearTimeout(renewTimer);
    session = null;
    challenge = null;
    // Nothing of this user stays for the next one to see.
    $("profile").tBodies[0].replaceChildren();
    $("name-form").reset();
    $("password-form").reset();
    showSignedIn(false);
    $("login-title").focus();
  }

  async function loadProfile() {
    const answer = await call("/user/test-user", undefined, "id");
    const rows = answer.data.map(({ Name, Value }) => {
      const row = document.createElement("tr");
      const name = document.createElement("th");
      name.scope = "row";
      name.textContent = Name;
      const value = document.createElement("td");
      value.textContent = Value;
      row.append(name, value);
      return row;
    });
    $("profile").tBodies[0].replaceChildren(...rows);
    const current = answer.data.find(({ Name }) => Name === "name");
    if (current && !$("name-value").value) {
      $("name-value").value = current.Value;
    }
  }

  function tokensOrChallenge(username, data) {
    if (!data.challenge_name) {
      startSession(username, data);
      return loadProfile();
    }
    const needsPassword = data.challenge_name === "NEW_PASSWORD_REQUIRED";
    if (!needsPassword && !["SMS_MFA", "SOFTWARE_TOKEN_MFA"].includes(data.challenge_name)) {
      throw new ServiceError(`This page cannot answer the challenge ${data.challenge_name}.`);
    }
    challenge = { username, name: data.challenge_name, session: data.session };
    const where = (data.parameters || {}).CODE_DELIVERY_DESTINATION;
    $("challenge-prompt").textContent = needsPassword
      ? "Choose a new password to finish logging in."
      : data.challenge_name === "SMS_MFA"
        ? `Enter the code sent by text message${where ? ` to ${where}` : ""}.`
        : "Enter the code from your authenticator app.";
    $("challenge-password").hidden = !needsPassword;
    $("challenge-new-password").required = needsPassword;
    $("challenge-code").hidden = needsPassword;
    $("challenge-code-input").required = !needsPassword;
    $("challenge-form").reset();
    $("challenge").hidden = false;
    (needsPassword ? $("challenge-new-password") : $("challenge-code-input")).focus();
    return undefined;
  }

  // --- forms ----------------------------------------------------------------------

  // Runs `action` for a form's submit: one at a time, messages cleared first, any
  // error shown in the alert.
  function onSubmit(id, action) {
    const form = $(id);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      run(form, () => action(new FormData(form), form));
    });
  }

  async function run(busy, action) {
    const buttons = busy.querySelectorAll("button");
    buttons.forEach((button) => {
      button.disabled = true;
    });
    busy.setAttribute("aria-busy", "true");
    clearMessages();
    try {
      await action();
    } catch (error) {
      showError(error);
    } finally {
      buttons.forEach((button) => {
        button.disabled = false;
      });
      busy.removeAttribute("aria-busy");
    }
  }

  const field = (data, name) => String(data.get(name) || "").trim();

  onSubmit("login-form", async (data, form) => {
    const username = field(data, "username");
    const answer = await call("/login", { username, password: String(data.get("password")) });
    form.elements.password.value = "";
    await tokensOrChallenge(username, answer.data);
  });

  onSubmit("challenge-form", async (data) => {
    if (!challenge) {
      throw new ServiceError("Log in first.");
    }
    const body = { username: challenge.username, challenge_name: challenge.name, session: challenge.session };
    if (challenge.name === "NEW_PASSWORD_REQUIRED") {
      body.new_password = String(data.get("new_password"));
    } else {
      body.code = field(data, "code");
    }
    const answer = await call("/login/challenge", body);
    await tokensOrChallenge(challenge.username, answer.data);
  });

  onSubmit("signup-form", async (data, form) => {
    const username = field(data, "username");
    const body = { username, password: String(data.get("password")) };
    const name = field(data, "name");
    if (name) {
      body.name = name;
    }
    const answer = await call("/signup", body);
    form.reset();
    const where = answer.data && answer.data.destination;
    showStatus(where ? `${answer.message} (sent to ${where})` : answer.message);
    $("confirm-username").value = username;
    $("confirm-code").focus();
  });

  onSubmit("confirm-form", async (data, form) => {
    const username = field(data, "username");
    const answer = await call("/signup/confirm", { username, code: field(data, "code") });
    form.reset();
    showStatus(`${answer.message}: you can log in now.`);
    $("login-username").value = username;
    $("login-password").focus();
  });

  $("resend-code").addEventListener("click", () => {
    const form = $("confirm-form");
    run(form, async () => {
      const username = form.elements.username.value.trim();
      if (!username) {
        throw new ServiceError("Enter your email to get a new code.");
      }
      showStatus((await call("/signup/resend-code", { username })).message);
    });
  });

  onSubmit("forgot-form", async (data, form) => {
    const username = field(data, "username");
    const answer = await call("/password/forgot", { username });
    form.reset();
    showStatus(answer.message);
    $("reset-username").value = username;
    $("reset-code").focus();
  });

  onSubmit("reset-form", async (data, form) => {
    const username = field(data, "username");
    const answer = await call("/password/confirm", {
      username,
      code: field(data, "code"),
      password: String(data.get("password")),
    });
    form.reset();
    showStatus(`${answer.message}: you can log in with it now.`);
    $("login-username").value = username;
    $("login-password").focus();
  });

  onSubmit("name-form", async (data) => {
    const answer = await call("/user/attributes", { attributes: { name: field(data, "name") } }, "access");
    // The profile reads the id token, which carries the old name until renewed.
    showStatus(`${answer.message}. Your profile shows the new name from the next renewal (Renew now).`);
  });

  onSubmit("password-form", async (data, form) => {
    const answer = await call(
      "/user/change-password",
      {
        previous_password: String(data.get("previous_password")),
        proposed_password: String(data.get("proposed_password")),
      },
      "access",
    );
    form.reset();
    showStatus(answer.message);
  });

  $("renew-now").addEventListener("click", (event) => {
    run(event.currentTarget.closest("section"), async () => {
      await renew();
      await loadProfile();
      showStatus("Tokens renewed.");
    });
  });

  $("logout").addEventListener("click", (event) => {
    run(event.currentTarget.closest("section"), async () => {
      try {
        const answer = await call("/logout", undefined, "access");
        showStatus(answer.message);
      } finally {
        // Whatever the service answered, this page forgets the tokens.
        endSession();
      }
    });
  });

  // --- start --------------------------------------------------------------------------

  const fromQuery = new URLSearchParams(location.search).get("api");
  const configured = typeof window.COGNITO_AUTH_API_URL === "string" ? window.COGNITO_AUTH_API_URL : "";
  $("api-url").value = fromQuery || configured;
  if (!$("api-url").value) {
    showStatus("Enter the URL of the service to use this page.");
    $("api-url").focus();
  }
})();
