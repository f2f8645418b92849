"""§III(1) real-name basis: resident ID numbers and credit codes, example by example.

Each test about a python-stdnum quirk says in its docstring what `stdnum.cn.ric.validate` or
`stdnum.cn.uscc.validate` (python-stdnum 2.2) does with the same number.
"""

# Full-width and look-alike characters are the very input these tests are about.

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric, uscc

from sincerity.domain.catalogue import SubjectKind
from sincerity.domain.identity import (
    Identity,
    InvalidSubjectNumberError,
    age_on,
    check_number,
    mask_number,
    normalise_name,
    normalise_number,
    parse_number,
)
from sincerity.kit.errors import InvalidInputError

TODAY = date(2026, 11, 27)
PERSON = "11010519491231002X"  # GB 11643-1999's own example: Beijing Chaoyang, 31 Dec 1949, female
COMPANY = "91110000600037341L"  # python-stdnum's example USCC


def person_number(body17: str) -> str:
    """A citizen number with its check digit computed by stdnum."""
    return body17 + ric.calc_check_digit(body17 + "0")


def credit_code(body17: str) -> str:
    """A USCC with its check character computed by stdnum."""
    return body17 + uscc.calc_check_digit(body17)


def rejection(raw: str) -> InvalidSubjectNumberError:
    with pytest.raises(InvalidSubjectNumberError) as caught:
        parse_number(raw, today=TODAY)
    return caught.value


# --- a valid number and what it tells ---------------------------------------------------------


def test_a_resident_id_number_gives_birth_date_and_sex() -> None:
    identity = parse_number(PERSON, today=TODAY)

    assert identity == Identity(PERSON, SubjectKind.PERSON, date(1949, 12, 31), "F")


def test_an_odd_seventeenth_digit_means_male() -> None:
    number = person_number("11010519800101001")

    assert parse_number(number, today=TODAY).sex == "M"


def test_a_unified_social_credit_code_is_an_organisation_without_birth_date_or_sex() -> None:
    assert parse_number(COMPANY, today=TODAY) == Identity(COMPANY, SubjectKind.ORGANISATION, None, None)


def test_an_all_digit_credit_code_is_an_organisation() -> None:
    """A USCC can be all digits: old organisation codes were; this one is a real enterprise's."""
    identity = parse_number("914101006831917309", today=TODAY)

    assert identity.kind is SubjectKind.ORGANISATION


def test_a_number_valid_both_ways_is_a_person_unless_it_starts_with_9() -> None:
    """Both check characters agree by chance on these; the likelier holder wins."""
    assert parse_number("13110119800101020X", today=TODAY).kind is SubjectKind.PERSON
    assert parse_number("911156198001010569", today=TODAY).kind is SubjectKind.ORGANISATION


def test_a_2023_foreign_permanent_residence_number_is_a_person() -> None:
    """9, issuing province 11, nationality 840 (USA), birth date, sequence, MOD 11-2 check digit.

    stdnum: InvalidComponent (no province 91 in loc.dat).
    """
    number = person_number("91184019850315002")

    assert parse_number(number, today=TODAY) == Identity(number, SubjectKind.PERSON, date(1985, 3, 15), "F")


def test_invalid_subject_number_error_is_an_invalid_input_error_with_its_own_code() -> None:
    error = rejection("12345")

    assert isinstance(error, InvalidInputError)
    assert error.code == "invalid_subject_number"
    assert error.status == 422
    assert error.details == {"problem": "length"}


# --- normalising what forms and input methods produce ----------------------------------------


def test_full_width_digits_from_an_input_method_are_normalised() -> None:
    """stdnum: InvalidChecksum (it maps full-width digits but not the full-width X)."""
    assert parse_number("１１０１０５１９４９１２３１００２Ｘ", today=TODAY).number == PERSON


def test_lower_case_x_is_accepted_and_stored_upper_case() -> None:
    assert parse_number("11010519491231002x", today=TODAY).number == PERSON


@pytest.mark.parametrize(
    "typed",
    [
        " 11010519491231002X\n",
        "110105 19491231 002X",
        "110105-19491231-002X",
        "110105\u300019491231\u3000002X",  # ideographic space
        "110105\u201419491231\u2014002X",  # em dash from a Chinese keyboard's shift+minus
        "\t110105 1949 1231 002X\t",
    ],
)
def test_spaces_hyphens_and_surrounding_whitespace_are_removed(typed: str) -> None:
    """stdnum's ric.compact keeps inner spaces and hyphens: InvalidLength."""
    assert parse_number(typed, today=TODAY).number == PERSON


