"""A small Django project around ward_django, talking to the Ward that DjangoMiddlewareTest starts."""
import os

SECRET_KEY = "ward-django-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
ROOT_URLCONF = "tests.urls"
INSTALLED_APPS = ["ward_django"]
DATABASES = {}
USE_TZ = True
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "ward_django.middleware.WardSessionMiddleware",
]
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "handlers": {"console": {"class": "logging.StreamHandler"}},
           "loggers": {"ward_django": {"handlers": ["console"], "level": "ERROR"}}}

WARD_URL = os.environ.get("WARD_URL", "")
WARD_API_KEY = os.environ.get("WARD_TEST_API_KEY", "")
WARD_PROTECTED_PATHS = ["/patients/cda/", "/patients/details/", "/patient_data/"]
WARD_MFA_ENROLL_URL = "/mfa/enrol/"
# A loaded CI machine may take a while over an Argon2id login; the timeout itself is tested with a hanging server.
WARD_TIMEOUT_SECONDS = 10
