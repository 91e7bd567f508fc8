"""Claimers that are not a named person in the sentence: organisations, documents, roles, labels.

* an organisation as the subject of a speech verb: "the FOMC said", "the World
  Health Organization warned", "the U.S. Department of Agriculture advised";
  an acronym or a capitalised name with an institution's head word
  (Department, Ministry, Organization, Kremlin, Commission...). Countries and
  cities ("Beijing said") stay empty: which of its people spoke is unknown;
* a document or a study after "according to": "a statement from the Kremlin"
  -> Kremlin, "a paper published by Chinese researchers in The Lancet" ->
  Chinese researchers, "a new study in the New England Journal of Medicine"
  -> New England Journal of Medicine;
* a role noun as the subject ("the Gazprom head stated", "the Russian
  leader said"): resolved by :class:`~.attribution.Attributor` to the person
  named before it, like "he said", and only when that is unambiguous (among
  several, :func:`role_fits` keeps the one introduced with the role's words);
  a plural ("the two leaders") is never resolved;
* a document or study as the subject of a finding: "A study published in
  Nature found ..." -> Nature, "Data from the Bureau of Labor Statistics
  showed ..." -> Bureau of Labor Statistics; and the buildings that stand for
  an office ("the White House said");
* a label opening a sentence: "Powell Remarks: ..." names its speaker when
  the label is a person the article names.

Every pattern reads a bounded window before or after its anchor, so the work
stays linear in the sentence.
"""

from __future__ import annotations

import re

#: Head words that make a capitalised name an institution.
ORG_HEADS = frozenset(
    """
    department ministry office kremlin commission committee council agency bank fund organization
    organisation institute university administration court police centers centres center centre
    board bureau authority service government cabinet parliament congress senate fed reserve
    foundation association union federation company corporation group party army navy embassy
    presidency secretariat inc corp ltd plc fomc who
    """.split()  # noqa: SIM905
)
#: Buildings that stand for the office in them, as "the Kremlin" does.
SEATS = frozenset({"White House", "Downing Street", "Elysee Palace", "Élysée Palace", "Blue House"})
#: Acronyms that name a country or region, not who spoke for it.
_PLACE_ACRONYMS = frozenset({"US", "U.S.", "UK", "U.K.", "USA", "UAE", "EU", "DC", "NYC", "UN"})
_CONNECTORS = frozenset({"of", "for", "and", "on", "the", "&"})
_ACRONYM_RE = re.compile(r"^(?:[A-Z]{2,6}|(?:[A-Z]\.){2,4})$")

#: Documents and studies that make a claim.
DOCUMENT_WORDS = (
    "statement|report|study|paper|survey|analysis|review|research|memo|letter|filing|"
    "press release|release|document|assessment|poll|investigation|article|editorial|"
    "trial|bulletin|note|estimate|estimates|forecast|data"
)
_DOCUMENT_RE = re.compile(
    rf"^(?:(?:a|an|the|its|their|his|her)\s+)?(?:[\w’'-]+\s+){{0,4}}?(?:{DOCUMENT_WORDS})\b"
    r"(?:\s+(?P<verb>published|released|issued|written|conducted|led|carried out|posted))?"
    r"\s+(?P<rel>by|from|of|in|at)\s+(?P<who>.{2,100})$"
)
_ORG_DOCUMENT_RE = re.compile(
    rf"^(?:(?:a|an|the)\s+)?(?:new\s+|recent\s+|latest\s+)?(?P<org>(?:[\w’'.&-]+\s+){{1,6}}?)(?:{DOCUMENT_WORDS})\b"
)
# "in The Lancet" names where a paper appeared; "at Stanford University" stays with its authors
_VENUE_RE = re.compile(r"\s+(?:in|on)\s+(?P<venue>(?:the\s+|The\s+)?[A-Z].*)$")
_AUTHOR_RE = re.compile(r"^(?:(?:a|an|the)\s+)?(?:team of\s+|group of\s+)?(?P<who>.+)$")

#: Singular role nouns that stand for a person named earlier ("the Gazprom head").
ROLE_NOUNS = (
    "head|chief|leader|president|minister|premier|chancellor|secretary|spokesman|spokeswoman|"
    "spokesperson|official|executive|ceo|chairman|chairwoman|chair|director|governor|mayor|"
    "senator|ambassador|envoy|general|commander|founder|boss|billionaire|politician|lawmaker|"
    "scientist|researcher|professor|economist|analyst|expert|doctor|physician|epidemiologist"
)
ROLE_NOUN_WORDS = frozenset(ROLE_NOUNS.split("|"))
# "the Gazprom head", "the Russian leader", "the former US president", "the company's chief executive"
ROLE_SUBJECT = (
    r"(?:^|[,;:]\s*|\s)(?:[Tt]he)\s+(?P<mods>(?:(?!two\b|three\b|both\b)[\w’'.-]+\s+){0,3}?)"
    rf"(?P<role>{ROLE_NOUNS})\s+"
)
_LABEL_WORDS = r"(?:[Rr]emarks|[Ss]ays|[Ss]tatement|[Cc]omments|[Ss]peech|[Tt]estimony|[Ii]nterview)\b"
_LABEL_RE = re.compile(
    rf"^(?P<label>[A-Z][\w’'.-]+(?:\s+(?!{_LABEL_WORDS})[A-Z][\w’'.-]+)?)(?:\s+{_LABEL_WORDS})?\s*:\s+\S"
)
_MONTHS = frozenset(
    "january february march april may june july august september october november december".split()  # noqa: SIM905
)


