"""``WardSessionMiddleware``: every request under ``WARD_PROTECTED_PATHS`` carries a live Ward session or goes no further.

Put it after ``SecurityMiddleware`` and before anything that reads ``request.ward_session``. It reads the session token
from the ``WARD_COOKIE_NAME`` cookie (browsers) or ``Authorization: Bearer wst_…`` (API callers), validates it with the
app's API key and the end user's address and browser, and then:

- valid: ``request.ward_session`` is the session object (a dict); a rotated token goes back as a new cookie (or, to a
  bearer caller, in ``Ward-Rotated-Token``);
- not valid (expired, revoked, unknown, none): browsers are redirected to ``WARD_LOGIN_URL?next=…``, API callers get
  ``401`` problem JSON with Ward's code, and the dead cookie is deleted;
- a session that may only enrol MFA: browsers go to ``WARD_MFA_ENROLL_URL``, API callers get ``403``;
- Ward unreachable, slow, failing or refusing the API key: ``503`` -- never through.

Answers on protected paths carry the patient-page headers (no caching anywhere, no framing, no referrer).
"""
import logging
import re
from urllib.parse import urlencode

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.views.decorators.debug import sensitive_variables

from . import client, conf

log = logging.getLogger("ward_django")

TOKEN_PREFIX = "wst_"
# A session token's shape (as the Java client's looksLikeToken): garbage from a cookie or header never reaches Ward, and
# nothing from Ward that could add a cookie attribute or a header line goes into a Set-Cookie or Ward-Rotated-Token.
_LEADING_SLASHES = re.compile(r"^(?:/|\\|%5c|%2f)+", re.IGNORECASE)
_TOKEN = re.compile(r"wst_[A-Za-z0-9_-]{1,252}\Z")
ROTATED_HEADER = "Ward-Rotated-Token"
PATIENT_PAGE_HEADERS = {
    "Cache-Control": "no-store, no-cache, must-revalidate, private",
    "Pragma": "no-cache",
    "Expires": "0",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class _State:
    """What this request did with the Ward session; the middleware applies it to the response."""

    def __init__(self, token, bearer):
        self.token = token
        self.bearer = bearer
        self.new_token = None
        self.clear_cookie = False
        self.checked = False
        self.patient_page = False

    def __repr__(self):
        return "_State(checked=%s)" % self.checked


class WardSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        settings = conf.get()
        token, bearer = _token_of(request, settings)
        state = _State(token, bearer)
        request._ward = state
        request.ward_session = None
        path = request.path_info
        if _protected(path, settings):
            state.patient_page = True
            refusal = check(request)
            response = refusal if refusal is not None else self.get_response(request)
        else:
            response = self.get_response(request)
        return finish(request, response)


def finish(request, response):
    """Hands a rotated or new token to the client, deletes a dead cookie, and marks patient pages uncacheable."""
    state = request._ward
    settings = conf.get()
    if state.new_token and state.bearer:
        response[ROTATED_HEADER] = state.new_token
    elif state.new_token:
        response.set_cookie(cookie_name(request, settings), state.new_token, httponly=True, samesite="Strict",
                            secure=request.is_secure(), path="/")
    elif state.clear_cookie and cookie_name(request, settings) in request.COOKIES:
        response.delete_cookie(cookie_name(request, settings), path="/", samesite="Strict")
    if state.patient_page:
        for name, value in PATIENT_PAGE_HEADERS.items():
            response[name] = value
    return response


def state_of(request):
    state = getattr(request, "_ward", None)
    if state is None:
        raise ImproperlyConfigured("add ward_django.middleware.WardSessionMiddleware to MIDDLEWARE")
    return state


@sensitive_variables()
def check(request, require=None):
    """Validates the request's session (with ``require``, if given); ``None`` when it may go on, else the refusal."""
    state = state_of(request)
    state.checked = True
    if not state.token:
        # A cookie that is no token is of no use to keep sending (finish deletes only one the browser sent); a bearer
        # caller's cookie is not this request's credential and is left alone.
        state.clear_cookie = not state.bearer
        return unauthenticated(request, "unauthenticated", "Sign in first.")
    try:
        answer = validate(request, require)
    except client.WardUnavailable as e:
        log.error("ward_django: failing closed: %s", e)
        return unavailable(request)
    if answer.status == 200:
        return None
    detail = answer.body.get("detail", "") if isinstance(answer.body, dict) else ""
    if answer.status == 401:
        return unauthenticated(request, answer.code, detail or "The session is not valid.")
    if answer.code == "mfa_enrollment_required":
        return enrol(request)
    return forbidden(request, answer.code, detail or "Not permitted.")


@sensitive_variables()
def validate(request, require=None):
    """Validates the request's token and applies the answer to the request: the session, a rotated token, a dead
    cookie. Returns Ward's answer when it is about the user -- 200, 401 ``session_*``, 403 ``mfa_enrollment_required``
    or ``permission_denied`` -- and raises ``WardUnavailable`` on anything else (API key refused, scope missing,
    rate-limited): the app's problem is never the user's way in."""
    state = state_of(request)
    answer = client.validate(state.token, request, require)
    body = answer.body if isinstance(answer.body, dict) else {}
    rotated = body.get("rotated_token")
    if looks_like_token(rotated):
        state.token = state.new_token = rotated
    code = answer.code or ""
    if answer.status == 200:
        request.ward_session = body["session"]
        return answer
    if answer.status == 401 and code.startswith("session_"):
        state.token = state.new_token = None
        state.clear_cookie = True
        return answer
    if answer.status == 403 and code in ("mfa_enrollment_required", "permission_denied"):
        return answer
    raise client.WardUnavailable("validate answered %d %s" % (answer.status, code or "-"))


def wants_html(request):
    """A browser navigation (an HTML page is acceptable), not an API call."""
    return not state_of(request).bearer and "text/html" in request.META.get("HTTP_ACCEPT", "")


def problem(status, code, detail, **extra):
    body = {"type": "urn:ward:problem:" + code, "title": "HTTP %d" % status, "status": status, "detail": detail,
            "code": code}
    body.update(extra)
    response = JsonResponse(body, status=status, content_type="application/problem+json")
    response["Cache-Control"] = "no-store"
    return response


def unauthenticated(request, code, detail):
    if wants_html(request):
        login = conf.get().login_url
        # "//evil.example/x" or "/\\evil.example/x" is another site to a login page that redirects to its next: the
        # leading slashes (and backslashes, which browsers read as slashes) become one.
        here = _LEADING_SLASHES.sub("/", request.get_full_path())
        return HttpResponseRedirect(login + ("&" if "?" in login else "?") + urlencode({"next": here}))
    response = problem(401, code, detail)
    response["WWW-Authenticate"] = 'Bearer realm="ward"'
    return response


def enrol(request):
    enroll_url = conf.get().mfa_enroll_url
    if enroll_url and wants_html(request):
        return HttpResponseRedirect(enroll_url)
    return problem(403, "mfa_enrollment_required", "Set up a second factor (MFA) before going on.")


def forbidden(request, code, detail):
    if wants_html(request):
        raise PermissionDenied(detail)
    return problem(403, code, detail)


def unavailable(request):
    if wants_html(request):
        response = HttpResponse("<!doctype html><title>Unavailable</title><p>Sign-in checks are unavailable; "
                                "try again in a moment.</p>", status=503, content_type="text/html; charset=utf-8")
    else:
        response = problem(503, "ward_unavailable", "The session service cannot be reached; try again in a moment.")
    response["Retry-After"] = "5"
    response["Cache-Control"] = "no-store"
    return response


def _token_of(request, settings):
    """The session token and whether it came as a bearer; an API key or anything else there is no session token."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        token = header[7:].strip()
        return (token, True) if looks_like_token(token) else (None, True)
    cookie = request.COOKIES.get(cookie_name(request, settings), "")
    return (cookie, False) if looks_like_token(cookie) else (None, False)


def looks_like_token(value):
    return isinstance(value, str) and _TOKEN.match(value) is not None


def cookie_name(request, settings):
    """Over HTTPS the cookie is ``__Host-<name>``, as Ward's own and the Java filter's: a browser takes that name only
    from a secure origin, for ``Path=/`` and without ``Domain``, so a sibling subdomain or a plain-HTTP page cannot plant
    a session of its choosing ahead of it (cookie tossing), and only that name is read over HTTPS."""
    return "__Host-" + settings.cookie_name if request.is_secure() else settings.cookie_name


def _canonical(path):
    """Lower case, each segment without its trailing dots and spaces: a case-insensitive route (``re_path`` with
    ``(?i)``), a file system that drops trailing dots (Windows) or a static server serves these as the same page."""
    return "/".join(segment.rstrip(". ") for segment in path.lower().split("/"))


def _protected(path, settings):
    if path.startswith(settings.forward_path):
        return False
    canonical = _canonical(path)
    for prefix in settings.protected_paths:
        own = _canonical(prefix)
        base = own.rstrip("/")
        # "/patients/" covers "/patients" as well: a route written without the slash is the same pages to the user;
        # and "/patients.json", a suffix a format-suffix route serves as "/patients".
        if canonical.startswith(own) or canonical == base:
            return True
        if base and canonical.startswith(base + ".") and "/" not in canonical[len(base):]:
            return True
    return False