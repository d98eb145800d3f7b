"""Sign-in views' helpers: log in (with MFA and enrolment) and out through Ward; the middleware sets the cookie.

Each returns Ward's answer as a dict without the session token (the cookie carries it; a token in a dict ends up in
logs and templates). A refusal is ``{"status": "refused", "code": …, "detail": …}`` with Ward's problem fields
(``invalid_credentials``, ``invalid_mfa_code``, ``mfa_challenge_invalid``, ``rate_limited`` with ``retry_after``, …).
``client.WardUnavailable`` is raised when Ward cannot answer: let it become an error page, never a way in. The page's
report (DEBUG off: error e-mails, error trackers that read Django's filter) shows no local of these functions, so no
password, code or token.
"""
from django.views.decorators.debug import sensitive_variables

from . import client, middleware


@sensitive_variables()
def login(request, tenant, username, password):
    """``POST /v1/auth/login`` for the user of ``request``: ``status`` is ``authenticated``, ``mfa_required`` (with
    ``challenge``), ``mfa_enrollment_required`` (the cookie then holds a session that may only enrol) or ``refused``."""
    body = {"tenant": tenant, "username": username, "password": password, "client": client.client_of(request)}
    return _signed_in(request, client.as_app("POST", "/v1/auth/login", body))


@sensitive_variables()
def verify_mfa(request, challenge, code):
    """``POST /v1/auth/mfa/verify``: the second step after ``mfa_required``; ``authenticated`` or ``refused``."""
    body = {"challenge": challenge, "code": code, "client": client.client_of(request)}
    return _signed_in(request, client.as_app("POST", "/v1/auth/mfa/verify", body))


@sensitive_variables()
def totp_setup(request, current_password=None):
    """``POST /v1/me/mfa/totp/setup``: ``{secret, otpauth_uri, qr_svg}`` to show (the QR code is SVG markup from Ward),
    or ``refused``. ``current_password`` is needed except on the enrolment-only session straight after its login."""
    return _as_holder(request, "/v1/me/mfa/totp/setup", {} if current_password is None else {"current_password": current_password})


@sensitive_variables()
def totp_confirm(request, code):
    """``POST /v1/me/mfa/totp/confirm``: ``{enabled, backup_codes}`` (show the codes once); the session is then fully
    signed in (aal 2) under a new token, which the middleware sets as the cookie."""
    return _as_holder(request, "/v1/me/mfa/totp/confirm", {"code": code})


@sensitive_variables()
def logout(request):
    """Ends the session on Ward and deletes the cookie; ``True`` if a live session ended, ``False`` if there was none.
    Raises ``client.WardUnavailable`` when Ward did not end it (down, or the app's key refused): never a quiet ``False``."""
    state = middleware.state_of(request)
    token = state.token
    state.token = state.new_token = None
    state.clear_cookie = True
    request.ward_session = None
    if not token:
        return False
    # On the user's behalf (API key + Ward-Session-Token): from the app server, a call with the user's own token would
    # be a binding change under session.binding "strict", recorded as such instead of as a logout.
    answer = client.as_app("POST", "/v1/auth/logout", headers={"Ward-Session-Token": token})
    if answer.status == 204:
        return True
    if answer.status == 401 and (answer.code or "").startswith("session_"):
        return False
    # The app's key refused, without scope sessions, rate-limited: the session lives on at Ward, so this is no logout
    # (the cookie is deleted all the same: the browser asked to be signed out).
    raise client.WardUnavailable("logout answered %d %s" % (answer.status, answer.code or "-"))


@sensitive_variables()
def _as_holder(request, path, body=None):
    state = middleware.state_of(request)
    if not state.token:
        return {"status": "refused", "code": "unauthenticated", "detail": "Sign in first."}
    answer = client.as_holder(request, "POST", path, state.token, body)
    if answer.status != 200:
        return _refused(answer)
    out = dict(answer.body or {})
    _take_token(request, out)
    return out


@sensitive_variables()
def _signed_in(request, answer):
    if answer.status != 200 or not isinstance(answer.body, dict):
        return _refused(answer)
    out = dict(answer.body)
    _take_token(request, out)
    if out.get("status") == "authenticated":
        request.ward_session = out.get("session")
    return out


@sensitive_variables()
def _take_token(request, out):
    token = out.pop("token", None)
    if middleware.looks_like_token(token):
        state = middleware.state_of(request)
        state.token = state.new_token = token
        state.clear_cookie = False


def _refused(answer):
    out = dict(answer.body) if isinstance(answer.body, dict) else {}
    out.update({"status": "refused", "code": answer.code or "http_%d" % answer.status, "http_status": answer.status})
    out.setdefault("detail", "Ward refused the request.")
    if "retry-after" in answer.headers:
        out.setdefault("retry_after", answer.headers["retry-after"])
    return out