#: Nationality words that may stand before a name ("Russian Putin"); a list, since first names
#: end like them (Jonathan, Brian, Christian).
DEMONYMS = frozenset(
    """
    american russian chinese ukrainian british english french german italian spanish japanese korean
    indian pakistani iranian iraqi israeli palestinian syrian turkish saudi egyptian african nigerian
    kenyan canadian mexican brazilian argentine argentinian australian european swedish norwegian danish
    finnish dutch belgian swiss austrian polish czech slovak hungarian romanian bulgarian serbian croatian
    greek portuguese irish scottish welsh taiwanese vietnamese thai indonesian malaysian filipino
    singaporean mongolian kazakh belarusian georgian armenian lebanese jordanian afghan qatari emirati
    yemeni libyan tunisian moroccan algerian ethiopian somali sudanese venezuelan colombian chilean
    peruvian cuban kurd arab
    """.split()  # noqa: SIM905
)


def is_demonym(word: str) -> bool:
    return word.lower() in DEMONYMS


def is_acronym(tok: str) -> bool:
    return bool(_ACRONYM_RE.match(tok)) and tok not in _PLACE_ACRONYMS


def org_run(tokens: list[str]) -> str:
    """The institution that ends ``tokens`` ("... the World Health Organization"), '' when none.

    Walks back over capitalised words and the connectors between them ("of",
    "for", "and", "the"; a comma before an "and"); the run names an
    institution when it holds a head word or is a single acronym, and an
    "and" in it belongs to the name ("the Centers for Disease Control and
    Prevention", "Eli Lilly and Company"), not to two subjects ("the WHO and
    the CDC", "the Health Ministry and Finance Ministry", "Britain and the
    European Commission": the part before "and" is already an institution,
    or the part after it opens with "the").
    """
    run: list[str] = []
    for tok in reversed(tokens[-10:]):
        if tok[:1].isupper() or (run and tok.lower() in _CONNECTORS) or (tok == "," and "and" in run):
            run.append(tok)
        else:
            break
    run.reverse()
    while run and (run[0].lower() in _CONNECTORS or run[0] == ","):
        run.pop(0)
    if not run or len(run) > 8:
        return ""
    if len(run) == 1:
        tok = run[0].removesuffix("’s").removesuffix("'s")
        return tok if is_acronym(tok) or tok.lower() in {"kremlin", "pentagon", "vatican", "fed"} else ""
    seat = " ".join(run).removesuffix("’s").removesuffix("'s")
    if seat in SEATS:
        return seat  # "the White House said"
    if not any(t.lower().strip("’'s") in ORG_HEADS for t in run[1:] + run[:1]):
        return ""
    if not run[-1][:1].isupper():
        return ""
    if "and" in run and not _and_in_name(run):
        return ""
    if is_acronym(run[-1]):
        return run[-1]  # "the U.S. Department of Agriculture (USDA)"
    return " ".join(run).replace(" ,", ",")


def _and_in_name(run: list[str]) -> bool:
    cut = len(run) - 1 - run[::-1].index("and")
    left, right = run[:cut], run[cut + 1 :]
    if not left or not right or right[0].lower() in ("the", "a", "an") or not right[0][:1].isupper():
        return False
    last = left[-1].removesuffix("’s").removesuffix("'s")
    return last.lower() not in ORG_HEADS and not is_acronym(last) and last[:1].isupper()


def org_with_and(tokens: list[str]) -> str:
    """The institution that ends ``tokens`` when its name holds "and" ("Eli Lilly and Company"), else ''."""
    org = org_run(tokens)
    return org if "and" in org.split() else ""


def document_claimer(what: str) -> str:
    """Who a document or study cited after "according to" comes from; '' when it is not one.

    "a statement from the Kremlin" -> "Kremlin"; "a paper published by Chinese
    researchers in The Lancet" -> "Chinese researchers"; "a new study in the
    New England Journal of Medicine" -> "New England Journal of Medicine".
    """
    what = what.strip()
    m = _DOCUMENT_RE.match(what)
    who = _document_author(m) if m else ""
    if not who:
        own = _ORG_DOCUMENT_RE.match(what)  # "a Pew Research Center survey"
        who = org_run(own.group("org").split()) if own else ""
    return who


