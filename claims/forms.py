"""Dashboard forms for the review workflow; each one feeds a service in claims.review or claims.workflow."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from . import ratings, roles, selectors
from .models import Claim, ClaimLink, Evidence
from .workflow import Action


class VersionForm(forms.Form):
    """Carries the claim version the page showed, so a stale page gets a clear conflict."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


STANCES = [
    (Evidence.Stance.SUPPORTS, "This source supports the claim"),
    (Evidence.Stance.REFUTES, "This source refutes the claim"),
    (Evidence.Stance.CONTEXT, "This source gives context only"),
]


class EvidenceForm(forms.Form):
    url = forms.URLField(
        max_length=2000,
        assume_scheme="https",
        label="Link to the source",
        widget=forms.URLInput(attrs={"placeholder": "https://", "class": "wide"}),
    )
    title = forms.CharField(max_length=500, required=False, widget=forms.TextInput(attrs={"class": "wide"}))
    publisher = forms.CharField(
        max_length=200, required=False, widget=forms.TextInput(attrs={"class": "wide"})
    )
    primary = forms.BooleanField(
        required=False, label="Primary source", help_text="The data, document or record itself"
    )
    stance = forms.ChoiceField(
        choices=STANCES, initial=Evidence.Stance.CONTEXT, widget=forms.RadioSelect, label="What it says"
    )
    excerpt = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2, "class": "wide"}), label="Excerpt"
    )
    accessed_at = forms.DateField(
        required=False,
        label="Accessed on",
        help_text="When you read the source; today if left empty",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_accessed_at(self) -> datetime | None:
        day = self.cleaned_data.get("accessed_at")
        if day is None:
            return None
        if day > timezone.localdate():
            raise forms.ValidationError("The day you read the source cannot be in the future.")
        if day == timezone.localdate():
            return timezone.now()
        return timezone.make_aware(datetime.combine(day, time(12)))


class VerdictForm(VersionForm):
    """A verdict is a rating from the desk's scale; the rating decides verified or disputed."""

    rating = forms.ChoiceField(choices=[], widget=forms.RadioSelect, label="Rating")
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "class": "wide"}), help_text="What the primary sources show"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["rating"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (r.name, f"{r.label}: {r.description} ({r.get_leads_to_display().lower()})")
            for r in ratings.scale()
        ]


class RejectForm(VersionForm):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "class": "wide"}), help_text="What the reviewer should change"
    )


class DismissForm(VersionForm):
    reason = forms.CharField(max_length=1000, help_text="Why this is not a checkable claim")


class DismissConflictForm(forms.Form):
    """Dismiss one figure conflict of the claim: the two figures can both be right, and why."""

    link = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.ChoiceField(choices=ClaimLink.Dismissal.choices, label="Why they do not conflict")
    note = forms.CharField(max_length=2000, required=False, help_text='Required with "Other"')

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == ClaimLink.Dismissal.OTHER and not data.get("note", "").strip():
            self.add_error("note", "Say in a few words why the figures do not conflict.")
        return data


REOPEN_TARGETS = [(Claim.Status.NEW, "Back to the queue"), (Claim.Status.IN_REVIEW, "Straight into review")]


class ReopenForm(VersionForm):
    reason = forms.CharField(max_length=1000, help_text="Why the claim needs another look")
    to = forms.ChoiceField(
        choices=REOPEN_TARGETS,
        initial=Claim.Status.NEW,
    )


class PromoteForm(forms.Form):
    """A sentence of an article's page, by its offsets in the revision the page showed."""

    start = forms.IntegerField(min_value=0, max_value=1_000_000_000, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=1, max_value=1_000_000_000, widget=forms.HiddenInput)
    revision = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class UserChoiceField(forms.ModelChoiceField):
    """People who may hold claims, chosen by user name and shown with their role."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "choose a person")
        super().__init__(queryset=selectors.assignable_users(), to_field_name="username", **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_username()} · {roles.role_of(obj) or 'no role'}"


class AssignForm(VersionForm):
    user = UserChoiceField(label="Assign to")
    reason = forms.CharField(
        max_length=1000, required=False, label="Note", help_text="Optional, for the audit trail"
    )


class ReleaseForm(VersionForm):
    reason = forms.CharField(
        max_length=1000, required=False, label="Note", help_text="Optional, for the audit trail"
    )


class ClaimIdsField(forms.Field):
    """The claims ticked in the queue: a list of ids."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": "Tick at least one claim in the queue first.",
        "invalid": "The selection is not a list of claim ids.",
    }

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            ids = [int(item) for item in value]
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if any(item < 1 for item in ids):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return ids


class BulkForm(forms.Form):
    """One editor action on the claims ticked in the queue; the workflow checks each claim by itself."""

    ids = ClaimIdsField(label="Claims")
    action = forms.ChoiceField(
        label="With the selected claims",
        choices=[
            (Action.DISMISS, "Dismiss: not checkable"),
            (Action.ASSIGN, "Assign to…"),
            (Action.REOPEN, "Reopen"),
        ],
    )
    user = UserChoiceField(label="Assign to", required=False)
    reason = forms.CharField(
        max_length=1000,
        required=False,
        label="Reason",
        widget=forms.TextInput(attrs={"placeholder": "needed to dismiss or reopen"}),
    )
    to = forms.ChoiceField(choices=REOPEN_TARGETS, required=False, label="Reopen to")
    back = forms.CharField(required=False, widget=forms.HiddenInput)
