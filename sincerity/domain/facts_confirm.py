"""A compiled second check of an item's facts, for the bulk short path.

The facts schema is the rule, and fastjsonschema applies it and gives the reasons
(`CatalogueItem.validate_facts`). It generates Python, and on a bulk import it was the largest
single cost of validating a row (≈ 9 of 35 µs on the shipped catalogue). The short path only
has to *confirm* that a row is good, so here the same schema is translated into a strict
pydantic-core validator, which runs in compiled code (≈ 1.5 µs).

One rule makes this safe: a confirmer may only accept facts that the schema accepts. It may
refuse more (an integer written 1.0, a year 0000, a number too large for a float); such facts
go to the full check, which decides by the schema. A schema that uses anything outside the
subset translated here gets no confirmer at all. A property test holds the rule over generated
schemas and facts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from pydantic_core import SchemaError, SchemaValidator
from pydantic_core import core_schema as cs

# What each kind of schema may say for it to be translated ("description"/"title" explain only).
_NOTES = {"description", "title"}
_OBJECT = {"type", "properties", "required", "additionalProperties"} | _NOTES
_STRING = {"type", "minLength", "maxLength", "pattern", "format"} | _NOTES
_NUMBER = {"type", "minimum", "maximum"} | _NOTES
_ARRAY = {"type", "items", "minItems", "maxItems", "uniqueItems"} | _NOTES
_CHOICE = {"type", "enum", "const"} | _NOTES

# fastjsonschema reads every unescaped "$" in a pattern as "\Z" (end of text, not "before a
# final newline"); the confirmer reads the pattern the same way.
_DOLLAR = re.compile(r"(?<!\\)\$")
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"


class _Untranslated(Exception):
    """The schema uses something the confirmer does not translate."""


def facts_confirmer(schema: Mapping[str, Any]) -> Callable[[Any], bool] | None:
    """A function saying whether facts certainly satisfy `schema`, or None if it cannot say."""
    try:
        return SchemaValidator(_translate(schema), cs.CoreConfig(strict=True)).isinstance_python
    except (_Untranslated, SchemaError):  # SchemaError: a pattern Python's re cannot compile
        return None


def _translate(schema: Any) -> cs.CoreSchema:
    if not isinstance(schema, Mapping):
        raise _Untranslated
    kind = schema.get("type")
    if "enum" in schema or "const" in schema:
        return _choice(schema)
    if kind == "object":
        return _object(schema)
    if kind == "string":
        return _string(schema)
    if kind in ("number", "integer"):
        return _number(schema, integer=kind == "integer")
    if kind == "boolean" and schema.keys() <= {"type"} | _NOTES:
        return cs.bool_schema(strict=True)
    if kind == "array":
        return _array(schema)
    raise _Untranslated


def _only(schema: Mapping[str, Any], allowed: set[str]) -> None:
    if not schema.keys() <= allowed:
        raise _Untranslated


def _object(schema: Mapping[str, Any]) -> cs.CoreSchema:
    _only(schema, _OBJECT)
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    extra = schema.get("additionalProperties", True)
    if not isinstance(properties, Mapping) or not isinstance(required, list) or not isinstance(extra, bool):
        raise _Untranslated
    if not set(required) <= set(properties):
        raise _Untranslated  # a required key the schema does not describe: leave it to the schema
    fields = {
        name: cs.typed_dict_field(_translate(spec), required=name in required) for name, spec in properties.items()
    }
    return cs.typed_dict_schema(fields, strict=True, extra_behavior="ignore" if extra else "forbid")


def _string(schema: Mapping[str, Any]) -> cs.CoreSchema:
    _only(schema, _STRING)
    low, high = schema.get("minLength"), schema.get("maxLength")
    if not all(bound is None or type(bound) is int for bound in (low, high)):
        raise _Untranslated
    pattern = schema.get("pattern")
    if pattern is not None:
        if not isinstance(pattern, str):
            raise _Untranslated
        pattern = _DOLLAR.sub(r"\\Z", pattern)
    text = cs.str_schema(min_length=low, max_length=high, pattern=pattern, regex_engine="python-re", strict=True)
    fmt = schema.get("format")
    if fmt is None:
        return text
    if fmt != "date":
        raise _Untranslated
    # A calendar date: the digits' shape, then the calendar (which refuses the year 0 the
    # schema's own check allows: refusing more is allowed).
    shape = cs.str_schema(pattern=_ISO_DATE, regex_engine="python-re", strict=True)
    return cs.no_info_after_validator_function(_calendar_date, cs.chain_schema([text, shape]))


def _calendar_date(text: str) -> str:
    date.fromisoformat(text)
    return text


def _number(schema: Mapping[str, Any], *, integer: bool) -> cs.CoreSchema:
    _only(schema, _NUMBER)
    low, high = schema.get("minimum"), schema.get("maximum")
    if not all(bound is None or type(bound) in (int, float) for bound in (low, high)):
        raise _Untranslated
    if integer:
        # An integer at least 1.5 is at least 2. An integer written 1.0 goes to the schema.
        return cs.int_schema(
            ge=None if low is None else math.ceil(low), le=None if high is None else math.floor(high), strict=True
        )
    # Strict: no bools, no strings; ints are taken as floats (one too large for a float is refused).
    return cs.float_schema(ge=low, le=high, allow_inf_nan=False, strict=True)


def _choice(schema: Mapping[str, Any]) -> cs.CoreSchema:
    _only(schema, _CHOICE)
    if "enum" in schema and "const" in schema:
        raise _Untranslated
    values = schema["enum"] if "enum" in schema else [schema["const"]]
    if not isinstance(values, list) or not values:
        raise _Untranslated
    if all(type(value) is str for value in values) and schema.get("type", "string") == "string":
        return cs.literal_schema(values)
    if len(values) == 1 and type(values[0]) is int and schema.get("type", "integer") in ("integer", "number"):
        return cs.int_schema(ge=values[0], le=values[0], strict=True)
    raise _Untranslated


def _array(schema: Mapping[str, Any]) -> cs.CoreSchema:
    _only(schema, _ARRAY)
    low, high = schema.get("minItems"), schema.get("maxItems")
    if "items" not in schema or not all(bound is None or type(bound) is int for bound in (low, high)):
        raise _Untranslated
    items = _translate(schema["items"])
    array = cs.list_schema(items, min_length=low, max_length=high, strict=True)
    unique = schema.get("uniqueItems", False)
    if unique is False:
        return array
    if unique is not True or not _holds_text(schema["items"]):
        raise _Untranslated  # uniqueness by a set is only the schema's uniqueness for strings
    return cs.no_info_after_validator_function(_unique, array)


def _holds_text(items: Mapping[str, Any]) -> bool:
    if items.get("type") == "string":
        return True
    values = items.get("enum", [items["const"]] if "const" in items else None)
    return isinstance(values, list) and all(type(value) is str for value in values)


def _unique(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("items are not unique")
    return values
