"""MFA through ward_django: enrolment-only sessions, TOTP enrolment, and the two-step login with a real TOTP."""
from .conftest import PASSWORD, clock, cookie, sign_in, totp, user


def test_enrolment_then_a_two_step_login_with_real_totp_codes(browser, api, own_tenant):
    tenant = own_tenant({"mfa": {"required_roles": ["provider"]}})
    username = user(tenant)

    # A provider without MFA gets a session that may only enrol: pages send the browser to the enrolment URL.
    answer = sign_in(browser, tenant, username)
    assert answer["status"] == "mfa_enrollment_required" and "token" not in answer
    assert browser.cookies["ward_session"].value.startswith("wst_")
    response = browser.get("/patients/cda/p1/")
    assert (response.status_code, response["Location"]) == (302, "/mfa/enrol/")
    api.cookies["ward_session"] = browser.cookies["ward_session"].value
    refused = api.get("/patients/cda/p1/")
    assert (refused.status_code, refused.json()["code"]) == (403, "mfa_enrollment_required")
    assert browser.get("/anyone/").status_code == 302

    # The enrolment page: a secret to show, then a confirmation code from the "authenticator".
    setup = browser.get("/mfa/enrol/").json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/") and setup["qr_svg"].startswith("<svg")
    assert browser.post("/mfa/enrol/", {"code": "000000" if totp(setup["secret"], clock()) != "000000" else "111111"}
                        ).json()["code"] == "invalid_mfa_code"
    enrolled_with = browser.cookies["ward_session"].value
    confirmed = browser.post("/mfa/enrol/", {"code": totp(setup["secret"], clock())})
    assert confirmed.json()["enabled"] is True and len(confirmed.json()["backup_codes"]) == 10
    assert cookie(confirmed).startswith("wst_") and cookie(confirmed) != enrolled_with, "the token rotates at aal 2"
    page = browser.get("/patients/cda/p1/")
    assert page.status_code == 200 and page.json()["aal"] == 2

    # Next time: password, then the code of a later time step (a step is good once).
    browser.post("/logout/")
    challenge = sign_in(browser, tenant, username)
    assert challenge["status"] == "mfa_required" and challenge["challenge"].startswith("wmc_")
    assert cookie(browser.get("/open/")) is None
    assert browser.get("/patients/cda/p1/").status_code == 302, "a challenge is no session"
    wrong = browser.post("/mfa/verify/", {"challenge": challenge["challenge"], "code": "12345x"}).json()
    assert (wrong["status"], wrong["code"]) == ("refused", "invalid_mfa_code")
    now = clock(advance=30)
    verified = browser.post("/mfa/verify/", {"challenge": challenge["challenge"], "code": totp(setup["secret"], now)})
    assert verified.json()["status"] == "authenticated" and verified.json()["session"]["aal"] == 2
    assert "token" not in verified.json()
    assert browser.get("/patients/cda/p1/").json()["aal"] == 2


def test_a_backup_code_completes_a_login(browser, own_tenant):
    tenant = own_tenant({"mfa": {"required_roles": ["provider"]}})
    username = user(tenant)
    sign_in(browser, tenant, username)
    setup = browser.get("/mfa/enrol/").json()
    codes = browser.post("/mfa/enrol/", {"code": totp(setup["secret"], clock())}).json()["backup_codes"]
    browser.post("/logout/")
    challenge = sign_in(browser, tenant, username)["challenge"]
    assert browser.post("/mfa/verify/", {"challenge": challenge, "code": codes[0]}).json()["status"] == "authenticated"
    assert browser.get("/patients/cda/p1/").status_code == 200


def test_enrolment_helpers_without_a_session_are_refused(browser):
    assert browser.get("/mfa/enrol/").json() == {"status": "refused", "code": "unauthenticated", "detail": "Sign in first."}


def test_a_signed_in_user_may_enrol_with_the_current_password(browser, nurse):
    assert browser.get("/mfa/enrol/").json()["status"] == "refused", "a full session must prove the password again"
    setup = browser.post("/mfa/enrol/", {"password": PASSWORD}).json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/")
    confirmed = browser.post("/mfa/enrol/", {"code": totp(setup["secret"], clock())}).json()
    assert confirmed["enabled"] is True and "token" not in confirmed
    # Ward says where the session stands now (it raises only an enrolment-only session to aal 2).
    assert browser.get("/patients/cda/p1/").json()["aal"] == confirmed["aal"]
