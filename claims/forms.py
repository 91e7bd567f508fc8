"""Dashboard forms for the review workflow; each one feeds a service in claims.services or claims.workflow."""

from __future__ import annotations

from django import forms

from .models import Claim, Evidence, Verdict


class VersionForm(forms.Form):
    """Carries the claim version the page showed, so a stale page gets a clear conflict."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class EvidenceForm(forms.Form):
    url = forms.URLField(max_length=2000, assume_scheme="https", label="Link to the source")
    title = forms.CharField(max_length=500, required=False)
    publisher = forms.CharField(max_length=200, required=False)
    primary = forms.BooleanField(
        required=False, label="Primary source", help_text="The data, document or record itself"
    )
    stance = forms.ChoiceField(choices=Evidence.Stance.choices, initial=Evidence.Stance.CONTEXT)
    excerpt = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class VerdictForm(VersionForm):
    verdict = forms.ChoiceField(choices=Verdict.Value.choices, widget=forms.RadioSelect)
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="What the primary sources show"
    )


class RejectForm(VersionForm):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), help_text="What the reviewer should change"
    )


class DismissForm(VersionForm):
    reason = forms.CharField(max_length=1000, help_text="Why this is not a checkable claim")


class ReopenForm(VersionForm):
    reason = forms.CharField(max_length=1000, help_text="Why the claim needs another look")
    to = forms.ChoiceField(
        choices=[(Claim.Status.NEW, "Back to the queue"), (Claim.Status.IN_REVIEW, "Straight into review")],
        initial=Claim.Status.NEW,
    )
