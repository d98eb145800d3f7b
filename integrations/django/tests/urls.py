"""The test app: protected patient pages (the reference apps' paths), sign-in views and decorated views."""
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from ward_django import auth
from ward_django.decorators import ward_required


def patient_page(request, patient_id):
    session = request.ward_session
    return JsonResponse({"patient": patient_id, "user": session["user"]["username"], "aal": session["aal"]})


def patient_list(request):
    return JsonResponse({"patients": [], "user": request.ward_session["user"]["username"]})


def open_page(request):
    return JsonResponse({"session": request.ward_session})


@csrf_exempt
def login(request):
    p = request.POST
    return JsonResponse(auth.login(request, p["tenant"], p["username"], p["password"]))


@csrf_exempt
def verify(request):
    return JsonResponse(auth.verify_mfa(request, request.POST["challenge"], request.POST["code"]))


@csrf_exempt
def enrol(request):
    if "code" in request.POST:
        return JsonResponse(auth.totp_confirm(request, request.POST["code"]))
    return JsonResponse(auth.totp_setup(request, request.POST.get("password")))


@csrf_exempt
def logout(request):
    return JsonResponse({"ended": auth.logout(request)})


@ward_required(roles="provider")
def chart(request):
    return JsonResponse({"chart": request.ward_session["user"]["username"]})


@ward_required(roles=["admin", "auditor"])
def reports(request):
    return JsonResponse({"reports": True})


@ward_required(module="pharmacy", action="write")
def prescribe(request):
    return JsonResponse({"prescribed": True})


@ward_required()
def anyone(request):
    return JsonResponse({"user": request.ward_session["user"]["username"]})


urlpatterns = [
    path("patients/cda/<str:patient_id>/", patient_page),
    path("patients/details/<str:patient_id>/", patient_page),
    path("patients/details", patient_list),
    path("patient_data/<str:patient_id>/", patient_page),
    path("open/", open_page),
    path("login/", login),
    path("mfa/verify/", verify),
    path("mfa/enrol/", enrol),
    path("logout/", logout),
    path("chart/", chart),
    path("reports/", reports),
    path("pharmacy/prescribe/", prescribe),
    path("anyone/", anyone),
    path("ward/", include("ward_django.urls")),
]
