from django.urls import path

from .dashboard import articles, claim_page, export, queue, review_actions, stats, worklists

urlpatterns = [
    path("", queue.dashboard, name="dashboard"),
    path("queue.csv", export.queue_csv, name="queue-csv"),
    path("approvals/", worklists.awaiting_my_approval, name="awaiting-approval"),
    path("mine/", worklists.my_claims, name="my-claims"),
    path("stats/", stats.statistics, name="statistics"),
    path("stats.csv", stats.statistics_csv, name="statistics-csv"),
    path("claims/<int:pk>/", claim_page.claim_detail, name="claim-detail"),
    path("claims/next/", review_actions.take_next, name="claim-take-next"),
    path("claims/bulk/", queue.bulk_action, name="claim-bulk"),
    path("claims/<int:pk>/<slug:action>/", review_actions.claim_action, name="claim-action"),
    path("articles/<int:pk>/", articles.article_detail, name="article-detail"),
    path("articles/<int:pk>/retry/", articles.article_retry, name="article-retry"),
    path("articles/<int:pk>/promote/", articles.article_promote, name="article-promote"),
    path("favicon.ico", stats.favicon, name="favicon"),
]
