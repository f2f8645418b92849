"""§IV(2) legal-basis gate, provider side: who may submit which catalogue items.

An institution may be granted an item only if the item's `providers` list its kind; a record
is accepted only from an institution holding the grant for its item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sincerity.domain.catalogue import Catalogue, InstitutionKind
from sincerity.kit.errors import InvalidInputError

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,31}$")
_LOCALITY = re.compile(r"^\d{6}$")


class InstitutionInvalidError(InvalidInputError):
    code = "institution_invalid"


@dataclass(frozen=True, slots=True)
class Institution:
    code: str
    name: str
    kind: str
    locality: str
    items: tuple[str, ...] = ()


def validate_institution(institution: Institution, catalogue: Catalogue) -> Institution:
    """Return the institution with sorted, unique grants, or raise naming what is wrong."""
    if not _CODE.fullmatch(institution.code):
        raise InstitutionInvalidError(
            f"institution code {institution.code!r} must be 2–32 letters, digits, '.', '_' or '-'"
        )
    if not institution.name.strip():
        raise InstitutionInvalidError("an institution needs a name")
    try:
        kind = InstitutionKind(institution.kind)
    except ValueError:
        kinds = ", ".join(k.value for k in InstitutionKind)
        raise InstitutionInvalidError(f"unknown institution kind {institution.kind!r}; one of: {kinds}") from None
    if not _LOCALITY.fullmatch(institution.locality):
        raise InstitutionInvalidError(
            f"locality {institution.locality!r} must be a 6-digit administrative division code (e.g. 110000)"
        )
    for code in institution.items:
        item = catalogue.item(code)
        if item is None:
            raise InstitutionInvalidError(f"catalogue item {code!r} does not exist in catalogue {catalogue.version}")
        if kind not in item.providers:
            allowed = ", ".join(p.value for p in item.providers)
            raise InstitutionInvalidError(
                f"a {kind.value} may not provide {code!r}: its legal basis names only {allowed}"
            )
    return Institution(
        code=institution.code,
        name=institution.name.strip(),
        kind=kind.value,
        locality=institution.locality,
        items=tuple(sorted(set(institution.items))),
    )
