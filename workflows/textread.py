"""Read a regulation text (регламент) into a structured draft, line by line.

The Kazakh (and Russian) state-service regulations follow one legal template:

* section 2 lists the numbered steps "N) <actor> <action> – <number> (<number in words>)
  минут / жұмыс күні", each followed by "Нәтижесі – ..." (its result); a step may carry sub-lines
  with alternative norms by the kind of request ("17 (он жеті) жұмыс күні ішінде тану туралы
  шешімді;") or a conditional norm ("... жағдайларда – 20 (жиырма) жұмыс күн"), and the list may
  be split by route ("көрсетілетін қызметті берушіге жүгінген кезде:", "ауылдық округ әкіміне
  жүгінген кезде:");
* section 3 lists the participants ("... тізбесі: 1) ...; 2) ...");
* section 4 describes the State Corporation (ХҚО) and the portal as numbered "N-процесс" and
  "N-шарт" (condition) items.

A resolution may approve several regulations (seed 003 approves ten): each begins with its quoted
title followed by "1. Жалпы ережелер". :func:`read_text` returns every regulation found; anything
the reader cannot make sense of is a :class:`TextWarning` with its line, never dropped silently.
This module imports neither SpiffWorkflow nor the builder: it only reads text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from regflow.errors import NormError, UsageError
from regflow.workflows.norms import Norm, NormUnit

__all__ = [
    "DraftItem",
    "DraftRegulation",
    "DraftStep",
    "DraftText",
    "NormChoice",
    "Participant",
    "TextWarning",
    "find_norms",
    "number_from_words",
    "read_text",
    "role_of",
]

# ------------------------------------------------------------------------------ number words

_KK_UNITS = {
    "бір": 1, "екі": 2, "үш": 3, "төрт": 4, "бес": 5, "алты": 6, "жеті": 7, "сегіз": 8,
    "тоғыз": 9,
}
_KK_TENS = {
    "он": 10, "жиырма": 20, "отыз": 30, "қырық": 40, "елу": 50, "алпыс": 60, "жетпіс": 70,
    "сексен": 80, "тоқсан": 90,
}
_RU_WORDS = {
    "один": 1, "одна": 1, "одного": 1, "одной": 1, "два": 2, "две": 2, "двух": 2, "три": 3,
    "трех": 3, "четыре": 4, "четырех": 4, "пять": 5, "пяти": 5, "шесть": 6, "шести": 6,
    "семь": 7, "семи": 7, "восемь": 8, "восьми": 8, "девять": 9, "девяти": 9, "десять": 10,
    "десяти": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14,
    "пятнадцать": 15, "пятнадцати": 15, "шестнадцать": 16, "семнадцать": 17,
    "восемнадцать": 18, "девятнадцать": 19, "двадцать": 20, "двадцати": 20, "тридцать": 30,
    "тридцати": 30, "сорок": 40, "сорока": 40, "пятьдесят": 50, "шестьдесят": 60,
    "семьдесят": 70, "восемьдесят": 80, "девяносто": 90, "сто": 100,
}
_NUMBER_WORDS = {**_KK_UNITS, **_KK_TENS, **_RU_WORDS, "жүз": 100}


def number_from_words(text: str) -> int | None:
    """"он жеті" → 17, "жиырма" → 20, "пятнадцать" → 15; ``None`` when a word is not a number.

    Kazakh and Russian compose numbers additively (tens then units), so the sum of the words is
    the number; "жүз"/"сто" multiply what comes before them ("екі жүз" → 200)."""
    words = re.findall(r"[^\W\d_]+", text.lower().replace("ё", "е"))
    if not words:
        return None
    total = 0
    current = 0
    for word in words:
        value = _NUMBER_WORDS.get(word)
        if value is None:
            return None
        if value == 100:
            current = (current or 1) * 100
            total += current
            current = 0
        else:
            current += value
    return total + current


# ------------------------------------------------------------------------------------ norms

# unit phrases (regular expressions, lower case) -> canonical unit word of the norm grammar.
# Inflected and misspelt forms of the seeds are tolerated: "жұмыс күн", "жұмыс күні",
# "жұмыс күнінде", "жумыс куни", "рабочих дней", "мин.".
_UNIT_PATTERNS: list[tuple[str, str]] = [
    (r"жұмыс\s+күн\w*|жумыс\s+кун\w*|жұмыс\s+кун\w*|жумыс\s+күн\w*", "working days"),
    (r"күнтізбелік\s+күн\w*|күнтізбелік\s+кун\w*", "calendar days"),
    (r"күнтізбелік\s+ай\w*", "calendar months"),
    (r"рабоч\w*\s+д(?:ень|ня|ней)", "working days"),
    (r"календарн\w*\s+д(?:ень|ня|ней)", "calendar days"),
    (r"календарн\w*\s+месяц\w*|месяц\w*", "calendar months"),
    (r"минут\w*|мин\b\.?", "minutes"),
    (r"сағат\w*|сагат\w*|час(?:а|ов)?\b", "hours"),
]
_UNIT_RE = "|".join(f"(?:{p})" for p, _ in _UNIT_PATTERNS)
_NORM_RE = re.compile(
    rf"(?<![\d.,])(?P<amount>\d+)\s*(?:\((?P<words>[^()]*)\))?\s*(?P<unit>{_UNIT_RE})",
    re.IGNORECASE,
)
# a number in words alone, e.g. "отыз минут" (no digits)
_WORDS_NORM_RE = re.compile(
    rf"(?<![\w(])(?P<words>(?:(?:{'|'.join(sorted(_NUMBER_WORDS, key=len, reverse=True))})\s+)+)"
    rf"(?P<unit>{_UNIT_RE})",
    re.IGNORECASE,
)


def _canonical_unit(phrase: str) -> str:
    low = phrase.lower()
    for pattern, canonical in _UNIT_PATTERNS:
        if re.fullmatch(pattern, low.strip()):
            return canonical
    raise NormError(f"unknown unit {phrase!r}")  # pragma: no cover - the regex only finds these


@dataclass(frozen=True)
class FoundNorm:
    """A duration found in a sentence: the norm, where it is, and a remark when the number in
    words disagrees with the digits (the digits win: they are what the reader sees first)."""

    norm: Norm
    start: int
    end: int
    remark: str | None = None


def find_norms(text: str) -> list[FoundNorm]:
    """Every "<number> [(number in words)] <unit>" in ``text``, in order."""
    found: list[FoundNorm] = []
    for m in _NORM_RE.finditer(text):
        amount = int(m["amount"])
        unit = _canonical_unit(m["unit"])
        norm = Norm.parse(f"{amount} {unit}")
        norm = Norm(norm.amount, norm.unit, m.group(0).strip())
        remark = None
        if m["words"] is not None:
            in_words = number_from_words(m["words"])
            if in_words is None:
                remark = f"number in words '{m['words']}' not understood; the digits {amount} used"
            elif in_words != amount:
                remark = f"{amount} but '{m['words']}' in words ({in_words}); the digits used"
        found.append(FoundNorm(norm, m.start(), m.end(), remark))
    taken = [(f.start, f.end) for f in found]
    for m in _WORDS_NORM_RE.finditer(text):
        if any(a <= m.start() < b or a < m.end() <= b for a, b in taken):
            continue
        word_amount = number_from_words(m["words"])
        if not word_amount:
            continue
        amount = word_amount
        unit = _canonical_unit(m["unit"])
        norm = Norm.parse(f"{amount} {unit}")
        found.append(FoundNorm(Norm(norm.amount, norm.unit, m.group(0).strip()), m.start(),
                               m.end()))
    found.sort(key=lambda f: f.start)
    return found


# ------------------------------------------------------------------------------------ roles

# (pattern, role), first match wins: the more specific participant names come first.
_ROLE_PATTERNS: list[tuple[str, str]] = [
    (r"әкімі?\s+аппаратының\s+маманы|аппарата\s+акима\s+\w*\s*специалист|специалист\w*\s+"
     r"аппарата\s+акима", "akim_specialist"),
    (r"әкімі?\s+аппаратының\s+жауапты\s+орындаушы|әкімінің\s+жауапты\s+орындаушы|"
     r"ответственн\w+\s+исполнител\w+\s+аппарата\s+акима", "akim_officer"),
    (r"округ\s+әкімі|ауыл\w*\s+әкімі|кент\w*\s+әкімі|аким\w*\s+(?:сельского|поселка|села)",
     "akim"),
    (r"бөлім\s+басшы|бөлімінің\s+басшы|руководител\w+\s+отдела|начальник\w*\s+отдела",
     "dept_head"),
    (r"кеңсе|канцеляри", "clerk"),
    (r"жауапты\s+орындаушы|ответственн\w+\s+исполнител", "officer"),
    (r"басшы|руководител", "head"),
    (r"комиссия|комисси", "commission"),
    (r"жинақтаушы\s+бөлі|накопительн", "sc_storage"),
    (r"ХҚО|халыққа\s+қызмет\s+көрсету\s+орталығ|мемлекеттік\s+корпорация|ЦОН|"
     r"государственн\w+\s+корпораци", "sc_operator"),
    (r"ЗТМО|зейнетақы\s+төлеу|ГЦВП|центр\w*\s+по\s+выплате\s+пенсий", "pension_centre"),
    (r"әлеуметтік\s+қызметкер|социальн\w+\s+работник", "social_worker"),
    (r"портал", "portal"),
    (r"көрсетілетін\s+қызметті\s+алушы|услугополучател", "applicant"),
]


def role_of(actor: str) -> str | None:
    """The library role (docs/MODELLING.md) of a participant as the text names it."""
    for pattern, role in _ROLE_PATTERNS:
        if re.search(pattern, actor, re.IGNORECASE):
            return role
    return None


# ------------------------------------------------------------------------------- structures


@dataclass(frozen=True)
class TextWarning:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class Participant:
    role: str
    name: str
    line: int


@dataclass
class NormChoice:
    """One of a step's norms: an alternative by the kind of request (``kind="case"``) or a
    conditional norm that replaces the step's own one when the condition holds
    (``kind="condition"``)."""

    kind: str  # "case" | "condition"
    label: str
    norm: Norm | None
    line: int


@dataclass
class DraftStep:
    """A numbered step of section 2: "N) <actor> <action> – <norm>"."""

    number: int
    line: int
    route: str
    actor: str
    role: str | None
    action: str
    norm: Norm | None = None
    result: str | None = None
    result_line: int | None = None
    choices: list[NormChoice] = field(default_factory=list)
    refusal: str | None = None  # "... жағдайда өтінішті тіркеу жүргізілмейді"
    refusal_line: int | None = None

    @property
    def cases(self) -> list[NormChoice]:
        return [c for c in self.choices if c.kind == "case"]

    @property
    def conditions(self) -> list[NormChoice]:
        return [c for c in self.choices if c.kind == "condition"]


@dataclass
class DraftItem:
    """A numbered item of the State Corporation or portal description (section 4).

    ``tag`` is "process" for "N-процесс", "condition" for "N-шарт", "" for an untagged item
    (the applicant's visit, the portal registration)."""

    section: str  # "sc_intake" | "sc_result" | "portal"
    position: int  # the "N)" of the list
    line: int
    tag: str
    tag_number: int | None
    text: str
    norm: Norm | None = None

    @property
    def label(self) -> str:
        if self.tag == "process":
            return f"{self.tag_number}-процесс"
        if self.tag == "condition":
            return f"{self.tag_number}-шарт"
        return f"{self.position})"

    @property
    def is_check(self) -> bool:
        """A condition that checks something (has a refusal branch), not an action."""
        return self.tag == "condition" and bool(
            re.search(r"тексер|бар\s+болуын|провер", self.text, re.IGNORECASE)
        )

    @property
    def is_refusal(self) -> bool:
        return bool(
            re.search(
                r"бас\s+тарту|жоқтығы\s+туралы|мүмкіндіктің\s+жоқ|отказ|об\s+отсутствии",
                self.text,
                re.IGNORECASE,
            )
        ) and not self.is_handback

    @property
    def also_accepts(self) -> bool:
        """"бас тарту туралы хабарлама не ... қабылданғаны туралы мәртебесі" (both outcomes)."""
        return self.is_refusal and bool(re.search(r"қабылданғаны|о\s+приеме", self.text))

    @property
    def is_handback(self) -> bool:
        """The applicant receives the result ("нәтижесін ... алуы", "жеке кабинетіне")."""
        return bool(
            re.search(r"нәтижесін\W.*\bалу|нәтижесін\s+\(|получени\w+\s+результат", self.text)
        ) or bool(re.search(r"жеке\s+кабинет", self.text) and re.search(r"жолда", self.text))


@dataclass
class DraftRegulation:
    number: int
    title: str
    title_line: int
    start_line: int
    end_line: int
    participants: list[Participant] = field(default_factory=list)
    steps: list[DraftStep] = field(default_factory=list)
    items: list[DraftItem] = field(default_factory=list)
    deadlines: dict[str, tuple[Norm, int]] = field(default_factory=dict)  # "" = the service's
    warnings: list[TextWarning] = field(default_factory=list)

    def route_steps(self, route: str) -> list[DraftStep]:
        return [s for s in self.steps if s.route == route]

    def section(self, name: str) -> list[DraftItem]:
        return [i for i in self.items if i.section == name]

    @property
    def routes(self) -> list[str]:
        routes = ["provider"]
        if self.route_steps("akim"):
            routes.append("akim")
        if self.section("sc_intake"):
            routes.append("sc")
        if self.section("portal"):
            routes.append("portal")
        return routes

    @property
    def deadline(self) -> Norm | None:
        found = self.deadlines.get("")
        return found[0] if found else None


@dataclass
class DraftText:
    file: str
    regulations: list[DraftRegulation]
    warnings: list[TextWarning] = field(default_factory=list)

    def regulation(self, number: int | None) -> DraftRegulation:
        """Regulation ``number`` (1-based); with ``None`` the only one in the file."""
        if number is None:
            if len(self.regulations) != 1:
                raise UsageError(
                    f"{self.file} holds {len(self.regulations)} regulations: say which one with "
                    f"--regulation 1..{len(self.regulations)}"
                )
            return self.regulations[0]
        if not 1 <= number <= len(self.regulations):
            raise UsageError(
                f"{self.file} has no regulation {number} (it holds {len(self.regulations)})"
            )
        return self.regulations[number - 1]


# --------------------------------------------------------------------------------- reading

_SECTION = re.compile(r"^ {0,2}(?P<n>[1-9])\.\s+(?P<title>\S.*)$")
_STEP = re.compile(r"^\s*(?P<n>\d{1,2})\)\s*(?P<body>.*)$")
_RESULT = re.compile(r"^\s*(?:Нәтижесі|Результат)\s*[-–—:]?\s*", re.IGNORECASE)
_TAG = re.compile(r"^\s*(?P<n>\d+)\s*[-–]?\s*(?P<tag>процесс|шарт|условие)\b", re.IGNORECASE)
_DASH = re.compile(r"\s[-–—]\s?|\s?[-–—]\s(?=\S)")
_GENERAL = re.compile(r"Жалпы\s+ережелер|Общие\s+положения", re.IGNORECASE)
_ROUTE_HEADERS = [
    (re.compile(r"ауылдық\s+округ\s+әкіміне|акиму\s+сельского|акиму\s+поселка", re.I), "akim"),
    (re.compile(r"ХҚО|Мемлекеттік\s+корпорацияға|Госкорпораци", re.I), "sc"),
    (re.compile(r"портал", re.I), "portal"),
    (re.compile(r"көрсетілетін\s+қызметті\s+берушіге|услугодател", re.I), "provider"),
]


def _clean(line: str) -> str:
    return " ".join(line.replace("\u00a0", " ").split())


def _strip_parens(text: str) -> str:
    """Text with parenthesised asides removed (nested ones too)."""
    prev = None
    while prev != text:
        prev = text
        text = re.sub(r"\([^()]*\)", " ", text)
    return text


def read_text(path: str | Path) -> DraftText:
    """Read a regulation file (UTF-8) into its regulations, steps and warnings."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {p}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{p} is not UTF-8 text (byte {exc.start})") from None
    return read_lines(text.splitlines(), p.name)


def read_lines(lines: list[str], filename: str = "<text>") -> DraftText:
    """Split the text into regulations and read each (line numbers are 1-based)."""
    starts = _regulation_starts(lines)
    doc = DraftText(filename, [])
    if not starts:
        starts = [(0, _first_title(lines))]
    for i, (title_idx, title) in enumerate(starts):
        end_idx = starts[i + 1][0] if i + 1 < len(starts) else len(lines)
        last = end_idx - 1
        while last > title_idx and not lines[last].strip():
            last -= 1
        reg = DraftRegulation(i + 1, title, title_idx + 1, title_idx + 1, last + 1)
        _read_regulation(reg, lines, title_idx, last + 1)
        doc.regulations.append(reg)
    if not doc.regulations or not any(r.steps for r in doc.regulations):
        doc.warnings.append(TextWarning(1, "no numbered steps found: is this a regulation?"))
    return doc


def _first_title(lines: list[str]) -> str:
    for line in lines:
        if line.strip():
            m = re.search(r"[\"«“](.+?)[\"»”]", line)
            return (m.group(1) if m else line).strip()
    return "регламент"


def _regulation_starts(lines: list[str]) -> list[tuple[int, str]]:
    """(index of the title line, title) of every regulation: a quoted title line followed,
    within a few lines, by "1. Жалпы ережелер"."""
    starts = []
    for i, line in enumerate(lines):
        m = _SECTION.match(line)
        if not (m and m["n"] == "1" and _GENERAL.search(line)):
            continue
        j = i - 1
        while j >= 0 and i - j <= 4:
            if re.match(r"^\s*[\"«“]", lines[j]):
                break
            j -= 1
        if j < 0 or i - j > 4:
            j = i - 1
        title_text = " ".join(_clean(x) for x in lines[j:i])
        tm = re.search(r"[\"«“](.+?)[\"»”]", title_text)
        starts.append((j, (tm.group(1) if tm else title_text).strip()))
    return starts


def _read_regulation(reg: DraftRegulation, lines: list[str], begin: int, end: int) -> None:
    sections: dict[int, tuple[int, int]] = {}
    marks = []
    for idx in range(begin, end):
        m = _SECTION.match(lines[idx])
        if m and len(m["title"]) > 15:
            marks.append((int(m["n"]), idx))
    for k, (n, idx) in enumerate(marks):
        stop = marks[k + 1][1] if k + 1 < len(marks) else end
        sections.setdefault(n, (idx, stop))
    for idx in range(begin, end):
        _deadline(reg, lines[idx], idx + 1)
    if 2 not in sections:
        reg.warnings.append(TextWarning(reg.title_line, "no section 2 (the steps) found"))
        return
    _read_steps(reg, lines, *sections[2])
    if 3 in sections:
        _read_participants(reg, lines, *sections[3])
    else:
        reg.warnings.append(TextWarning(reg.title_line, "no section 3 (participants) found"))
    if 4 in sections:
        _read_items(reg, lines, *sections[4])


def _deadline(reg: DraftRegulation, line: str, lineno: int) -> None:
    text = _clean(line)
    if not re.search(r"көрсету\s+мерзім|қызмет\s+көрсету\s+мерзім|срок\w*\s+оказания", text,
                     re.I):
        return
    norms = find_norms(text)
    if not norms:
        return
    route = ""
    if re.search(r"ХҚО|Мемлекеттік\s+корпорация|Госкорпорац", text):
        route = "sc"
    elif re.search(r"портал", text, re.I):
        route = "portal"
    reg.deadlines.setdefault(route, (norms[0].norm, lineno))


_HEAD_NOUN = re.compile(
    r"^(?:қызметкері|маманы|басшысы|орындаушысы|әкімі|комиссия|комиссиясы|ЗТМО|алушы|"
    r"сотрудник|работник|руководитель|исполнитель|комиссия|аким|специалист)[,;:.]?$",
    re.IGNORECASE,
)
_GENITIVE = re.compile(r"(?:ның|нің|дың|дің|тың|тің|ного|ского|ата|ов)$", re.IGNORECASE)


def _split_actor(body: str) -> tuple[str, str]:
    """"көрсетілетін қызметті берушінің кеңсе қызметкері құжаттарды тіркейді" →
    (actor, action): the actor is the noun phrase up to its head noun in the nominative
    ("ауылдық округ әкімі аппаратының маманы": "әкімі" is followed by a genitive, so the phrase
    goes on to "маманы")."""
    words = body.split()
    for i, word in enumerate(words[:14]):
        if _HEAD_NOUN.match(word):
            nxt = words[i + 1] if i + 1 < len(words) else ""
            ahead = words[i + 1 : i + 4]
            if nxt and _GENITIVE.search(nxt.strip(",;:.")) and any(
                _HEAD_NOUN.match(w) for w in ahead[1:]
            ):
                continue
            return " ".join(words[: i + 1]).strip(",;:."), " ".join(words[i + 1 :]).strip(" :;")
    return "", body


def _norms_of(text: str, lineno: int, warnings: list[TextWarning]) -> list[FoundNorm]:
    found = find_norms(text)
    for f in found:
        if f.remark:
            warnings.append(TextWarning(lineno, f.remark))
    return found


def _unreadable_duration(text: str) -> bool:
    """A duration the grammar does not read: a bare "күн"/"дней" or a number-in-words alone."""
    return bool(
        re.search(r"\d+\s*(?:\([^()]*\))?\s*(?:күн\w*|дн(?:ей|я)|день|сағ\b|тәулік)", text, re.I)
    )


def _cases(text: str) -> list[str]:
    """Alternatives written on one line: "рұқсат беру - 15 ... ішінде, рұқсатты ұзарту - 5 ...".

    Split at ',' / ';' outside parentheses when at least two pieces have the "<case> – <value>"
    form; otherwise the whole text is one piece."""
    flat = _strip_parens(text)
    pieces = [p.strip(" ;,.") for p in re.split(r"[;,]\s+", flat) if p.strip(" ;,.")]
    dashed = [p for p in pieces if _DASH.search(p)]
    if len(dashed) < 2:
        return [text]
    # glue pieces without a dash to the dashed piece before them
    out: list[str] = []
    for piece in pieces:
        if _DASH.search(piece) or not out:
            out.append(piece)
        else:
            out[-1] += ", " + piece
    return out


def _read_steps(reg: DraftRegulation, lines: list[str], begin: int, end: int) -> None:
    route = "provider"
    current: DraftStep | None = None
    label_prefix = ""  # "жұмыс берушілерге шетелдік жұмыс күшін тартуға:" before cases
    in_result = False
    seen_steps = False
    warnings = reg.warnings
    for idx in range(begin + 1, end):
        lineno = idx + 1
        text = _clean(lines[idx])
        if not text:
            continue
        step = _STEP.match(text)
        if text.endswith(":") and re.search(r"жүгінген\s+кезде|при\s+обращении", text, re.I) \
                and len(text) < 120:
            for pattern, name in _ROUTE_HEADERS:
                if pattern.search(text):
                    route = name
                    break
            else:
                warnings.append(TextWarning(lineno, f"route heading not understood: {text!r}"))
            if route == "sc":
                warnings.append(TextWarning(
                    lineno, "a State Corporation route inside section 2: read as the provider's"))
                route = "provider"
            current, in_result, label_prefix = None, False, ""
            continue
        if step:
            body = step["body"]
            actor, action = _split_actor(body)
            role = role_of(actor) if actor else None
            found = _norms_of(body, lineno, warnings)
            current = DraftStep(int(step["n"]), lineno, route, actor, role, action)
            reg.steps.append(current)
            seen_steps = True
            in_result, label_prefix = False, ""
            if not actor or role is None:
                warnings.append(TextWarning(
                    lineno, f"step {current.number}): the actor is not a known participant "
                    f"({(actor or body)[:60]!r})"))
            cases = _cases(body) if found else [body]
            if len(cases) > 1:
                for piece in cases:
                    pf = find_norms(piece)
                    current.choices.append(
                        NormChoice("case", piece, pf[-1].norm if pf else None, lineno))
                    if not pf:
                        warnings.append(TextWarning(
                            lineno, f"step {current.number}): no norm for the case "
                            f"'{piece[:60]}'"))
            elif found:
                current.norm = found[-1].norm
                if len({f.norm for f in found}) > 1:
                    warnings.append(TextWarning(
                        lineno, f"step {current.number}): several durations in one sentence "
                        f"({', '.join(f.norm.text for f in found)}); the last one is the norm"))
            continue
        if _RESULT.match(text):
            if current is None:
                warnings.append(TextWarning(lineno, "a result (Нәтижесі) without a step"))
                continue
            result = text.rstrip(" ;.")
            if current.result:
                current.result += " " + result
            else:
                current.result, current.result_line = result, lineno
            in_result = True
            continue
        if current is None or in_result:
            if seen_steps and not in_result:
                warnings.append(TextWarning(lineno, f"text not read: {text[:80]!r}"))
            elif seen_steps and in_result and current is not None:
                # a result running over two paragraphs
                current.result = (current.result or "") + " " + text.rstrip(" ;.")
            continue
        # a sub-line of the current step
        found = _norms_of(text, lineno, warnings)
        if found:
            if current.norm is not None and not current.cases:
                label = re.sub(r"\s*[-–—]?\s*$", "", text[: found[0].start]).strip(" –-—")
                current.choices.append(NormChoice("condition", label or text,
                                                  found[-1].norm, lineno))
                if not re.search(r"жағдай|кезде|в\s+случа|при\s+", text, re.I):
                    warnings.append(TextWarning(
                        lineno, f"step {current.number}): a second norm without a condition "
                        "word (жағдайда / кезде); read as a conditional norm"))
            else:
                pieces = _cases(text)
                for piece in pieces:
                    pf = find_norms(piece)
                    label = (label_prefix + " " + piece).strip()
                    current.choices.append(
                        NormChoice("case", label, pf[-1].norm if pf else None, lineno))
                    if not pf:
                        warnings.append(TextWarning(
                            lineno, f"step {current.number}): no norm for the case "
                            f"'{piece[:60]}'"))
            continue
        if text.endswith(":"):
            label_prefix = text.rstrip(":")
            continue
        if re.search(r"жағдай|в\s+случае", text, re.I) and re.search(
            r"жүргізілмейді|бас\s+тарт|қайтарылады|не\s+производится|отказ", text, re.I
        ):
            current.refusal, current.refusal_line = text.rstrip(" ;."), lineno
            continue
        if _unreadable_duration(text):
            warnings.append(TextWarning(lineno, f"a duration that cannot be read: {text[:80]!r}"))
        current.action = (current.action + "; " + text.rstrip(" ;.")).strip("; ")
        current.choices.append(NormChoice("part", text.rstrip(" ;."), None, lineno))
    # finish: a step whose only sub-lines are parts; alternatives without a norm
    for s in reg.steps:
        parts = [c for c in s.choices if c.kind == "part"]
        if parts and s.cases:
            for c in parts:  # a case line without a norm between cases
                c.kind = "case"
                warnings.append(TextWarning(
                    c.line, f"step {s.number}): no norm for the case '{c.label[:60]}'"))
        s.choices = [c for c in s.choices if c.kind != "part"]
        if s.norm is None and not s.cases:
            warnings.append(TextWarning(s.line, f"step {s.number}): no norm in the text"))
        if not s.result:
            warnings.append(TextWarning(s.line, f"step {s.number}): no result (Нәтижесі)"))
    if not reg.steps:
        warnings.append(TextWarning(begin + 1, "section 2 has no numbered steps"))


def _read_participants(reg: DraftRegulation, lines: list[str], begin: int, end: int) -> None:
    listing = False
    for idx in range(begin + 1, end):
        text = _clean(lines[idx])
        if not text:
            continue
        if re.search(r"тізбесі|перечень", text, re.I):
            listing = True
            continue
        if not listing:
            continue
        m = _STEP.match(text)
        if not m:
            break
        name = m["body"].strip(" ;.,")
        role = role_of(name)
        if role is None:
            reg.warnings.append(TextWarning(idx + 1, f"participant not understood: {name!r}"))
            continue
        if any(p.role == role for p in reg.participants):
            reg.warnings.append(TextWarning(
                idx + 1, f"participant listed twice (role {role}): {name!r}"))
            continue
        reg.participants.append(Participant(role, name[:1].upper() + name[1:], idx + 1))
    if not reg.participants:
        reg.warnings.append(TextWarning(begin + 1, "no participant list in section 3"))


def _item_section(header: str) -> str | None:
    if re.search(r"портал", header, re.I) and re.search(
        r"жүгіну|тәртібін|реттілігін|порядка|описание", header, re.I
    ):
        return "portal"
    if re.search(r"ХҚО|Мемлекеттік\s+корпорация|Госкорпорац|ЦОН", header):
        if re.search(r"нәтижесін|результат", header, re.I):
            return "sc_result"
        if re.search(r"жүгіну|обращени", header, re.I):
            return "sc_intake"
    return None


def _read_items(reg: DraftRegulation, lines: list[str], begin: int, end: int) -> None:
    section: str | None = None
    for idx in range(begin + 1, end):
        lineno = idx + 1
        text = _clean(lines[idx])
        if not text:
            continue
        m = _STEP.match(text)
        if not m:
            section = _item_section(text) if text.endswith(":") else None
            continue
        if section is None:
            continue
        body = m["body"]
        tag = _TAG.match(body)
        kind, number = "", None
        if tag:
            kind = "process" if tag["tag"].lower() == "процесс" else "condition"
            number = int(tag["n"])
            body = body[tag.end():].lstrip(" –-—")
        elif re.match(r"^\s*\d+\s*[-–]?\s*(?:процес|шар)", body, re.I):
            reg.warnings.append(TextWarning(lineno, f"item tag not understood: {body[:40]!r}"))
        found = _norms_of(body, lineno, reg.warnings)
        item = DraftItem(section, int(m["n"]), lineno, kind, number, body.strip(),
                         found[-1].norm if found else None)
        reg.items.append(item)


def total_by_unit(norms: list[Norm]) -> dict[NormUnit, int]:
    """Sum of norms per unit (used in messages and tests)."""
    out: dict[NormUnit, int] = {}
    for n in norms:
        out[n.unit] = out.get(n.unit, 0) + n.amount
    return out
