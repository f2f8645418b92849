"""Small query helpers shared by the store modules."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, any_, literal
from sqlalchemy.dialects.postgresql import array


def among(column: Any, values: Collection[Any], dialect: str) -> ColumnElement[bool]:
    """`column IN values`, as one array parameter on PostgreSQL (one round trip, one plan)."""
    if not values:
        return literal(False)
    if dialect == "postgresql":
        return column == any_(array(list(values), type_=column.type))  # type: ignore[no-any-return]
    return column.in_(list(values))  # type: ignore[no-any-return]
