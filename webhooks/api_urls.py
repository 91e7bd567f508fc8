from django.urls import path

from . import api_views

app_name = "webhooks-api"

urlpatterns = [
    path("webhooks/", api_views.WebhookListView.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", api_views.WebhookDetailView.as_view(), name="webhook-detail"),
    path("webhooks/<int:pk>/test/", api_views.WebhookTestView.as_view(), name="webhook-test"),
    path(
        "webhooks/<int:pk>/deliveries/",
        api_views.WebhookDeliveryListView.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_id>/redeliver/",
        api_views.WebhookRedeliverView.as_view(),
        name="webhook-redeliver",
    ),
]
