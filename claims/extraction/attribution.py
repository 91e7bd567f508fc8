"""Who said it: speaker attribution for the sentences of one article.

Patterns, looked for outside quotation marks:

* ``X said`` / ``X told reporters`` / ``X stated|added|noted|argued|warned...``
  (optionally ``has|had|also`` before the verb);
* ``..., said X`` / ``argued FP columnist X`` (the name ends the clause);
* ``according to X`` when X is a person; otherwise X is reported as a source
  ("according to Chinese customs data" -> reason "source: Chinese customs data");
* ``he said`` / ``she said``: the person named in the nearest earlier sentence
  that names anyone, only when that sentence names one person (or names
  several but one of them is its speaker);
* a quotation that runs over several sentences takes the speaker attributed
  anywhere in it; a sentence that is only a quotation takes the speaker of the
  sentence before when that sentence was speech.

Titles are stripped ("US Secretary of State Antony Blinken" -> "Antony
Blinken") and a surname alone ("Putin said") is resolved to the full name
given anywhere in the article when that is unambiguous; with no full name, a
lone word is kept when it is surely a name (", Biden said"; "Tesla said" when
the article also writes "shares of Tesla"), and left empty when two people
share it. Ages ("John Smith, 45, said") and "was quoted as saying" are read. Organisations,
documents and studies ("the FOMC said", "according to a statement from the
Kremlin", "a study published in Nature found"), role nouns resolved to the
person named before ("the Gazprom head stated"; among several, the one
introduced with the role's words: "the Russian leader" is the one introduced
as "Russian President") and labels ("Powell Remarks: ...") are read by
:mod:`.claimers`.
Places ("Beijing said") never become a speaker: a wrong speaker is worse
than none, so the speaker is left empty when unsure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from .claimers import (
    ROLE_NOUN_WORDS,
    ROLE_SUBJECT,
    document_claimer,
    document_subject,
    from_org,
    is_acronym,
    is_demonym,
    label_name,
    org_run,
    org_with_and,
    role_fits,
)
from .names import (
    ADJECTIVE_TITLES,
    NOT_NAME_WORDS,
    SENTENCE_OPENERS,
    TITLE_WORDS,
    PersonIndex,
    cap_run,
    governed,
    is_cap,
    is_title,
    lone_name,
    name_before,
    name_before_tokens,
    name_tokens_ok,
    strip_possessive,
    titled_names,
    tokens,
)
from .quotations import mask_quotes


def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


#: Verbs that attribute speech ("X said", "said X", "X had warned").
SPEECH_VERB_WORDS: tuple[str, ...] = tuple(
    sorted(
        _words(
            """
        said says say told tells stated states added adds noted notes argued argues warned warns explained
        explains insisted insists stressed stresses emphasized emphasised emphasizes emphasises declared
        declares claimed claims asserted asserts wrote writes tweeted posted announced announces remarked
        continued urged urges acknowledged conceded recalled suggested suggests replied responded observed
        vowed vows pledged reiterated reiterates confirmed confirms denied denies predicted predicts asked
        concluded admitted admits cautioned countered maintained mentioned pointed believes believed thinks
        revealed reveals disclosed highlighted underlined advised advises attributed attributes blamed blames
        implied estimates estimated
        """
        ),
        key=lambda w: (-len(w), w),
    )
)
#: A claim put about rather than said: "has repeatedly promoted the idea that ...".
_SPREAD_VERB_WORDS = ("promoted", "spread", "pushed", "floated", "peddled")
_SPREAD = rf"(?:{'|'.join(_SPREAD_VERB_WORDS)}) the (?:idea|claim|theory|notion|conspiracy theory)"
_QUOTED = r"(?:was|is|were) quoted as saying"  # "Fauci was quoted as saying"
_SPEECH_VERBS = "|".join(
    (_QUOTED, _SPREAD, *(w if w != "pointed" else "pointed out" for w in SPEECH_VERB_WORDS))
)
_SPEECH_WORDS = frozenset((*SPEECH_VERB_WORDS, *_SPREAD_VERB_WORDS, "quoted"))
_LOWER_WORD_RE = re.compile(r"[a-z]+")
#: Verbs whose subject may follow them (", said Biden."); "told Reuters" names the listener.
_INVERTED_RE = re.compile(
    r"(?:(?:also|later|then|further) )?(?:said|says|added|adds|wrote|writes|noted|notes|argued|argues|"
    r"explained|explains|insisted|insists|continued|stated|asserted|claimed|recalled|replied|responded|"
    r"observed|concluded|admitted|tweeted|posted|remarked|countered|cautioned|acknowledged|conceded)"
)
_SAY_RE = re.compile(r"(?:said|says|stated|reported|announced|estimated|estimates)\b")
_AUX_WORDS: tuple[str, ...] = (
    *("has", "had", "have", "also", "later", "then", "further"),
    *("previously", "repeatedly", "once", "recently", "again", "earlier", "today", "yesterday"),
)
# At most four auxiliaries before the verb: with an unbounded run, "has has has ... x" made the
# scan read the rest of the run from every word of it (5,000 words: 2.5 s, quadratic). News
# prose has at most two ("has also said": 347 of 4,437 speech verbs in the seeds, NewsClaims,
# ClaimBuster and CLEF claims have one or two, none more).
_AUX = rf"(?:(?:{'|'.join(_AUX_WORDS)})\s+){{0,4}}"
# a match starts with an auxiliary or a speech verb: the lookahead skips other word starts quickly
_VERB_FIRST = "".join(sorted({w[0] for w in (*_AUX_WORDS, *_SPEECH_WORDS, "was", "is")}))
_VERB_RE = re.compile(rf"\b(?=[{_VERB_FIRST}]){_AUX}(?:{_SPEECH_VERBS})\b")
_PRONOUN_VERB_RE = re.compile(rf"(?:^|[,;:”\"’]\s*|\s)(?P<pron>he|she|He|She)\s+{_AUX}(?:{_SPEECH_VERBS})\b")
_ROLE_VERB_RE = re.compile(rf"{ROLE_SUBJECT}{_AUX}(?:{_SPEECH_VERBS})\b")
_ACCORDING_RE = re.compile(r"\b[Aa]ccording to\s+(?P<what>[^,.;:!?()“”\"]{2,120})")
_CITING_RE = re.compile(r"\bciting\s+(?P<what>[^,.;:!?()“”\"]{2,120})")
_REPORTED_RE = re.compile(
    r"(?P<who>(?:[A-Z][\w’'.&-]*+\s++){0,4}[A-Z][\w’'.&-]*+)\s++(?:reported|reports|said in a statement)\b"
)
_CAPITAL_RE = re.compile(r"[A-Z]")
_NAME_CHARS_RE = re.compile(r"[\w’'.&-]*+")
_CAP_PAIR_RE = re.compile(r"(?<=[a-z,;] )[A-Z][a-z’'.-]+ (?:[A-Z]\.? )?[A-Z][a-z’'-]+")
# the same at a sentence start ("Joe Biden met Kamala Harris."), where the first word may be an opener
_CAP_PAIR_START_RE = re.compile(
    r"(?:^|(?<=[.!?] )|(?<=\n))[A-Z][a-z’'.-]+ (?:[A-Z]\.? )?[A-Z][a-z’'-]+(?= [a-z]|,)"
)
# a capitalised word inside a sentence: a proper noun ("as Trump said", "shares of Tesla")
_MID_CAP_RE = re.compile(r"(?:\b[a-z]+|[,;]) ([A-Z][a-z][\w’'-]*+)(?! [A-Z])")
# "Moncef Slaoui, who leads the federal vaccination program, told CNN": a name, an aside, the verb
_APPOSITIVE_RE = re.compile(
    r"(?:^(?P<lead>(?:[\w.-]++ ){1,4}?)?|, (?:(?P<desc>[a-z][\w-]*+(?: [a-z][\w-]*+){0,2}) )?|[”\"’'] )"
    r"(?P<name>[A-Z][\w’'.-]+(?: [A-Z][\w’'.-]+){1,3}), "
    r"(?:who |the |a |an |[a-z])[^.;:!?]{2,160}, $"
)
# "One local, Johan Mattsson, told The New York Times": a description, then the name, then the verb
_NAME_AFTER_DESCRIPTION_RE = re.compile(r"[a-z], (?P<name>[A-Z][\w’'.-]+(?: [A-Z][\w’'.-]+){1,3}), $")
#: Determiners that open a noun phrase whose relative clause may hold a speech verb.
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those"})


@dataclass
class Attribution:
    speaker: str = ""
    sources: list[str] = field(default_factory=list)
    pronoun: bool = False  # "he/she said" or "the Gazprom head said": the person named before
    anchor: int = 0  # where the pronoun or role noun starts in the sentence
    surname: str = ""  # "Epstein says": resolved when the article names the person in full
    org: bool = False  # the speaker is an institution, a document or a study, never "he" or "the governor"
    role: tuple[str, ...] = ()  # "the Russian leader said": ("russian", "leader"), to choose among people


def _reported(seg: str) -> Iterator[re.Match[str]]:
    """The matches of ``_REPORTED_RE.finditer(seg)``, trying each word once.

    An attempt that fails at a capital fails at every later capital of the
    same word (it reads the same rest of the word and the same words after
    it), so the scan goes on after the word. Trying every capital read a long
    capitalised word quadratically: 20,000 letters before ", reported" took 8.9 s.
    """
    pos = 0
    while (cap := _CAPITAL_RE.search(seg, pos)) is not None:
        m = _REPORTED_RE.match(seg, cap.start())
        if m is not None:
            yield m
            pos = m.end()
        else:
            word = _NAME_CHARS_RE.match(seg, cap.end())
            pos = word.end() if word is not None else cap.end()


def _untitled(words: list[str]) -> list[str]:
    """The name without the titles before it: "Dr. Mike Ryan" -> "Mike Ryan"."""
    k = 0
    while k < len(words) - 1 and words[k].lower() in TITLE_WORDS:
        k += 1
    return words[k:]


def _object_clause(before: Sequence[str], k: int) -> bool:
    """Whether the name run after ``before[k]`` is the subject of a clause inside a noun phrase.

    ``before[k]`` is the token right before the run; capitalised titles ("Mr")
    are stepped over. "the article [Mr Zhao tweeted]" and "a report [Smith
    wrote]" qualify; "the spokesman Smith said" does not (a title, not a thing).
    """
    while k >= 0 and before[k][:1].isupper() and before[k].lower() in TITLE_WORDS:
        k -= 1
    if k < 1:
        return False
    noun = before[k]
    return (
        noun.isalpha()
        and noun.islower()
        and noun not in TITLE_WORDS
        and before[k - 1].lower() in _DETERMINERS
    )


_PARENTHESIS_END_RE = re.compile(r"\s*+\([^()]{0,60}+\)\s*+$")


def _subject_window(seg: str, verb: int) -> str:
    """The 120 characters before a speech verb where its subject is looked for.

    A parenthesis that ends right before the verb is dropped ("Eli Lilly and
    Company (NYSE: LLY) today announced"), and the window starts after a
    dateline's "--" ("INDIANAPOLIS, March 10 /PRNewswire/ -- Eli Lilly ...").
    """
    window = seg[max(0, verb - 120) : verb]
    paren = _PARENTHESIS_END_RE.search(window) if window.rstrip().endswith(")") else None
    if paren is not None and not is_acronym(paren.group(0).strip(" ()")):  # "(USDA)" names the subject
        window = window[: paren.start()] + " "
    dash = window.rfind(" -- ")
    window = window[dash + 4 :] if dash >= 0 else window
    age = _AGE_END_RE.search(window) if window.endswith(", ") else None
    if age is None or not _CLAUSE_NAME_RE.search(window, 0, age.start()):
        return window
    return window[: age.start()] + " "  # "John Smith, 45, said"; not "police arrested John Smith, 45, said X"


_AGE_END_RE = re.compile(r", \d{1,3}, $")
# a name that opens its clause: at the window's start or after a comma or colon, nothing else before it
_CLAUSE_NAME_RE = re.compile(r"(?:^|[,;:] )[\s“\"]*+(?:[A-Z][\w’'.-]*+ ){0,3}[A-Z][\w’'.-]*+$")


# the last word is never an abbreviated title whose stop ended the phrase ("says Dr. Roy Chemaly.")
_AFTER_PHRASE_RE = re.compile(
    r"\s+(?P<phrase>(?:[A-Za-z][\w’'.-]*\s+){0,6}?"
    r"(?!(?:Dr|Mr|Mrs|Ms|Prof|Gen|Sen|Rep|Gov|Col|Capt|Lt|Sgt|Rev)\.\s+[A-Z])[A-Z][\w’'.-]*)"
    r"(?=\s*(?:[,.;:!?]|$|\s+(?:on|in|at|during|after|when|who|adding|according|before|while|told)\b))"
)


def _name_after(masked: str, pos: int) -> list[str]:
    """The name that closes the noun phrase after a verb: ", argued FP columnist Agathe Demarais." """
    m = _AFTER_PHRASE_RE.match(masked, pos)
    if not m:
        return []
    toks = m.group("phrase").split()
    run = cap_run(toks)
    head = toks[: len(toks) - len(run)]
    titled = bool(head) and is_title(head[-1])
    # "said Russian Deputy Prime Minister X" (all capitalised or titles) or "said central bank governor X"
    if not titled and not all(is_cap(t) or t.lower() in TITLE_WORDS or t in ("a", "an") for t in head):
        return []
    if run and len(run[-1]) > 2:
        run[-1] = run[-1].rstrip(".")
    return run


class Attributor:
    """Resolve speakers sentence by sentence over one article."""

    def __init__(
        self,
        text: str,
        spans: Sequence[tuple[int, int]],
        words: Sequence[frozenset[str]] | None = None,
    ) -> None:
        """``words``: optional lower-case word set of each sentence (saves re-tokenising)."""
        self.text = text
        self.spans = list(spans)
        self.words = list(words) if words is not None else None
        self.index = PersonIndex()
        masked, self.quotes = mask_quotes(text)
        self.masked = masked
        self.surnames: list[str] = []  # lone surnames met as a subject before their full name
        # "is Donald Trump." then "Trump said": full names the article gives without a title, by
        # surname (two kept per surname: one is unambiguous, two are not)
        self.untitled: dict[str, list[str]] = {}
        pairs = [m.group(0) for m in _CAP_PAIR_RE.finditer(masked)]
        # "Joe Biden met ..." at a sentence start may be "Behind Trump" or "Team Biden": such a pair
        # only makes its surname ambiguous ("Biden said" is then Joe or Jill), it never names anyone
        self.start_pairs: dict[str, set[str]] = {}
        for m in _CAP_PAIR_START_RE.finditer(masked):
            first, *_, last = m.group(0).split()
            opener = first.lower() in SENTENCE_OPENERS or is_title(first.rstrip("."))  # "Gov. Hochul,"
            if not opener and len(self.start_pairs.setdefault(last, set())) < 2:
                self.start_pairs[last].add(m.group(0))
        self.proper = frozenset(m.group(1) for m in _MID_CAP_RE.finditer(masked))
        for text in pairs:
            pair = text.split()
            if name_tokens_ok(pair) and not is_demonym(pair[0]) and all(len(t) > 1 for t in pair):
                same = self.untitled.setdefault(pair[-1], [])
                if len(same) < 2 and text not in same:
                    same.append(text)
        for name in titled_names(masked):
            self.index.add(name)

    def _validate(self, run: list[str], titled: bool = False) -> str:
        """Full person name for a candidate run of capitalised tokens, '' when it is not clearly a person.

        ``titled``: the run follows a title or role ("President Biden"), so a lone
        surname is accepted even when the article never gives the full name.
        """
        if not run:
            return ""
        run = [strip_possessive(t) for t in run]
        if is_demonym(run[0]) and len(run) > 1 and self.index.resolve(" ".join(run[1:])):
            run = run[1:]
        if not name_tokens_ok(run):
            return ""
        name = " ".join(run)
        if len(run) >= 2:
            resolved = self.index.resolve(name)
            if resolved:
                return resolved
            if all(len(t) > 1 for t in run) and not is_demonym(run[0]):
                self.index.add(name)
                return name
            return ""
        resolved = self.index.resolve(name)
        if resolved:
            return resolved
        full = self.untitled.get(name, ())
        if len(full) == 1 and self.start_pairs.get(name, set()) <= {full[0]}:
            self.index.add(full[0])
            return full[0]
        if not titled and len(name) > 2 and not is_demonym(name) and name[0].isupper():
            self.surnames.append(name)  # may be resolved once the whole article is read
        return name if titled and len(name) > 2 and not is_demonym(name) else ""

    def _appositive(self, seg: str, verb: int) -> str:
        """The person named before an aside that ends right before the verb at ``verb``.

        "Moncef Slaoui, who leads the program, told CNN", "..., astrobiologist
        Graham Lau, who hosts a series, told Space.com" (a profession may come
        first), "One local, Johan Mattsson, told": '' when there is none.
        """
        m = _APPOSITIVE_RE.search(seg, max(0, verb - 220), verb)
        if m is not None and m.group("desc") and not is_title(m.group("desc").split()[-1]):
            m = None  # "..., and Graham Lau, who ..., told": not a profession before the name
        if m is not None and m.group("lead"):
            # "Council member Ray Tolliver, who ..., said"; not "Critics of Mayor Eric Adams, who ..."
            lead = [tok for tok in tokens(m.group("lead")) if tok != "."]  # "Dr." is "Dr" and "."
            if not lead or not is_title(lead[-1]) or governed(lead, len(lead) - 1):
                m = None
        m = m or _NAME_AFTER_DESCRIPTION_RE.search(seg, max(0, verb - 80), verb)
        if m is None:
            return ""
        words = m.group("name").split()
        name = _untitled(words)
        return self._validate(name, titled=len(name) < len(words))  # "Mr. Johnson, who ..., insisted"

    def _direct(self, s: int, e: int, words: frozenset[str] | None = None) -> Attribution:
        """Attribution stated inside the sentence itself (outside its quotations).

        ``words``: the sentence's lower-case words, used to skip patterns that cannot match.
        """
        seg = self.masked[s:e]
        att = Attribution()
        low = seg.lower()
        if words is None:
            words = frozenset(_LOWER_WORD_RE.findall(low))
        for m in _ACCORDING_RE.finditer(seg) if "according" in words else ():
            what = m.group("what").strip()
            what_words = what.split()
            run = name_before(what, len(what))
            before = what_words[-len(run) - 1].lower() if run and len(what_words) > len(run) else ""
            titled = is_title(before)
            name = self._validate(run, titled=titled) if what_words else ""
            if name and len(what_words) <= 8 and (what_words[0][:1].isupper() or titled):
                att.speaker = att.speaker or name
            else:
                att.sources.append(" ".join(what_words[:8]))
                if not att.speaker:
                    att.speaker = document_claimer(what) or org_run(tokens(what))
                    att.org = bool(att.speaker)
        for m in _CITING_RE.finditer(seg) if "citing" in words else ():
            what = m.group("what").strip()
            run = name_before(what, len(what))
            name = self._validate(run)
            att.sources.append(f"citing {name}" if name else "citing " + " ".join(what.split()[:8]))
        reported = "reported" in words or "reports" in words or "said in a statement" in low
        for m in _reported(seg) if reported else ():
            who = m.group("who").split()
            while who and who[0].lower() in ("the", "a", "an"):
                who.pop(0)
            if who and not self._validate(list(who)):
                att.sources.append(" ".join(who))
                # "Hong Kong’s Agriculture, Fisheries and Conservation Department reported that ..."
                if not att.speaker:
                    att.speaker = org_run(tokens(_subject_window(seg, m.end("who"))))
                    att.org = bool(att.speaker)
        if att.speaker:
            return att
        for m in _VERB_RE.finditer(seg) if not _SPEECH_WORDS.isdisjoint(words) else ():
            before = tokens(_subject_window(seg, m.start()))
            run = name_before_tokens(before)
            k = len(before) - len(run) - 1
            prev = before[k].lower() if run and k >= 0 else ""
            if prev == "and" and (org := org_with_and(before)):
                att.speaker, att.org = org, True  # "the Centers for Disease Control and Prevention states"
                return att
            if prev in ("and", "&", "or", "nor", "both"):
                continue  # joint subject ("Xi and Putin declared"): no single speaker
            if run and _object_clause(before, k):
                continue  # "The article Mr Zhao tweeted was penned by ...": Zhao said nothing of it
            if run and run[-1].endswith(("’s", "'s")):
                continue  # "Musk's estimated fortune", "Moody's said": not a person's name
            if run and governed(before, k):  # "critics of Mayor Eric Adams said": someone else spoke
                # "the Bureau of Labor Statistics", "nurses at Mount Sinai Hospital"; never a person's
                # name swallowed into one ("Governor of the Bank of England Andrew Bailey")
                if (len(run) <= 2 or not name_tokens_ok(run)) and (org := org_run(before)):
                    att.speaker, att.org = org, True  # "the Bureau of Labor Statistics said"
                    return att
                continue
            # "General Motors said", "National Rail said": a lone word after such a title is no person
            titled = is_title(prev) and not (len(run) == 1 and prev in ADJECTIVE_TITLES)
            name = self._validate(run, titled=titled)
            if not name and not run and seg.endswith(", ", 0, m.start()):
                name = self._appositive(seg, m.start())
            # a lone word is a speaker only where a subject starts: the sentence's start (the run
            # opens the window and the window the sentence), after a comma, or right after an
            # inverted verb (", said Kudlow."); never after a word ("a lawyer for Weinstein said")
            clause = (k < 0 and m.start() <= 120) or prev in (",", ";", ":")
            initial = k < 0
            if not name and not run:
                run = _name_after(seg, m.end())
                name = self._validate(run)
                after = seg[m.end() : m.end() + 60].split()[:1]
                inverted = (
                    _INVERTED_RE.fullmatch(m.group(0)) and [w.rstrip(".,;:!?") for w in after] == run[:1]
                )
                clause = bool(inverted)
                initial = False
            if not name and len(run) == 1 and self.surnames and self.surnames[-1] == run[0]:
                att.surname = run[0]
            if not name and clause and not _object_clause(before, k):
                name = self._lone(run, initial)
            if name:
                att.speaker = name
                return att
            org = org_run(before) if prev not in ("and", "&", "or", "nor", "both") else ""
            if org:
                att.speaker, att.org = org, True
                return att
            if (
                run
                and _SAY_RE.match(m.group(0))
                and not att.sources
                and any(t.lower().rstrip(".") in NOT_NAME_WORDS for t in run)
            ):
                # "the Labor Department said", "Beijing said": an institution, reported as a source
                att.sources.append(" ".join(strip_possessive(t) for t in run))
        if ("he" in words or "she" in words) and (pm := _PRONOUN_VERB_RE.search(seg)):
            att.pronoun, att.anchor = True, pm.start()
        elif not ROLE_NOUN_WORDS.isdisjoint(words) and (rm := _ROLE_VERB_RE.search(seg)):
            att.pronoun, att.anchor = True, rm.start()
            att.role = (*rm.group("mods").lower().split(), rm.group("role").lower())
        label = label_name(seg)
        if label and not att.pronoun and not att.speaker:
            att.speaker = self.index.resolve(label) if len(label) > 2 else ""
        if not att.speaker and seg.startswith("From "):
            att.speaker = from_org(seg)
            att.org = bool(att.speaker)
        if not att.speaker and not att.pronoun:
            att.speaker = document_subject(seg)
            att.org = bool(att.speaker)
        return att

    def in_quote(self) -> list[bool]:
        """Whether each sentence lies (partly) inside a direct quotation of more than a few characters."""
        out: list[bool] = []
        q = 0
        quotes = self.quotes
        for s, e in self.spans:
            while q < len(quotes) and quotes[q][1] <= s:
                q += 1
            out.append(q < len(quotes) and quotes[q][0] < e and (quotes[q][1] - quotes[q][0]) > 12)
        return out

    def _lone(self, run: list[str], initial: bool) -> str:
        """A lone capitalised word as the speaker (see :func:`.names.lone_name`), unless it is the
        surname of two people the article names ("Donald Trump and Ivanka Trump")."""
        name = lone_name(run, initial, self.proper)
        known = {*self.untitled.get(name, ()), *self.start_pairs.get(name, ())}
        return name if name and len(known) < 2 and not self.index.shared(name) else ""

    def _fitting(self, role: tuple[str, ...], s: int, e: int) -> list[str]:
        """The people mentioned in ``[s, e)`` whose introduction fits a role noun phrase."""
        fit: list[str] = []
        for off, name in self.index.mentions(self.masked[s:e]):
            # the title run right before the name ("Russian President", "Gazprom chief"), not the
            # words of the clause before it ("Ukrainian officials accused President ...")
            intro: list[str] = []
            for tok in reversed(tokens(self.masked[max(s, s + off - 60) : s + off])[-4:]):
                if not (is_cap(tok) or tok.lower() in TITLE_WORDS or is_demonym(tok)):
                    break
                intro.append(tok)
            if name not in fit and role_fits(role, intro):
                fit.append(name)
        return fit

    def _mentions(self, s: int, e: int) -> list[str]:
        return [name for _, name in self.index.mentions(self.masked[s:e])]

    def speakers(self) -> tuple[list[str], list[list[str]]]:
        """Speaker ('' when unsure) and source phrases of every sentence span."""
        n = len(self.spans)
        words = self.words
        direct = [self._direct(s, e, words[k] if words else None) for k, (s, e) in enumerate(self.spans)]
        # sentences' own quotation coverage
        quote_of: list[int] = [-1] * n
        q_i = 0
        for k, (s, e) in enumerate(self.spans):
            while q_i < len(self.quotes) and self.quotes[q_i][1] <= s:
                q_i += 1
            if q_i < len(self.quotes) and self.quotes[q_i][0] < e:
                quote_of[k] = q_i
        # a lone surname ("Trump says ...") takes the full name the article gives anywhere
        speakers = [(self._surname(d.surname) if d.surname else "") or d.speaker for d in direct]
        # he/she said, the Gazprom head said -> this sentence or the one before, when it names exactly
        # one person (or names its speaker); further back, "she" was wrong as often as right
        for k, d in enumerate(direct):
            if speakers[k] or not d.pronoun:
                continue
            for j in range(k, max(-1, k - 2), -1):
                s, e = self.spans[j]
                if j == k:
                    e = s + d.anchor
                names = list(dict.fromkeys(self._mentions(s, e)))
                if j != k and speakers[j] and not direct[j].org and speakers[j] not in names:
                    names.append(speakers[j])  # a person: "the Labor Department said" is never "he"
                if not names and _CAP_PAIR_RE.search(self.masked, s, e):
                    break  # someone the index does not know is named in between: unsure
                if not names:
                    continue
                if len(names) == 1:
                    speakers[k] = names[0]
                elif d.role and len(fit := self._fitting(d.role, s, e)) == 1:
                    speakers[k] = fit[0]  # "the Russian leader": the one introduced as Russian
                elif speakers[j] in names and j != k:
                    speakers[k] = speakers[j]
                break
        self._share_quotes(speakers, quote_of)
        # a sentence that is only a quotation follows the speech before it, and so does the rest of
        # its quotation ('"At this point we can only treat the symptoms. That is why ..."')
        followed = False
        for k in range(1, n):
            if speakers[k] or quote_of[k] < 0:
                continue
            s, e = self.spans[k]
            outside = self.masked[s:e].replace("·", "").strip(' “”".,;:!?—–-')
            if len(outside.split()) > 1:
                continue
            between = self.text[self.spans[k - 1][1] : s]
            if between.count("\n") > 2:
                continue
            if speakers[k - 1]:
                speakers[k] = speakers[k - 1]
            else:
                named = list(dict.fromkeys(self._mentions(*self.spans[k - 1])))
                if len(named) == 1:
                    speakers[k] = named[0]
            followed = followed or bool(speakers[k])
        if followed:
            self._share_quotes(speakers, quote_of)
        return speakers, [d.sources for d in direct]

    def _surname(self, surname: str) -> str:
        """The one full name the article gives a surname; '' when it names two ("Jane and Robert Smith")."""
        named = {*self.untitled.get(surname, ()), *self.start_pairs.get(surname, ())}
        return self.index.resolve(surname) if len(named) < 2 else ""

    def _share_quotes(self, speakers: list[str], quote_of: list[int]) -> None:
        """A quotation spanning several sentences shares one speaker: fill the empty ones in place."""
        by_quote: dict[int, str] = {}
        for k, q in enumerate(quote_of):
            if q >= 0 and speakers[k]:
                by_quote.setdefault(q, speakers[k])
        for k, q in enumerate(quote_of):
            if not speakers[k] and q >= 0 and q in by_quote:
                qs, qe = self.quotes[q]
                s, e = self.spans[k]
                if qs < s or qe > e:
                    speakers[k] = by_quote[q]
