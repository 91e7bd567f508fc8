from django.urls import path

from . import api

app_name = "digests-api"

urlpatterns = [
    path("me/digest/", api.MyDigestView.as_view(), name="my-digest"),
]
