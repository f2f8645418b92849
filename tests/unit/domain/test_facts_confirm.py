"""The compiled confirmer of facts accepts only what the facts schema accepts.

The schema (checked by fastjsonschema) is the rule; the confirmer serves the bulk short path
and may refuse more, never accept more. Held over generated schemas of the subset it
translates and over generated facts, near the schema and anywhere."""

from __future__ import annotations

from datetime import date
from typing import Any

import fastjsonschema
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sincerity.domain.facts_confirm import facts_confirmer
from sincerity.synth import Synth
from tests.factories import shipped_catalogue

CATALOGUE = shipped_catalogue()


def by_schema(schema: dict[str, Any], facts: Any) -> bool:
    try:
        fastjsonschema.compile(schema)(facts)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


# --- schemas of the translated subset -----------------------------------------------------

PATTERNS = ["^[0-9a-f]{2}$", "^P(?=\\d)(\\d+Y)?(\\d+M)?(\\d+D)?$", "[a-c]", "^x", "y$", "^a|b$", "^\\d{2}$"]
bounds = st.none() | st.integers(-5, 20) | st.floats(-5, 20, allow_nan=False)
lengths = st.none() | st.integers(0, 6)
words = st.text(st.sampled_from("abcxyz01"), min_size=1, max_size=4)


def _drop_none(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if v is not None}


strings = st.builds(
    lambda low, high, pattern, fmt: _drop_none(
        {"type": "string", "minLength": low, "maxLength": high, "pattern": pattern, "format": fmt}
    ),
    lengths,
    lengths,
    st.none() | st.sampled_from(PATTERNS),
    st.none() | st.just("date"),
)
numbers = st.builds(
    lambda kind, low, high: _drop_none({"type": kind, "minimum": low, "maximum": high}),
    st.sampled_from(["number", "integer"]),
    bounds,
    bounds,
)
choices = (
    st.lists(words, min_size=1, max_size=4, unique=True).map(lambda values: {"enum": values})
    | words.map(lambda value: {"const": value})
    | st.integers(-2, 2).map(lambda value: {"const": value})
)
leaves = strings | numbers | choices | st.just({"type": "boolean"})
arrays = st.builds(
    lambda items, low, high, unique: _drop_none(
        {"type": "array", "items": items, "minItems": low, "maxItems": high, "uniqueItems": unique}
    ),
    leaves,
    lengths,
    lengths,
    st.none() | st.booleans(),
)


@st.composite
def objects(draw: st.DrawFn, inner: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from("abcdef"), min_size=1, max_size=4, unique=True))
    properties = {name: draw(inner) for name in names}
    required = [name for name in names if draw(st.booleans())]
    schema: dict[str, Any] = {"type": "object", "properties": properties, "required": required}
    extra = draw(st.none() | st.booleans())
    if extra is not None:
        schema["additionalProperties"] = extra
    return schema


schemas = objects(leaves | arrays | objects(leaves | arrays))

# --- facts, near a schema and anywhere ------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-10, 30)
    | st.floats(-10, 30, allow_nan=False)
    | words
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abcdefg"), inner, max_size=3),
    max_leaves=6,
)


