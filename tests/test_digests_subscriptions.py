"""Digest settings: the defaults everybody starts with, GET and PUT /api/v1/me/digest/ with errors that
name the field, who may use it, and the settings page in the dashboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.models import Outlet
from digests import subscriptions
from digests.models import DigestSubscription
from integrations.services import create_integration

URL = "/api/v1/me/digest/"


@pytest.fixture
def outlets(db: None) -> list[Outlet]:
    return [Outlet.objects.create(name=name) for name in ("Daily Example", "Harbour Times", "Evening Wire")]


def test_a_person_starts_with_a_daily_digest_at_eight_in_time_zone_and_notifications_on(
    reviewer: User, client_for: Callable[[User], APIClient], settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Berlin"

    answer = client_for(reviewer).get(URL)

    assert answer.status_code == 200
    body = answer.json()
    assert {k: body[k] for k in ("frequency", "hour", "weekday", "time_zone", "notify", "only_mine")} == {
        "frequency": "daily",
        "hour": 8,
        "weekday": "monday",
        "time_zone": "Europe/Berlin",
        "notify": True,
        "only_mine": False,
    }
    assert (body["outlets"], body["kinds"], body["min_score"]) == ([], [], 0.0)
    assert body["sections"] == [
        "awaiting_approval",
        "stale",
        "new_claims",
        "repeats",
        "conflicts",
        "verdicts",
    ]
    assert body["next_digest_at"].endswith("+01:00") or body["next_digest_at"].endswith("Z")


def test_beat_gives_everybody_with_an_email_a_subscription_in_a_fixed_number_of_queries(db: None) -> None:
    User.objects.bulk_create(
        [User(username=f"person{n}", email=f"person{n}@example.org") for n in range(40)]
        + [User(username="no-mail"), User(username="gone", email="gone@example.org", is_active=False)]
    )
    DigestSubscription.objects.create(user=User.objects.get(username="person0"), frequency="off")

    with CaptureQueriesContext(connection) as captured:
        created = subscriptions.ensure_subscriptions()

    assert created == 39
    assert len(captured) <= 3
    assert DigestSubscription.objects.count() == 40
    assert not DigestSubscription.objects.filter(user__username__in=["no-mail", "gone"]).exists()
    assert DigestSubscription.objects.get(user__username="person0").frequency == "off"  # left as it was


def test_put_changes_the_schedule_and_filters_and_leaves_the_rest(
    reviewer: User, client_for: Callable[[User], APIClient], outlets: list[Outlet]
) -> None:
    changes = {
        "frequency": "weekly",
        "weekday": "friday",
        "hour": 17,
        "time_zone": "America/New_York",
        "outlets": ["Harbour Times", "Daily Example"],
        "kinds": ["quote", "statistic"],
        "min_score": 0.6,
    }

    answer = client_for(reviewer).put(URL, changes, format="json")

    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert {k: body[k] for k in changes} == {
        **changes,
        "outlets": ["Daily Example", "Harbour Times"],
        "kinds": ["statistic", "quote"],
    }
    assert body["notify"] is True and body["only_mine"] is False
    assert client_for(reviewer).get(URL).json() == body
    subscription = DigestSubscription.objects.get(user=reviewer)
    assert (subscription.weekday, subscription.hour) == (4, 17)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"hour": 24}, "hour"),
        ({"hour": -1}, "hour"),
        ({"hour": "eight"}, "hour"),
        ({"weekday": "funday"}, "weekday"),
        ({"frequency": "hourly"}, "frequency"),
        ({"outlets": ["Daily Example", "The Nowhere Herald"]}, "outlets"),
        ({"kinds": ["rumour"]}, "kinds"),
        ({"sections": ["horoscope"]}, "sections"),
        ({"min_score": 1.5}, "min_score"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(
    reviewer: User,
    client_for: Callable[[User], APIClient],
    outlets: list[Outlet],
    changes: dict[str, Any],
    field: str,
) -> None:
    before = client_for(reviewer).get(URL).json()

    answer = client_for(reviewer).put(URL, {"hour": 6, **changes}, format="json")

    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "invalid"
    assert list(body["fields"]) == [field]
    assert body["detail"].startswith(f"{field}: ")
    assert client_for(reviewer).get(URL).json() == before


def test_an_unknown_outlet_is_named_in_the_error(
    reviewer: User, client_for: Callable[[User], APIClient], outlets: list[Outlet]
) -> None:
    answer = client_for(reviewer).put(URL, {"outlets": ["The Nowhere Herald"]}, format="json")

    body = answer.json()
    assert (body["error"], body["detail"]) == ("invalid", "outlets: Unknown outlet(s): The Nowhere Herald.")
    assert body["fields"] == {"outlets": ["Unknown outlet(s): The Nowhere Herald."]}


def test_a_cms_key_has_no_person_and_gets_a_403_that_says_so(cms_client: APIClient) -> None:
    for answer in (cms_client.get(URL), cms_client.put(URL, {"hour": 6}, format="json")):
        assert answer.status_code == 403
        assert (answer.json()["error"], answer.json()["detail"]) == (
            "forbidden",
            "This endpoint is for a person's own key or session: a CMS key has no person, so no digest.",
        )


def test_a_personal_key_reads_and_changes_its_persons_own_settings(reviewer: User, editor: User) -> None:
    _, key = create_integration(name="rita-script", username="rita")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    assert client.put(URL, {"hour": 6}, format="json").json()["hour"] == 6

    assert DigestSubscription.objects.get(user=reviewer).hour == 6
    assert subscriptions.access_subscription(user_id=editor.pk).hour == 8


def test_someone_not_logged_in_gets_a_401(db: None) -> None:
    answer = APIClient().put(URL, {"hour": 6}, format="json")
    assert (answer.status_code, answer.json()["error"]) == (401, "not_authenticated")


def test_reading_the_settings_takes_a_fixed_number_of_queries(
    reviewer: User,
    client_for: Callable[[User], APIClient],
    outlets: list[Outlet],
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(reviewer)
    client.put(URL, {"outlets": [o.name for o in outlets]}, format="json")
    with django_assert_max_num_queries(2):
        assert len(client.get(URL).json()["outlets"]) == 3


# --- The settings page


@pytest.fixture
def browser(reviewer: User) -> Client:
    client = Client()
    client.force_login(reviewer)
    return client


def test_the_settings_page_is_linked_from_every_page_and_shows_the_current_settings(
    browser: Client, outlets: list[Outlet]
) -> None:
    queue = browser.get("/").content.decode()
    assert 'href="/digests/settings/">Email digest</a>' in queue

    page = browser.get("/digests/settings/").content.decode()
    assert '<option value="daily" selected>Daily</option>' in page
    assert '<option value="8" selected>08:00</option>' in page
    assert 'value="UTC"' in page
    assert "Harbour Times" in page
    assert "Your next digest is due" in page


def test_the_settings_page_saves_a_weekly_schedule_with_filters(
    browser: Client, reviewer: User, outlets: list[Outlet]
) -> None:
    form = {
        "frequency": "weekly",
        "hour": "7",
        "weekday": "2",
        "time_zone": "Asia/Tokyo",
        "sections": ["new_claims", "verdicts"],
        "outlets": [str(outlets[1].pk)],
        "kinds": ["quote"],
        "min_score": "0.5",
        "notify": "on",
    }

    response = browser.post("/digests/settings/", form, follow=True)

    assert "Your email settings are saved." in response.content.decode()
    subscription = DigestSubscription.objects.get(user=reviewer)
    assert (subscription.frequency, subscription.hour, subscription.weekday) == ("weekly", 7, 2)
    assert (subscription.time_zone, subscription.sections, subscription.kinds) == (
        "Asia/Tokyo",
        ["new_claims", "verdicts"],
        ["quote"],
    )
    assert [o.name for o in subscription.outlets.all()] == ["Harbour Times"]
    assert (subscription.min_score, subscription.notify, subscription.only_mine) == (0.5, True, False)


def test_the_settings_page_refuses_an_unknown_time_zone_and_says_why(browser: Client, reviewer: User) -> None:
    form = {
        "frequency": "daily",
        "hour": "8",
        "weekday": "0",
        "time_zone": "Mars/Olympus_Mons",
        "min_score": "0",
    }

    page = browser.post("/digests/settings/", form).content.decode()

    assert "Unknown time zone &#x27;Mars/Olympus_Mons&#x27;" in page
    assert subscriptions.access_subscription(user_id=reviewer.pk).time_zone == "UTC"


def test_the_settings_page_needs_a_login(db: None) -> None:
    response = Client().get("/digests/settings/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
