from django.urls import path

from . import views

urlpatterns = [
    path("certificates/search", views.CertificateSearchView.as_view(), name="certificate-search"),
    path("certificates/file/by-id", views.FileByIdView.as_view(), name="certificate-file-by-id"),
    path("certificates/file/by-holder", views.FileByHolderView.as_view(), name="certificate-file-by-holder"),
    path("certificates/info/by-id", views.InfoByIdView.as_view(), name="certificate-info-by-id"),
    path("certificates/info/by-holder", views.InfoByHolderView.as_view(), name="certificate-info-by-holder"),
    path("certificates/verify", views.CertificateVerifyView.as_view(), name="certificate-verify"),
    path("files/<str:token>", views.download_file, name="certificate-file-download"),
]
