from django.urls import path

from . import api_views

app_name = "feeds-api"

urlpatterns = [
    path("feeds/", api_views.FeedListView.as_view(), name="feed-list"),
]
