"""§III(1) real-name basis: properties of resident ID numbers and credit codes, by Hypothesis.

The numbers are built from the standards, not from the module under test: check digits come
from an ISO 7064 MOD 11-2 written out here (persons) and from python-stdnum (credit codes).
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc

from sincerity.domain.catalogue import SubjectKind
from sincerity.domain.identity import _parse, _quick_person, age_on, check_number, normalise_name, parse_number

TODAY = date(2026, 11, 27)

MAINLAND = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
]  # fmt: skip
WHOLE_REGIONS = ["710000", "810000", "820000", "830000"]
# GB 11643-1999: weight of position i (1-based) is 2**(18 - i) mod 11; the check digit makes the
# weighted sum, with the check digit weighted 1 and X worth 10, congruent to 1 mod 11.
WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_PAIRS = [
    d + c
    for d, cs in {
        "1": "1239", "2": "19", "3": "123459", "4": "19", "5": "1239", "6": "129",
        "7": "129", "8": "19", "9": "123", "A": "19", "N": "1239", "Y": "1",
    }.items()
    for c in cs
]  # fmt: skip


def mod11_2(body17: str) -> str:
    total = sum(int(d) * w for d, w in zip(body17, WEIGHTS, strict=True))
    value = (1 - total) % 11
    return "X" if value == 10 else str(value)


regions = st.one_of(
    st.builds(
        lambda province, rest: province + rest,
        st.sampled_from(MAINLAND),
        st.from_regex(r"[0-9]{4}", fullmatch=True).filter(lambda rest: rest != "0000"),
    ),
    st.sampled_from(WHOLE_REGIONS),
)
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


@st.composite
def person_numbers(draw: st.DrawFn) -> tuple[str, date, int]:
    born = draw(birth_dates)
    sequence = draw(sequences)
    body = f"{draw(regions)}{born:%Y%m%d}{sequence:03d}"
    return body + mod11_2(body), born, sequence


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    pair = draw(st.sampled_from(USCC_PAIRS))
    region = draw(
        st.one_of(
            st.just("100000"),
            st.builds(lambda p, r: p + r, st.sampled_from(MAINLAND), st.from_regex(r"[0-9]{4}", fullmatch=True)),
        )
    )
    subject = "".join(draw(st.lists(st.sampled_from(USCC_ALPHABET), min_size=9, max_size=9)))
    body = pair + region + subject
    return body + uscc.calc_check_digit(body)


def accepted_as(number: str, kind: SubjectKind) -> bool:
    result = check_number(number, today=TODAY)
    return result["valid"] is True and result["kind"] == kind.value


# --- persons --------------------------------------------------------------------------------


@given(person_numbers())
def test_every_well_formed_person_number_is_valid_and_round_trips_birth_date_and_sex(
    generated: tuple[str, date, int],
) -> None:
    number, born, sequence = generated

    identity = parse_number(number, today=TODAY)

    assert identity.kind is SubjectKind.PERSON
    assert identity.number == number
    assert identity.birth_date == born
    assert identity.sex == ("M" if sequence % 2 else "F")


@given(person_numbers(), st.data())
def test_typing_a_person_number_in_full_width_with_separators_changes_nothing(
    generated: tuple[str, date, int], data: st.DataObject
) -> None:
    number = generated[0]
    typed = ""
    for char in number:
        if data.draw(st.booleans()):
            char = chr(ord(char) + 0xFEE0)  # the full-width form
        typed += char + data.draw(st.sampled_from(["", "", "", " ", "-", "\u3000", "\u200b"]))

    assert parse_number(typed.lower(), today=TODAY).number == number


def test_mod_11_2_weights_of_neighbours_always_differ() -> None:
    """Why every adjacent transposition is caught: swapping a and b at positions i, i+1 changes
    the weighted sum by (a - b)(w[i+1] - w[i]); 11 is prime, |a - b| <= 10 and no two
    neighbouring weights (the check digit weighs 1) are congruent, so the change is never 0 mod 11.
    """
    weights = [*WEIGHTS, 1]

    assert all((weights[i + 1] - weights[i]) % 11 for i in range(17))


@given(person_numbers(), st.integers(min_value=0, max_value=17), st.data())
def test_changing_one_character_of_a_person_number_is_always_detected(
    generated: tuple[str, date, int], position: int, data: st.DataObject
) -> None:
    """MOD 11-2 catches every single substitution: the sum changes by (a - b) * w, w nonzero mod 11.

    The changed text can still happen to be a valid credit code, so what is asserted is that it
    is never accepted as a person.
    """
    number = generated[0]
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from(alphabet).filter(lambda c: c != number[position]))
    changed = number[:position] + replacement + number[position + 1 :]

    assert not accepted_as(changed, SubjectKind.PERSON)


@given(person_numbers(), st.integers(min_value=0, max_value=16))
def test_swapping_two_neighbouring_characters_of_a_person_number_is_always_detected(
    generated: tuple[str, date, int], position: int
) -> None:
    number = generated[0]
    a, b = number[position], number[position + 1]
    swapped = number[:position] + b + a + number[position + 2 :]

    assert a == b or not accepted_as(swapped, SubjectKind.PERSON)


@given(person_numbers(), st.integers(min_value=1, max_value=3650))
def test_a_birth_date_after_today_is_never_valid(generated: tuple[str, date, int], days: int) -> None:
    number = generated[0]
    born = TODAY + timedelta(days=days)
    body = f"{number[:6]}{born:%Y%m%d}{number[14:17]}"

    assert not accepted_as(body + mod11_2(body), SubjectKind.PERSON)  # it may read as a credit code


@given(
    st.one_of(
        person_numbers().map(lambda generated: generated[0]),
        credit_codes(),
        st.from_regex(r"[0-9]{17}[0-9Xx]", fullmatch=True),
        # a whole province's code with a right check digit: never a person's county
        st.builds(
            lambda p, b: p + "0000" + b, st.sampled_from(MAINLAND), birth_dates.map(lambda d: f"{d:%Y%m%d}123")
        ).map(lambda body: body + mod11_2(body)),
        st.text(alphabet="0123456789Xx９１", min_size=17, max_size=19),
    ),
    st.integers(min_value=0, max_value=17),
    st.sampled_from("0123456789Xx"),
)
def test_the_quick_reading_accepts_nothing_the_full_reading_does_not(text: str, position: int, char: str) -> None:
    """Batch checks take a one-pass path for ordinary citizens' numbers; whatever it accepts
    (a text, or the text with one character changed) the full reading accepts identically."""
    for typed in (text, text[:position] + char + text[position + 1 :]):
        quick = _quick_person(typed, TODAY)
        if quick is not None:
            assert quick == _parse(typed, TODAY)


@given(person_numbers())
def test_the_quick_reading_takes_every_ordinary_citizens_number(generated: tuple[str, date, int]) -> None:
    number = generated[0]
    if number[:2] in MAINLAND:
        assert _quick_person(number, TODAY) == _parse(number, TODAY)
        assert _quick_person(number.lower(), TODAY) == _parse(number, TODAY)


# --- credit codes -------------------------------------------------------------------------------


@given(credit_codes())
def test_every_well_formed_credit_code_is_valid(number: str) -> None:
    """An all-digit code can also read as a person's number; it is then valid, as a person, only
    if it does not start with 9 and its person check digit agrees (1 time in 11)."""
    result = check_number(number, today=TODAY)

    assert result["valid"] is True
    assert result["number"] == number
    if result["kind"] == "person":
        assert not number.startswith("9")
        assert number[17] == mod11_2(number[:17])
    else:
        assert result["kind"] == "organisation"


@given(credit_codes(), st.integers(min_value=0, max_value=17), st.data())
def test_changing_one_character_of_a_credit_code_is_always_detected(
    number: str, position: int, data: st.DataObject
) -> None:
    """MOD 31-3: weights 3**i mod 31 are never 0 and characters differ by less than 31."""
    replacement = data.draw(st.sampled_from(USCC_ALPHABET).filter(lambda c: c != number[position]))
    changed = number[:position] + replacement + number[position + 1 :]

    assert not accepted_as(changed, SubjectKind.ORGANISATION)


@given(credit_codes())
def test_a_credit_code_typed_in_lower_case_full_width_is_the_same_code(number: str) -> None:
    typed = "".join(chr(ord(c) + 0xFEE0) for c in number.lower())

    assert parse_number(typed, today=TODAY).number == number


# --- masking, age, names ------------------------------------------------------------------------


@given(st.one_of(person_numbers().map(lambda generated: generated[0]), credit_codes()))
def test_masking_hides_exactly_eight_characters_in_the_middle(number: str) -> None:
    identity = parse_number(number, today=TODAY)
    masked = identity.masked()

    assert len(masked) == 18
    assert masked.count("*") == 8
    assert masked.strip("*") != number
    assert [a for a, b in zip(masked, number, strict=True) if a != b] == ["*"] * 8


@given(birth_dates, st.integers(min_value=0, max_value=120 * 366))
def test_age_counts_the_birthdays_passed(born: date, days: int) -> None:
    """Oracle: count the anniversaries up to `day`, a 29 February one falling on 1 March."""
    day = born + timedelta(days=days)

    def anniversary(year: int) -> date:
        try:
            return born.replace(year=year)
        except ValueError:  # 29 February in a common year
            return date(year, 3, 1)

    passed = sum(1 for year in range(born.year + 1, day.year + 1) if anniversary(year) <= day)

    assert age_on(born, day) == passed


@given(st.text())
def test_normalising_a_name_twice_changes_nothing(name: str) -> None:
    once = normalise_name(name)

    assert normalise_name(once) == once
    assert once == once.strip()
    assert "  " not in once