def _document_author(m: re.Match[str]) -> str:
    who = m.group("who").strip()
    if m.group("rel") == "by":
        venue = _VENUE_RE.search(who)
        if venue:
            who = who[: venue.start()]
        a = _AUTHOR_RE.match(who)
        who = a.group("who").strip() if a else who
    else:
        who = re.sub(r"^(?:the|The)\s+", "", who)
    words = who.split()
    if not words or len(words) > 8:
        return ""
    if any(c.isdigit() for c in who) or words[0].lower() in _MONTHS:
        return ""
    if m.group("rel") != "by" and not (
        org_run(words) or all(w[:1].isupper() or w in _CONNECTORS for w in words)
    ):
        return ""
    rel = m.group("rel")
    if rel in ("in", "at") and not (m.group("verb") == "published" or words[-1].lower() in _JOURNAL_WORDS):
        return ""  # "a trial in Wuhan", "a survey in the European Union": a place, not a publisher
    if rel in ("of", "from") and not org_run(words):
        return ""  # "a poll of Americans", "an investigation of Tesla", "data from China": not authors
    return " ".join(words)


#: Words that make "a study in X" a publication rather than a place ("in The Lancet", "in Nature").
_JOURNAL_WORDS = frozenset(
    "journal lancet nature science cell medicine review bmj jama proceedings annals bulletin".split()  # noqa: SIM905
)


_FROM_ORG_RE = re.compile(
    r"^From (?:the )?(?P<org>[A-Z][\w’'.&-]*(?: (?:of |for |and |the )*[A-Z][\w’'.&-]*){0,6}),"
)


def from_org(sentence: str) -> str:
    """The institution a sentence opens with as its source: 'From the WHO, "..."' -> "WHO"."""
    m = _FROM_ORG_RE.match(sentence)
    return org_run(m.group("org").split()) if m else ""


def label_name(sentence: str) -> str:
    """The label that opens a sentence ("Powell Remarks: ..." -> "Powell"), '' when none."""
    m = _LABEL_RE.match(sentence)
    return m.group("label") if m else ""


# "A study published in Nature found that ...", "Data from the Bureau of Labor Statistics showed":
# a document or study as the subject of a finding, after an optional opening phrase. Anchored at the
# sentence start and bounded, so the lazy subject is tried at most 120 times.
_FINDING_VERBS = (
    "found|finds|showed|shows|concluded|concludes|suggested|suggests|estimated|estimates|revealed|"
    "reveals|indicated|indicates|said|says|stated|states|warned|warns|reported|reports|predicted|predicts"
)
_DOCUMENT_SUBJECT_RE = re.compile(
    r"(?:[^,;:·]{0,80}+,\s+)?(?P<np>[A-Za-z][^,;:·()]{2,120}?)\s+(?:(?:has|have|also)\s+){0,2}"
    rf"(?:{_FINDING_VERBS})\b"
)


def document_subject(sentence: str) -> str:
    """Who stands behind a document or study that opens the sentence as its subject, '' when none.

    "A study published in Nature found ..." -> "Nature"; "A Pew Research Center
    survey found ..." -> "Pew Research Center"; "Data from the Bureau of Labor
    Statistics showed ..." -> "Bureau of Labor Statistics". A document without
    an author ("The report said ...") gives ''.
    """
    m = _DOCUMENT_SUBJECT_RE.match(sentence)
    if m is None:
        return ""
    np = m.group("np")
    return document_claimer(np[:1].lower() + np[1:])


#: Role nouns and the titles that introduce the same kind of person ("the Russian leader" is the
#: one introduced as "Russian President ...").
_ROLE_TITLES = {
    "leader": {"president", "premier", "prime", "chancellor", "leader", "king", "queen"},
    "head": {"head", "chief", "ceo", "chairman", "chairwoman", "chair", "director", "executive", "boss"},
    "executive": {"executive", "ceo"},
}
_ROLE_TITLES["chief"] = _ROLE_TITLES["boss"] = _ROLE_TITLES["head"]
_VAGUE_MODS = frozenset(
    {"then", "new", "top", "current", "longtime", "veteran", "outgoing", "chief", "senior"}
)


def role_fits(role: tuple[str, ...], intro: list[str]) -> bool:
    """Whether a person introduced by the words ``intro`` fits the role noun phrase ``role``.

    ``role`` is the lower-case modifiers then the role noun ("russian",
    "leader"); ``intro`` the few words before the person's name ("Russian",
    "President"). A modifier must be among them ("Russian", "Gazprom"); with
    none, the role or a title of its kind must be ("leader" fits "President").
    """
    *mods, noun = role
    words = {w.lower().removesuffix("’s").removesuffix("'s") for w in intro}
    if ("former" in words) != ("former" in mods):
        return False  # "the Russian leader" is not "Former Russian President Dmitry Medvedev"
    wanted = [m.removesuffix("’s").removesuffix("'s") for m in mods if m not in _VAGUE_MODS and m != "former"]
    if wanted and not any(m in words for m in wanted):
        return False
    return noun in words or not words.isdisjoint(_ROLE_TITLES.get(noun, ()))
