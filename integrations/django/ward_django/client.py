"""Calls to Ward over HTTP (standard library only), and what their answers mean to an app.

Every failure to get a usable answer -- refused connection, timeout, a 5xx, a body that is not JSON -- is a
``WardUnavailable``: callers fail closed on it, never open.
"""
import http.client
import json
import logging
import re
import ssl
from urllib.parse import urlsplit

from django.views.decorators.debug import sensitive_variables

from . import conf

log = logging.getLogger("ward_django")

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Ward accepts at most 64 KiB of request body; its answers to the calls made here are far smaller.
_MAX_ANSWER_BYTES = 1 << 20


class WardUnavailable(Exception):
    """Ward could not be asked (down, slow, misconfigured): the request must not go through."""


class Answer:
    """Ward's status, parsed JSON body (or ``None``) and the few headers an app needs."""

    def __init__(self, status, body, headers):
        self.status = status
        self.body = body
        self.headers = headers

    @property
    def code(self):
        return self.body.get("code") if isinstance(self.body, dict) else None

    def __repr__(self):
        # Never the body: it may hold a session token.
        return "Answer(%d, %s)" % (self.status, self.code)


def client_of(request):
    """The end user as Ward should see them: the address Django saw and the browser's User-Agent."""
    agent = _CONTROL.sub("", request.META.get("HTTP_USER_AGENT", ""))[:512]
    return {"ip": request.META.get("REMOTE_ADDR", ""), "user_agent": agent}


@sensitive_variables()
def call(method, path, body=None, bearer=None, headers=None):
    """One call to Ward; raises ``WardUnavailable`` unless Ward answered below 500 with JSON or nothing."""
    settings = conf.get()
    url = urlsplit(settings.url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise WardUnavailable("WARD_URL must be an http:// or https:// URL")
    sent = {"Accept": "application/json"}
    if bearer:
        sent["Authorization"] = "Bearer " + bearer
    sent.update(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        sent["Content-Type"] = "application/json"
    kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    extra = {"context": ssl.create_default_context()} if url.scheme == "https" else {}
    conn = kind(url.hostname, url.port, timeout=settings.timeout, **extra)
    try:
        conn.request(method, url.path.rstrip("/") + path, body=data, headers=sent)
        response = conn.getresponse()
        raw = response.read(_MAX_ANSWER_BYTES + 1)
        answer_headers = {k.lower(): v for k, v in response.getheaders()}
    except (OSError, http.client.HTTPException) as e:
        raise WardUnavailable("Ward did not answer %s %s: %s" % (method, path, type(e).__name__)) from None
    finally:
        conn.close()
    if response.status >= 500 or len(raw) > _MAX_ANSWER_BYTES:
        raise WardUnavailable("Ward answered %s %s with %d" % (method, path, response.status))
    parsed = None
    if raw:
        try:
            parsed = json.loads(raw.decode("utf-8"))
        except ValueError:
            raise WardUnavailable("Ward answered %s %s with a body that is not JSON" % (method, path)) from None
    return Answer(response.status, parsed, answer_headers)


@sensitive_variables()
def as_app(method, path, body=None, headers=None):
    """A call with the app's API key (``WARD_API_KEY``)."""
    return call(method, path, body=body, bearer=conf.get().api_key, headers=headers)


@sensitive_variables()
def as_holder(request, method, path, token, body=None):
    """A call with the user's own session token, carrying the user's browser and address as a proxy would.

    Ward believes ``X-Forwarded-For`` only when the app server is in its ``WARD_TRUSTED_PROXIES``; otherwise it
    sees the app server's address (see the README on ``session.binding``).
    """
    seen = client_of(request)
    headers = {"User-Agent": seen["user_agent"]}
    if seen["ip"]:
        headers["X-Forwarded-For"] = seen["ip"]
    return call(method, path, body=body, bearer=token, headers=headers)


@sensitive_variables()
def validate(token, request, require=None):
    """``POST /v1/sessions/validate`` for the user of ``request``; ``require`` = ``{"module", "action"}``."""
    body = {"token": token, "client": client_of(request)}
    if require:
        body["require"] = require
    answer = as_app("POST", "/v1/sessions/validate", body)
    if answer.status == 200 and not (isinstance(answer.body, dict) and answer.body.get("valid") is True
                                     and isinstance(answer.body.get("session"), dict)):
        raise WardUnavailable("Ward's validation answer has no session")
    return answer
