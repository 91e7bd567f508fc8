"""Names of people in an article: titles, words that are never names, and the index of who is who.

A title or role before a capitalised run introduces a person ("Foreign
Minister Wang Yi" -> "Wang Yi"); :class:`PersonIndex` remembers the full
names an article gives, so that a surname alone ("Putin said") or a pronoun
can be resolved to one of them, and only when that is unambiguous.
Plain Python, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .claimers import DEMONYMS


def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


TOKEN_RE = re.compile(r"[A-Za-z][A-Za-z’'.-]*[A-Za-z]|[A-Za-z]\.?|[,.;:!?]")

TITLE_WORDS = _words(
    """
    president vice prime minister ministers deputy secretary state defense defence foreign finance
    commerce trade
    interior economy economic home justice treasury chancellor senator sen. sen rep. rep representative
    congressman congresswoman governor gov. gov mayor ceo cfo coo cto chairman chairwoman chairperson chair
    chief executive officer director head spokesman spokeswoman spokesperson press columnist analyst economist
    professor prof. prof dr. dr mr. mr mrs. mrs ms. ms general gen. gen admiral colonel col. major lieutenant
    commander captain sergeant king queen prince princess pope ambassador envoy judge justice commissioner
    leader aide adviser advisor official counterpart premier president-elect founder co-founder editor
    reporter
    correspondent lawmaker mp sheikh emir crown lord sir dame senior former acting interim then policy
    security
    national general-secretary party speaker sen. attorney auditor inspector governor-general vice-president
    strategist researcher scientist expert fellow historian author journalist commentator activist lawyer
    physician doctor nurse spokesperson's manager treasurer superintendent comptroller sheriff prosecutor
    councilman councilwoman councillor alderman assemblyman assemblywoman trustee coach principal member
    democrat republican conservative socialist libertarian labour
    of the for and on at to in with
    """
)
FUNCTION_WORDS = frozenset({"of", "the", "for", "and", "on", "at", "to", "in", "with"})
#: Professions that introduce a name like a title does ("infection control specialist Roy
#: Chemaly", "astrobiologist Graham Lau"): the few listed and any "-ologist" or "-ician".
_PROFESSION_WORDS = frozenset({"specialist", "veterinarian", "consultant", "pharmacist", "surgeon"})
_PROFESSION_SUFFIXES = ("ologist", "ician")


def is_title(word: str) -> bool:
    """Whether a lower-case word before a name is a title, a role or a profession (not "of", "the"...)."""
    low = word.lower()
    if low in FUNCTION_WORDS:
        return False
    return (
        low in TITLE_WORDS
        or low in _PROFESSION_WORDS
        or (low.isalpha() and low.endswith(_PROFESSION_SUFFIXES))
    )


PARTICLES = frozenset(
    {"de", "da", "van", "von", "bin", "al", "la", "le", "del", "di", "du", "dos", "der", "ten"}
)
NOT_NAME_WORDS = _words(
    """
    times news post press service agency ministry office kremlin house department council committee bank fund
    union organization organisation party government reuters bloomberg tass interfax xinhua ria novosti
    cooperation security forces army navy data institute university group company inc ltd corp square street
    day war siberia power moscow beijing washington russia china ukraine korea states united europe european
    america asia africa japan india iran israel germany france britain london paris kyiv kiev seoul tokyo
    mongolia slovakia brazil canada mexico taiwan nato un eu us uk usa world
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
    september october november december the a an this that these those it its he she they we i you our their
    his her north south east west central federal national international global republic kingdom
    communist democratic republican democrats republicans congress senate parliament duma court police
    media network channel website statement document report data customs intelligence officials
    """
)

#: Words that open sentences and are capitalised only for that: never the first word of a name
#: ("But Smith said" names Smith, not "But Smith").
SENTENCE_OPENERS = _words(
    """
    but and or so yet when while after before since if as then now still also even only meanwhile
    however although though because why how what where who which whose last next both each every many
    most some other such our my your no not all any few more much several another once until unless
    whether despite during under over among between against without within across through instead
    earlier later today yesterday tomorrow tonight here there asked speaking according like unlike
    following amid given including
    """
)
#: Countries, capitals and regions that stand for a government ("Ankara said"): a place is never a
#: speaker. Only for a lone word; names that are also places ("Jordan", "Georgia") are left out.
PLACE_WORDS = _words(
    """
    afghanistan albania algeria argentina armenia australia austria azerbaijan bahrain bangladesh
    belarus belgium bolivia bosnia brazil bulgaria cambodia cameroon chile colombia congo croatia cuba
    cyprus denmark ecuador egypt estonia ethiopia finland ghana greece guatemala haiti honduras hungary
    iceland indonesia iraq ireland italy kazakhstan kenya kosovo kuwait kyrgyzstan laos latvia lebanon
    libya lithuania luxembourg malaysia mali malta moldova montenegro morocco mozambique myanmar nepal
    netherlands nicaragua niger nigeria norway oman pakistan palestine panama paraguay peru philippines
    poland portugal qatar romania rwanda serbia singapore slovenia somalia spain sudan sweden switzerland
    syria tajikistan tanzania thailand tunisia turkey turkmenistan uganda uruguay uzbekistan venezuela
    vietnam yemen zambia zimbabwe gaza crimea donbas kabul tehran ankara baghdad damascus beirut riyadh
    cairo islamabad delhi dhaka bangkok hanoi manila jakarta canberra ottawa brasilia caracas havana
    bogota lima santiago madrid rome berlin vienna warsaw prague budapest bucharest sofia athens
    belgrade zagreb minsk vilnius riga tallinn helsinki stockholm oslo copenhagen dublin brussels
    amsterdam lisbon bern geneva pyongyang taipei doha jerusalem kiev kyiv nairobi pretoria abuja
    alabama alaska arizona arkansas california colorado connecticut delaware florida hawaii idaho
    illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota
    mississippi missouri montana nebraska nevada hampshire jersey mexico york carolina dakota ohio
    oklahoma oregon pennsylvania rhode tennessee texas utah vermont virginia wisconsin wyoming
    chicago houston phoenix philadelphia dallas austin boston seattle denver detroit miami atlanta
    baltimore hollywood manhattan brooklyn toronto montreal vancouver sydney melbourne mumbai shanghai
    hong kong dubai istanbul lagos johannesburg god christmas easter heaven
    """
)


#: Words after which a name is an object, not the subject of the verb that follows the name:
#: "critics of Mayor Eric Adams said", "an aide to President Biden said", "a case against Trump".
GOVERNING_WORDS = _words(
    """
    of for to against with by from about toward towards on at in into over under behind beside besides
    between among amongst like unlike including alongside versus vs than near without within via per
    after before despite around through upon onto
    """
)
#: Verbs whose participle makes the name after it an object ("investigators probing Boeing CEO
#: Dave Calhoun said"); other words in -ing are often nouns ("Tuesday morning", "housing secretary").
_OBJECT_PARTICIPLES = _words(
    """
    probing investigating suing opposing criticizing criticising supporting representing defending
    prosecuting accusing attacking interviewing quoting citing endorsing challenging advising backing
    targeting questioning blaming praising urging thanking joining replacing succeeding visiting meeting
    """
)
_RELATIVE_WORDS = frozenset({"who", "whom", "whose", "which"})
_TIMES = _words(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december today tonight yesterday
    """
)
#: Title words that also open company and agency names ("General Motors", "National Rail",
#: "Social Security Administration"): before a lone word they do not make it a person's name.
ADJECTIVE_TITLES = _words(
    """
    national security state general home trade commerce economic economy interior treasury
    foreign finance defense defence policy party press
    """
)


