from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("claims/next/", views.take_next, name="claim-take-next"),
    path("claims/bulk/", views.bulk_action, name="claim-bulk"),
    path("claims/<int:pk>/<slug:action>/", views.claim_action, name="claim-action"),
    path("articles/<int:pk>/", views.article_detail, name="article-detail"),
    path("articles/<int:pk>/retry/", views.article_retry, name="article-retry"),
]