def test_zero_width_and_direction_characters_from_copy_and_paste_are_removed() -> None:
    typed = "\ufeff110105\u200b19491231\u200d002\u200eX\u00ad"

    assert parse_number(typed, today=TODAY).number == PERSON


@pytest.mark.parametrize("x", ["\u2169", "\u00d7", "\uff58"])
def test_roman_ten_multiplication_sign_and_full_width_x_stand_for_x(x: str) -> None:
    assert parse_number(PERSON[:17] + x, today=TODAY).number == PERSON


def test_a_spreadsheets_text_prefix_is_removed() -> None:
    assert parse_number("'" + PERSON, today=TODAY).number == PERSON


def test_a_credit_code_typed_in_full_width_lower_case_is_normalised() -> None:
    """stdnum: InvalidFormat (full-width letters are not mapped)."""
    assert parse_number("９１１１００００６０００３７３４１ｌ", today=TODAY).number == COMPANY


def test_normalise_number_leaves_a_clean_number_unchanged() -> None:
    assert normalise_number(PERSON) == PERSON
    assert normalise_number(COMPANY) == COMPANY


# --- genuine numbers python-stdnum rejects ----------------------------------------------------


def test_a_county_created_after_the_birth_year_is_accepted() -> None:
    """Tongzhou district (110112) dates from 1997; a person born there in 1990 got it in 1999.

    stdnum: InvalidComponent (loc.dat marks 110112 `[1997-]` and checks it against the birth year).
    """
    number = person_number("11011219900101001")

    assert parse_number(number, today=TODAY).birth_date == date(1990, 1, 1)


def test_a_retired_county_code_is_accepted() -> None:
    """510202, Chongqing's central district under Sichuan (1983-1997), held for life.

    stdnum: InvalidComponent for anyone born before 1983, i.e. for every first-generation holder.
    """
    number = person_number("51020219700101002")

    assert parse_number(number, today=TODAY).kind is SubjectKind.PERSON


@pytest.mark.parametrize("region", ["810000", "820000"])
def test_a_hong_kong_or_macao_residence_permit_holder_born_before_the_handover_is_accepted(region: str) -> None:
    """stdnum: InvalidComponent (810000 is `[1997-]`, 820000 `[1999-]`, compared with the birth year)."""
    number = person_number(f"{region}19600101001")

    assert parse_number(number, today=TODAY).birth_date == date(1960, 1, 1)


def test_a_taiwan_residents_residence_permit_is_accepted() -> None:
    """stdnum: InvalidComponent (830000, the permits' code since 2018, is not in loc.dat)."""
    number = person_number("83000019800101001")

    assert parse_number(number, today=TODAY).kind is SubjectKind.PERSON


def test_a_county_code_missing_from_stdnums_table_is_accepted_not_crashed_on() -> None:
    """stdnum: KeyError 'county', not a ValidationError, for a province it knows and a county it does not."""
    number = person_number("11019919800101001")

    assert parse_number(number, today=TODAY).kind is SubjectKind.PERSON


@pytest.mark.parametrize(
    "body",
    [
        "N2110000MA0000000",  # village collective economic organisation (agriculture department)
        "Y1110000MA0000001",  # other registration departments
        "A1100000MA0000001",  # military public institution
    ],
)
def test_credit_codes_of_lettered_registration_departments_are_accepted(body: str) -> None:
    """stdnum: InvalidFormat (it requires the first 8 characters to be digits)."""
    assert parse_number(credit_code(body), today=TODAY).kind is SubjectKind.ORGANISATION


def test_a_national_level_credit_code_is_accepted() -> None:
    """Region 100000 is the national level: a foundation registered by the Ministry of Civil Affairs."""
    assert parse_number("53100000500019795A", today=TODAY).kind is SubjectKind.ORGANISATION


# --- impossible numbers python-stdnum accepts -------------------------------------------------


def test_a_birth_date_after_today_is_rejected() -> None:
    """stdnum: accepts 110105299901010014 (born 2999)."""
    error = rejection(person_number("11010520261128001"))

    assert error.problem == "birth_date"
    assert "after today" in error.message


def test_a_birth_date_of_today_is_accepted() -> None:
    assert parse_number(person_number("11010520261127001"), today=TODAY).birth_date == TODAY


