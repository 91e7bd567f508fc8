"""The review state machine: every transition per role, compare-and-set, concurrency, hooks."""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from rest_framework.test import APIClient

from claims import bulk, review, roles, workflow
from claims.actors import Actor
from claims.errors import Conflict
from claims.models import Article, Claim, ClaimEvent, Evidence, Verdict
from claims.status_guard import StatusWriteRefused
from claims.workflow import Action

Status = Claim.Status
ROLE_CASES = [roles.REVIEWER, roles.EDITOR, roles.ADMIN, None]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """The cast logs in with passwords nobody attacks; hashing them slowly only slows the table down."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def give_primary_source(claim: Claim, user: User | None = None) -> Evidence:
    return Evidence.objects.create(
        claim=claim,
        url="https://stats.example.org/labour/2025-03.csv",
        title="Labour force survey, March",
        publisher="Statistics office",
        primary=True,
        stance=Evidence.Stance.SUPPORTS,
        added_by=user,
    )


def propose(claim: Claim, author: User, value: str = "verified") -> Verdict:
    return Verdict.objects.create(claim=claim, value=value, rationale="The survey says so.", author=author)


# --- The table, exhaustively: every action from every status for every role


def request_for(action: Action, claim: Claim, *, other: User) -> tuple[str, dict[str, Any]]:
    """The API call that performs ``action`` on ``claim``."""
    base = f"/api/v1/claims/{claim.pk}"
    version = claim.version
    requests: dict[Action, tuple[str, dict[str, Any]]] = {
        Action.TAKE: ("/api/v1/claims/next/", {}),
        Action.ASSIGN: (f"{base}/assign/", {"user": other.username, "version": version}),
        Action.RELEASE: (f"{base}/release/", {"version": version}),
        Action.PROPOSE: (
            f"{base}/verdict/",
            {"verdict": "verified", "rationale": "Matches.", "version": version},
        ),
        Action.DECIDE: (
            f"{base}/verdict/",
            {"verdict": "verified", "rationale": "Matches.", "version": version},
        ),
        Action.APPROVE: (f"{base}/approve/", {"version": version}),
        Action.REJECT: (f"{base}/reject/", {"version": version, "comment": "Cite the table."}),
        Action.DISMISS: (f"{base}/dismiss/", {"version": version, "reason": "An opinion."}),
        Action.REOPEN: (f"{base}/reopen/", {"version": version, "reason": "New data."}),
    }
    return requests[action]


@pytest.fixture
def as_role(
    reviewer: User,
    editor: User,
    admin_user: User,
    cms_client: APIClient,
    client_for: Callable[..., APIClient],
) -> Callable[[str | None], tuple[User, APIClient]]:
    def pick(role: str | None) -> tuple[User, APIClient]:
        if role is None:
            return User.objects.get(username="integration:cms"), cms_client
        user = {roles.REVIEWER: reviewer, roles.EDITOR: editor, roles.ADMIN: admin_user}[role]
        return user, client_for(user)

    return pick


@pytest.mark.parametrize("role", ROLE_CASES, ids=lambda r: r or "cms-integration")
@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("status", Status.values)
def test_every_action_from_every_status_for_every_role_follows_the_table(
    status: str,
    action: Action,
    role: str | None,
    as_role: Any,
    reviewer2: User,
    make_claim: Any,
    settings: Any,
) -> None:
    settings.REQUIRE_SECOND_REVIEW = action != Action.DECIDE
    actor, client = as_role(role)
    # The actor holds the claim, so only role and status decide; a pending verdict is someone else's.
    # (/next/ would hand back a held claim, so for taking nobody holds it.)
    holds = status != Status.NEW and action != Action.TAKE
    claim = make_claim(status=status, assignee=actor if holds else None)
    give_primary_source(claim)
    if status == Status.AWAITING_APPROVAL:
        propose(claim, author=reviewer2)
    url, payload = request_for(action, claim, other=reviewer2)

    response = client.post(url, payload, format="json")

    allowed_role = role is not None and roles.RANK[role] >= roles.RANK[workflow.MIN_ROLE[action]]
    allowed_from = (status, action) in workflow.TRANSITIONS
    claim.refresh_from_db()
    if not allowed_role:
        assert response.status_code == 403, response.json()
        assert response.json()["error"] == "forbidden"
        assert claim.status == status
    elif not allowed_from:
        if action == Action.TAKE:
            # /next/ takes from the queue, never a particular claim: nothing new means nothing to take.
            assert response.status_code == 204
        else:
            assert response.status_code == 409, response.json()
            assert response.json()["claim"] == {
                "id": claim.pk,
                "status": status,
                "version": claim.version,
                "assignee": claim.assignee.username if claim.assignee else None,
            }
            assert "allowed from" in response.json()["detail"]
        assert claim.status == status
    else:
        assert response.status_code == 200, response.json()
        assert claim.status == workflow.TRANSITIONS[(status, action)][0]
        assert response.json()["status"] == claim.status
        assert claim.version == 2
        event = ClaimEvent.objects.get(claim=claim)
        assert (event.action, event.from_status, event.to_status) == (
            workflow.EVENTS[action],
            status,
            claim.status,
        )
        assert event.actor == actor


@pytest.mark.parametrize("role", [roles.REVIEWER, roles.EDITOR, roles.ADMIN])
@pytest.mark.parametrize("status", Status.values)
def test_the_actions_offered_for_a_claim_are_exactly_those_the_table_allows(
    status: str, role: str, as_role: Any, make_claim: Any
) -> None:
    user, _ = as_role(role)
    claim = make_claim(status=status, assignee=user)
    expected = {
        action
        for action in Action
        if (status, action) in workflow.TRANSITIONS
        and roles.RANK[role] >= roles.RANK[workflow.MIN_ROLE[action]]
    }
    assert workflow.available_actions(claim=claim, actor=Actor(user=user)) == expected


def test_every_status_can_be_reached_and_left() -> None:
    reached = {target for targets in workflow.TRANSITIONS.values() for target in targets}
    left = {source for source, _ in workflow.TRANSITIONS}
    assert reached == set(Status.values)
    assert left == set(Status.values)
    assert set(workflow.MIN_ROLE) == set(Action) == set(workflow.EVENTS)


def test_a_reviewer_cannot_work_a_claim_assigned_to_someone_else(
    reviewer: User, reviewer2: User, client_for: Any, make_claim: Any
) -> None:
    claim = make_claim(status=Status.IN_REVIEW, assignee=reviewer2)
    give_primary_source(claim)
    response = client_for(reviewer).post(
        f"/api/v1/claims/{claim.pk}/verdict/",
        {"verdict": "disputed", "rationale": "The survey says 4.1%.", "version": claim.version},
        format="json",
    )
    assert response.status_code == 403
    assert "assigned to ravi" in response.json()["detail"]


def test_an_editor_may_step_in_on_a_claim_assigned_to_a_reviewer(
    reviewer: User, editor: User, client_for: Any, make_claim: Any
) -> None:
    claim = make_claim(status=Status.IN_REVIEW, assignee=reviewer)
    give_primary_source(claim)
    response = client_for(editor).post(
        f"/api/v1/claims/{claim.pk}/verdict/",
        {"verdict": "disputed", "rationale": "The survey says 4.1%.", "version": claim.version},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "awaiting_approval"


# --- Compare-and-set


def test_a_write_with_a_stale_version_gets_409_with_the_current_state(
    reviewer: User, editor: User, client_for: Any, make_claim: Any
) -> None:
    claim = make_claim(status=Status.IN_REVIEW, assignee=reviewer)
    give_primary_source(claim)
    client_for(editor).post(
        f"/api/v1/claims/{claim.pk}/assign/", {"user": "edna", "version": 1}, format="json"
    )
    response = client_for(editor).post(
        f"/api/v1/claims/{claim.pk}/verdict/",
        {"verdict": "verified", "rationale": "It checks out.", "version": 1},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["claim"] == {
        "id": claim.pk,
        "status": "in_review",
        "version": 2,
        "assignee": "edna",
    }
    assert "version 1" in response.json()["detail"]
    assert not Verdict.objects.exists()


def test_a_transition_that_loses_the_compare_and_set_changes_nothing(reviewer: User, make_claim: Any) -> None:
    claim = make_claim(status=Status.IN_REVIEW, assignee=reviewer)
    seen = Claim.objects.get(pk=claim.pk)
    Claim.objects.filter(pk=claim.pk).update(version=7)  # somebody else got there first
    with pytest.raises(Conflict) as caught:
        workflow.apply_transition(
            claim=seen, action=Action.RELEASE, actor=Actor(user=reviewer), target=Status.NEW
        )
    assert caught.value.data["claim"]["version"] == 7
    claim.refresh_from_db()
    assert (claim.status, claim.version) == (Status.IN_REVIEW, 7)
    assert not ClaimEvent.objects.exists()


def test_two_verdicts_on_the_same_version_one_wins_one_gets_409(
    reviewer: User, editor: User, client_for: Any, make_claim: Any
) -> None:
    claim = make_claim(status=Status.IN_REVIEW, assignee=reviewer)
    give_primary_source(claim)
    first = client_for(reviewer).post(
        f"/api/v1/claims/{claim.pk}/verdict/",
        {"verdict": "verified", "rationale": "The survey agrees.", "version": 1},
        format="json",
    )
    second = client_for(editor).post(
        f"/api/v1/claims/{claim.pk}/verdict/",
        {"verdict": "disputed", "rationale": "The survey disagrees.", "version": 1},
        format="json",
    )
    assert (first.status_code, second.status_code) == (200, 409)
    assert second.json()["claim"]["status"] == "awaiting_approval"
    assert list(Verdict.objects.values_list("value", flat=True)) == ["verified"]


# --- The queue


def test_next_takes_the_highest_priority_new_claim_and_records_one_event(
    reviewer: User, client_for: Any, make_claim: Any
) -> None:
    make_claim(priority=10)
    top = make_claim(priority=90)
    make_claim(priority=50)
    make_claim(priority=99, status=Status.DISMISSED)

    response = client_for(reviewer).post("/api/v1/claims/next/")

    assert response.status_code == 200
    assert response.json()["id"] == top.pk
    assert response.json()["assignee"] == "rita"
    assert response.json()["status"] == "in_review"
    assert [(e.action, e.actor) for e in ClaimEvent.objects.filter(claim=top)] == [("taken", reviewer)]


def test_next_hands_a_reviewer_back_the_claim_they_already_hold(
    reviewer: User, client_for: Any, make_claim: Any
) -> None:
    make_claim(priority=10)
    make_claim(priority=90)
    client = client_for(reviewer)
    first = client.post("/api/v1/claims/next/").json()
    again = client.post("/api/v1/claims/next/").json()
    assert again["id"] == first["id"]
    assert again["version"] == first["version"]
    assert ClaimEvent.objects.count() == 1


def test_next_answers_204_when_the_queue_is_empty(reviewer: User, client_for: Any, make_claim: Any) -> None:
    make_claim(status=Status.VERIFIED)
    response = client_for(reviewer).post("/api/v1/claims/next/")
    assert response.status_code == 204
    assert response.content == b""


def test_next_skips_a_claim_another_reviewer_took_between_the_read_and_the_write(
    reviewer: User, reviewer2: User, make_claim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = make_claim(priority=90)
    second = make_claim(priority=50)
    real_apply = workflow.apply_transition
    raced: list[int] = []

    def rival_first(**kwargs: Any) -> ClaimEvent:
        if not raced:
            raced.append(kwargs["claim"].pk)
            stale = Claim.objects.get(pk=kwargs["claim"].pk)
            real_apply(
                **{
                    **kwargs,
                    "claim": stale,
                    "actor": Actor(user=reviewer2),
                    "updates": {"assignee": reviewer2},
                }
            )
        return real_apply(**kwargs)

    monkeypatch.setattr(workflow, "apply_transition", rival_first)

    taken = workflow.do_take_next(actor=Actor(user=reviewer))

    assert raced == [top.pk]
    assert taken is not None and taken.pk == second.pk
    assert Claim.objects.get(pk=top.pk).assignee == reviewer2
    assert Claim.objects.get(pk=second.pk).assignee == reviewer


def _in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released together; each thread has its own DB connection."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reviewers_racing_for_next_each_get_a_different_claim(make_claim: Any) -> None:
    group = roles.ensure_roles()[roles.REVIEWER]
    reviewers = []
    for i in range(8):
        user = User.objects.create_user(username=f"racer{i}")
        user.groups.add(group)
        reviewers.append(user)
    claims = [make_claim(priority=float(i)) for i in range(6)]

    def take(i: int) -> int | None:
        client = APIClient()
        client.force_authenticate(user=reviewers[i])
        response = client.post("/api/v1/claims/next/")
        return response.json()["id"] if response.status_code == 200 else response.status_code

    results = _in_threads(8, take)

    taken = [r for r in results if r != 204]
    assert sorted(taken) == sorted(c.pk for c in claims), results
    assert results.count(204) == 2
    for claim in Claim.objects.filter(pk__in=taken):
        assert claim.status == Status.IN_REVIEW
        assert claim.version == 2
        assert ClaimEvent.objects.filter(claim=claim, action="taken").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_next_does_not_wait_for_a_claim_another_transaction_has_locked(
    reviewer: User, make_claim: Any
) -> None:
    top = make_claim(priority=90)
    second = make_claim(priority=50)
    locked = threading.Event()
    release = threading.Event()

    def hold_the_top_claim() -> None:
        try:
            with transaction.atomic():
                Claim.objects.select_for_update().get(pk=top.pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_top_claim)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        taken = workflow.do_take_next(actor=Actor(user=reviewer))
    finally:
        release.set()
        holder.join(timeout=10)
    assert taken is not None and taken.pk == second.pk
    assert Claim.objects.get(pk=top.pk).status == Status.NEW


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_verdicts_racing_on_the_same_claim_one_wins_and_one_gets_409(
    reviewer: User, editor: User, make_claim: Any
) -> None:
    claim = make_claim(status=Status.IN_REVIEW, assignee=reviewer)
    give_primary_source(claim)
    users = [reviewer, editor]

    def verdict(i: int) -> tuple[int, dict[str, Any]]:
        client = APIClient()
        client.force_authenticate(user=users[i])
        response = client.post(
            f"/api/v1/claims/{claim.pk}/verdict/",
            {"verdict": ["verified", "disputed"][i], "rationale": "Per the survey.", "version": 1},
            format="json",
        )
        return response.status_code, response.json()

    results = _in_threads(2, verdict)

    assert sorted(code for code, _ in results) == [200, 409], results
    winner = next(body for code, body in results if code == 200)
    loser = next(body for code, body in results if code == 409)
    assert loser["claim"]["version"] == winner["version"] == 2
    assert Verdict.objects.filter(claim=claim).count() == 1
    assert ClaimEvent.objects.filter(claim=claim, action="verdict_proposed").count() == 1


# --- Side effects after the commit (the consumers themselves: tests/test_event_log.py)


def test_a_transition_recomputes_the_claims_priority_after_the_commit(
    reviewer: User, editor: User, make_claim: Any, django_capture_on_commit_callbacks: Any
) -> None:
    claim = make_claim(status=Status.AWAITING_APPROVAL, assignee=reviewer)
    give_primary_source(claim)
    propose(claim, author=reviewer, value="disputed")
    assert claim.priority_parts == {}

    with django_capture_on_commit_callbacks(execute=True):
        review.do_approve_verdict(claim_id=claim.pk, version=1, actor=Actor(user=editor))

    claim.refresh_from_db()
    assert claim.priority_parts["checkworthiness"] == 36.0
    assert claim.priority == pytest.approx(sum(claim.priority_parts.values()))


# --- Nothing but the workflow writes a claim's status

SOURCE_DIRS = ["claims", "integrations", "factcheck", "feeds", "snapshots", "webhooks", "digests"]
ALLOWED_WRITERS = {Path("claims/workflow.py")}


def _status_writes(path: Path) -> list[int]:
    """Lines that may write a claim's ``status``: a bulk update or a create naming it, a model built
    with it, an assignment or a setattr to it. Splats (``update(**fields)``) are the runtime guard's
    (ClaimQuerySet), tested below."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            keywords = {kw.arg for kw in node.keywords}
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            fields = {
                elt.value
                for arg in node.args
                if isinstance(arg, ast.List | ast.Tuple)
                for elt in arg.elts
                if isinstance(elt, ast.Constant)
            }
            writes = {"update", "bulk_update", "create", "get_or_create", "update_or_create", "Claim"}
            if (
                (name in writes and "status" in keywords | fields)
                or (
                    name in {"get_or_create", "update_or_create"}
                    and any(
                        isinstance(kw.value, ast.Dict)
                        and any(isinstance(k, ast.Constant) and k.value == "status" for k in kw.value.keys)
                        for kw in node.keywords
                    )
                )
                or (
                    name == "setattr"
                    and any(isinstance(a, ast.Constant) and a.value == "status" for a in node.args)
                )
            ):
                found.append(node.lineno)
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == "status" for t in targets):
                found.append(node.lineno)
    return found


