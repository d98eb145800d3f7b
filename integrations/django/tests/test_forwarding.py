"""ward_django.urls: ward.js's five calls on the app's origin, and nothing else."""
import os

import pytest
from django.test import Client, override_settings

from .conftest import HTML, clock, cookie, sign_in, user, ward

ORIGIN = "http://testserver"


def post(client, path, **extra):
    return client.post(path, HTTP_ORIGIN=ORIGIN, **extra)


def test_the_session_read_and_keepalive_answer_as_ward_would(browser, nurse):
    session = browser.get("/ward/v1/session")
    assert session.status_code == 200
    assert session.json()["id"] == nurse["session"]["id"]
    assert session["Cache-Control"].startswith("no-store")
    before = session.json()["idle_expires_at"]
    clock(advance=60)
    keepalive = post(browser, "/ward/v1/session/keepalive")
    assert keepalive.status_code == 200
    assert set(keepalive.json()) == {"idle_expires_at"} and keepalive.json()["idle_expires_at"] > before


def test_the_patient_data_beacon_clears_the_contexts_on_ward(browser, nurse):
    token = browser.cookies["ward_session"].value
    for patient in ("p1", "p2"):
        status, _, _ = ward("POST", "/v1/session/patients/" + patient, {}, token=token)
        assert status == 200
    # A beacon: text/plain, no CSRF token, only the Origin; Django's CSRF check is on and must not stand in the way.
    beacon = Client(enforce_csrf_checks=True)
    beacon.cookies["ward_session"] = token
    response = beacon.post("/ward/v1/session/patient-data/clear", data="", content_type="text/plain", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200 and response.json() == {"cleared": 2}
    status, answer, _ = ward("GET", "/v1/session/patients", token=token)
    assert (status, answer["patients"]) == (200, [])
    assert browser.get("/patients/cda/p1/").status_code == 200, "the session lives on"


def test_the_emergency_cleanup_ends_the_session_and_deletes_the_cookie(browser, nurse):
    token = browser.cookies["ward_session"].value
    response = post(browser, "/ward/v1/session/emergency-cleanup")
    assert response.status_code == 200 and response.json()["terminated"] is True
    assert cookie(response) == ""
    status, _, _ = ward("GET", "/v1/session", token=token)
    assert status == 401


def test_the_forwarded_logout_ends_the_session(browser, nurse):
    token = browser.cookies["ward_session"].value
    response = post(browser, "/ward/v1/auth/logout")
    assert response.status_code == 204 and cookie(response) == ""
    status, answer, _ = ward("POST", "/v1/sessions/validate", {"token": token}, token=os.environ["WARD_TEST_API_KEY"])
    assert (status, answer["code"]) == (401, "session_revoked")


def test_a_forwarded_logout_ward_refuses_is_503_not_204(browser, nurse, tenant):
    token = browser.cookies["ward_session"].value
    key = ward("POST", "/v1/admin/tenants/%s/api-keys" % tenant, {"name": "crypto only", "scopes": ["crypto"]},
               token=os.environ["WARD_TEST_ADMIN_KEY"])[1]["key"]
    with override_settings(WARD_API_KEY=key):
        response = post(browser, "/ward/v1/auth/logout", HTTP_ACCEPT="application/json")
    assert response.status_code == 503 and response.json()["code"] == "ward_unavailable"
    assert cookie(response) == "", "the browser asked to be signed out: its cookie goes all the same"
    status, _, _ = ward("POST", "/v1/sessions/validate", {"token": token}, token=os.environ["WARD_TEST_API_KEY"])
    assert status == 200


@pytest.mark.parametrize("path", ["/ward/v1/admin/tenants", "/ward/v1/session/patients", "/ward/v1/session/jwt",
                                  "/ward/v1/sessions/validate", "/ward/v1/session/patients/p1", "/ward/v1/me/sessions",
                                  "/ward/v1/session/../admin/tenants", "/ward/health/live", "/ward/"])
def test_nothing_outside_the_allow_list_is_forwarded(browser, nurse, path):
    assert browser.get(path).status_code == 404
    assert post(browser, path).status_code == 404


def test_each_call_takes_only_its_method(browser, nurse):
    assert post(browser, "/ward/v1/session").status_code == 405
    assert browser.get("/ward/v1/session/keepalive").status_code == 405
    assert browser.delete("/ward/v1/session/patient-data/clear", HTTP_ORIGIN=ORIGIN).status_code == 405


@pytest.mark.parametrize("origin", [None, "http://evil.example", "null", "http://testserver.evil.example"])
def test_a_state_changing_call_from_another_origin_is_refused(browser, nurse, origin):
    extra = {} if origin is None else {"HTTP_ORIGIN": origin}
    response = browser.post("/ward/v1/session/emergency-cleanup", **extra)
    assert response.status_code == 403 and response.json()["code"] == "origin_not_allowed"
    assert browser.get("/patients/cda/p1/").status_code == 200, "the session was not touched"


def test_a_body_over_the_bound_is_refused(browser, nurse):
    response = browser.post("/ward/v1/session/patient-data/clear", data="x" * 5000, content_type="text/plain",
                            HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 413


def test_without_a_session_ward_js_gets_401_json_not_a_redirect(browser):
    response = browser.get("/ward/v1/session")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    browser.cookies["ward_session"] = "wst_garbage"
    response = post(browser, "/ward/v1/session/keepalive")
    assert response.status_code == 401 and response.json()["code"] == "session_invalid"


def test_an_enrolment_only_session_is_told_so_without_its_rotated_token(browser, own_tenant):
    tenant = own_tenant({"mfa": {"required_roles": ["provider"]}, "session": {"rotate_after_uses": 1}})
    sign_in(browser, tenant, user(tenant))
    response = browser.get("/ward/v1/session", HTTP_ACCEPT=HTML)
    assert response.status_code == 403 and response.json()["code"] == "mfa_enrollment_required"
    assert "rotated_token" not in response.json()


def test_a_rotation_during_a_forwarded_call_goes_into_the_cookie_only(browser, own_tenant):
    tenant = own_tenant({"mfa": {"required_roles": []}, "session": {"rotate_after_uses": 1, "rotate_after_seconds": 86400}})
    sign_in(browser, tenant, user(tenant))
    before = browser.cookies["ward_session"].value
    response = post(browser, "/ward/v1/session/keepalive")
    assert response.status_code == 200 and set(response.json()) == {"idle_expires_at"}
    assert cookie(response).startswith("wst_") and cookie(response) != before
    assert before not in response.content.decode() and cookie(response) not in response.content.decode()
    assert browser.get("/ward/v1/session").status_code == 200
