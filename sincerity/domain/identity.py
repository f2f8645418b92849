"""§III(1) real-name basis: who a record is about, by resident ID number or credit code.

Persons are identified by the 18-digit citizen identity number (GB 11643-1999) and by the
numbers built on it; organisations by the Unified Social Credit Code (GB 32100-2015). The check
digits come from python-stdnum, but `stdnum.cn.ric` and `stdnum.cn.uscc` alone are wrong for
the numbers people really type and hold, so this module is a thin layer over them:

Genuine numbers stdnum rejects, which we accept:

* `ric` looks the region code up in its copy of GB/T 2260 (`loc.dat`) and requires the county
  to have existed in the *birth year*. A number never changes when a county is renamed, merged
  or abolished, and it is assigned at registration, not at birth: someone born in 1990 and
  registered in Tongzhou (110112, created 1997) is rejected, and so is every holder of a
  Hong Kong or Macao residence permit born before 1997/1999 (810000 is dated `[1997-]`).
  So is everyone born before 1983 holding 510202, Chongqing's central district under Sichuan
  (1983-1997). Taiwan residents' permits (830000) and codes missing from `loc.dat` are rejected
  too, and a county missing under a known province (e.g. 110199) crashes with `KeyError`
  instead of a ValidationError. We accept any code with a real province prefix and a plausible
  structure, and never call `ric.validate` (which is also slow: about 20 us a number).
* `ric` does not strip spaces or hyphens, and a full-width X (U+FF38) fails the check digit; `uscc`
  rejects full-width letters. We normalise what forms and input methods produce (NFKC,
  separators, zero-width characters, lower case, the multiplication sign for X).
* `uscc` requires the first 8 characters to be digits, but registration departments A
  (military), N (agriculture: rural collective economic organisations) and Y (other) are
  letters; we accept them.
* The 2023 foreign permanent residence ID card carries an 18-digit number on the same pattern
  (first digit 9, issuing province, nationality, birth date, sequence, MOD 11-2); stdnum
  rejects it, we accept it as a person.

Impossible numbers stdnum accepts, which we reject:

* birth dates after `today`, and before 1870 (`ric` accepts year 0100);
* a province's own code (110000) as a person's county-level address code;
* USCC registration department and organisation category pairs that GB 32100-2015 does not
  define (stdnum accepts 00..., 99...), and registration regions without a real province.

Not enforced, deliberately: the GB 11714 check character inside a USCC (positions 9-17). The
outer check character already detects every single-character error, the segment is assigned
by the code authority, and issued codes are reported to deviate from the rules (hutool issue
2020 cites a licence with 91350203M0001FUE2P, whose outer check should be J), so rejecting on
it risks turning away real organisations for little gain.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Final, NamedTuple

from stdnum.cn import ric

from sincerity.domain.catalogue import SubjectKind
from sincerity.kit.errors import InvalidInputError

__all__ = [
    "EARLIEST_BIRTH_DATE",
    "Identity",
    "InvalidSubjectNumberError",
    "SubjectKind",
    "age_on",
    "check_number",
    "mask_number",
    "normalise_name",
    "normalise_number",
    "parse_number",
]

# The 18-digit number began on 1 October 1999 (State Council decision GF [1999] No. 15); no one
# verified has lived past 122, so no holder was born before 1877. 1870 leaves margin for
# documented but unverified ages (e.g. an ID card dated 1886) and still catches typed years
# like 1080 or 1800.
EARLIEST_BIRTH_DATE: Final = date(1870, 1, 1)

# GB/T 2260 province-level codes of the mainland.
_MAINLAND: Final = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41"}
    | {"42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
)
# Taiwan (710000 in GB/T 2260) and the residence permits for Hong Kong (810000), Macao (820000)
# and Taiwan (830000) residents: whole-region codes, never a county below them.
_WHOLE_REGION: Final = frozenset({"71", "81", "82", "83"})
_PERSON_PROVINCES: Final = _MAINLAND | _WHOLE_REGION
# USCC registration regions: registration authorities sit on the mainland; 100000 is the
# national level (e.g. 53100000500019795A, a foundation registered by the Ministry of Civil
# Affairs). 66 is accepted as a precaution: some national systems code the Xinjiang Production
# and Construction Corps so, though GB/T 2260 does not, and we could not rule out that its
# registration authorities use it; the check character still catches a mistyped 65.
_USCC_PROVINCES: Final = _MAINLAND | {"66"}

# GB 32100-2015 table of registration departments and their organisation categories, as
# extended since 2016 (departments 2-4, 6-8, A, N).
_USCC_CATEGORIES: Final[dict[str, frozenset[str]]] = {
    "1": frozenset("1239"),  # establishment: organs, public institutions, mass organisations
    "2": frozenset("19"),  # foreign affairs: resident foreign news agencies
    "3": frozenset("123459"),  # justice: law firms, notaries, legal services, forensics, arbitration
    "4": frozenset("19"),  # culture: foreign cultural centres
    "5": frozenset("1239"),  # civil affairs: social organisations, private non-enterprise units, foundations
    "6": frozenset("129"),  # tourism: representative offices
    "7": frozenset("129"),  # religion: venues, colleges
    "8": frozenset("19"),  # trade unions
    "9": frozenset("123"),  # industry and commerce: enterprises, individual businesses, cooperatives
    "A": frozenset("19"),  # Central Military Commission: military public institutions
    "N": frozenset("1239"),  # agriculture: rural collective economic organisations
    "Y": frozenset("1"),  # other
}
_USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
# GB/T 17710 (ISO 7064 MOD 31-3): weight 3**i mod 31 at position i; per position, the weighted
# value of each character, precomputed for the hot path.
_USCC_TERMS: Final = tuple({c: v * pow(3, i, 31) for v, c in enumerate(_USCC_ALPHABET)} for i in range(17))
_EXCLUDED_LETTERS: Final = frozenset("IOSVZ")

_PERSON_CHECK_CHARS: Final = frozenset("0123456789X")
_DASHES: Final = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_SEPARATORS: Final = {ord(c): None for c in _DASHES}
_SCIENTIFIC: Final = re.compile(r"\d(\.\d+)?E\+?\d+")
_OLD_PR_CARD: Final = re.compile(r"[A-Z]{3}\d{12}")

_CJK: Final = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
_NAME_DOTS: Final = {ord(c): "·" for c in "\u0387\u2022\u2027\u2219\u22c5\u2e31\u30fb\uff65"}
_SPACE_BETWEEN_CJK: Final = re.compile(f"(?<=[{_CJK}·.。]) (?=[{_CJK}·.。])")
_PERIOD_BETWEEN_CJK: Final = re.compile(f"(?<=[{_CJK}])[.。](?=[{_CJK}])")


class InvalidSubjectNumberError(InvalidInputError):
    """The text is not a resident ID number or credit code we can accept; says why."""

    code = "invalid_subject_number"

    def __init__(self, message: str, *, problem: str) -> None:
        super().__init__(message, details={"problem": problem})
        self.problem = problem


class Identity(NamedTuple):
    """A validated subject number: canonical text, kind, and what a person's number tells.

    A named tuple rather than a frozen dataclass: as immutable, and built in a quarter of the
    time, which counts when a batch check validates 10,000 numbers."""

    number: str
    kind: SubjectKind
    birth_date: date | None = None
    sex: str | None = None  # "M" or "F", persons only

    def masked(self) -> str:
        """The number as shown to anyone but the subject (DESIGN §2.4)."""
        return mask_number(self.number, kind=self.kind)


class _Rejected(Exception):
    """Internal: a validator's refusal, and how many leading characters were consistent."""

    def __init__(self, problem: str, message: str, matched: int) -> None:
        super().__init__(message)
        self.problem = problem
        self.message = message
        self.matched = matched