@pytest.mark.parametrize(
    "source",
    [
        "Claim.objects.filter(pk=1).update(status='new')",
        "Claim.objects.bulk_update(claims, ['status'])",
        "Claim.objects.create(text='x', status='verified')",
        "Claim.objects.get_or_create(text='x', defaults={'status': 'verified'})",
        "Claim(text='x', status='verified').save()",
        "claim.status = 'verified'",
        "claim.status: str = 'verified'",
        "setattr(claim, 'status', 'verified')",
    ],
)
def test_the_scan_sees_every_spelled_out_way_to_write_a_status(source: str, tmp_path: Path) -> None:
    path = tmp_path / "module.py"
    path.write_text(source + "\n", encoding="utf-8")
    assert _status_writes(path) == [1]


def test_a_status_write_outside_the_workflow_is_refused_however_the_fields_are_spelled(
    make_claim: Any,
) -> None:
    claim = make_claim()
    fields = {"status": Status.VERIFIED}
    with pytest.raises(StatusWriteRefused):
        Claim.objects.filter(pk=claim.pk).update(**fields)
    claim.status = Status.VERIFIED
    with pytest.raises(StatusWriteRefused):
        Claim.objects.bulk_update([claim], ["status"])
    with pytest.raises(StatusWriteRefused):
        bulk.update_rows(Claim, [claim], ["priority", "status"])
    assert Claim.objects.get(pk=claim.pk).status == Status.NEW


