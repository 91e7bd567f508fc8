"""The dashboard in a real browser: headless Chromium drives the pages a fact-check desk uses.

Each test serves the app with pytest-django's ``live_server`` and logs people in
through the login form, one browser context per person. A screenshot of every
page is kept (in FACTCHECK_SCREENSHOTS when set, else ``artifacts/`` in pytest's
temporary directory; the run's summary prints the folder).
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

from .conftest import ARTIFACTS, CHROMIUM, SEED_DIR

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


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def screenshots(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("FACTCHECK_SCREENSHOTS") or tmp_path_factory.getbasetemp() / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    request.config.stash[ARTIFACTS] = folder
    return folder


@pytest.fixture
def open_as(chromium: Browser, live_server: Any) -> Iterator[Callable[[User], Page]]:
    """A browser window logged in as a person, through the login form."""
    contexts = []

    def open_for(user: User, viewport: dict[str, int] = DESKTOP) -> Page:
        context = chromium.new_context(base_url=live_server.url, viewport=viewport)  # type: ignore[arg-type]
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
        page.get_by_label("User name").fill(user.get_username())
        page.get_by_label("Password").fill("pw-" + user.get_username())
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(live_server.url + "/")
        # Deferred scripts (htmx, the queue's keys) have run once the page has loaded.
        page.wait_for_load_state("load")
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


def assert_fits(page: Page) -> None:
    """No horizontal scroll: the document is no wider than the window."""
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"{page.url} is {width} px wide in a {viewport} px window"


def shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=folder / f"{name}.png", full_page=True)


def test_an_editor_finds_the_queue_first_the_charts_on_statistics_a_claim_in_context_and_its_article(
    open_as: Callable[..., Page], editor: User, newsroom: list[Article], screenshots: Path
) -> None:
    live = Claim.objects.filter(merged_into__isnull=True)
    page = open_as(editor)

    expect(page.locator("tr[data-claim]")).to_have_count(min(live.count(), 25))
    expect(page.locator("svg[aria-label^='Claims by status']")).to_have_count(0)
    expect(page.get_by_role("button", name="Apply to selected")).to_be_visible()
    shoot(page, screenshots, "queue")

    page.get_by_role("link", name="Statistics").click()
    for title in (
        "Backlog by status per day",
        "Verdicts per day",
        "Claims found per day",
        "Ratings given",
        "Claims by status",
        "Claims per outlet",
        "Articles waiting",
    ):
        expect(chart(page, title)).to_be_visible()
    assert bar_value(page, "Claims by status", "New") == str(live.count())
    backlog_today = chart(page, "Backlog by status per day").locator("g.column").last
    assert backlog_today.get_attribute("data-value") == str(live.count())
    assert bar_value(page, "Claims per outlet", "Bloomberg") == str(
        live.filter(appearances__article__outlet__name="Bloomberg").distinct().count()
    )
    shoot(page, screenshots, "statistics")

    page.goto("/")
    page.locator("tr[data-claim] td.claim-text a").first.click()
    expect(page).to_have_url(re.compile(r"/claims/\d+/$"))
    expect(page.locator("#sources mark.said").first).to_be_visible()
    expect(page.locator("#sources .outlet-sources").first).to_contain_text("publication date unknown")
    expect(page.locator('tr[data-action="created"]')).to_have_count(1)
    expect(page.get_by_text(re.compile(r"version \d"))).to_have_count(0)
    shoot(page, screenshots, "claim")

    page.locator("#sources .source-meta a").first.click()
    expect(page).to_have_url(re.compile(r"/articles/\d+/$"))
    expect(page.locator("mark.claim").first).to_be_visible()
    removed = page.locator("details[data-removed]")
    expect(removed.locator("span.removed").first).to_be_hidden()
    removed.get_by_text(re.compile(r"^Show removed lines")).click()
    expect(removed.locator("span.removed").first).to_be_visible()
    expect(page.get_by_text("extractor")).to_have_count(0)
    shoot(page, screenshots, "article")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_whole_review_a_reviewer_disputes_and_an_editor_approves_from_awaiting_my_approval(
    open_as: Callable[..., Page],
    reviewer: User,
    editor2: User,
    newsroom: list[Article],
    screenshots: Path,
    viewport: dict[str, int],
) -> None:
    size = "phone" if viewport == PHONE else "desktop"
    top = Claim.objects.filter(status=Claim.Status.NEW).order_by("-priority", "-id").first()
    assert top is not None
    rita = open_as(reviewer, viewport)
    expect(rita.get_by_role("button", name="Apply to selected")).to_have_count(0)
    first_row = rita.locator("tr[data-claim]").first.bounding_box()
    assert first_row is not None and first_row["y"] < viewport["height"], (
        "the list starts on the first screen"
    )
    assert_fits(rita)
    shoot(rita, screenshots, f"{size}-queue")

    rita.get_by_role("button", name="Take the next claim").click()
    expect(rita).to_have_url(re.compile(rf"/claims/{top.pk}/$"))
    expect(rita.get_by_text("with rita")).to_be_visible()
    expect(rita.get_by_text("A verdict needs at least one primary source")).to_be_visible()
    assert_fits(rita)

    # The evidence form is open on a claim in review: no click to find it.
    rita.get_by_label("Link to the source").fill("https://stats.example.org/trade-2024.csv")
    rita.get_by_label("Title").fill("Customs trade statistics, 2024")
    rita.get_by_label("Primary source").check()
    rita.get_by_label("This source refutes the claim").check()
    rita.get_by_label("Accessed on").fill("2026-01-05")
    rita.get_by_role("button", name="Add evidence").click()
    expect(rita.get_by_text("Added a primary source from stats.example.org.")).to_be_visible()
    expect(rita.locator("[data-primary-sources]")).to_contain_text("Customs trade statistics, 2024")

    rita.get_by_label("False: Not accurate").check()
    rita.get_by_label("Rationale").fill("Customs data put the 2024 total at $228bn, not $245bn.")
    rita.get_by_role("button", name="Propose verdict").click()
    expect(rita.get_by_text(re.compile(r"^Sent to an editor for approval\."))).to_be_visible()
    expect(rita.locator(".pill.awaiting_approval").first).to_be_visible()
    expect(rita.get_by_role("button", name="Approve and publish")).to_have_count(0)
    expect(rita.get_by_role("button", name="Take the next claim")).to_be_visible()
    assert_fits(rita)
    shoot(rita, screenshots, f"{size}-claim-proposed")

    eddie = open_as(editor2, viewport)
    eddie.get_by_role("link", name=re.compile(r"^Awaiting my approval")).click()
    expect(eddie.locator('[data-count="approvals"]')).to_have_text("1")
    assert_fits(eddie)
    shoot(eddie, screenshots, f"{size}-awaiting-approval")
    eddie.locator(f'tr[data-claim="{top.pk}"] a').click()
    eddie.get_by_role("button", name="Approve and publish").click()
    expect(eddie.get_by_text("Verdict approved and published: False (disputed).")).to_be_visible()
    expect(eddie.locator("p", has_text="verdict disputed")).to_be_visible()
    expect(eddie.locator('[data-count="approvals"]')).to_have_count(0)
    story = eddie.locator("tr[data-action]")
    expect(story).to_have_count(5)
    expect(story.nth(1)).to_contain_text("Took it from the queue")
    expect(story.nth(2)).to_contain_text("Added a primary source (refutes): stats.example.org")
    expect(story.nth(3)).to_contain_text("Proposed the verdict “disputed”")
    expect(story.nth(4)).to_contain_text("Approved the verdict “disputed”")
    assert_fits(eddie)
    shoot(eddie, screenshots, f"{size}-claim-disputed")

    claim = Claim.objects.get(pk=top.pk)
    assert (claim.status, claim.verdict) == (Claim.Status.DISPUTED, "disputed")
    assert Evidence.objects.get(claim=claim).primary


def test_a_reviewer_works_the_queue_from_the_keyboard_without_a_page_load(
    open_as: Callable[..., Page], reviewer: User, make_claim: Any, screenshots: Path
) -> None:
    claims = [make_claim(f"Exports rose {n}% in May, the ministry said.", priority=90 - n) for n in range(3)]
    rita = open_as(reviewer)
    rita.evaluate("window.sameDocument = true")

    rita.keyboard.press("?")
    expect(rita.locator("dialog#shortcuts")).to_be_visible()
    expect(rita.locator("dialog#shortcuts")).to_contain_text("take the selected claim")
    shoot(rita, screenshots, "keyboard-help")
    rita.keyboard.press("Escape")
    expect(rita.locator("dialog#shortcuts")).to_be_hidden()

    rita.keyboard.press("j")
    rita.keyboard.press("j")
    second = rita.locator(f'tr[data-claim="{claims[1].pk}"]')
    expect(second).to_have_class(re.compile(r"\bcurrent\b"))
    rita.keyboard.press("t")
    expect(second.locator("td.assignee")).to_contain_text("you")
    expect(second.locator(".pill")).to_have_text("In review")
    assert rita.evaluate("window.sameDocument") is True, "the row was swapped, not the page reloaded"
    assert Claim.objects.get(pk=claims[1].pk).assignee == reviewer

    rita.get_by_label("Status").select_option("in_review")
    expect(rita.locator("tr[data-claim]")).to_have_count(1)
    expect(rita).to_have_url(re.compile(r"status=in_review"))
    assert rita.evaluate("window.sameDocument") is True, "filtering swapped the results in place"

    rita.keyboard.press("j")
    rita.keyboard.press("o")
    expect(rita).to_have_url(re.compile(rf"/claims/{claims[1].pk}/$"))
    shoot(rita, screenshots, "keyboard-opened")


def test_every_page_fits_a_phone_without_sideways_scrolling(
    open_as: Callable[..., Page],
    editor: User,
    reviewer: User,
    newsroom: list[Article],
    make_claim: Any,
    screenshots: Path,
) -> None:
    from claims import workflow
    from claims.actors import Actor

    claim = Claim.objects.filter(status=Claim.Status.NEW).order_by("-priority").first()
    assert claim is not None
    workflow.do_take(claim_id=claim.pk, version=claim.version, actor=Actor(user=editor))
    edna = open_as(editor, PHONE)
    pages = {
        "queue": "/",
        "queue-all": "/?status=all",
        "statistics": "/stats/",
        "my-claims": "/mine/",
        "awaiting-approval": "/approvals/",
        "claim": f"/claims/{claim.pk}/",
        "article": f"/articles/{newsroom[0].pk}/",
        "not-found": "/claims/999999/",
    }
    for name, url in pages.items():
        edna.goto(url)
        assert_fits(edna)
        shoot(edna, screenshots, f"phone-{name}")


def test_article_text_with_script_and_event_handlers_renders_inert(
    open_as: Callable[..., Page], reviewer: User, ingest: Callable[..., Article], screenshots: Path
) -> None:
    body = (
        "Exports to China rose 12% in 2025, the customs office said on Monday.\n"
        '<script>window.pwned = "script"</script>\n'
        '<img src="x" onerror="window.pwned = 1"> The trade surplus reached $45 billion last year.\n'
    )
    article = ingest(body, outlet="Daily Ledger", title='Trade <b onmouseover="window.pwned=1">figures</b>')
    claim = Claim.objects.filter(appearances__article=article, text__contains="surplus").first()
    rita = open_as(reviewer)

    rita.goto(f"/articles/{article.pk}/")
    expect(rita.locator(".article-text")).to_contain_text('<img src="x" onerror="window.pwned = 1">')
    expect(rita.locator(".article-text img")).to_have_count(0)
    removed = rita.locator("details[data-removed]")
    removed.get_by_text(re.compile(r"^Show removed lines")).click()
    expect(removed).to_contain_text('<script>window.pwned = "script"</script>')
    expect(rita.locator("main script")).to_have_count(0)
    expect(rita.locator("h2")).to_contain_text("Trade <b onmouseover")
    shoot(rita, screenshots, "article-inert")
    assert rita.evaluate("window.pwned") is None
    assert claim is not None
    rita.goto(f"/claims/{claim.pk}/")
    expect(rita.locator("#sources")).to_contain_text("Trade <b onmouseover")
    expect(rita.locator("#sources img, #sources b")).to_have_count(0)
    assert rita.evaluate("window.pwned") is None


def test_a_reviewer_has_no_bulk_controls_and_an_editor_dismisses_claims_in_bulk(
    open_as: Callable[..., Page],
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
    shoot(rita, screenshots, "queue-reviewer")

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
    shoot(edna, screenshots, "queue-after-bulk")
    edna.goto("/stats/")
    assert bar_value(edna, "Claims by status", "Dismissed") == "2"


def test_a_reviewer_promotes_an_opinion_kept_out_of_the_queue_in_place(
    open_as: Callable[..., Page], reviewer: User, ingest: Callable[..., Article], screenshots: Path
) -> None:
    opinion = "We must stop the war that has cost this country trillions of dollars, the governor said."
    article = ingest(
        "Unemployment fell to 3.5% in March, the lowest rate since 1969, the Labor Department said.\n\n"
        + opinion,
        outlet="Daily Example",
    )
    rita = open_as(reviewer, PHONE)
    rita.goto(f"/articles/{article.pk}/")
    rita.evaluate("window.sameDocument = true")
    row = rita.locator("#not-in-queue li", has_text=opinion)
    expect(row).to_contain_text("kept out of the queue: opinion")
    assert_fits(rita)
    shoot(rita, screenshots, "article-kept-out")

    row.get_by_role("button", name="Promote to queue").click()

    promoted = rita.locator("#not-in-queue li[data-promoted]")
    expect(promoted).to_contain_text("promoted by rita: was kept out as opinion")
    assert rita.evaluate("window.sameDocument") is True, (
        "the sentence's row was swapped, not the page reloaded"
    )
    promoted.get_by_role("link").click()
    expect(rita).to_have_url(re.compile(r"/claims/\d+/$"))
    expect(rita.locator("#sources [data-promoted]")).to_contain_text(
        "promoted by rita: was kept out as opinion"
    )
    shoot(rita, screenshots, "claim-promoted")
