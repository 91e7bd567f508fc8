from django.urls import path

from . import views

urlpatterns = [
    path("settings/", views.digest_settings, name="digest-settings"),
    path("unsubscribe/<str:token>/", views.unsubscribe_page, name="digest-unsubscribe"),
]
