from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("articles/<int:pk>/", views.article_detail, name="article-detail"),
]
