"""One click to unsubscribe: the headers every digest carries (RFC 2369 and 8058), a POST that works
without a login or a CSRF token, a GET that only asks, and tokens good for one person and one action."""

from __future__ import annotations

import re
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import signing
from django.test import Client, override_settings

from digests import subscriptions, unsubscribe
from digests.models import DigestSubscription

from .test_digests_support import SITE, beat, found_claim, parsed, sent_to, utc

DIGEST_AT = utc("2031-03-06 08:00")


@pytest.fixture
def digest(settings: Any, reviewer: User) -> Any:
    """Rita's digest, as her mail client receives it."""
    settings.SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "Claim tracker <desk@claims.example.org>"
    with time_machine.travel(utc("2031-03-05 12:00"), tick=False):
        found_claim("Exports rose 12% to $240bn in 2023, the trade office said.")
    beat(DIGEST_AT)
    (message,) = sent_to(reviewer)
    return parsed(message)


def link_of(digest: Any) -> str:
    match = re.match(r"<(https://[^>]+)>, <(mailto:[^>]+)>$", digest["List-Unsubscribe"].strip())
    assert match, digest["List-Unsubscribe"]
    return match.group(1)


def path_of(url: str) -> str:
    assert url.startswith(SITE)
    return url[len(SITE) :]


def frequency_of(user: User) -> str:
    return DigestSubscription.objects.get(user=user).frequency


def test_every_digest_carries_a_one_click_link_and_a_mailto(digest: Any) -> None:
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = link_of(digest)
    assert link.startswith(f"{SITE}/digests/unsubscribe/")
    assert digest["List-Unsubscribe"].endswith(", <mailto:desk@claims.example.org?subject=unsubscribe>")
    assert digest["Auto-Submitted"] == "auto-generated"


def test_a_one_click_post_turns_the_digest_off_without_a_login_or_a_csrf_token(
    digest: Any, reviewer: User
) -> None:
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(
        path_of(link_of(digest)),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert frequency_of(reviewer) == "off"
    assert DigestSubscription.objects.get(user=reviewer).notify is True  # only what the link is for


def test_once_unsubscribed_no_digest_comes_any_more(digest: Any, reviewer: User) -> None:
    Client().post(path_of(link_of(digest)))
    with time_machine.travel(utc("2031-03-06 12:00"), tick=False):
        found_claim("Rents rose 9% this year, the housing agency said.")

    beat(utc("2031-03-07 08:00"))

    assert len(sent_to(reviewer)) == 1


def test_opening_the_link_only_asks_with_a_button_and_a_link_to_the_settings(
    digest: Any, reviewer: User
) -> None:
    path = path_of(link_of(digest))

    page = Client().get(path).content.decode()

    assert "Unsubscribe rita?" in page
    assert re.search(r'<form method="post" action="">\s*<button type="submit">Stop the digest</button>', page)
    assert 'href="/digests/settings/"' in page
    assert frequency_of(reviewer) == "daily"  # link scanners open links: a GET changes nothing
    assert Client().post(path).status_code == 200
    assert frequency_of(reviewer) == "off"


def test_unsubscribing_twice_is_no_error(digest: Any, reviewer: User) -> None:
    path = path_of(link_of(digest))
    assert [Client().post(path).status_code for _ in range(2)] == [200, 200]
    assert frequency_of(reviewer) == "off"


def test_a_token_altered_to_name_another_person_is_refused(
    digest: Any, reviewer: User, reviewer2: User
) -> None:
    subscribed = {user.pk: user for user in (reviewer, reviewer2)}
    token = path_of(link_of(digest)).split("/")[-2]
    payload, rest = token.split(":", 1)
    forged = signing.b64_encode(f'{{"u":{reviewer2.pk},"a":"digest"}}'.encode()).decode() + ":" + rest
    assert signing.b64_decode(payload.encode()) == f'{{"u":{reviewer.pk},"a":"digest"}}'.encode()

    response = Client().post(f"/digests/unsubscribe/{forged}/")

    assert response.status_code == 400
    assert "This unsubscribe link is not valid." in response.content.decode()
    assert {pk: subscriptions.access_subscription(user_id=pk).frequency for pk in subscribed} == {
        reviewer.pk: "daily",
        reviewer2.pk: "daily",
    }


def test_a_token_for_another_action_or_signed_with_another_key_is_refused(db: None, reviewer: User) -> None:
    wrong_salt = signing.dumps({"u": reviewer.pk, "a": "digest"}, salt="digests.unsubscribe.notifications")
    with pytest.raises(unsubscribe.InvalidToken):
        unsubscribe.read_token(wrong_salt)
    with override_settings(SECRET_KEY="another-site-s-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"):
        foreign = unsubscribe.make_token(user_id=reviewer.pk, action="digest")
    assert Client().post(f"/digests/unsubscribe/{foreign}/").status_code == 400
    assert Client().get("/digests/unsubscribe/not-a-token/").status_code == 400


def test_a_notifications_token_turns_notifications_off_and_leaves_the_digest(
    db: None, reviewer: User
) -> None:
    token = unsubscribe.make_token(user_id=reviewer.pk, action="notifications")

    page = Client().get(f"/digests/unsubscribe/{token}/").content.decode()
    Client().post(f"/digests/unsubscribe/{token}/")

    assert "Stop notifications" in page
    subscription = DigestSubscription.objects.get(user=reviewer)
    assert (subscription.frequency, subscription.notify) == ("daily", False)


def test_a_token_of_a_deactivated_account_does_nothing(db: None, reviewer: User) -> None:
    token = unsubscribe.make_token(user_id=reviewer.pk, action="digest")
    User.objects.filter(pk=reviewer.pk).update(is_active=False)

    assert Client().post(f"/digests/unsubscribe/{token}/").status_code == 400