def governed(before: Sequence[str], k: int) -> bool:
    """Whether the name run after ``before[k]`` is the object of what precedes it, not a subject.

    The titles before the name are stepped over ("Secretary of State" as one
    title); then a preposition ("critics of Mayor Eric Adams said"), a verb's
    participle ("investigators probing Boeing CEO Dave Calhoun said") or a
    relative clause opened since the last comma ("residents who sued Mayor
    Brandon Johnson said") makes the name an object: the speaker is someone else.
    """
    j = k
    titled = institution = False
    while j >= 0:
        word = before[j]
        if is_title(word):
            j, titled = j - 1, True
        elif word == "." and j > 0 and is_title(before[j - 1]):
            j -= 1  # "Gov." is "Gov" and "."
        elif word.lower() == "of" and j > 0 and is_title(before[j - 1]):
            j -= 2  # "Secretary of State", "Chief of Staff"
        elif titled and word[:1].isupper() and word.lower() not in _TIMES:
            j, institution = j - 1, True  # "Boeing CEO", "Gazprom chief": the title's institution
        elif institution and word.lower() in ("of", "for", "and") and j > 0 and before[j - 1][:1].isupper():
            j -= 1  # "Bank of England governor"
        else:
            break
    if j < 0:
        return False
    word = before[j]
    low = word.lower()
    if low in GOVERNING_WORDS:
        return True
    if word == low and low in _OBJECT_PARTICIPLES:
        return True
    for tok in reversed(before[: j + 1]):
        if tok in (",", ";", ":"):
            return False
        if tok.lower() in _RELATIVE_WORDS:
            return True
    return False


def is_cap(tok: str) -> bool:
    return tok[:1].isupper() and (len(tok) == 1 or not tok.isupper() or len(tok) <= 2 or "." in tok)


def name_tokens_ok(toks: Sequence[str]) -> bool:
    for t in toks:
        if t.lower().rstrip(".") in NOT_NAME_WORDS or t.lower() in TITLE_WORDS:
            return False
        if t.endswith(("’s", "'s")):
            return False
    return True


def strip_possessive(tok: str) -> str:
    return tok[:-2] if tok.endswith(("’s", "'s")) else tok


_NO_NAMES: frozenset[str] = frozenset()
# A look-up whose every token is shared by more full names than this is left unresolved
# (articles name a handful of people per surname). Copying the candidate set on every look-up
# was quadratic: 21,000 "Minister John X Smith" then 13,000 "Smith said ..." took 18 s (now 0.6 s).
_MAX_SHARING = 64