@pytest.mark.parametrize("year", ["1800", "0100", "1869"])
def test_a_birth_date_before_1870_is_rejected(year: str) -> None:
    """stdnum: accepts any year from 0001 (e.g. 110105010001010019)."""
    error = rejection(person_number(f"110105{year}0101001"))

    assert error.problem == "birth_date"
    assert "before 1870" in error.message


def test_a_province_code_is_not_a_persons_county_code() -> None:
    """stdnum: accepts 110000198001010019 (loc.dat lists 110000 as a 'county' of Beijing)."""
    error = rejection(person_number("11000019800101001"))

    assert error.problem == "region"
    assert "whole province" in error.message


def test_a_hong_kong_permit_has_no_county_below_810000() -> None:
    error = rejection(person_number("81010019800101001"))

    assert error.problem == "region"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("00000000000000000", "region"),  # 000000000000000000: as a person, province 00
        ("99110000600037341", "category"),  # department 9 has categories 1-3 only
        ("91990000600037341", "region"),  # no province 99
        ("0111000060003734A", "department"),  # no department 0
    ],
)
def test_credit_code_structure_stdnum_ignores_is_checked(body: str, problem: str) -> None:
    """stdnum: accepts all of these (it checks only the alphabet and the check character)."""
    assert rejection(credit_code(body)).problem == problem


# --- every reason, in words that say what is wrong --------------------------------------------


def test_a_15_digit_first_generation_number_is_rejected_as_no_longer_valid() -> None:
    error = rejection("110105491231002")

    assert error.problem == "legacy_15_digit"
    assert "15-digit first-generation" in error.message
    assert "18-digit number" in error.message


def test_a_2017_foreign_permanent_residence_card_number_asks_for_the_new_number() -> None:
    assert rejection("USA110079050101").problem == "legacy_permanent_residence"


def test_a_wrong_check_digit_is_named_without_revealing_the_right_one() -> None:
    error = rejection("110105194912310021")

    assert error.problem == "check_digit"
    assert "check digit" in error.message
    assert "X" not in error.message


def test_a_wrong_check_character_of_a_credit_code_is_named() -> None:
    error = rejection("91110000600037341K")

    assert error.problem == "check_digit"
    assert "check character" in error.message


@pytest.mark.parametrize(
    ("date_digits", "words"),
    [("19801301", "no month 13"), ("19800230", "no day 30"), ("00000101", "no year 0000"), ("19800001", "no month 00")],
)
def test_an_impossible_birth_date_is_rejected_saying_which_part(date_digits: str, words: str) -> None:
    """stdnum: InvalidComponent, which does not say which component."""
    error = rejection(person_number(f"110105{date_digits}001"))

    assert error.problem == "birth_date"
    assert words in error.message


def test_a_number_without_a_province_code_is_rejected() -> None:
    error = rejection(person_number("99010519800101001"))

    assert error.problem == "region"
    assert "province" in error.message


def test_a_stray_letter_at_the_end_of_a_persons_number_is_named() -> None:
    error = rejection(PERSON[:17] + "Y")

    assert error.problem == "check_digit"
    assert "digit or X" in error.message


@pytest.mark.parametrize(("letter", "hint"), [("O", "mistyped 0"), ("I", "mistyped 1"), ("S", ""), ("Z", "")])
def test_letters_a_credit_code_never_uses_are_named(letter: str, hint: str) -> None:
    error = rejection(COMPANY[:10] + letter + COMPANY[11:])

    assert error.problem == "character"
    assert f"Character 11 is the letter {letter}" in error.message
    assert hint in error.message


def test_a_masked_number_asks_for_the_full_number() -> None:
    assert rejection("110105********002X").problem == "masked"


def test_a_number_mangled_by_a_spreadsheet_says_so() -> None:
    error = rejection("1.10105E+17")

    assert error.problem == "spreadsheet"
    assert "as text" in error.message


@pytest.mark.parametrize("typed", ["11010519491231002X号", "11010519491231002\u0425", "110105/19491231/002X"])
def test_an_unexpected_character_is_named(typed: str) -> None:
    error = rejection(typed)

    assert error.problem == "character"


@pytest.mark.parametrize(("typed", "count"), [("12345", "5"), (PERSON + "1", "19")])
def test_a_wrong_length_says_how_many_characters_there_are(typed: str, count: str) -> None:
    error = rejection(typed)

    assert error.problem == "length"
    assert f"has {count} characters" in error.message


