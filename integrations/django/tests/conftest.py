"""Fixtures over the real Ward that DjangoMiddlewareTest starts (see its javadoc for the environment it passes).

Ward is set up here through its own HTTP API with the administrator's key, never through ward_django, so that a bug
in the package cannot hide itself; TOTP codes are computed from RFC 6238 with hmac/hashlib, sharing nothing with Ward.
"""
import base64
import hashlib
import hmac
import json
import os
import secrets
import struct
import urllib.error
import urllib.request

import pytest
from django.test import Client, override_settings

PASSWORD = "Django-Ward-Pass-9!"
HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"


def pytest_configure(config):
    missing = [n for n in ("WARD_URL", "WARD_TEST_API_KEY", "WARD_TEST_ADMIN_KEY", "WARD_TEST_CLOCK_URL")
               if not os.environ.get(n)]
    if missing:
        raise pytest.UsageError("run through DjangoMiddlewareTest (./ward test): %s not set" % ", ".join(missing))


def ward(method, path, body=None, token=None, headers=None):
    """Ward's status, JSON body (or None) and headers, straight over HTTP."""
    request = urllib.request.Request(os.environ["WARD_URL"] + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            status, raw, got = r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        status, raw, got = e.code, e.read(), dict(e.headers)
    return status, (json.loads(raw) if raw else None), got


def admin(method, path, body=None):
    status, answer, _ = ward(method, path, body, token=os.environ["WARD_TEST_ADMIN_KEY"])
    assert status < 300, "%s %s: %d %s" % (method, path, status, answer)
    return answer


def clock(advance=None):
    """Ward's clock (epoch seconds), moved forward first by ``advance`` seconds."""
    url = os.environ["WARD_TEST_CLOCK_URL"] + ("?advance=%d" % advance if advance else "")
    with urllib.request.urlopen(urllib.request.Request(url, method="POST" if advance else "GET"), timeout=10) as r:
        return json.loads(r.read())["now"]


def totp(secret, at):
    """RFC 6238: HMAC-SHA1 over the 30-second step, dynamically truncated to 6 digits (RFC 4226 §5.3)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", at // 30), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def user(tenant, *roles):
    """A new user of ``tenant`` (roles default to provider); returns the username."""
    username = "u" + secrets.token_hex(4)
    admin("POST", "/v1/admin/tenants/%s/users" % tenant,
          {"username": username, "password": PASSWORD, "roles": list(roles or ("provider",))})
    return username


def tenant_with(policy):
    """A new tenant with this policy and an API key of it (scopes sessions, patients): ``(tenant, key)``."""
    tenant = "t" + secrets.token_hex(4)
    admin("POST", "/v1/admin/tenants", {"id": tenant, "name": "Test " + tenant, "policy": policy})
    key = admin("POST", "/v1/admin/tenants/%s/api-keys" % tenant, {"name": "django", "scopes": ["sessions", "patients"]})
    return tenant, key["key"]


def sign_in(client, tenant, username):
    response = client.post("/login/", {"tenant": tenant, "username": username, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()


def cookie(response):
    """The ward_session cookie a response sets ("" when it deletes it), or None when it leaves it alone."""
    morsel = response.cookies.get("ward_session")
    return None if morsel is None else morsel.value




@pytest.fixture
def tenant():
    return os.environ.get("WARD_TEST_TENANT", "clinic")


@pytest.fixture
def browser():
    return Client(HTTP_ACCEPT=HTML, HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) ward-django-tests")


@pytest.fixture
def api():
    return Client(HTTP_ACCEPT="application/json", HTTP_USER_AGENT="ward-django-tests/1")


@pytest.fixture
def nurse(browser, tenant):
    """A browser signed in as a new provider of the test tenant; returns the login answer."""
    return sign_in(browser, tenant, user(tenant))


@pytest.fixture
def own_tenant():
    """``make(policy)``: a tenant of its own, with the app's settings pointed at its API key for the test."""
    overrides = []

    def make(policy):
        tenant, key = tenant_with(policy)
        o = override_settings(WARD_API_KEY=key)
        o.enable()
        overrides.append(o)
        return tenant

    yield make
    for o in reversed(overrides):
        o.disable()
