from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("articles/", views.ArticleListCreateView.as_view(), name="article-list"),
    path("articles/<int:pk>/", views.ArticleDetailView.as_view(), name="article-detail"),
    path("claims/", views.ClaimListView.as_view(), name="claim-list"),
    path("claims/<int:pk>/", views.ClaimDetailView.as_view(), name="claim-detail"),
]