@pytest.mark.parametrize("typed", ["", "   ", "\u200b"])
def test_an_empty_number_is_rejected(typed: str) -> None:
    assert rejection(typed).problem == "empty"


@pytest.mark.parametrize(
    "typed",
    [
        "110105194912310021",
        person_number("11010529990101001"),
        person_number("11000019800101001"),
        "91110000600037341K",
        PERSON + "1",
        "110105491231002",
    ],
)
def test_a_rejection_never_repeats_the_number(typed: str) -> None:
    message = rejection(typed).message

    assert typed not in message
    assert typed[:15] not in message


# --- the `sincerity id check` object ----------------------------------------------------------


def test_check_number_reports_a_valid_person_as_the_contract_says() -> None:
    assert check_number(" 11010519491231002x", today=TODAY) == {
        "input": " 11010519491231002x",
        "valid": True,
        "kind": "person",
        "number": PERSON,
        "reason": None,
        "birth_date": "1949-12-31",
        "sex": "F",
    }


def test_check_number_reports_a_valid_organisation_as_the_contract_says() -> None:
    assert check_number(COMPANY, today=TODAY) == {
        "input": COMPANY,
        "valid": True,
        "kind": "organisation",
        "number": COMPANY,
        "reason": None,
        "birth_date": None,
        "sex": None,
    }


def test_check_number_reports_an_invalid_number_with_its_reason() -> None:
    result = check_number("110105491231002", today=TODAY)

    assert result["valid"] is False
    assert result["kind"] is None
    assert result["number"] is None
    assert result["birth_date"] is None
    assert result["sex"] is None
    assert isinstance(result["reason"], str)
    assert "15-digit" in result["reason"]


# --- masking ----------------------------------------------------------------------------------


def test_a_persons_number_is_masked_keeping_region_and_last_four() -> None:
    assert parse_number(PERSON, today=TODAY).masked() == "110105********002X"


def test_a_credit_code_is_masked_keeping_department_category_region_and_last_two() -> None:
    assert parse_number(COMPANY, today=TODAY).masked() == "91110000********1L"


def test_an_all_digit_credit_code_is_masked_as_an_organisation_when_its_kind_is_known() -> None:
    identity = parse_number("914101006831917309", today=TODAY)

    assert identity.masked() == "91410100********09"
    assert mask_number(identity.number) == "914101********7309"  # kind unknown: masked like a person


def test_mask_number_hides_everything_of_a_malformed_number() -> None:
    assert mask_number("110105491231002") == "*" * 15


# --- age ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (date(2024, 6, 14), 23),
        (date(2024, 6, 15), 24),
        (date(2025, 6, 14), 24),
        (date(2000, 6, 15), 0),
        (date(2001, 6, 14), 0),
    ],
)
def test_age_is_completed_years(day: date, age: int) -> None:
    assert age_on(date(2000, 6, 15), day) == age


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (date(2021, 2, 28), 16),
        (date(2021, 3, 1), 17),  # common year: the birthday counts on 1 March
        (date(2024, 2, 28), 19),
        (date(2024, 2, 29), 20),  # leap year: on the day itself
    ],
)
def test_a_leap_day_birthday_counts_on_1_march_in_common_years(day: date, age: int) -> None:
    assert age_on(date(2004, 2, 29), day) == age


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("  张三 ", "张三"),
        ("张 三", "张三"),
        ("张\u3000三", "张三"),  # ideographic space
        ("欧阳  娜娜", "欧阳娜娜"),
        ("ＺＨＡＮＧ  San", "ZHANG San"),  # full-width Latin folded, spaces collapsed
        ("John  Ronald   Tolkien", "John Ronald Tolkien"),
        ("买买提•艾力", "买买提·艾力"),  # bullet
        ("买买提・艾力", "买买提·艾力"),  # katakana middle dot, from Japanese-style input
        ("买买提 ‧ 艾力", "买买提·艾力"),  # hyphenation point, with spaces
        ("阿沛．阿旺晋美", "阿沛·阿旺晋美"),  # full-width full stop
        ("阿沛.阿旺晋美", "阿沛·阿旺晋美"),
        ("阿沛\u0387阿旺晋美", "阿沛·阿旺晋美"),  # Greek ano teleia, NFKC's middle dot
        ("张\u200b三", "张三"),  # zero-width space
        ("Mr. Li Wei", "Mr. Li Wei"),
    ],
)
def test_normalise_name(typed: str, name: str) -> None:
    assert normalise_name(typed) == name
