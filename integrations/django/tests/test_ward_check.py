"""manage.py ward_check: reachability, the API key, settings sanity."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from .conftest import admin
from .test_middleware import dead_port


def run():
    out = StringIO()
    call_command("ward_check", stdout=out)
    return out.getvalue()


def test_a_sound_setup_passes():
    out = run()
    assert "Ward reachable" in out and "scope sessions" in out and "scope patients" in out
    assert "ward.js forwarding at /ward/" in out
    assert out.rstrip().endswith("all good")


def test_ward_unreachable_fails():
    with override_settings(WARD_URL="http://127.0.0.1:%d" % dead_port()), pytest.raises(CommandError):
        run()


def test_a_wrong_key_fails():
    with override_settings(WARD_API_KEY="wak_wrong"), pytest.raises(CommandError):
        run()


def test_a_key_without_scope_patients_is_a_warning(tenant):
    key = admin("POST", "/v1/admin/tenants/%s/api-keys" % tenant, {"name": "sessions only", "scopes": ["sessions"]})["key"]
    out = StringIO()
    with override_settings(WARD_API_KEY=key):
        call_command("ward_check", stdout=out)
    assert "lacks scope patients" in out.getvalue()


def test_a_login_page_under_a_protected_path_fails():
    with override_settings(WARD_LOGIN_URL="/patients/cda/login/"), pytest.raises(CommandError):
        run()


def test_missing_settings_fail():
    with override_settings(WARD_URL=""), pytest.raises(CommandError):
        run()
