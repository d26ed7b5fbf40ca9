from django.urls import path

from . import credentials, views

urlpatterns = [
    path("trust/apps/register", views.AppRegisterView.as_view(), name="trust-app-register"),
    path("trust/service-codes/verify", views.ServiceCodeVerifyView.as_view(), name="trust-service-code-verify"),
    path("trust/holder-tokens", views.HolderTokenView.as_view(), name="trust-holder-tokens"),
    path(
        "trust/credentials/verify", credentials.CredentialVerifyView.as_view(), name="trust-credentials-verify"
    ),
]
