"""ward.js on the app's own origin: the five calls ward.js makes, at ``WARD_FORWARD_PATH`` (``ward_django.urls``).

Nothing else is forwarded (any other path there is a 404), and no request body is: ward.js sends none, so a body over
``MAX_BODY_BYTES`` is refused and a smaller one ignored. Each call is made with the app's API key and the end user's
address and browser -- validate for the session read and the keepalive, ``Ward-Session-Token`` for the two cleanups --
so Ward sees the same client as on every other request (session binding) and the app's origin needs no place in the
tenant's ``browser.allowed_origins``. Django's CSRF token cannot ride on a beacon, so these views check the ``Origin``
instead: a state-changing call must come from the app's own origin (and the cookie is ``SameSite=Strict`` as well).
"""
import logging

from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from . import auth, client, middleware

log = logging.getLogger("ward_django")

MAX_BODY_BYTES = 4096


def _forwarded(method):
    """Method, body bound, same-origin check, a session token; Ward down = 503. Every answer is uncacheable."""
    def decorate(view):
        def forwarded(request):
            state = middleware.state_of(request)
            state.patient_page = True
            if request.method != method:
                return HttpResponseNotAllowed([method])
            length = request.META.get("CONTENT_LENGTH") or "0"
            if not length.isdigit() or int(length) > MAX_BODY_BYTES:
                return middleware.problem(413, "request_too_large", "ward.js sends no body here.")
            if method == "POST" and request.META.get("HTTP_ORIGIN") != _own_origin(request):
                return middleware.problem(403, "origin_not_allowed", "Only pages of this site may call this.")
            if not state.token:
                return middleware.problem(401, "unauthenticated", "Sign in first.")
            try:
                return view(request)
            except client.WardUnavailable as e:
                log.error("ward_django: failing closed: %s", e)
                return middleware.unavailable(request)

        forwarded.__name__ = view.__name__
        forwarded.__doc__ = view.__doc__
        return csrf_exempt(forwarded)

    return decorate


def _own_origin(request):
    return "%s://%s" % (request.scheme, request.get_host())


def _validated(request, answer_of):
    """Validates the session (a use; a rotation sets the new cookie): ``answer_of(session)`` or Ward's problem."""
    answer = middleware.validate(request)
    return JsonResponse(answer_of(request.ward_session)) if answer.status == 200 else _relay(answer)


def _on_behalf(request, path, ends_session):
    """A patient-data call on the user's behalf: the app's key (scope ``patients``) and the user's token."""
    state = middleware.state_of(request)
    answer = client.as_app("POST", path, headers={"Ward-Session-Token": state.token})
    code = answer.code or ""
    if answer.status in (401, 403) and not code.startswith("session_") and code != "mfa_enrollment_required":
        raise client.WardUnavailable("%s answered %d %s" % (path, answer.status, code or "-"))
    rotated = answer.headers.get(middleware.ROTATED_HEADER.lower(), "")
    if middleware.looks_like_token(rotated):
        state.token = state.new_token = rotated
    if ends_session or answer.status == 401:
        state.token = state.new_token = None
        state.clear_cookie = True
    return _relay(answer)


_NOT_RELAYED = ("type", "title", "status", "detail", "code", "rotated_token")


def _relay(answer):
    """Ward's answer to ward.js, minus anything a page must not hold (a rotated token goes only into the cookie)."""
    if answer.status >= 400:
        body = answer.body if isinstance(answer.body, dict) else {}
        return middleware.problem(answer.status, answer.code or "ward_error", body.get("detail", ""),
                                  **{k: v for k, v in body.items() if k not in _NOT_RELAYED})
    return JsonResponse(answer.body if isinstance(answer.body, dict) else {}, status=answer.status)


@_forwarded("GET")
def session(request):
    """GET /v1/session: the session object (ward.js reads its idle expiry)."""
    return _validated(request, lambda s: s)


@_forwarded("POST")
def keepalive(request):
    """POST /v1/session/keepalive: "Stay signed in"."""
    return _validated(request, lambda s: {"idle_expires_at": s["idle_expires_at"]})


@_forwarded("POST")
def patient_data_clear(request):
    """POST /v1/session/patient-data/clear: the beacon of a closed or hidden tab."""
    return _on_behalf(request, "/v1/session/patient-data/clear", ends_session=False)


@_forwarded("POST")
def emergency_cleanup(request):
    """POST /v1/session/emergency-cleanup: contexts purged and the session ended."""
    return _on_behalf(request, "/v1/session/emergency-cleanup", ends_session=True)


@_forwarded("POST")
def logout(request):
    """POST /v1/auth/logout: the idle warning ran out."""
    auth.logout(request)
    return HttpResponse(status=204)