class PersonIndex:
    """Full names seen in the article and the tokens that may refer to them."""

    def __init__(self) -> None:
        # a set: with a list, 52,000 distinct names took 22 s to add (now 0.5 s)
        self.full: set[str] = set()
        self._by_token: dict[str, set[str]] = {}

    def add(self, name: str) -> None:
        if name in self.full:
            return
        self.full.add(name)
        for tok in name.split():
            if len(tok) > 1 and tok.lower() not in PARTICLES:
                self._by_token.setdefault(tok, set()).add(name)

    def resolve(self, name: str) -> str:
        """Full name for ``name`` ("Putin" -> "Vladimir Putin"); '' when unknown or ambiguous."""
        if name in self.full:
            return name
        groups = [self._by_token.get(tok, _NO_NAMES) for tok in name.split()]
        if not groups:
            return ""
        smallest = min(groups, key=len)
        if len(smallest) > _MAX_SHARING:
            return ""
        cands = [n for n in smallest if all(n in g for g in groups)]
        return cands[0] if len(cands) == 1 else ""

    def shared(self, token: str) -> bool:
        """Whether two or more full names hold ``token`` ("Trump": Donald and Ivanka)."""
        return len(self._by_token.get(token, _NO_NAMES)) > 1

    def mentions(self, text: str) -> list[tuple[int, str]]:
        """(offset, full name) of every unambiguous reference to a known person in ``text``."""
        out: list[tuple[int, str]] = []
        for m in TOKEN_RE.finditer(text):
            tok = strip_possessive(m.group(0))
            names = self._by_token.get(tok)
            if names and len(names) == 1:
                name = next(iter(names))
                if not out or out[-1][1] != name or m.start() - out[-1][0] > len(name) + 1:
                    out.append((m.start(), name))
        return out


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text)


_CAP_RUN_RE = re.compile(
    r"[A-Z][\w’'.-]*(?: (?:(?:de|da|van|von|bin|al|la|le|del|di|du|dos|der) )?[A-Z][\w’'.-]*)*"
)
_PREV_WORD_RE = re.compile(r"([A-Za-z][\w-]*) $")


def titled_names(text: str) -> list[str]:
    """Names introduced with a title or role: "Foreign Minister Wang Yi" -> "Wang Yi"."""
    out: list[str] = []
    for m in _CAP_RUN_RE.finditer(text):
        run_text = m.group(0)
        if " " not in run_text:
            continue  # a name needs two words after its title
        toks = run_text.split(" ")
        last_title = -1
        for k, tok in enumerate(toks):
            low = tok.lower()
            if low in TITLE_WORDS and low not in FUNCTION_WORDS:
                last_title = k
        if last_title < 0:
            pw = _PREV_WORD_RE.search(text, max(0, m.start() - 30), m.start())
            if not pw or not is_title(pw.group(1)):
                continue
        run = toks[last_title + 1 :]
        while run and run[-1].lower() in PARTICLES:
            run.pop()
        if run:
            run[-1] = strip_possessive(run[-1].rstrip("."))
        if 2 <= len(run) <= 5 and name_tokens_ok(run):
            out.append(" ".join(run))
    return out


def lone_name(run: Sequence[str], initial: bool, proper: frozenset[str]) -> str:
    """A single capitalised word as the speaker when it is surely a proper noun, else ''.

    "..., Biden said" names who spoke even when the article never gives a full
    name, and so does "Tesla said" at a sentence start when the article also
    writes the word inside a sentence (``proper``: "shares of Tesla").
    "Officials said" at a sentence start, places ("Ankara said"), demonyms
    ("Americans say"), titles and openers never do.
    """
    if len(run) != 1:
        return ""
    tok = strip_possessive(run[0]).rstrip(".")
    low = tok.lower()
    if len(tok) < 3 or not tok.isalpha() or not tok[:1].isupper() or not tok[1:].islower():
        return ""
    if low in NOT_NAME_WORDS or low in TITLE_WORDS or low in SENTENCE_OPENERS or low in PLACE_WORDS:
        return ""
    if low in DEMONYMS or low.removesuffix("s") in DEMONYMS:
        return ""
    return tok if not initial or tok in proper else ""


def name_before(masked: str, pos: int) -> list[str]:
    """Capitalised name tokens right before ``pos``, walking back to a title or a lower-case word."""
    return name_before_tokens(tokens(masked[max(0, pos - 120) : pos]))


def cap_run(toks: Sequence[str]) -> list[str]:
    """The capitalised tokens (and particles inside them) that end ``toks``, stopping at a title."""
    run: list[str] = []
    for tok in reversed(toks):
        if (is_cap(tok) and tok.lower() not in TITLE_WORDS) or (run and tok.lower() in PARTICLES):
            run.append(tok)
        else:
            break
    run.reverse()
    return run


def name_before_tokens(toks: list[str]) -> list[str]:
    """The name run that ends ``toks``: at most four tokens, no particle first."""
    run = cap_run(toks)
    if len(run) > 4:
        return []
    while run and run[0].lower() in PARTICLES:
        run.pop(0)
    return run
