from django.urls import path

from . import api_views

app_name = "snapshots-api"

urlpatterns = [
    path("evidence/<int:pk>/snapshot/", api_views.SnapshotView.as_view(), name="evidence-snapshot"),
]
