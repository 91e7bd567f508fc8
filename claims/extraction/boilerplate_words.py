"""What boilerplate says: the words and shapes the cleaner (:mod:`.clean`) recognises.

Calls to action, syndication footers, photo credits, bylines, author's notes,
words that address the reader or appeal for support, and reported speech.
Every pattern is matched against one line and runs in time linear in it
(``tests/extraction/test_linear_time.py``).
"""

from __future__ import annotations

import re

# Matched against the lower-cased line (a case-insensitive pattern is several times slower).
CTA_RE = re.compile(
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
SYNDICATION_RE = re.compile(
    r"^(?:the post\b.{1,300}\bappeared first on\b|this (?:article|story) (?:was |is )?(?:originally |first )?"
    r"(?:published|appeared)\b|originally published (?:on|at|by)\b|read the original\b|"
    r"republished (?:with permission|from)\b|our standards:|(?:©|copyright)\s)",
    re.IGNORECASE,
)
SYNDICATION_FIRST = frozenset("TtOoRr©Cc")
CREDIT_START_RE = re.compile(
    r"^(?:\(?(?:photo|image|picture|video|file photo|photograph|illustration|credit|source|caption)s?"
    r"(?: credit)?\s*[:|/]|\(?photo by\b|\(?image by\b|"
    r"(?:image|photo|video) (?:caption|source|credit)s?\s*[,:]|"
    r"\(?(?:additional )?(?:reporting|writing|editing|compiled|research) by\b)",
    re.IGNORECASE,
)
CREDIT_END_RE = re.compile(
    r"(?:\b(?:press service|press office|getty images|afp|reuters|ap photo|associated press|epa|"
    r"shutterstock|wikimedia commons|handout|pool photo|file photo|tass|sputnik|xinhua|"
    r"anadolu|bloomberg|photo|photos|credit)|/\s*[A-Z][\w .]*)\s*\)?$",
    re.IGNORECASE,
)
IMPERATIVE_RE = re.compile(
    r"^(?:support|donate|subscribe|follow (?:us|our)|share (?:this|on)|download|listen (?:to|now)|"
    r"log (?:in|on)\b|"
    r"watch (?:now|the)|"
    r"sign (?:up|in)|register|become a|join (?:us|our|the)|click|tap|read (?:more|next|also)|see also|"
    r"related|advertisement|sponsored)\b",
    re.IGNORECASE,
)
BYLINE_RE = re.compile(
    r"^(?:(?-i:By [A-Z])|(?:updated|published|posted|last updated|first published)\b[: ]|"
    r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,? \w+ \d{1,2},? \d{4}\b)",
    re.IGNORECASE,
)
# An author's note: "Jenna Morales covers city government. Reach her at jm@example.com."
CONTACT_RE = re.compile(
    r"\b(?:reach|contact|email|e-mail|write to) (?:her|him|the (?:author|reporter|writer)) (?:at|on|via) "
    r"(?:[\w.+-]+@[\w-]+\.[\w.]+|@\w+|\+?\d[\d ().-]{6,})",
    re.IGNORECASE,
)
# the lookaheads (first letters of the alternatives) let the scans skip other word starts quickly
READER_RE = re.compile(r"\b(?=[ywou])(?:you|your|yours|we|our|us)\b", re.IGNORECASE)
APPEAL_RE = re.compile(
    r"\b(?=[jrnoify])(?:journalism|journalists|readers?|newsroom|our (?:work|reporting|mission|team|staff)|"
    r"independent media|free press|your help|your support)\b",
    re.IGNORECASE,
)
# Cheap word test run before the call-to-action pattern: every branch of the
# pattern contains one of these words, so a line without any cannot match it.
CTA_TRIGGERS = frozenset(
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
REPORTED_RE = re.compile(r"\b(?:said|says|according to|reported|told|announced|estimated)\b")
