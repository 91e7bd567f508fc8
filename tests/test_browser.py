"""The dashboard in a real browser: headless Chromium drives the pages a fact-check desk uses.

Each test serves the app with pytest-django's ``live_server`` and logs people in
through the login form, one browser context per person. A screenshot of every
main page is saved (to FACTCHECK_SCREENSHOTS when set, else the test's tmp dir).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect, sync_playwright

from claims.models import Article, Claim, Evidence

from .conftest import CHROMIUM, SEED_DIR

pytestmark = pytest.mark.browser

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTLETS = ["Bloomberg", "Financial Post", "Kyiv Post", "The Moscow Times", "Global Times"]
# Fail fast: every page here is served from this machine.
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the
    # tests make around it are still plain synchronous code.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FACTCHECK_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def open_as(chromium: Browser, live_server: Any) -> Iterator[Callable[[User], Page]]:
    """A browser window logged in as a person, through the login form."""
    contexts = []

    def open_for(user: User) -> Page:
        context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
        page.get_by_label("User name").fill(user.get_username())
        page.get_by_label("Password").fill("pw-" + user.get_username())
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(live_server.url + "/")
        return page

    yield open_for
    for context in contexts:
        context.close()


@pytest.fixture
def newsroom(ingest: Callable[..., Article]) -> list[Article]:
    """The seed articles, each from its own outlet."""
    paths = sorted(SEED_DIR.glob("*.txt"))
    return [
        ingest(path.read_text(encoding="utf-8"), outlet=outlet, external_id=path.stem)
        for path, outlet in zip(paths, OUTLETS, strict=False)
    ]


def chart(page: Page, title: str) -> Any:
    return page.locator(f'svg[aria-label^="{title}"]')


def bar_value(page: Page, title: str, label: str) -> str | None:
    return chart(page, title).locator(f'g[data-label="{label}"]').get_attribute("data-value")


def test_an_editor_logs_in_and_finds_the_queue_the_charts_a_claim_and_its_article(
    open_as: Callable[[User], Page], editor: User, newsroom: list[Article], screenshots: Path
) -> None:
    live = Claim.objects.filter(merged_into__isnull=True)
    page = open_as(editor)

    expect(page.locator("tr[data-claim]")).to_have_count(min(live.count(), 25))
    for title in ("Claims by status", "New claims per day", "Claims per outlet", "Verdicts", "Articles by"):
        expect(chart(page, title)).to_be_visible()
    assert bar_value(page, "Claims by status", "New") == str(live.count())
    assert bar_value(page, "Articles by extraction status", "Done") == str(len(newsroom))
    assert bar_value(page, "Claims per outlet", "Bloomberg") == str(
        live.filter(appearances__article__outlet__name="Bloomberg").distinct().count()
    )
    expect(page.get_by_role("button", name="Apply to selected")).to_be_visible()
    page.screenshot(path=screenshots / "queue.png", full_page=True)

    page.locator("tr[data-claim] td.claim-text a").first.click()
    expect(page).to_have_url(re.compile(r"/claims/\d+/$"))
    expect(page.get_by_role("heading", name=re.compile(r"^Why this priority"))).to_be_visible()
    expect(page.locator('tr[data-action="created"]')).to_have_count(1)
    page.screenshot(path=screenshots / "claim.png", full_page=True)

    page.get_by_role("heading", name=re.compile(r"^Appearances")).locator("..").get_by_role(
        "link"
    ).first.click()
    expect(page).to_have_url(re.compile(r"/articles/\d+/$"))
    expect(page.locator("mark.claim").first).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Removed as boilerplate"))).to_be_visible()
    page.screenshot(path=screenshots / "article.png", full_page=True)


def test_a_reviewer_disputes_a_claim_and_a_second_editor_approves_it(
    open_as: Callable[[User], Page],
    reviewer: User,
    editor2: User,
    newsroom: list[Article],
    screenshots: Path,
) -> None:
    top = Claim.objects.filter(status=Claim.Status.NEW).order_by("-priority", "-id").first()
    assert top is not None
    rita = open_as(reviewer)
    expect(rita.get_by_role("button", name="Apply to selected")).to_have_count(0)

    rita.get_by_role("button", name="Take the next claim").click()
    expect(rita).to_have_url(re.compile(rf"/claims/{top.pk}/$"))
    expect(rita.get_by_text("with rita")).to_be_visible()

    rita.get_by_text("Add evidence", exact=True).first.click()
    rita.get_by_label("Link to the source").fill("https://stats.example.org/trade-2024.csv")
    rita.get_by_label("Title").fill("Customs trade statistics, 2024")
    rita.get_by_label("Primary source").check()
    rita.get_by_label("Stance").select_option("refutes")
    rita.get_by_role("button", name="Add evidence").click()
    expect(rita.get_by_text("Evidence added.")).to_be_visible()
    expect(rita.get_by_role("link", name="Customs trade statistics, 2024")).to_be_visible()

    rita.get_by_label("Disputed").check()
    rita.get_by_label("Rationale").fill("Customs data put the 2024 total at $228bn, not $245bn.")
    rita.get_by_role("button", name="Propose verdict").click()
    expect(rita.get_by_text("Verdict recorded.")).to_be_visible()
    expect(rita.locator(".pill.awaiting_approval").first).to_be_visible()
    expect(rita.get_by_role("button", name="Approve and publish")).to_have_count(0)

    eddie = open_as(editor2)
    eddie.goto(f"/claims/{top.pk}/")
    eddie.get_by_role("button", name="Approve and publish").click()
    expect(eddie.get_by_text("Verdict approved and published.")).to_be_visible()
    expect(eddie.locator("p", has_text="verdict disputed")).to_be_visible()
    story = eddie.locator("tr[data-action]")
    expect(story).to_have_count(5)
    expect(story.nth(0)).to_contain_text("Found in an article")
    expect(story.nth(1)).to_contain_text("Took it from the queue")
    expect(story.nth(1)).to_contain_text("rita")
    expect(story.nth(2)).to_contain_text("Added a primary source (refutes): stats.example.org")
    expect(story.nth(3)).to_contain_text("Proposed the verdict “disputed”")
    expect(story.nth(3)).to_contain_text("Customs data put the 2024 total at $228bn")
    expect(story.nth(4)).to_contain_text("Approved the verdict “disputed”")
    expect(story.nth(4)).to_contain_text("eddie")
    eddie.screenshot(path=screenshots / "claim-disputed.png", full_page=True)

    claim = Claim.objects.get(pk=top.pk)
    assert (claim.status, claim.verdict) == (Claim.Status.DISPUTED, "disputed")
    assert Evidence.objects.get(claim=claim).primary


def test_a_reviewer_has_no_bulk_controls_and_an_editor_dismisses_claims_in_bulk(
    open_as: Callable[[User], Page],
    reviewer: User,
    editor: User,
    make_claim: Any,
    screenshots: Path,
) -> None:
    opinions = [make_claim(f"Opinion {n}: the policy is a disgrace.", priority=90 - n) for n in range(2)]
    kept = make_claim(priority=10)

    rita = open_as(reviewer)
    expect(rita.locator("tr[data-claim]")).to_have_count(3)
    expect(rita.locator('input[name="ids"]')).to_have_count(0)
    expect(rita.get_by_role("button", name="Apply to selected")).to_have_count(0)
    rita.screenshot(path=screenshots / "queue-reviewer.png", full_page=True)

    edna = open_as(editor)
    edna.get_by_label("Select every claim on this page").check()
    expect(edna.get_by_text("3 selected")).to_be_visible()
    edna.get_by_label(f"Select claim {kept.pk}").uncheck()
    expect(edna.get_by_text("2 selected")).to_be_visible()
    edna.get_by_label("With the selected claims").select_option("dismiss")
    edna.get_by_label("Reason").fill("Opinion, not a checkable claim.")
    edna.get_by_role("button", name="Apply to selected").click()

    expect(edna.get_by_text("Dismissed 2 claims.")).to_be_visible()
    # Dismissed claims leave the default (open) view of the queue; "all" still lists them.
    expect(edna.locator("tr[data-claim]")).to_have_count(1)
    expect(edna.locator(f'tr[data-claim="{kept.pk}"] .pill')).to_have_text("New")
    edna.goto(f"{edna.url.split('?')[0]}?status=all")
    for claim in opinions:
        expect(edna.locator(f'tr[data-claim="{claim.pk}"] .pill')).to_have_text("Dismissed")
    assert bar_value(edna, "Claims by status", "Dismissed") == "2"
    edna.screenshot(path=screenshots / "queue-after-bulk.png", full_page=True)
