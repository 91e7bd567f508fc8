from django.urls import path

from . import event_views, matching_views, promotion_views, review_views, views

app_name = "api"

urlpatterns = [
    path("articles/", views.ArticleListCreateView.as_view(), name="article-list"),
    path("articles/<int:pk>/", views.ArticleDetailView.as_view(), name="article-detail"),
    path("articles/<int:pk>/retry/", views.ArticleRetryView.as_view(), name="article-retry"),
    path("articles/<int:pk>/revisions/", views.ArticleRevisionListView.as_view(), name="article-revisions"),
    path(
        "articles/<int:pk>/sentences/",
        promotion_views.ArticleSentencesView.as_view(),
        name="article-sentences",
    ),
    path("articles/<int:pk>/promote/", promotion_views.PromoteView.as_view(), name="article-promote"),
    path("claims/", views.ClaimListView.as_view(), name="claim-list"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job-detail"),
    # The event log as a feed, for integrations that poll
    path("events/", event_views.EventFeedView.as_view(), name="event-feed"),
    path("claims/<int:pk>/", views.ClaimDetailView.as_view(), name="claim-detail"),
    # Review workflow
    path("claims/next/", review_views.NextClaimView.as_view(), name="claim-next"),
    path("claims/bulk/", review_views.BulkView.as_view(), name="claim-bulk"),
    path("claims/<int:pk>/assign/", review_views.AssignView.as_view(), name="claim-assign"),
    path("claims/<int:pk>/release/", review_views.ReleaseView.as_view(), name="claim-release"),
    path("claims/<int:pk>/evidence/", review_views.EvidenceView.as_view(), name="claim-evidence"),
    path("claims/<int:pk>/verdict/", review_views.VerdictView.as_view(), name="claim-verdict"),
    path("claims/<int:pk>/verdicts/", review_views.VerdictListView.as_view(), name="claim-verdicts"),
    path("claims/<int:pk>/approve/", review_views.ApproveView.as_view(), name="claim-approve"),
    path("claims/<int:pk>/reject/", review_views.RejectView.as_view(), name="claim-reject"),
    path("claims/<int:pk>/dismiss/", review_views.DismissView.as_view(), name="claim-dismiss"),
    path("claims/<int:pk>/reopen/", review_views.ReopenView.as_view(), name="claim-reopen"),
    path("claims/<int:pk>/events/", review_views.EventListView.as_view(), name="claim-events"),
    path("claims/<int:pk>/claimreview/", review_views.ClaimReviewView.as_view(), name="claim-claimreview"),
    path("claims/<int:pk>/publish/", review_views.PublishView.as_view(), name="claim-publish"),
    path("claimreview/", review_views.ClaimReviewFeedView.as_view(), name="claimreview-feed"),
    path("ratings/", review_views.RatingListView.as_view(), name="rating-list"),
    # Matching: claims like a text, related claims, editors' merge, split and undo
    path("claims/similar/", matching_views.SimilarView.as_view(), name="claim-similar"),
    path("claims/<int:pk>/related/", matching_views.RelatedView.as_view(), name="claim-related"),
    path("claims/<int:pk>/merge/", matching_views.MergeView.as_view(), name="claim-merge"),
    path("claims/<int:pk>/split/", matching_views.SplitView.as_view(), name="claim-split"),
    path("claims/<int:pk>/undo/", matching_views.UndoView.as_view(), name="claim-undo"),
    path(
        "claims/<int:pk>/conflicts/<int:link>/dismiss/",
        matching_views.DismissConflictView.as_view(),
        name="claim-conflict-dismiss",
    ),
]