def test_the_admin_changes_no_claim_verdict_or_event(admin_user: User) -> None:
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = admin_user
    for model in (Claim, Verdict, ClaimEvent, Article):
        model_admin = django_admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_only_the_workflow_writes_a_claims_status() -> None:
    base = Path(django_settings.BASE_DIR)
    writes = []
    for folder in SOURCE_DIRS:
        for path in sorted((base / folder).rglob("*.py")):
            relative = path.relative_to(base)
            if "migrations" in relative.parts or relative in ALLOWED_WRITERS:
                continue
            writes += [f"{relative}:{line}" for line in _status_writes(path)]
    assert writes == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_clicked_take_next_hands_one_reviewer_one_claim(reviewer: User, make_claim: Any) -> None:
    claims = [make_claim(priority=float(i)) for i in range(4)]

    def take(i: int) -> int:
        client = APIClient()
        client.force_authenticate(user=reviewer)
        return int(client.post("/api/v1/claims/next/").json()["id"])

    results = _in_threads(4, take)

    assert len(set(results)) == 1, results
    assert Claim.objects.filter(assignee=reviewer, status=Status.IN_REVIEW).count() == 1
    assert ClaimEvent.objects.filter(claim_id__in=[c.pk for c in claims], action="taken").count() == 1


@pytest.mark.parametrize("action", ["assign", "dismiss"])
def test_a_merged_claim_refuses_every_transition_with_409_naming_the_claim_it_went_into(
    action: str, editor: User, reviewer: User, make_claim: Any, client_for: Any
) -> None:
    target = make_claim()
    merged = make_claim(merged_into=target)
    payload = {"version": merged.version, "user": reviewer.username, "reason": "not a claim"}
    payload = {k: v for k, v in payload.items() if k != ("user" if action == "dismiss" else "reason")}

    response = client_for(editor).post(f"/api/v1/claims/{merged.pk}/{action}/", payload, format="json")

    assert response.status_code == 409
    assert response.json()["merged_into"] == target.pk
    fresh = Claim.objects.get(pk=merged.pk)
    assert (fresh.status, fresh.assignee, fresh.version) == (Status.NEW, None, merged.version)
    assert not ClaimEvent.objects.filter(claim=merged).exists()
