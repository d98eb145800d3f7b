"""``manage.py ward_check``: is Ward reachable, does it take the API key, and do the settings make sense?

Touches no session: the key is tried on a made-up token, which Ward must call ``session_invalid``.
"""
import ipaddress
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.urls import Resolver404, resolve

from ward_django import client, conf, views

MIDDLEWARE = "ward_django.middleware.WardSessionMiddleware"
PROBE_TOKEN = "wst_ward_check_probe"


class Command(BaseCommand):
    help = "Checks Ward's reachability, the API key and the WARD_* settings."

    def handle(self, *args, **options):
        self.errors = 0
        try:
            settings = conf.get()
        except ImproperlyConfigured as e:
            raise CommandError(str(e))
        self.check_settings(settings)
        self.check_ward()
        if self.errors:
            raise CommandError("ward_check: %d problem(s)" % self.errors)
        self.stdout.write("ward_check: all good")

    def ok(self, text):
        self.stdout.write("ok       " + text)

    def warn(self, text):
        self.stdout.write(self.style.WARNING("warning  " + text))

    def error(self, text):
        self.errors += 1
        self.stdout.write(self.style.ERROR("error    " + text))

    def check_settings(self, s):
        url = urlsplit(s.url)
        if url.scheme not in ("http", "https") or not url.hostname:
            self.error("WARD_URL %r is not an http:// or https:// URL" % s.url)
        elif url.scheme == "http" and not _loopback(url.hostname):
            self.warn("WARD_URL is plain http to another host: session tokens and the API key cross the network "
                      "in clear; use https")
        if not s.api_key.startswith("wak_"):
            self.error("WARD_API_KEY is not an API key (wak_…)")
        if MIDDLEWARE not in getattr(django_settings, "MIDDLEWARE", []):
            self.error("%s is not in MIDDLEWARE" % MIDDLEWARE)
        if not s.protected_paths or not all(isinstance(p, str) and p.startswith("/") for p in s.protected_paths):
            self.error("WARD_PROTECTED_PATHS must be a non-empty list of paths starting with /")
        for name, value in (("WARD_LOGIN_URL", s.login_url), ("WARD_MFA_ENROLL_URL", s.mfa_enroll_url)):
            if value and any(value.startswith(p) for p in s.protected_paths if isinstance(p, str)):
                self.error("%s %s is under a protected path: nobody could reach it to sign in" % (name, value))
        if not s.mfa_enroll_url:
            self.warn("WARD_MFA_ENROLL_URL is not set: a user who must enrol MFA gets a bare 403")
        if not (0 < s.timeout <= 10):
            self.warn("WARD_TIMEOUT_SECONDS %s: every protected request waits this long when Ward hangs" % s.timeout)
        if s.cookie_name == getattr(django_settings, "SESSION_COOKIE_NAME", "sessionid"):
            self.error("WARD_COOKIE_NAME is Django's own SESSION_COOKIE_NAME")
        if not (s.forward_path.startswith("/") and s.forward_path.endswith("/")):
            self.error("WARD_FORWARD_PATH must start and end with /")
            return
        try:
            forwarded = resolve(s.forward_path + "v1/session/keepalive").func is views.keepalive
        except Resolver404:
            forwarded = False
        if forwarded:
            self.ok("ward.js forwarding at %s" % s.forward_path)
        else:
            self.warn("%s is not routed to ward_django.urls: ward.js must then call Ward directly" % s.forward_path)

    def check_ward(self):
        try:
            live = client.call("GET", "/health/live")
        except client.WardUnavailable as e:
            self.error("Ward is not reachable: %s" % e)
            return
        if live.status != 200:
            self.error("Ward's /health/live answered %d" % live.status)
            return
        self.ok("Ward reachable at %s" % conf.get().url)
        probe = client.as_app("POST", "/v1/sessions/validate", {"token": PROBE_TOKEN})
        if probe.status == 401 and probe.code == "session_invalid":
            self.ok("API key accepted with scope sessions")
        elif probe.code == "insufficient_scope":
            self.error("the API key lacks scope sessions: every protected request would be refused")
        else:
            self.error("the API key is refused (%d %s)" % (probe.status, probe.code or "-"))
            return
        cleanup = client.as_app("POST", "/v1/session/patient-data/clear", headers={"Ward-Session-Token": PROBE_TOKEN})
        if cleanup.status == 401 and (cleanup.code or "").startswith("session_"):
            self.ok("API key has scope patients (ward.js cleanups)")
        else:
            self.warn("the API key lacks scope patients (%d %s): ward.js cleanups through %s will fail"
                      % (cleanup.status, cleanup.code or "-", conf.get().forward_path))


def _loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
