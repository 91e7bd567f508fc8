"""The digest settings page's form; the values are checked again by ``digests.subscriptions``."""

from __future__ import annotations

from typing import Any

from django import forms

from claims.models import Claim, Outlet

from . import schedule
from .models import SECTIONS, WEEKDAYS, DigestSubscription


class DigestSettingsForm(forms.Form):
    frequency = forms.ChoiceField(choices=DigestSubscription.Frequency.choices, label="Digest")
    hour = forms.TypedChoiceField(
        choices=[(h, f"{h:02d}:00") for h in range(24)], coerce=int, label="At (local time)"
    )
    weekday = forms.TypedChoiceField(
        choices=[(i, name.capitalize()) for i, name in enumerate(WEEKDAYS)],
        coerce=int,
        label="On (weekly digests)",
    )
    time_zone = forms.CharField(
        max_length=64, label="Time zone", widget=forms.TextInput(attrs={"list": "time-zones"})
    )
    sections = forms.MultipleChoiceField(
        choices=list(SECTIONS.items()), widget=forms.CheckboxSelectMultiple, required=False, label="Sections"
    )
    outlets = forms.ModelMultipleChoiceField(
        queryset=Outlet.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        label="Only these outlets (none selected: all)",
    )
    kinds = forms.MultipleChoiceField(
        choices=Claim.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Only these kinds (none ticked: all)",
    )
    min_score = forms.FloatField(min_value=0, max_value=1, label="Minimum check-worthiness (0-1)")
    only_mine = forms.BooleanField(required=False, label="Only claims assigned to me")
    notify = forms.BooleanField(
        required=False,
        label="Email me at once (at most one email per few minutes) when a claim is assigned to me, "
        "a verdict awaits my approval, or my verdict is approved or sent back",
    )

    def clean_time_zone(self) -> str:
        name = str(self.cleaned_data["time_zone"]).strip()
        if name not in schedule.known_time_zones():
            raise forms.ValidationError(
                f"Unknown time zone {name!r}; use an IANA name such as Europe/Berlin."
            )
        return name

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["outlets"] = [outlet.pk for outlet in data["outlets"]]
        return data

    @classmethod
    def initial_for(cls, subscription: DigestSubscription) -> dict[str, Any]:
        return {
            "frequency": subscription.frequency,
            "hour": subscription.hour,
            "weekday": subscription.weekday,
            "time_zone": subscription.time_zone,
            "sections": subscription.sections,
            "outlets": list(subscription.outlets.all()),
            "kinds": subscription.kinds,
            "min_score": subscription.min_score,
            "only_mine": subscription.only_mine,
            "notify": subscription.notify,
        }
