"""The forwarding path for ward.js: ``path(settings.WARD_FORWARD_PATH.strip("/") + "/", include("ward_django.urls"))``.

Only what ward.js calls is here; ward.js is started with ``base`` = ``WARD_FORWARD_PATH`` without its last slash.
"""
from django.urls import path

from . import views

app_name = "ward_django"

urlpatterns = [
    path("v1/session", views.session, name="session"),
    path("v1/session/keepalive", views.keepalive, name="keepalive"),
    path("v1/session/patient-data/clear", views.patient_data_clear, name="patient_data_clear"),
    path("v1/session/emergency-cleanup", views.emergency_cleanup, name="emergency_cleanup"),
    path("v1/auth/logout", views.logout, name="logout"),
]
