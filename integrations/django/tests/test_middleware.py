"""WardSessionMiddleware against a real Ward: protected and open paths, login, logout, expiry, 302 vs 401, Ward down."""
import os
import socket
import sys
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client, RequestFactory, override_settings

from ward_django import auth, client, conf, middleware

from .conftest import HTML, PASSWORD, admin, clock, cookie, sign_in, tenant_with, user, ward


def dead_port():
    """A loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("path", ["/patients/cda/p1/", "/patients/details/p1/", "/patient_data/p1/"])
def test_a_browser_without_a_session_is_sent_to_the_login_page_from_every_protected_path(browser, path):
    response = browser.get(path + "?tab=labs")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2F" + path[1:].replace("/", "%2F") + "%3Ftab%3Dlabs"


def test_an_api_call_without_a_session_gets_401_problem_json(api):
    response = api.get("/patients/cda/p1/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "unauthenticated"


def test_an_open_path_never_asks_ward(browser, nurse):
    with override_settings(WARD_URL="http://127.0.0.1:%d" % dead_port()):
        response = browser.get("/open/")
    assert response.status_code == 200
    assert response.json() == {"session": None}


def test_login_sets_a_strict_httponly_cookie_and_opens_the_patient_pages(browser, tenant):
    username = user(tenant)
    answer = sign_in(browser, tenant, username)
    assert answer["status"] == "authenticated"
    assert "token" not in answer, "the token belongs in the cookie, not in what views handle"
    morsel = browser.cookies["ward_session"]
    assert morsel.value.startswith("wst_")
    assert morsel["httponly"] and morsel["samesite"] == "Strict" and morsel["path"] == "/"
    response = browser.get("/patients/details/p7/")
    assert response.status_code == 200
    assert response.json() == {"patient": "p7", "user": username, "aal": 1}


def test_protected_answers_carry_the_patient_page_headers(browser, nurse):
    response = browser.get("/patients/cda/p1/")
    assert response["Cache-Control"] == "no-store, no-cache, must-revalidate, private"
    assert response["Pragma"] == "no-cache"
    assert response["Expires"] == "0"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "Pragma" not in browser.get("/open/"), "open pages are the app's to cache"


def test_a_wrong_password_is_refused_and_sets_no_cookie(browser, tenant):
    response = browser.post("/login/", {"tenant": tenant, "username": user(tenant), "password": "wrong-" + PASSWORD})
    assert response.json()["status"] == "refused"
    assert response.json()["code"] == "invalid_credentials"
    assert cookie(response) is None
    assert browser.get("/patients/cda/p1/").status_code == 302


def test_the_session_is_validated_as_the_end_users_browser(browser, nurse, tenant):
    browser.get("/patients/cda/p1/")
    sessions = admin("GET", "/v1/admin/sessions?tenant=%s" % tenant)["sessions"]
    mine = [s for s in sessions if s["id"] == nurse["session"]["id"]]
    assert mine[0]["client"]["user_agent"] == "Mozilla/5.0 (X11; Linux x86_64) ward-django-tests"
    assert mine[0]["client"]["ip"] == "127.0.0.1"


def test_an_api_caller_may_present_the_token_as_a_bearer(browser, nurse):
    token = browser.cookies["ward_session"].value
    response = Client().get("/patients/cda/p2/", HTTP_AUTHORIZATION="Bearer " + token, HTTP_ACCEPT=HTML)
    assert response.status_code == 200
    assert Client().get("/patients/cda/p2/", HTTP_AUTHORIZATION="Bearer wst_nope", HTTP_ACCEPT=HTML).status_code == 401


def test_an_api_key_is_no_session_token(browser):
    response = Client().get("/patients/cda/p2/", HTTP_AUTHORIZATION="Bearer wak_anything", HTTP_ACCEPT=HTML)
    assert response.status_code == 401


def test_a_bearer_that_is_no_session_leaves_the_browsers_cookie_alone(browser, nurse):
    response = browser.get("/patients/cda/p2/", HTTP_AUTHORIZATION="Bearer wak_anything")
    assert response.status_code == 401 and cookie(response) is None
    assert browser.get("/patients/cda/p2/").status_code == 200


@pytest.mark.parametrize("value", ["wst_garbage", "wst_" + "A" * 43, "not-a-token", "wst_\u00e9\u00e9",
                                   "wst_x; Domain=example.org", "wst_" + "A" * 300])
def test_a_forged_cookie_is_refused_and_deleted(browser, value):
    browser.cookies["ward_session"] = value
    response = browser.get("/patients/cda/p1/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    if value.startswith("wst_"):
        assert cookie(response) == "", "a dead cookie is deleted"
    api = Client(HTTP_ACCEPT="application/json")
    api.cookies["ward_session"] = value
    answer = api.get("/patients/cda/p1/")
    assert answer.status_code == 401
    assert answer.json()["code"] in ("session_invalid", "unauthenticated")


def test_an_idle_session_expires_into_a_redirect_and_a_401(browser, nurse):
    token = browser.cookies["ward_session"].value
    assert browser.get("/patients/cda/p1/").status_code == 200
    clock(advance=901)
    response = browser.get("/patients/cda/p1/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    assert cookie(response) == ""
    api = Client(HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION="Bearer " + token)
    assert api.get("/patients/cda/p1/").json()["code"] == "session_expired"


def test_logout_ends_the_session_on_ward_and_deletes_the_cookie(browser, nurse):
    token = browser.cookies["ward_session"].value
    response = browser.post("/logout/")
    assert response.json() == {"ended": True}
    assert cookie(response) == ""
    status, answer, _ = ward("POST", "/v1/sessions/validate", {"token": token}, token=os.environ["WARD_TEST_API_KEY"])
    assert (status, answer["code"]) == (401, "session_revoked")
    assert browser.get("/patients/cda/p1/").status_code == 302
    assert browser.post("/logout/").json() == {"ended": False}


def test_a_protected_prefix_covers_its_path_without_the_slash(browser, api, nurse):
    # "/patients/details/" is protected; the app also routes "/patients/details" (its list): no way around the prefix.
    assert api.get("/patients/details").status_code == 401
    redirect = Client(HTTP_ACCEPT=HTML).get("/patients/details")
    assert redirect.status_code == 302 and redirect["Location"].startswith("/login/?next=")
    assert browser.get("/patients/details").json()["user"] == nurse["session"]["user"]["username"]


def test_logout_that_ward_refuses_is_no_quiet_success(browser, nurse, tenant):
    token = browser.cookies["ward_session"].value
    key = admin("POST", "/v1/admin/tenants/%s/api-keys" % tenant, {"name": "crypto only", "scopes": ["crypto"]})["key"]
    for refused_key in (key, "wak_not_a_real_key"):
        with override_settings(WARD_API_KEY=refused_key), pytest.raises(client.WardUnavailable):
            browser.post("/logout/")
        browser.cookies["ward_session"] = token
    status, answer, _ = ward("POST", "/v1/sessions/validate", {"token": token}, token=os.environ["WARD_TEST_API_KEY"])
    assert status == 200, "the session lives on: the app must not have told its user otherwise"
    assert browser.post("/logout/").json() == {"ended": True}


def test_over_https_the_cookie_is_host_prefixed_and_a_tossed_plain_one_is_not_taken(tenant):
    secure = Client(HTTP_ACCEPT="application/json", HTTP_USER_AGENT="ward-django-tests/1")
    response = secure.post("/login/", {"tenant": tenant, "username": user(tenant), "password": PASSWORD}, secure=True)
    assert response.status_code == 200 and "ward_session" not in response.cookies
    morsel = response.cookies["__Host-ward_session"]
    assert morsel["secure"] and morsel["httponly"] and morsel["path"] == "/" and not morsel["domain"]
    assert morsel["samesite"] == "Strict"
    token = morsel.value
    assert secure.get("/patients/cda/p1/", secure=True).status_code == 200
    # A sibling subdomain's cookie of the plain name (Domain=.example.org) is not what the app reads over HTTPS.
    tossed = Client(HTTP_ACCEPT="application/json", HTTP_USER_AGENT="ward-django-tests/1")
    tossed.cookies["ward_session"] = token
    assert tossed.get("/patients/cda/p1/", secure=True).status_code == 401


def test_the_login_redirects_next_is_never_another_site():
    for path in ("//evil.example/x", "/\\evil.example/x", "/\\/evil.example/x"):
        with override_settings(WARD_PROTECTED_PATHS=["/"]):
            response = Client(HTTP_ACCEPT=HTML).get("/x", PATH_INFO=path)
        assert response.status_code == 302
        next_page = parse_qs(urlsplit(response["Location"]).query)["next"][0]
        assert next_page == "/evil.example/x", next_page


def test_a_session_of_another_tenant_is_not_taken(browser):
    other, _ = tenant_with({"mfa": {"required_roles": []}})
    username = user(other)
    assert sign_in(browser, other, username)["status"] == "refused", "the app's key signs in to its own tenant only"
    status, answer, _ = ward("POST", "/v1/auth/login", {"tenant": other, "username": username, "password": PASSWORD})
    assert status == 200
    browser.cookies["ward_session"] = answer["token"]
    response = browser.get("/patients/cda/p1/", HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "session_tenant_mismatch"


def test_rotation_hands_the_browser_the_new_token_and_the_old_one_dies_after_the_grace(browser, own_tenant):
    tenant = own_tenant({"mfa": {"required_roles": []},
                         "session": {"rotate_after_uses": 2, "rotation_grace_seconds": 30, "rotate_after_seconds": 86400}})
    sign_in(browser, tenant, user(tenant))
    first = browser.cookies["ward_session"].value
    rotated = None
    for _ in range(3):
        response = browser.get("/patients/cda/p1/")
        assert response.status_code == 200
        rotated = rotated or cookie(response)
    assert rotated and rotated.startswith("wst_") and rotated != first
    assert browser.cookies["ward_session"].value != first
    clock(advance=31)
    assert browser.get("/patients/cda/p1/").status_code == 200
    old = Client(HTTP_ACCEPT="application/json")
    old.cookies["ward_session"] = first
    assert old.get("/patients/cda/p1/").status_code == 401


def test_a_bearer_caller_gets_the_rotated_token_in_a_header(browser, own_tenant):
    tenant = own_tenant({"mfa": {"required_roles": []}, "session": {"rotate_after_uses": 1, "rotate_after_seconds": 86400}})
    sign_in(browser, tenant, user(tenant))
    token = browser.cookies["ward_session"].value
    response = Client().get("/patients/cda/p1/", HTTP_AUTHORIZATION="Bearer " + token)
    assert response.status_code == 200
    assert response["Ward-Rotated-Token"].startswith("wst_") and response["Ward-Rotated-Token"] != token
    assert cookie(response) is None


def test_ward_unreachable_is_503_and_never_reaches_the_view(browser, nurse, caplog):
    token = browser.cookies["ward_session"].value
    with override_settings(WARD_URL="http://127.0.0.1:%d" % dead_port()):
        page = browser.get("/patients/cda/p1/")
        api = browser.get("/patients/cda/p1/", HTTP_ACCEPT="application/json")
    assert page.status_code == 503 and page["Content-Type"].startswith("text/html")
    assert b"p1" not in page.content
    assert api.status_code == 503 and api.json()["code"] == "ward_unavailable"
    assert api["Retry-After"]
    assert "failing closed" in caplog.text and token not in caplog.text and token[4:20] not in caplog.text


def test_the_defaults_protect_patients_and_forward_at_ward(settings):
    from ward_django import conf
    for name in ("WARD_PROTECTED_PATHS", "WARD_LOGIN_URL", "WARD_MFA_ENROLL_URL", "WARD_TIMEOUT_SECONDS"):
        delattr(settings, name)
    s = conf.get()
    assert (s.protected_paths, s.login_url, s.mfa_enroll_url, s.cookie_name, s.timeout, s.forward_path) == (
        ("/patients/",), "/login/", None, "ward_session", 2.0, "/ward/")


def test_a_hanging_ward_times_out_into_503(browser, nurse):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []
    threading.Thread(target=lambda: held.append(listener.accept()), daemon=True).start()
    try:
        with override_settings(WARD_URL="http://127.0.0.1:%d" % listener.getsockname()[1], WARD_TIMEOUT_SECONDS=0.3):
            response = browser.get("/patients/cda/p1/", HTTP_ACCEPT="application/json")
    finally:
        listener.close()
    assert response.status_code == 503


def test_a_ward_answering_5xx_or_not_json_fails_closed(browser, nurse):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    answers = [b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n",
               b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello",
               b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"valid\": true}"]

    def serve():
        for answer in answers:
            conn, _ = listener.accept()
            conn.recv(65536)
            conn.sendall(answer)
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        with override_settings(WARD_URL="http://127.0.0.1:%d" % listener.getsockname()[1]):
            codes = [browser.get("/patients/cda/p1/", HTTP_ACCEPT="application/json").status_code for _ in answers]
    finally:
        listener.close()
    assert codes == [503, 503, 503]


def test_a_refused_api_key_fails_closed_not_open(browser, nurse):
    with override_settings(WARD_API_KEY="wak_not_a_real_key"):
        response = browser.get("/patients/cda/p1/", HTTP_ACCEPT="application/json")
    assert response.status_code == 503


def test_a_key_without_scope_sessions_fails_closed(browser, nurse, tenant):
    key = admin("POST", "/v1/admin/tenants/%s/api-keys" % tenant, {"name": "crypto only", "scopes": ["crypto"]})["key"]
    with override_settings(WARD_API_KEY=key):
        assert browser.get("/patients/cda/p1/").status_code == 503


def _report(call, request):
    """Django's error report for the exception ``call(request)`` raises, with the frames' local variables (as an HTML
    error e-mail, the DEBUG page or an error tracker reading Django's filter shows them). No frame of the test's own
    holds the secrets: they reach the package's functions through a ``_Call`` (whose repr names none) and the request."""
    from django.views.debug import ExceptionReporter
    try:
        call(request)
    except client.WardUnavailable:
        return ExceptionReporter(request, *sys.exc_info()).get_traceback_html()
    raise AssertionError("no WardUnavailable")


class _Call:
    def __init__(self, fn, **kwargs):
        self.fn, self.kwargs = fn, kwargs

    def __call__(self, request):
        return self.fn(request, **self.kwargs)

    def __repr__(self):
        return "_Call(%s)" % self.fn.__name__


def _request(token=None):
    request = RequestFactory().post("/login/")
    request._ward = middleware._State(token, False)
    return request


def test_an_error_report_shows_no_password_key_or_token(tenant, browser, nurse):
    secret = "Visible-In-Reports-9!"
    with override_settings(WARD_URL="http://127.0.0.1:%d" % dead_port()):
        report = _report(_Call(auth.login, tenant=tenant, username="dr.report", password=secret), _request())
    assert "WardUnavailable" in report
    assert secret not in report and os.environ["WARD_TEST_API_KEY"] not in report

    token = browser.cookies["ward_session"].value
    with override_settings(WARD_API_KEY="wak_not_a_real_key"):
        report = _report(auth.logout, _request(token))
    assert "WardUnavailable" in report and token not in report and "wak_not_a_real_key" not in report


@pytest.mark.parametrize("path", ["/Patients/cda/p1/", "/PATIENTS/DETAILS/p1/", "/patients./cda/p1/",
                                  "/patients/cda /p1/", "/patients/details.json", "/Patient_Data/p1/"])
def test_other_spellings_of_a_protected_path_are_protected(api, path):
    # A case-insensitive route, a file system that drops trailing dots and spaces, a format suffix: the same page.
    response = api.get(path)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_namesake_of_a_protected_path_stays_open(browser):
    assert browser.get("/open/").status_code == 200
    assert not middleware._protected("/patients/cdaxyz/", conf.get())
    assert not middleware._protected("/patients/details.d/1", conf.get())
