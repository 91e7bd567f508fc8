"""Turn a scraped article into clean story text and a list of what was dropped.

HTML goes through trafilatura first (:mod:`.html`); the plain-text result
then goes through the same boilerplate filter as plain-text input. The filter
judges lines that look like boilerplate, never a paragraph of prose: a line of
more than ``LONG_LINE_WORDS`` words (a story delivered as one paragraph, as
many feeds and CMS exports do) is cut into its sentences first and each
sentence is judged on its own, by rules that take a sentence of prose for
story unless it addresses the reader. It looks at signals that do not depend
on one outlet's wording:

* a line repeated inside the article, or listed in ``outlet_lines`` (lines the
  outlet prints in many other articles);
* call-to-action vocabulary (subscribe, sign up/in, register, donate, support
  us, newsletter, unlock, create an account, share, comment forms...);
* shape: all-caps banners, short unpunctuated fragments, bullet lists that
  hang off a call to action (an item that is a full sentence is story),
  photo captions/credits, syndication footers;
* position: once a run of boilerplate starts near the end of the story and
  nothing story-like follows, the whole tail is dropped (donation appeals,
  newsletter blurbs, "read more" menus).

When the filter would leave less than ``MIN_PROSE_SHARE`` of the article's
prose (full sentences), it keeps the prose it would have dropped and says so
in a note: losing a story costs the desk more than a stray appeal.

Every dropped line is reported as a :class:`RemovedBlock` with a readable
reason. Kept lines are joined with a blank line between paragraphs, list
items without their bullets. The work is linear in the input size and
deterministic.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from .boilerplate_words import (
    APPEAL_RE,
    BYLINE_RE,
    CONTACT_RE,
    CREDIT_END_RE,
    CREDIT_START_RE,
    CTA_RE,
    CTA_TRIGGERS,
    IMPERATIVE_RE,
    READER_RE,
    REPORTED_RE,
    SYNDICATION_FIRST,
    SYNDICATION_RE,
)
from .html import (
    MAX_HTML_ATTRIBUTES,
    MAX_HTML_CHARS,
    MAX_HTML_CHILDREN,
    MAX_HTML_ELEMENTS,
    HtmlRefused,
    html_to_text,
    limit_html,
)
from .sentences import split_spans
from .types import RemovedBlock

__all__ = [
    "MAX_HTML_ATTRIBUTES",
    "MAX_HTML_CHARS",
    "MAX_HTML_CHILDREN",
    "MAX_HTML_ELEMENTS",
    "HtmlRefused",
    "clean",
    "clean_text",
    "html_to_text",
    "limit_html",
    "line_key",
]

#: A line longer than this is cut into sentences before it is judged.
LONG_LINE_WORDS = 40
#: Below this share of the prose's words kept, the filter keeps all the prose.
MIN_PROSE_SHARE = 0.25
#: A sentence of at least this many words that ends like one counts as prose.
PROSE_WORDS = 8

# ------------------------------------------------------------------ line keys

_KEY_WORD_RE = re.compile(r"[^\W\d_]+")
# Non-ASCII characters that are neither letters nor decompose into letters (quotes, dashes...).
_PLAIN_PUNCT = "’‘“”—–…«»•·\u00a0"
# A character that may be (or normalise into) a letter outside ASCII.
_OTHER_CHAR_RE = re.compile(rf"[^\x00-\x7f{_PLAIN_PUNCT}]")
# Byte table keeping ASCII letters and turning every other byte into a space.
_LETTER_BYTES = bytes(c if 65 <= c <= 90 or 97 <= c <= 122 else 32 for c in range(256))


def line_key(line: str) -> str:
    """Normalised form of a line, used to spot lines an outlet repeats across articles.

    Case, punctuation, compatibility forms (NFKC) and spacing are ignored and
    digits are dropped, so "23 comments" and "4 comments" share a key, as do
    "Article content" and "ARTICLE CONTENT:".
    """
    s = line.casefold()
    if s.isascii() or not _OTHER_CHAR_RE.search(s):
        # letters are ASCII only: the words are the runs of ASCII letters in the UTF-8 bytes
        return b" ".join(s.encode("utf-8").translate(_LETTER_BYTES).split()).decode("ascii")
    if not unicodedata.is_normalized("NFKC", s):
        s = unicodedata.normalize("NFKC", s).casefold()
    return " ".join(_KEY_WORD_RE.findall(s))


_BULLET_RE = re.compile(r"^\s*(?:[-–—•·*▪►✓✔☐■□○●]|\d{1,2}[.)])\s+")
_TERMINAL_CHARS = frozenset(".!?…:;\"”’')]。！？」』）")


def _terminal(text: str) -> bool:
    """Does the (stripped) line end like a sentence or a quotation?"""
    return text.rstrip()[-1:] in _TERMINAL_CHARS


_LETTER_RE = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_QUOTE_CHARS = '“”"«»'

_SPACE_CHARS_RE = re.compile(r"[\t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_MULTISPACE_RE = re.compile(r" {2,}")
_INVISIBLE_RE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# any character that needs one of the substitutions below (one scan instead of three)
_ODD_CHAR_RE = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f\u00a0\u00ad\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff]"
)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


# Han, kana and hangul: scripts written without spaces between words
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _count_words(text: str) -> int:
    """Words of a line; in scripts without spaces, one per two characters (a Japanese word's average)."""
    n = len(text.split())
    if text.isascii():
        return n
    return max(n, len(_CJK_RE.findall(text)) // 2)


@dataclass(slots=True)
class _Line:
    text: str
    key: str
    words: int
    para: int = 0  # index of the input line it comes from
    part: bool = False  # a sentence cut out of a longer line
    bullet: bool = False  # a list item (its bullet removed from ``text``)
    reason: str = ""  # non-empty when marked as boilerplate
    strong: bool = False  # boilerplate by its own content (not just by neighbourhood)


def normalise_text(body: str) -> str:
    """Unify newlines and spaces, drop invisible and control characters."""
    s = body
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    if _ODD_CHAR_RE.search(s):
        s = s.replace("\u2028", "\n").replace("\u2029", "\n\n")
        s = _INVISIBLE_RE.sub("", s)
        s = _CONTROL_RE.sub(" ", s)
        s = _SPACE_CHARS_RE.sub(" ", s)
    if "  " in s:
        s = _MULTISPACE_RE.sub(" ", s)
    return s


def _unwrap_hard_wrapped(lines: list[str]) -> list[str]:
    """Join lines of hard-wrapped text (fixed-width e-mail style) back into paragraphs."""
    nonblank = [ln.strip() for ln in lines if ln.strip()]
    if len(nonblank) < 6:
        return lines
    # a wrapped line stops mid-sentence and the next line carries on in lower case
    carried = sum(
        1
        for a, b in itertools.pairwise(nonblank)
        if 40 <= len(a) <= 100 and not _terminal(a) and b[:1].islower()
    )
    if carried < 0.3 * len(nonblank):
        return lines
    out: list[str] = []
    buf: list[str] = []
    for ln in lines:
        if ln.strip():
            buf.append(ln.strip())
        elif buf:
            out.append(" ".join(buf))
            buf = []
    if buf:
        out.append(" ".join(buf))
    return out


def _is_all_caps(text: str) -> bool:
    if text.upper() == text:
        return sum(1 for c in text if c.isupper()) >= 8
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 8:
        return False
    return sum(1 for c in letters if c.isupper()) >= 0.8 * len(letters)


def _looks_like_credit(text: str, words: int) -> bool:
    if words > 25:
        return False
    if CREDIT_START_RE.search(text):
        return True
    if words > 20 or _terminal(text):
        return False
    # "Caption. Credit Name" : the last dot-separated segment is a short title-case phrase.
    if ". " in text or " | " in text or " / " in text:
        tail = re.split(r"\. | \| | / ", text)[-1]
        tw = tail.split()
        if (
            1 <= len(tw) <= 5
            and all(w[:1].isupper() or not w[:1].isalpha() for w in tw)
            and any(w[:1].isupper() for w in tw)  # "Takes effect Oct. 1" is no credit
        ):
            return True
    return bool(CREDIT_END_RE.search(text)) and words <= 12


def _classify(
    line: _Line, counts: Counter[str], outlet: Collection[str], seen: set[str], extracted: bool = False
) -> None:
    t = line.text
    key = line.key
    if not key:
        line.reason, line.strong = "no words", True
        return
    if key in outlet:
        line.reason, line.strong = "line printed in many articles of this outlet", True
        return
    if t[0] in SYNDICATION_FIRST and SYNDICATION_RE.search(t):
        line.reason, line.strong = "syndication or copyright footer", True
        return
    low = t.lower()
    cta = _cta(t, key)
    terminal = _terminal(t)
    if line.part or extracted:
        _classify_sentence(line, counts, seen, cta, banners=not extracted)
        return
    if counts[key] > 1:
        if line.words <= 12 or cta or line.bullet or key in seen:
            line.reason, line.strong = "line repeated within the article", True
            seen.add(key)
            return
        seen.add(key)
    if cta and (line.words <= 40 or len(CTA_RE.findall(low)) >= 2) and (not _prose(line) or _prompt(t, low)):
        line.reason, line.strong = f"call to action ({cta.group(0).lower()})", True
        return
    if line.words <= 8 and IMPERATIVE_RE.search(t):
        line.reason, line.strong = "call to action", True
        return
    if line.words <= 40 and "“" not in t and '"' not in t and CONTACT_RE.search(t):
        line.reason, line.strong = "author's note", True
        return
    if line.words <= 20 and _is_all_caps(t):
        line.reason, line.strong = "all-caps banner", True
        return
    if _looks_like_credit(t, line.words):
        line.reason, line.strong = "photo caption or credit", True
        return
    if not terminal and line.words <= 10 and BYLINE_RE.match(t):
        line.reason, line.strong = "byline or timestamp", True
        return
    if not terminal and line.words <= 3:
        line.reason, line.strong = "short fragment without punctuation", True
        return
    if terminal and line.words <= 2 and not any(q in t for q in _QUOTE_CHARS):
        line.reason = "short fragment"
        line.strong = True
        return


def _cta(text: str, key: str) -> re.Match[str] | None:
    """The call-to-action words of a line, if any; a quotation with one is story, not a prompt."""
    if CTA_TRIGGERS.isdisjoint(key.split()):
        return None
    low = text.lower()
    cta = CTA_RE.search(low)
    if cta and ("“" in text or '"' in text) and len(CTA_RE.findall(low)) < 2:
        return None  # ("We will support our allies," she said)
    return cta


def _split_prompted_paragraphs(lines: list[_Line], counts: Counter[str], seen: set[str]) -> list[_Line]:
    """A short paragraph dropped as a call to action that also reports news is judged sentence by sentence.

    "You can sign up at city hall, the mayor said. The program has enrolled
    12,000 residents." loses the prompt, not the figure. Only paragraphs in
    reported speech (said, according to...) with a sentence of prose that
    neither prompts, appeals nor speaks to the reader are cut, so an appeal or a
    promotion ("Download the app. The app is free and has 2 million users.")
    still goes whole.
    """
    out: list[_Line] = []
    for ln in lines:
        if ln.part or not ln.reason.startswith("call to action"):
            out.append(ln)
            continue
        spans = split_spans(ln.text)
        parts = [
            _Line(s, line_key(s), _count_words(s), para=ln.para, part=True)
            for s in (ln.text[a:b] for a, b in spans)
        ]
        reported = any(REPORTED_RE.search(part.text.lower()) for part in parts)
        if len(parts) < 2 or not reported or not any(_reports_news(part) for part in parts):
            out.append(ln)
            continue
        for part in parts:
            _classify_sentence(part, counts, seen, _cta(part.text, part.key))
        out.extend(parts)
    return out


def _reports_news(line: _Line) -> bool:
    """A sentence of prose with no call to action, no appeal, that does not speak to the reader."""
    text = line.text
    return (
        _prose(line)
        and _cta(text, line.key) is None
        and not READER_RE.search(text)
        and not _appeal_like(line)
    )


def _prompt(text: str, low: str) -> bool:
    """Does a line with call-to-action words speak to the reader, open with an imperative or prompt twice?

    Reported speech is story: "the plan costs $15 per month, the company said; subscriptions fell".
    """
    if READER_RE.search(text) or IMPERATIVE_RE.search(text):
        return True
    return len(CTA_RE.findall(low)) >= 2 and not REPORTED_RE.search(low)


def _classify_sentence(
    line: _Line, counts: Counter[str], seen: set[str], cta: re.Match[str] | None, *, banners: bool = True
) -> None:
    """Judge a sentence of a long line, or a line an article extractor kept: story unless it prompts.

    A later copy of a sentence is dropped, never the first (an extracted line
    repeats when the story does: the same question put to each person
    interviewed); a call to action needs the reader addressed ("your inbox"),
    an imperative opening ("Sign up ...") or two prompts, so "plans cost $10
    per month, the company said" stays. Short
    lines, list items and headings are not judged by their shape: an article
    extractor kept them as part of the story (``banners`` off).
    """
    t = line.text
    if line.part and counts[line.key] > 1:
        if line.key in seen:
            line.reason, line.strong = "sentence repeated within the article", True
            return
        seen.add(line.key)
    if cta and (not _prose(line) or _prompt(t, t.lower())):
        line.reason, line.strong = f"call to action ({cta.group(0).lower()})", True
        return
    if not line.part and line.words <= 8 and IMPERATIVE_RE.search(t):  # "Watch the highlights"
        line.reason, line.strong = "call to action", True
        return
    if not line.part and line.words <= 40 and "“" not in t and '"' not in t and CONTACT_RE.search(t):
        line.reason, line.strong = "author's note", True
        return
    if banners and line.words <= 20 and _is_all_caps(t):
        line.reason, line.strong = "all-caps banner", True
        return
    if _looks_like_credit(t, line.words):
        line.reason, line.strong = "photo caption or credit", True
        return
    if not _terminal(t) and line.words <= 10 and BYLINE_RE.match(t):
        line.reason, line.strong = "byline or timestamp", True


def _prose(line: _Line) -> bool:
    """A full sentence (or a paragraph of them): what a story is made of."""
    return line.words >= PROSE_WORDS and _terminal(line.text) and not _label_like(line)


def _appeal_like(line: _Line) -> bool:
    """Prose that addresses the reader (donation appeals, 'about us' blurbs)."""
    text = line.text
    appeal: bool | None = None
    if any(q in text for q in _QUOTE_CHARS):
        appeal = APPEAL_RE.search(text) is not None
        if not appeal:
            return False
    if len(READER_RE.findall(text)) >= max(2, 0.06 * line.words):
        return True
    return appeal if appeal is not None else APPEAL_RE.search(text) is not None


def _label_like(line: _Line) -> bool:
    """A short title-case line ("Our Standards: The Trust Principles.") rather than a sentence."""
    if line.words > 10:
        return False
    words = line.text.split()
    lower = sum(1 for w in words if w[:1].islower())
    return lower < 0.4 * len(words)


def _mark_bullets(lines: list[_Line]) -> None:
    """A run of list items directly under a boilerplate line is boilerplate too (plan features...)."""
    i = 0
    n = len(lines)
    while i < n:
        if lines[i].bullet:
            j = i
            while j < n and lines[j].bullet:
                j += 1
            run = lines[i:j]
            before = lines[i - 1] if i > 0 else None
            after = lines[j] if j < n else None
            cta_in_run = sum(1 for ln in run if ln.reason)
            headed = _hangs_off(before)
            hanging = headed or _hangs_off(after)
            if hanging or cta_in_run * 2 >= len(run):
                # An item that is a full sentence is story; so is a short one ("The vote was 74-24.")
                # in a list that is only followed by boilerplate (a share link), with no prompt in it.
                # Under a boilerplate header ("Why subscribe?", "Related stories") only prose stays.
                keep = _prose if cta_in_run or headed else _sentence_item
                for ln in run:
                    if not ln.reason and not keep(ln):
                        ln.reason = "list item in a boilerplate block"
            i = j
        else:
            i += 1


def _hangs_off(line: _Line | None) -> bool:
    """Does a list next to this line belong to it as boilerplate? Not a bare heading ("Key facts:")."""
    return line is not None and bool(line.reason) and line.reason != "short fragment"


def _sentence_item(line: _Line) -> bool:
    """A list item that is a sentence of its own: three words or more, ending like one."""
    return line.words >= 3 and _terminal(line.text) and not line.text.rstrip().endswith(":")


def _mark_tail(lines: list[_Line]) -> None:
    """Drop everything after the story ends: a boilerplate line followed only by boilerplate or appeals."""
    n = len(lines)
    if n == 0:
        return
    total = sum(len(ln.text) for ln in lines) or 1
    prefix = 0
    first = -1
    for i, ln in enumerate(lines):
        if ln.strong and prefix >= 0.3 * total:
            first = i
            break
        prefix += len(ln.text)
    if first < 0:
        return
    # story characters from position i to the end (lines that are neither boilerplate nor appeals)
    story_after = [0] * (n + 1)
    tail_chars = [0] * (n + 1)
    for i in range(n - 1, first - 1, -1):
        ln = lines[i]
        story = 0 if (ln.reason or _label_like(ln) or _appeal_like(ln)) else len(ln.text)
        story_after[i] = story_after[i + 1] + story
        tail_chars[i] = tail_chars[i + 1] + len(ln.text)
    for i in range(first, n):
        if lines[i].strong and story_after[i] <= 0.1 * tail_chars[i]:
            for rest in lines[i:]:
                if not rest.reason:
                    rest.reason = "after the end of the story"
            return


def _units(raw_lines: list[str]) -> list[_Line]:
    """The lines to judge: list items without their bullets, long lines cut into sentences."""
    lines: list[_Line] = []
    for para, raw in enumerate(raw_lines):
        t = raw.strip()
        if not t:
            continue
        bullet = _BULLET_RE.match(t)
        if bullet and bullet.end() < len(t):
            t = t[bullet.end() :]
        words = _count_words(t)
        spans = split_spans(t) if words > LONG_LINE_WORDS else []
        if len(spans) > 1:
            for s, e in spans:
                sent = t[s:e]
                lines.append(_Line(sent, line_key(sent), _count_words(sent), para=para, part=True))
        else:
            lines.append(_Line(t, line_key(t), words, para=para, bullet=bullet is not None))
    return lines


def _keep_prose(lines: list[_Line]) -> str:
    """Keep the prose back when the filter would leave less than ``MIN_PROSE_SHARE`` of it; a note says so."""
    prose = [ln for ln in lines if _prose(ln)]
    total = sum(ln.words for ln in prose)
    kept = sum(ln.words for ln in prose if not ln.reason)
    if not total or kept >= MIN_PROSE_SHARE * total:
        return ""
    back = [ln for ln in prose if ln.reason and not ln.reason.startswith(_NEVER_KEPT)]
    if not back:
        return ""
    for ln in back:
        ln.reason = ""
    share = round(100 * kept / total)
    return (
        f"kept {len(back):,} passage{'s' if len(back) > 1 else ''} of prose that looked like boilerplate: "
        f"removing them would have left {share}% of the article's prose"
    )


# Dropped for what they are, whatever their share: the outlet's own furniture and exact repeats.
_NEVER_KEPT = ("line printed in many articles", "syndication", "line repeated", "sentence repeated")


def clean_text(
    body: str,
    outlet_lines: Collection[str] = (),
    notes: list[str] | None = None,
    *,
    extracted: bool = False,
) -> tuple[str, list[RemovedBlock]]:
    """Remove boilerplate lines from plain text; return (clean text, removed blocks).

    ``extracted``: the text is what an article extractor kept of a page
    (trafilatura on HTML), whose menus, lists of links and widgets are gone
    already; only prompts, the outlet's repeated lines, footers, credits and
    the tail after the story are dropped. A note is appended to ``notes`` when
    prose that looked like boilerplate was kept.
    """
    raw_lines = normalise_text(body).split("\n")
    raw_lines = _unwrap_hard_wrapped(raw_lines)
    lines = _units(raw_lines)
    counts = Counter(ln.key for ln in lines)
    outlet = outlet_lines if isinstance(outlet_lines, (set, frozenset, dict)) else frozenset(outlet_lines)
    seen: set[str] = set()
    for ln in lines:
        _classify(ln, counts, outlet, seen, extracted)
    lines = _split_prompted_paragraphs(lines, counts, seen)
    if not extracted:
        _mark_bullets(lines)
    _mark_tail(lines)
    note = _keep_prose(lines)
    if note and notes is not None:
        notes.append(note)

    paragraphs: list[list[str]] = []
    last_para = -1
    groups: list[tuple[str, list[str]]] = []  # consecutive removed lines with the same reason
    for ln in lines:
        if ln.reason:
            if groups and groups[-1][0] == ln.reason:
                groups[-1][1].append(ln.text)
            else:
                groups.append((ln.reason, [ln.text]))
        elif ln.para == last_para:
            paragraphs[-1].append(ln.text)
        else:
            paragraphs.append([ln.text])
            last_para = ln.para
    removed = [RemovedBlock("\n".join(texts), reason) for reason, texts in groups]
    return "\n\n".join(" ".join(p) for p in paragraphs), removed


def clean(
    body: str,
    fmt: str = "text",
    outlet_lines: Collection[str] = (),
    notes: list[str] | None = None,
) -> tuple[str, list[RemovedBlock]]:
    """Clean story text and removed blocks of a text or HTML body.

    HTML over the limits of :mod:`.html` raises :class:`HtmlRefused`; a note on
    what the limits dropped, or on prose kept although it looked like
    boilerplate, is appended to ``notes``.
    """
    if fmt == "html":
        body, note = limit_html(body)
        if note and notes is not None:
            notes.append(note)
        return clean_text(html_to_text(body), outlet_lines, notes, extracted=True)
    return clean_text(body, outlet_lines, notes)
