"""Turn a scraped article into clean story text and a list of what was dropped.

HTML goes through trafilatura (precision-oriented) first, once
:func:`limit_html` has bounded its size, its number of elements and the
attributes of each element; the plain-text result then goes through the same
line-level boilerplate filter as plain-text input. The filter looks at
signals that do not depend on one outlet's wording:

* a line repeated inside the article, or listed in ``outlet_lines`` (lines the
  outlet prints in many other articles);
* call-to-action vocabulary (subscribe, sign up/in, register, donate, support
  us, newsletter, unlock, create an account, share, comment forms...);
* shape: all-caps banners, short unpunctuated fragments, bullet lists that
  hang off a call to action, photo captions/credits, syndication footers;
* position: once a run of boilerplate starts near the end of the story and
  nothing story-like follows, the whole tail is dropped (donation appeals,
  newsletter blurbs, "read more" menus).

Every dropped line is reported as a :class:`RemovedBlock` with a readable
reason. Kept lines are joined with a blank line between paragraphs. The work
is linear in the input size and deterministic.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from .types import RemovedBlock

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


# ---------------------------------------------------------------- vocabulary

# Matched against the lower-cased line (a case-insensitive pattern is several times slower).
_CTA_RE = re.compile(
    r"\b(?:"
    r"subscrib\w*|subscription\w*|paywall|premium (?:content|access|article)|"
    r"sign(?:ing)?[ -]?(?:up|in|on)\b|log(?:ging)?[ -]?(?:in|on)\b|register(?:ed|ing)?\b|registration|"
    r"create (?:an|your|a free) account|(?:your|one|free) account\b|already (?:a member|have an account)|"
    r"unlock\w*|unlimited (?:access|reading|digital)|(?:get|gain) (?:full|instant|unlimited) access|"
    r"enjoying (?:this|our) (?:article|story|journalism)|for the first month|free trial|cancel any ?time|"
    r"per (?:month|week|year)\b|/\s?(?:mo|month|week|year)\b|"
    r"newsletters?\b|inbox|mailbox|e-?mail updates|"
    r"donat\w*|support (?:us|our|independent|quality|the work)|supporting (?:us|our|the)|"
    r"become a (?:member|patron|supporter)|make a (?:contribution|gift)|contribution|"
    r"follow us|share (?:this|on|via|your thoughts)|click here|tap here|read more\b|read next|"
    r"more from\b|recommended (?:for you|stories|articles)|related (?:stories|articles|content|posts)|"
    r"most (?:read|popular)|trending now|"
    r"leave a (?:reply|comment)|post (?:a )?comment|comments? (?:are|is) (?:closed|moderated)|"
    r"email address will not be published|required fields are marked|cancel reply|"
    r"save my name|join the (?:conversation|discussion)|"
    r"cookies?\b|privacy policy|terms (?:of|and) (?:use|service|conditions)|all rights reserved|"
    r"advertisement|sponsored content|"
    r"dear readers?|a message from|thank you for (?:reading|your support|standing)|"
    r"download (?:our|the) app|get the app|listen to (?:this|the) (?:article|story)|"
    r"remind me later|not ready to"
    r")",
)
_SYNDICATION_RE = re.compile(
    r"^(?:the post\b.{1,300}\bappeared first on\b|this (?:article|story) (?:was |is )?(?:originally |first )?"
    r"(?:published|appeared)\b|originally published (?:on|at|by)\b|read the original\b|"
    r"republished (?:with permission|from)\b|(?:©|copyright)\s)",
    re.IGNORECASE,
)
_SYNDICATION_FIRST = frozenset("TtOoRr©Cc")
_CREDIT_START_RE = re.compile(
    r"^(?:\(?(?:photo|image|picture|video|file photo|photograph|illustration|credit|source|caption)s?"
    r"(?: credit)?\s*[:|/]|\(?photo by\b|\(?image by\b|"
    r"(?:image|photo|video) (?:caption|source|credit)s?\s*[,:]|"
    r"\(?(?:additional )?(?:reporting|writing|editing|compiled|research) by\b)",
    re.IGNORECASE,
)
_CREDIT_END_RE = re.compile(
    r"(?:\b(?:press service|press office|getty images|afp|reuters|ap photo|associated press|epa|"
    r"shutterstock|wikimedia commons|handout|pool photo|file photo|tass|sputnik|xinhua|"
    r"anadolu|bloomberg|photo|photos|credit)|/\s*[A-Z][\w .]*)\s*\)?$",
    re.IGNORECASE,
)
_IMPERATIVE_RE = re.compile(
    r"^(?:support|donate|subscribe|follow (?:us|our)|share (?:this|on)|download|listen (?:to|now)|"
    r"watch (?:now|the)|"
    r"sign (?:up|in)|register|become a|join (?:us|our|the)|click|tap|read (?:more|next|also)|see also|"
    r"related|advertisement|sponsored)\b",
    re.IGNORECASE,
)
_BYLINE_RE = re.compile(
    r"^(?:(?-i:By [A-Z])|(?:updated|published|posted|last updated|first published)\b[: ]|"
    r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,? \w+ \d{1,2},? \d{4}\b)",
    re.IGNORECASE,
)
_BULLET_RE = re.compile(r"^\s*(?:[-–—•·*▪►✓✔☐■□○●]|\d{1,2}[.)])\s+")
_TERMINAL_CHARS = frozenset(".!?…:;\"”’')]")


def _terminal(text: str) -> bool:
    """Does the (stripped) line end like a sentence or a quotation?"""
    return text.rstrip()[-1:] in _TERMINAL_CHARS


_LETTER_RE = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
# the lookaheads (first letters of the alternatives) let the scans skip other word starts quickly
_READER_RE = re.compile(r"\b(?=[ywou])(?:you|your|yours|we|our|us)\b", re.IGNORECASE)
_APPEAL_RE = re.compile(
    r"\b(?=[jrnoify])(?:journalism|journalists|readers?|newsroom|our (?:work|reporting|mission|team|staff)|"
    r"independent media|free press|your help|your support)\b",
    re.IGNORECASE,
)
# Cheap word test run before the call-to-action pattern: every branch of the
# pattern contains one of these words, so a line without any cannot match it.
_CTA_TRIGGERS = frozenset(
    """
    subscribe subscribed subscriber subscribers subscribing subscription subscriptions paywall premium sign
    signing signup signin log logging login register registered registering registration account unlock
    unlocked unlimited trial cancel anytime month week year mo newsletter newsletters inbox mailbox updates
    donate donated donating donation donations support supporting become contribution gift follow share
    click tap read more recommended related most trending leave post comment comments email address
    required save join cookie cookies privacy terms rights advertisement sponsored dear reader readers
    message thank download app listen remind ready member already contributions subscribes unlocks unlocking
    registers donors access enjoying first
    """.split()  # noqa: SIM905
)
_QUOTE_CHARS = '“”"«»'

_SPACE_CHARS_RE = re.compile(r"[\t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_MULTISPACE_RE = re.compile(r" {2,}")
_INVISIBLE_RE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# any character that needs one of the substitutions below (one scan instead of three)
_ODD_CHAR_RE = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f\u00a0\u00ad\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff]"
)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(slots=True)
class _Line:
    text: str
    key: str
    words: int
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
    if _CREDIT_START_RE.search(text):
        return True
    if words > 20 or _terminal(text):
        return False
    # "Caption. Credit Name" : the last dot-separated segment is a short title-case phrase.
    if ". " in text or " | " in text or " / " in text:
        tail = re.split(r"\. | \| | / ", text)[-1]
        tw = tail.split()
        if 1 <= len(tw) <= 5 and all(w[:1].isupper() or not w[:1].isalpha() for w in tw):
            return True
    return bool(_CREDIT_END_RE.search(text)) and words <= 12


def _classify(line: _Line, counts: Counter[str], outlet: Collection[str], seen: set[str]) -> None:
    t = line.text
    key = line.key
    if not key:
        line.reason, line.strong = "no words", True
        return
    if key in outlet:
        line.reason, line.strong = "line printed in many articles of this outlet", True
        return
    if t[0] in _SYNDICATION_FIRST and _SYNDICATION_RE.search(t):
        line.reason, line.strong = "syndication or copyright footer", True
        return
    triggered = not _CTA_TRIGGERS.isdisjoint(key.split())
    low = t.lower()
    cta = _CTA_RE.search(low) if triggered else None
    if cta and ("“" in t or '"' in t) and len(_CTA_RE.findall(low)) < 2:
        cta = None  # a quotation ("We will support our allies," she said) is story, not a prompt
    terminal = _terminal(t)
    if counts[key] > 1:
        if line.words <= 12 or cta or _BULLET_RE.match(t) or key in seen:
            line.reason, line.strong = "line repeated within the article", True
            seen.add(key)
            return
        seen.add(key)
    if cta and (line.words <= 40 or len(_CTA_RE.findall(low)) >= 2):
        line.reason, line.strong = f"call to action ({cta.group(0).lower()})", True
        return
    if line.words <= 8 and _IMPERATIVE_RE.search(t):
        line.reason, line.strong = "call to action", True
        return
    if line.words <= 20 and _is_all_caps(t):
        line.reason, line.strong = "all-caps banner", True
        return
    if _looks_like_credit(t, line.words):
        line.reason, line.strong = "photo caption or credit", True
        return
    if not terminal and line.words <= 10 and _BYLINE_RE.match(t):
        line.reason, line.strong = "byline or timestamp", True
        return
    if not terminal and line.words <= 3:
        line.reason, line.strong = "short fragment without punctuation", True
        return
    if terminal and line.words <= 2 and not any(q in t for q in _QUOTE_CHARS):
        line.reason = "short fragment"
        line.strong = True
        return


def _appeal_like(line: _Line) -> bool:
    """Prose that addresses the reader (donation appeals, 'about us' blurbs)."""
    text = line.text
    appeal: bool | None = None
    if any(q in text for q in _QUOTE_CHARS):
        appeal = _APPEAL_RE.search(text) is not None
        if not appeal:
            return False
    if len(_READER_RE.findall(text)) >= max(2, 0.06 * line.words):
        return True
    return appeal if appeal is not None else _APPEAL_RE.search(text) is not None


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
        if _BULLET_RE.match(lines[i].text):
            j = i
            while j < n and _BULLET_RE.match(lines[j].text):
                j += 1
            run = lines[i:j]
            before = lines[i - 1] if i > 0 else None
            after = lines[j] if j < n else None
            cta_in_run = sum(1 for ln in run if ln.reason)
            hanging = (before is not None and before.reason) or (after is not None and after.reason)
            if hanging or cta_in_run * 2 >= len(run):
                for ln in run:
                    if not ln.reason:
                        ln.reason = "list item in a boilerplate block"
            i = j
        else:
            i += 1


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


def clean_text(body: str, outlet_lines: Collection[str] = ()) -> tuple[str, list[RemovedBlock]]:
    """Remove boilerplate lines from plain text; return (clean text, removed blocks)."""
    raw_lines = normalise_text(body).split("\n")
    raw_lines = _unwrap_hard_wrapped(raw_lines)
    lines: list[_Line] = []
    for raw in raw_lines:
        t = raw.strip()
        if t:
            lines.append(_Line(text=t, key=line_key(t), words=len(t.split())))
    counts = Counter(ln.key for ln in lines)
    outlet = outlet_lines if isinstance(outlet_lines, (set, frozenset, dict)) else frozenset(outlet_lines)
    seen: set[str] = set()
    for ln in lines:
        _classify(ln, counts, outlet, seen)
    _mark_bullets(lines)
    _mark_tail(lines)

    kept: list[str] = []
    groups: list[tuple[str, list[str]]] = []  # consecutive removed lines with the same reason
    for ln in lines:
        if ln.reason:
            if groups and groups[-1][0] == ln.reason:
                groups[-1][1].append(ln.text)
            else:
                groups.append((ln.reason, [ln.text]))
        else:
            kept.append(ln.text)
    removed = [RemovedBlock("\n".join(texts), reason) for reason, texts in groups]
    return "\n\n".join(kept), removed


# ------------------------------------------------------------------ HTML limits

#: Longer HTML is refused before parsing. Article extraction costs about 2 s per MB of
#: ordinary HTML on one core (trafilatura 2.3); the API takes bodies up to 2 MiB.
MAX_HTML_CHARS = 4_000_000
#: More start tags than this are refused before parsing: trafilatura spends 50-250 µs per
#: element (the seed articles as HTML have one per 90 characters, 22,000 in 2 MB).
MAX_HTML_ELEMENTS = 50_000
#: Attributes kept per element; the rest are dropped before parsing. libxml2 compares each
#: attribute of an element with all the earlier ones: one element with 50,000 attributes took
#: 12.6 s to clean, 100,000 took 56 s.
MAX_HTML_ATTRIBUTES = 100
#: An element with more child elements than this is refused. trafilatura's article search
#: is quadratic in the links or inline elements of one paragraph (libxml2 merging the text
#: nodes of ``//p//text()``): 4,000 took 2.2 s, 8,000 took 8.6 s.
MAX_HTML_CHILDREN = 2_000


class HtmlRefused(ValueError):
    """HTML too large or too complex to hand to the parser; the message says why."""


# Tokens as an HTML5 tokenizer (and libxml2 2.14, which follows it) reads them: comments,
# <!...> and <?...> declarations, start and end tags with their attributes (a quoted value
# may hold ">"), and bogus "</..." comments. Every part is possessive or lazy with one way to
# match, so the scan reads each character a fixed number of times.
_HTML_ATTRIBUTE = (
    r"[^\t\n\f\r />][^\t\n\f\r />=]*+"
    r"(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+(?:\"[^\"]*+\"?|'[^']*+'?|[^\t\n\f\r >]*+))?"
)
_HTML_ATTRIBUTE_RE = re.compile(_HTML_ATTRIBUTE)
_MARKUP_RE = re.compile(
    r"<!--(?:-?>|.*?--!?>|.*)"
    r"|<[!?][^>]*+>?"
    r"|<(?P<end>/?)(?P<name>[A-Za-z][^\t\n\f\r />]*+)"
    rf"(?P<attrs>(?:[\t\n\f\r ]++|/(?!>)|{_HTML_ATTRIBUTE})*+)(?P<close>/?>)?"
    r"|</[^>]*+>?",
    re.DOTALL,
)
# Elements whose content is text up to their end tag (libxml2: also in svg and math, and
# not after a self-closing "<script/>"; <noscript> content is parsed as tags).
_RAW_TEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "title", "textarea"})
_RAW_END_RE = {name: re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE) for name in _RAW_TEXT}


def limit_html(html: str) -> tuple[str, str]:
    """``html`` with at most ``MAX_HTML_ATTRIBUTES`` attributes per element; a note when any were dropped.

    Raises :class:`HtmlRefused` when the page is longer than ``MAX_HTML_CHARS``,
    has more than ``MAX_HTML_ELEMENTS`` elements or an element with more than
    ``MAX_HTML_CHILDREN`` children. Ordinary pages come back unchanged.
    """
    if len(html) > MAX_HTML_CHARS:
        raise HtmlRefused(f"HTML of {len(html):,} characters is over the limit of {MAX_HTML_CHARS:,}")
    elements = 0
    cuts: list[tuple[int, int]] = []  # (start, end) of the attribute text dropped from a tag
    pos = 0
    while (lt := html.find("<", pos)) >= 0:
        m = _MARKUP_RE.match(html, lt)
        if m is None:
            pos = lt + 1
            continue
        pos = m.end()
        name = m.group("name")
        if name is None or m.group("end"):
            continue
        elements += 1
        # every attribute takes at least two characters, so only long tags need counting
        if m.end("attrs") - m.start("attrs") > 2 * MAX_HTML_ATTRIBUTES:
            attrs = _HTML_ATTRIBUTE_RE.finditer(html, m.start("attrs"), m.end("attrs"))
            kept = next(itertools.islice(attrs, MAX_HTML_ATTRIBUTES - 1, None), None)
            if kept is not None and next(attrs, None) is not None:
                cuts.append((kept.end(), m.end("attrs")))
        raw = name.lower()
        if raw == "plaintext" and m.group("close") == ">":
            break
        if raw in _RAW_TEXT and m.group("close") == ">":
            end = _RAW_END_RE[raw].search(html, pos)
            if end is None:
                break
            pos = end.start()
    if elements > MAX_HTML_ELEMENTS:
        raise HtmlRefused(f"HTML has {elements:,} elements, over the limit of {MAX_HTML_ELEMENTS:,}")
    note = ""
    if cuts:
        parts: list[str] = []
        pos = 0
        for a, b in cuts:
            parts.append(html[pos:a])
            pos = b
        parts.append(html[pos:])
        html = " ".join(parts)  # a space keeps "/>" apart from an unquoted value before it
        elements_cut = f"{len(cuts):,} HTML element{'s' if len(cuts) > 1 else ''}"
        note = f"attributes after the first {MAX_HTML_ATTRIBUTES} dropped from {elements_cut}"
    if elements > MAX_HTML_CHILDREN:
        _check_children(html)
    return html, note


def _check_children(html: str) -> None:
    from lxml import etree
    from lxml import html as lxml_html

    # bytes: a str with an XML encoding declaration is refused by lxml
    parser = lxml_html.HTMLParser(encoding="utf-8")
    try:
        root = lxml_html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except etree.ParserError:
        return  # nothing to parse ("Document is empty"): trafilatura finds no text either
    widest = max((len(el) for el in root.iter()), default=0)
    if widest > MAX_HTML_CHILDREN:
        raise HtmlRefused(
            f"HTML has an element with {widest:,} child elements, over the limit of {MAX_HTML_CHILDREN:,}"
        )


def html_to_text(html: str) -> str:
    """Main article text of an HTML page via trafilatura (precision-oriented); '' when none found."""
    import trafilatura
    from trafilatura.deduplication import LRUCache
    from trafilatura.settings import LRU_SIZE

    text = trafilatura.extract(
        html,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        # a cache of this page's own segments: ``deduplicate=True`` shares one cache across
        # the whole process, so a page's text depended on the pages extracted before it
        # (the same page three times in a row: 14,780, 13,844 and 12,908 characters)
        deduplicate=LRUCache(maxsize=LRU_SIZE),
        output_format="txt",
    )
    if not text:
        text = trafilatura.html2txt(html) or ""
    return text


def clean(
    body: str,
    fmt: str = "text",
    outlet_lines: Collection[str] = (),
    notes: list[str] | None = None,
) -> tuple[str, list[RemovedBlock]]:
    """Clean story text and removed blocks of a text or HTML body.

    HTML over the limits above raises :class:`HtmlRefused`; a note on what the
    limits dropped is appended to ``notes``.
    """
    if fmt == "html":
        body, note = limit_html(body)
        if note and notes is not None:
            notes.append(note)
        body = html_to_text(body)
    return clean_text(body, outlet_lines)
