"""Roles are Django groups, given with `manage.py adduser`; API keys act as a person or as nobody."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from claims import roles
from claims.models import Claim


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


# --- adduser


@pytest.mark.parametrize("role", roles.ROLES)
def test_adduser_gives_the_user_exactly_one_role(db: None, role: str) -> None:
    run("adduser", "nina", "--role", role, "--email", "nina@example.org")
    user = User.objects.get(username="nina")
    assert [g.name for g in user.groups.all()] == [role]
    assert roles.role_of(user) == role
    assert user.email == "nina@example.org"
    assert (user.is_staff, user.is_superuser) == (role == roles.ADMIN, role == roles.ADMIN)


def test_adduser_with_a_password_sets_it_and_does_not_print_it(db: None) -> None:
    output = run("adduser", "nina", "--role", "editor", "--password", "correct-horse-battery")
    assert "correct-horse-battery" not in output
    assert "(as given)" in output
    assert APIClient().login(username="nina", password="correct-horse-battery")


def test_adduser_generates_a_different_password_each_time(db: None) -> None:
    first = run("adduser", "nina", "--role", "reviewer").split()[-1]
    second = run("adduser", "omar", "--role", "reviewer").split()[-1]
    assert first != second
    assert len(first) >= 16


def test_changing_a_users_role_keeps_their_password(db: None) -> None:
    run("adduser", "nina", "--role", "reviewer", "--password", "correct-horse-battery")

    output = run("adduser", "nina", "--role", "editor")

    assert output.strip() == "Updated editor 'nina' with password: (unchanged)"
    user = User.objects.get(username="nina")
    assert roles.role_of(user) == roles.EDITOR
    assert APIClient().login(username="nina", password="correct-horse-battery")


def test_demoting_an_admin_takes_away_the_admin_site(db: None) -> None:
    run("adduser", "nina", "--role", "admin", "--password", "correct-horse-battery")
    run("adduser", "nina", "--role", "reviewer")
    user = User.objects.get(username="nina")
    assert (user.is_staff, user.is_superuser, roles.role_of(user)) == (False, False, roles.REVIEWER)


@pytest.mark.parametrize("args", [["--role", "chief"], ["--role"], []], ids=["unknown", "empty", "missing"])
def test_adduser_refuses_a_role_that_does_not_exist(db: None, args: list[str]) -> None:
    with pytest.raises(CommandError):
        run("adduser", "nina", *args)
    assert not User.objects.filter(username="nina").exists()


def test_adduser_refuses_an_empty_name(db: None) -> None:
    with pytest.raises(CommandError, match="must not be empty"):
        run("adduser", "  ", "--role", "reviewer")


# --- Role hierarchy


def test_each_role_includes_the_ones_below_it(reviewer: User, editor: User, admin_user: User) -> None:
    assert [roles.has_role(reviewer, r) for r in roles.ROLES] == [True, False, False]
    assert [roles.has_role(editor, r) for r in roles.ROLES] == [True, True, False]
    assert [roles.has_role(admin_user, r) for r in roles.ROLES] == [True, True, True]


def test_a_user_without_a_group_has_no_role(db: None) -> None:
    user = User.objects.create_user(username="visitor")
    assert roles.role_of(user) is None
    assert not roles.has_role(user, roles.REVIEWER)


# --- API keys


def test_a_personal_key_acts_with_its_persons_role(reviewer: User, editor: User, make_claim: Any) -> None:
    rita_key = run("createapitoken", "rita-script", "--user", "rita").split()[-1]
    edna_key = run("createapitoken", "edna-script", "--user", "edna").split()[-1]
    claim = make_claim()
    dismiss = {"version": 1, "reason": "Not a factual claim."}

    as_rita = bearer(rita_key).post(f"/api/v1/claims/{claim.pk}/dismiss/", dismiss, format="json")
    as_edna = bearer(edna_key).post(f"/api/v1/claims/{claim.pk}/dismiss/", dismiss, format="json")

    assert as_rita.status_code == 403
    assert as_edna.status_code == 200
    event = Claim.objects.get(pk=claim.pk).events.get()
    assert (event.actor, event.integration.name if event.integration else None) == (editor, "edna-script")


def test_a_reviewers_personal_key_takes_claims_from_the_queue(reviewer: User, make_claim: Any) -> None:
    key = run("createapitoken", "rita-script", "--user", "rita").split()[-1]
    claim = make_claim()
    response = bearer(key).post("/api/v1/claims/next/")
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["assignee"]) == (claim.pk, "rita")


def test_a_cms_key_without_a_person_can_read_but_not_review(cms_client: APIClient, make_claim: Any) -> None:
    claim = make_claim(status=Claim.Status.IN_REVIEW)

    assert cms_client.get(f"/api/v1/claims/{claim.pk}/events/").status_code == 200
    assert cms_client.post("/api/v1/claims/next/").status_code == 403
    verdict = cms_client.post(
        f"/api/v1/claims/{claim.pk}/verdict/",
        {"verdict": "verified", "rationale": "Trust us.", "version": 1},
        format="json",
    )
    assert verdict.status_code == 403
    assert verdict.json()["required_role"] == "reviewer"
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.IN_REVIEW


def test_a_key_for_an_unknown_user_is_refused(db: None) -> None:
    with pytest.raises(CommandError, match="No user named"):
        run("createapitoken", "ghost-script", "--user", "ghost")


def test_a_deactivated_persons_key_stops_working(reviewer: User, make_claim: Any) -> None:
    key = run("createapitoken", "rita-script", "--user", "rita").split()[-1]
    reviewer.is_active = False
    reviewer.save()
    assert bearer(key).post("/api/v1/claims/next/").status_code == 401
