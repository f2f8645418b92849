"""Small query helpers shared by the store modules."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, any_, bindparam, literal


def among(column: Any, values: Collection[Any], dialect: str) -> ColumnElement[bool]:
    """`column IN values`, as one array parameter on PostgreSQL (one round trip, one plan)."""
    if not values:
        return literal(False)
    if dialect == "postgresql":
        # A bound array: building an ARRAY[...] literal of thousands of elements costs more than the query.
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))  # type: ignore[no-any-return]
    return column.in_(list(values))  # type: ignore[no-any-return]
