from django.urls import path

from . import inbox, views

urlpatterns = [
    path("settings/", views.digest_settings, name="digest-settings"),
    path("notifications/", inbox.notifications_page, name="notifications"),
    path("unsubscribe/<str:token>/", views.unsubscribe_page, name="digest-unsubscribe"),
]