def normalise_number(raw: str) -> str:
    """Canonical text of a typed number: NFKC, no separators or invisible characters, upper case.

    Does not validate: what is left may still be wrong, and `parse_number` says how.
    """
    if raw.isascii():
        if raw.isalnum():  # the hot path: already clean
            return raw.upper()
        text = raw
    else:
        # Full-width digits and letters from input methods, the Roman numeral ten U+2169 (GB
        # 11643 defines X as the Roman ten), ideographic spaces: all fold to ASCII under NFKC.
        text = unicodedata.normalize("NFKC", raw)
        # Zero-width spaces, joiners, soft hyphens, BOMs, direction marks from copy and paste.
        text = "".join(c for c in text if unicodedata.category(c) != "Cf")
        text = text.replace("\u00d7", "X")  # the multiplication sign, offered for X by symbol palettes
    text = "".join(text.translate(_SEPARATORS).split())
    if text.startswith("'"):  # a spreadsheet's "treat as text" prefix
        text = text[1:]
    return text.upper()


def parse_number(raw: str, *, today: date) -> Identity:
    """Validate a resident ID number or USCC as typed; raise a specific, human reason if not.

    An 18-digit text can be read both ways, and in rare cases both readings hold. A person is
    tried first, since citizens' numbers vastly outnumber all-digit credit codes; but a number
    starting with 9 is tried as a credit code first, since enterprises (91...) vastly outnumber
    holders of foreign permanent residence cards (9...). The message never repeats the number.
    """
    return _quick_person(raw, today) or _parse(raw, today)