def near(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values shaped by `schema`, often valid, sometimes a step outside it."""
    kind = schema.get("type")
    if "enum" in schema:
        values: st.SearchStrategy[Any] = st.sampled_from(schema["enum"])
    elif "const" in schema:
        values = (
            st.just(schema["const"]) | st.just(float(schema["const"]))
            if type(schema["const"]) is int
            else st.just(schema["const"])
        )
    elif kind == "string":
        shaped = [st.text(st.sampled_from("abcfxy019-\n P"), max_size=8), st.dates().map(date.isoformat)]
        if "pattern" in schema:
            shaped.append(st.from_regex(schema["pattern"]))
        values = st.one_of(shaped)
    elif kind in ("number", "integer"):
        values = st.integers(-10, 30) | st.floats(-10, 30, allow_nan=False) | st.just(1.0) | st.just(10**400)
    elif kind == "boolean":
        values = st.booleans() | st.sampled_from([0, 1])
    elif kind == "array":
        item = near(schema["items"])
        values = st.lists(item, max_size=5) | st.lists(item, max_size=2).map(lambda xs: xs + xs)
    else:
        props = {name: near(spec) for name, spec in schema["properties"].items()}
        values = (
            st.fixed_dictionaries({}, optional=props)
            | st.fixed_dictionaries(props)
            | st.fixed_dictionaries(props, optional={"zz": json_values})
        )
    return values | json_values


@st.composite
def schema_and_facts(draw: st.DrawFn) -> tuple[dict[str, Any], list[Any]]:
    schema = draw(schemas)
    return schema, draw(st.lists(near(schema), min_size=1, max_size=6))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(schema_and_facts())
def test_the_confirmer_never_accepts_what_the_schema_refuses(case: tuple[dict[str, Any], list[Any]]) -> None:
    schema, facts = case
    try:
        fastjsonschema.compile(schema)
    except fastjsonschema.JsonSchemaDefinitionException:
        assume(False)
    confirm = facts_confirmer(schema)
    assume(confirm is not None)
    assert confirm is not None
    for value in facts:
        if confirm(value):
            assert by_schema(schema, value), (schema, value)


def test_the_generated_subset_is_translated_and_confirms_good_facts() -> None:
    """The property above is not vacuous: the subset it draws from is translated, and valid
    facts of it are confirmed."""
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string", "minLength": 1, "maxLength": 3, "pattern": "^[0-9a-f]{2}$"},
            "b": {"type": "array", "items": {"enum": ["x", "y"]}, "minItems": 1, "uniqueItems": True},
            "c": {"type": "number", "minimum": 0},
            "d": {"type": "integer", "maximum": 5},
            "e": {"type": "string", "format": "date"},
            "f": {"const": 1},
            "g": {"type": "boolean"},
            "h": {"type": "object", "properties": {"i": {"const": "A"}}, "required": ["i"]},
        },
        "required": ["a", "b"],
        "additionalProperties": False,
    }
    confirm = facts_confirmer(schema)
    assert confirm is not None
    good = {"a": "0f", "b": ["x", "y"], "c": 2, "d": 5, "e": "2024-02-29", "f": 1, "g": False, "h": {"i": "A"}}
    assert by_schema(schema, good)
    assert confirm(good)
    refused_by_both = [
        {**good, "a": "0f\n"},  # "$" is the end of the text, as the schema reads it
        {**good, "b": ["x", "x"]},
        {**good, "c": True},
        {**good, "c": -0.5},
        {**good, "d": 6},
        {**good, "e": "2023-02-29"},
        {**good, "g": 0},
        {**good, "h": {}},
        {**good, "z": 1},
        {"a": "0f"},
    ]
    for facts in refused_by_both:
        assert not by_schema(schema, facts), facts
        assert not confirm(facts), facts
    # Refusing more is allowed: the full check decides these by the schema.
    for facts in ({**good, "d": 1.0}, {**good, "f": 1.0}, {**good, "e": "0000-01-01"}, {**good, "c": 10**400}):
        assert by_schema(schema, facts), facts
        assert not confirm(facts), facts


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"a": {"type": ["string", "null"]}}},
        {"type": "object", "properties": {"a": {"type": "string", "format": "email"}}},
        {"type": "object", "properties": {"a": {"type": "number", "exclusiveMinimum": 0}}},
        {"type": "object", "properties": {"a": {"type": "array", "items": {"type": "number"}, "uniqueItems": True}}},
        {"type": "object", "properties": {"a": {"enum": ["x", 1]}}},
        {"type": "object", "properties": {}, "required": ["a"]},
        {"type": "object", "properties": {"a": {"anyOf": [{"type": "string"}]}}},
    ],
)
def test_what_is_not_translated_gets_no_confirmer(schema: dict[str, Any]) -> None:
    assert facts_confirmer(schema) is None


def test_every_shipped_item_has_a_compiled_confirmer_that_confirms_its_facts() -> None:
    """The short path really is the compiled one for the shipped catalogue, and it confirms the
    example and the varied facts the demo and the bench generate."""
    synth = Synth(CATALOGUE, seed=7, today=date(2026, 11, 27))
    for item in CATALOGUE.items:
        assert facts_confirmer(item.facts_schema) is not None, item.code
        assert item.confirm_facts(dict(item.example)), item.code
        for _ in range(20):
            facts = synth.facts(item)
            assert item.confirm_facts(facts) == by_schema(item.facts_schema, facts), (item.code, facts)
