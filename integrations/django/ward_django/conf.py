"""Ward's settings in the app's ``settings.py``, with their defaults; read on every use, so tests may override them."""
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS = {
    "WARD_PROTECTED_PATHS": ["/patients/"],
    "WARD_LOGIN_URL": "/login/",
    "WARD_MFA_ENROLL_URL": None,
    "WARD_COOKIE_NAME": "ward_session",
    "WARD_TIMEOUT_SECONDS": 2,
    "WARD_FORWARD_PATH": "/ward/",
}


def get():
    missing = [name for name in ("WARD_URL", "WARD_API_KEY") if not getattr(settings, name, None)]
    if missing:
        raise ImproperlyConfigured("ward_django needs %s in settings" % " and ".join(missing))
    value = {name: getattr(settings, name, default) for name, default in DEFAULTS.items()}
    return SimpleNamespace(
        url=settings.WARD_URL,
        api_key=settings.WARD_API_KEY,
        protected_paths=tuple(value["WARD_PROTECTED_PATHS"]),
        login_url=value["WARD_LOGIN_URL"],
        mfa_enroll_url=value["WARD_MFA_ENROLL_URL"],
        cookie_name=value["WARD_COOKIE_NAME"],
        timeout=float(value["WARD_TIMEOUT_SECONDS"]),
        forward_path=value["WARD_FORWARD_PATH"],
    )