_CHECK_CHARACTERS: Final = "0123456789X"


def _quick_person(raw: str, today: date) -> Identity | None:
    """The common case in one pass (a batch check validates 10,000 numbers): 17 ASCII digits
    and a digit or X, a county of the mainland, a real birth date, the right check digit.
    None sends the text the long way, which also says what is wrong; both agree on what they
    accept (a property test holds them to it)."""
    if len(raw) != 18 or not raw.isascii() or not raw[:17].isdigit() or raw[:2] not in _MAINLAND:
        return None
    last = raw[17]
    number = raw
    if last == "x":
        last = "X"
        number = raw[:17] + "X"
    if raw[2:6] == "0000":
        return None
    try:
        birth = date.fromisoformat(raw[6:14])
    except ValueError:
        return None
    # GB 11643 / ISO 7064 MOD 11-2 as python-stdnum computes it: 13 ≡ 2 (mod 11), so reading
    # the 17 digits in base 13 weighs each by the right power of 2.
    if not EARLIEST_BIRTH_DATE <= birth <= today or _CHECK_CHARACTERS[(1 - 2 * int(raw[:17], 13)) % 11] != last:
        return None
    return Identity(number, SubjectKind.PERSON, birth, "M" if raw[16] in "13579" else "F")


def _parse(raw: str, today: date) -> Identity:
    number = normalise_number(raw)
    if len(number) != 18 or not number.isascii() or not number.isalnum():
        problem, message = _shape_problem(number)
        raise InvalidSubjectNumberError(message, problem=problem)
    organisation: _Rejected | None = None
    if number[0] == "9":
        try:
            return _organisation(number)
        except _Rejected as refusal:
            organisation = refusal
    person = _person_refusal(number, today)
    if isinstance(person, Identity):
        return person
    if organisation is None:
        try:
            return _organisation(number)
        except _Rejected as refusal:
            organisation = refusal
    # Report the reading that got further into the number; a person-shaped text keeps the
    # person's reason unless a registration department and category were recognised.
    best = (
        organisation
        if person is None or (organisation.matched >= 2 and organisation.matched > person.matched)
        else person
    )
    raise InvalidSubjectNumberError(best.message, problem=best.problem)


def check_number(raw: str, *, today: date) -> dict[str, object]:
    """One line of `sincerity id check`: the contract's JSON object for one input."""
    try:
        identity = parse_number(raw, today=today)
    except InvalidSubjectNumberError as error:
        return {
            "input": raw,
            "valid": False,
            "kind": None,
            "number": None,
            "reason": error.message,
            "birth_date": None,
            "sex": None,
        }
    return {
        "input": raw,
        "valid": True,
        "kind": identity.kind.value,
        "number": identity.number,
        "reason": None,
        "birth_date": identity.birth_date.isoformat() if identity.birth_date else None,
        "sex": identity.sex,
    }


