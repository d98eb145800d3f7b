// Sign-in as a browser: POST /v1/auth/login sets the session cookie; then a TOTP code when MFA is on, or enrolment
// (QR code, confirmation, backup codes shown once) when the user's role requires MFA and they have none yet.
import {post, Problem} from "./api.js";
import {h, show, field, form} from "./dom.js";

/** Shows the sign-in form in `root`; `done` runs once the session is fully signed in (aal as the policy wants). */
export function signIn(root, done, message) {
  const tenant = h("input", {name: "tenant", autocomplete: "organization", required: true, value: "system"});
  const username = h("input", {name: "username", autocomplete: "username", required: true});
  const password = h("input", {name: "password", type: "password", autocomplete: "current-password", required: true});
  show(root,
    h("h1", {}, "Sign in"),
    message ? h("p", {class: "notice", role: "status"}, message) : null,
    form({class: "card", "aria-label": "Sign in"}, [
      field("Tenant", tenant), field("Username", username), field("Password", password),
      h("button", {type: "submit"}, "Sign in"),
    ], async () => {
      const answer = await post("/v1/auth/login", {tenant: tenant.value.trim(), username: username.value.trim(),
        password: password.value}).catch(e => { throw friendly(e); });
      password.value = "";
      await next(root, answer, done);
    }));
  (tenant.value ? username : tenant).focus();
}

async function next(root, answer, done) {
  switch (answer.status) {
    case "authenticated": return done();
    case "mfa_required": return mfaCode(root, answer.challenge, done);
    case "mfa_enrollment_required": return enrol(root, done);
    default: throw new Problem(0, {detail: "Ward answered the sign-in in a way this console does not know."});
  }
}

function friendly(e) {
  if (e.code === "invalid_credentials") e.message = "Those credentials were not accepted.";
  return e;
}

function codeInput() {
  return h("input", {name: "code", inputmode: "numeric", autocomplete: "one-time-code", required: true,
    maxlength: 20, class: "code"});
}

function mfaCode(root, challenge, done) {
  const code = codeInput();
  show(root,
    h("h1", {}, "Two-factor code"),
    form({class: "card", "aria-label": "Two-factor code"}, [
      field("Code from your authenticator app, or a backup code", code),
      h("button", {type: "submit"}, "Verify"),
    ], async () => {
      const answer = await post("/v1/auth/mfa/verify", {challenge, code: code.value.replace(/\s/g, "")});
      await next(root, answer, done);
    }));
  code.focus();
}

/** The QR code is SVG markup from Ward; it goes in as an image (never parsed into the page), with the secret as text. */
async function enrol(root, done) {
  const setup = await post("/v1/me/mfa/totp/setup");
  const bytes = new TextEncoder().encode(setup.qr_svg);
  let binary = "";
  bytes.forEach(b => { binary += String.fromCharCode(b); });
  const code = codeInput();
  show(root,
    h("h1", {}, "Set up two-factor authentication"),
    h("p", {}, "Your role requires a second factor. Scan this code with an authenticator app, or type the secret into it, then enter the code it shows."),
    h("img", {class: "qr", src: `data:image/svg+xml;base64,${btoa(binary)}`, width: 200, height: 200,
      alt: "QR code for your authenticator app (the same secret is written out below)"}),
    h("p", {}, "Secret: ", h("code", {id: "totp-secret"}, setup.secret)),
    form({class: "card", "aria-label": "Confirm two-factor authentication"}, [
      field("Code from your authenticator app", code),
      h("button", {type: "submit"}, "Confirm"),
    ], async () => {
      const confirmed = await post("/v1/me/mfa/totp/confirm", {code: code.value.replace(/\s/g, "")});
      backupCodes(root, confirmed.backup_codes, done);
    }));
  code.focus();
}

function backupCodes(root, codes, done) {
  const go = h("button", {type: "button", id: "continue"}, "I have saved them — continue");
  go.addEventListener("click", () => done());
  show(root,
    h("h1", {}, "Backup codes"),
    h("p", {role: "alert"}, "Two-factor authentication is on. Save these backup codes now: each works once, and Ward will not show them again."),
    h("ul", {class: "backup-codes", id: "backup-codes"}, codes.map(c => h("li", {}, h("code", {}, c)))),
    go);
  go.focus();
}