def mask_number(number: str, *, kind: SubjectKind | None = None) -> str:
    """Hide the middle of a number: persons 110105********002X, organisations 91110000********1L.

    A person keeps the region (6) and sequence and check (4); an organisation keeps department,
    category and region (8) and the last two. Without `kind`, 17 digits plus a digit or X are
    masked as a person. Anything not 18 characters long is masked entirely.
    """
    if len(number) != 18:
        return "*" * len(number)
    if kind is None:
        kind = (
            SubjectKind.PERSON
            if number[:17].isdigit() and number[17] in _PERSON_CHECK_CHARS
            else SubjectKind.ORGANISATION
        )
    if kind is SubjectKind.PERSON:
        return f"{number[:6]}********{number[14:]}"
    return f"{number[:8]}********{number[16:]}"


def age_on(birth_date: date, day: date) -> int:
    """Completed years of age on `day`.

    Someone born on 29 February completes a year on 1 March in common years. Criminal law
    counts an age as reached the day *after* the birthday (SPC interpretation on minors'
    cases, 2006, art. 2); rules that follow it pass the previous day.
    """
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def normalise_name(name: str) -> str:
    """A name as registered: NFKC, single spaces, none inside Chinese names, one middle dot.

    "张 三" becomes "张三"; bullets and katakana middle dots, and full stops between Chinese
    characters, become the middle dot U+00B7 that ID cards print in minority names; Latin
    names keep their single spaces.
    """
    # Invisible characters go first: a zero-width joiner between a letter and its accent
    # would otherwise block NFKC composing them, and a second pass would change the name.
    text = "".join(c for c in name if unicodedata.category(c) != "Cf")
    text = unicodedata.normalize("NFKC", text)
    text = " ".join(text.translate(_NAME_DOTS).split())
    text = _SPACE_BETWEEN_CJK.sub("", text)
    return _PERIOD_BETWEEN_CJK.sub("·", text)


# --- validators -------------------------------------------------------------------------------


def _person_refusal(number: str, today: date) -> Identity | _Rejected | None:
    """The person reading of an 18-character text: the identity, why not, or None if not digits."""
    if not number[:17].isdigit():
        return None
    if number[17] in _PERSON_CHECK_CHARS:
        try:
            return _person(number, today)
        except _Rejected as refusal:
            return refusal
    # 17 digits and a letter: a person's number with a stray last character if the rest holds
    # up as one, otherwise no person reading at all (a USCC may end in any letter).
    try:
        _person(number[:17] + "0", today)
    except _Rejected as refusal:
        if refusal.problem != "check_digit":
            return None
    return _Rejected(
        "check_digit",
        f"The last character of a resident ID number is a digit or X, not {number[17]}.",
        14,
    )


def _person(number: str, today: date) -> Identity:
    """An 18-character text of 17 digits and a digit or X, as a person's number."""
    province = number[:2]
    if province in _PERSON_PROVINCES:
        if province in _WHOLE_REGION:
            if number[2:6] != "0000":
                raise _Rejected(
                    "region",
                    f"The region code (first 6 digits) starting {province} must be {province}0000: "
                    "Taiwan and the Hong Kong, Macao and Taiwan residence permits have no county codes.",
                    2,
                )
        elif number[2:6] == "0000":
            raise _Rejected(
                "region",
                f"The region code (first 6 digits) is the code of a whole province ({province}0000), "
                "not of the county where the holder was registered.",
                2,
            )
    elif province[0] == "9" and number[1:3] in _MAINLAND:
        # 2023 foreign permanent residence ID card: 9, issuing province, nationality (ISO 3166
        # numeric), then birth date, sequence and check digit as in a citizen's number.
        if number[3:6] == "000":
            raise _Rejected("region", "The nationality code (digits 4-6) of a foreigner's number cannot be 000.", 2)
    else:
        raise _Rejected(
            "region",
            f"The number does not start with a province code: {province} is not a province, "
            "autonomous region, municipality or special administrative region (GB/T 2260).",
            0,
        )
    try:
        birth = date.fromisoformat(number[6:14])  # YYYYMMDD, the basic format
    except ValueError:
        raise _Rejected("birth_date", _impossible_date_message(number), 6) from None
    if birth > today:
        raise _Rejected("birth_date", "The birth date (digits 7-14) is after today.", 6)
    if birth < EARLIEST_BIRTH_DATE:
        raise _Rejected(
            "birth_date",
            f"The birth date (digits 7-14) is before {EARLIEST_BIRTH_DATE.year}: no holder of an 18-digit "
            "number can have been born then.",
            6,
        )
    if ric.calc_check_digit(number) != number[17]:
        raise _Rejected(
            "check_digit",
            "The check digit (the last character) does not match the first 17 digits: one of them is "
            "probably mistyped.",
            14,
        )
    return Identity(number, SubjectKind.PERSON, birth, "M" if int(number[16]) % 2 else "F")


def _impossible_date_message(number: str) -> str:
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    if not 1 <= month <= 12:
        return f"The birth date (digits 7-14) is not a real date: there is no month {month:02d}."
    if year == 0:
        return "The birth date (digits 7-14) is not a real date: there is no year 0000."
    return f"The birth date (digits 7-14) is not a real date: that month has no day {day:02d}."


def _organisation(number: str) -> Identity:
    """An 18-character alphanumeric text as a Unified Social Credit Code."""
    if not _EXCLUDED_LETTERS.isdisjoint(number):
        position, char = next((i, c) for i, c in enumerate(number, start=1) if c in _EXCLUDED_LETTERS)
        hint = {"O": " ('O' is usually a mistyped 0)", "I": " ('I' is usually a mistyped 1)"}.get(char, "")
        raise _Rejected(
            "character",
            f"Character {position} is the letter {char}, which a Unified Social Credit Code never uses "
            f"(I, O, S, V and Z are left out){hint}.",
            0,
        )
    department, category = number[0], number[1]
    categories = _USCC_CATEGORIES.get(department)
    if categories is None:
        raise _Rejected(
            "department",
            f"The first character, {department}, is not a registration department code "
            "(GB 32100-2015: 1-9, A, N or Y).",
            0,
        )
    if category not in categories:
        raise _Rejected(
            "category",
            f"The second character, {category}, is not an organisation category of registration "
            f"department {department} (GB 32100-2015 allows {', '.join(sorted(categories))}).",
            1,
        )
    region = number[2:8]
    if not region.isdigit() or not (region[:2] in _USCC_PROVINCES or region == "100000"):
        raise _Rejected(
            "region",
            "The registration region (characters 3-8) is not an administrative division code "
            "(six digits starting with a province code, or 100000 for the national level).",
            2,
        )
    total = sum([terms[c] for terms, c in zip(_USCC_TERMS, number, strict=False)])  # first 17
    if _USCC_ALPHABET[-total % 31] != number[17]:
        raise _Rejected(
            "check_digit",
            "The check character (the last character) does not match the first 17 characters: one of "
            "them is probably mistyped.",
            8,
        )
    return Identity(number, SubjectKind.ORGANISATION)


def _shape_problem(number: str) -> tuple[str, str]:
    """Why a normalised text is not 18 ASCII letters and digits, in words."""
    if not number:
        return "empty", "The number is empty."
    if "*" in number:
        return "masked", "The number is masked ('*' stands for hidden characters); the full number is needed."
    if _SCIENTIFIC.fullmatch(number):
        return (
            "spreadsheet",
            "The number looks like a spreadsheet turned it into scientific notation, which loses its last "
            "digits; export the column as text.",
        )
    for char in number:
        if not (char.isascii() and char.isalnum()):
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            return (
                "character",
                f"The number contains {char!r} ({name}), which is neither a digit nor a letter of "
                "an ID number or credit code.",
            )
    if len(number) == 15 and number.isdigit():
        return (
            "legacy_15_digit",
            "This is a 15-digit first-generation ID number, which is no longer valid; the 18-digit number "
            "on the current card is needed.",
        )
    if _OLD_PR_CARD.fullmatch(number):
        return (
            "legacy_permanent_residence",
            "This looks like a 15-character foreign permanent residence card number (2017 card); the "
            "18-digit number of the 2023 card is needed.",
        )
    return (
        "length",
        f"The number has {len(number)} characters; resident ID numbers and Unified Social Credit Codes have 18.",
    )
