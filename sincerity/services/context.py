"""What every service needs, built once by the composition root and passed down."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Connection, select

from sincerity.domain.calendar import WorkingCalendar, default_calendar, load_calendar
from sincerity.domain.catalogue import Catalogue
from sincerity.domain.institutions import Institution
from sincerity.domain.lists import ListRules
from sincerity.domain.measures import MeasureSet
from sincerity.kit.clock import Clock
from sincerity.kit.crypto import SubjectNumberVault
from sincerity.kit.errors import ConfigurationError
from sincerity.kit.settings import Settings
from sincerity.services.showing import ShowingIndex
from sincerity.store import catalogue as catalogue_store
from sincerity.store import checkpath, rulesets
from sincerity.store.engine import Database, Driver
from sincerity.store.tables import catalogue_versions

CREDENTIAL_TTL = 5.0  # seconds a worker keeps a looked-up credential


class CredentialCache:
    """Institutions by token hash for a few seconds (monotonic time: no legal meaning)."""

    def __init__(self, ttl: float = CREDENTIAL_TTL) -> None:
        self.ttl = ttl
        self._found: dict[bytes, tuple[float, Institution]] = {}

    def get(self, token_hash: bytes) -> Institution | None:
        hit = self._found.get(token_hash)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, token_hash: bytes, institution: Institution) -> None:
        if len(self._found) > 10_000:
            self._found.clear()
        self._found[token_hash] = (time.monotonic() + self.ttl, institution)

    def clear(self) -> None:
        self._found.clear()


@dataclass
class Services:
    """The database, the clock, the number vault and the settings of one running node."""

    db: Database
    clock: Clock
    vault: SubjectNumberVault
    settings: Settings = field(repr=False)  # the database URL may carry a password
    credentials: CredentialCache = field(default_factory=CredentialCache, repr=False)
    showing: ShowingIndex = field(default_factory=ShowingIndex, repr=False)  # see services/showing.py
    _catalogue: Catalogue | None = field(default=None, repr=False)
    _rules: ListRules | None = field(default=None, repr=False)
    _measures: MeasureSet | None = field(default=None, repr=False)
    _in_force: InForce | None = field(default=None, repr=False)

    @cached_property
    def calendar(self) -> WorkingCalendar:
        """The shipped working-day calendar with the operator's file, if any, laid over it."""
        shipped = default_calendar()
        if self.settings.calendar_file is None:
            return shipped
        return shipped.merged(load_calendar(self.settings.calendar_file))

    def catalogue(self, conn: Connection) -> Catalogue:
        """The catalogue in force, parsed once per version and kept in memory."""
        newest = conn.execute(
            select(catalogue_versions.c.version)
            .order_by(catalogue_versions.c.loaded_at.desc(), catalogue_versions.c.version.desc())
            .limit(1)
        ).scalar()
        if newest is None:
            raise ConfigurationError("no catalogue is loaded: run `sincerity init`")
        if self._catalogue is None or self._catalogue.version != newest:
            loaded = catalogue_store.current(conn)
            if loaded is None:
                raise ConfigurationError("no catalogue is loaded: run `sincerity init`")
            self._catalogue = loaded
        return self._catalogue

    def rules(self, conn: Connection) -> ListRules | None:
        """The list rules and tiers in force (None before any are loaded), parsed once per version."""
        newest = rulesets.newest_version(conn, "lists")
        if newest is None:
            return None
        if self._rules is None or self._rules.version != newest:
            self._rules = ListRules.model_validate(rulesets.document(conn, "lists", newest))
        return self._rules

    def measures(self, conn: Connection) -> MeasureSet | None:
        """The measures in force (None before any are loaded), parsed once per version."""
        newest = rulesets.newest_version(conn, "measures")
        if newest is None:
            return None
        if self._measures is None or self._measures.version != newest:
            self._measures = MeasureSet.model_validate(rulesets.document(conn, "measures", newest))
        return self._measures

    def in_force(self, conn: Connection) -> InForce:
        """The catalogue, list rules and measures in force, read with one query and parsed once
        per version: the check path calls this on every request."""
        generation, catalogue_version, rules_version, measures_version = checkpath.newest_versions(Driver.of(conn))
        if catalogue_version is None:
            raise ConfigurationError("no catalogue is loaded: run `sincerity init`")
        if rules_version is None or measures_version is None:
            raise ConfigurationError("no list rules or measures are loaded: run `sincerity init`")
        catalogue = self._catalogue
        if catalogue is None or catalogue.version != catalogue_version:
            catalogue = self.catalogue(conn)
        rules = self._rules
        if rules is None or rules.version != rules_version:
            rules = self.rules(conn)
        measures = self._measures
        if measures is None or measures.version != measures_version:
            measures = self.measures(conn)
        if rules is None or measures is None:  # cannot happen: their versions were just read
            raise ConfigurationError("the list rules or measures in force could not be read")
        self._in_force = InForce(catalogue, rules, measures, generation)
        return self._in_force

    def last_in_force(self) -> InForce:
        """The rules this process last found in force (read them if none yet); the check's
        own transaction then checks whether they still are (see `checks.check_subjects`)."""
        if self._in_force is None:
            with self.db.transaction(write=False) as conn:
                return self.in_force(conn)
        return self._in_force

    def reload_in_force(self) -> InForce:
        with self.db.transaction(write=False) as conn:
            return self.in_force(conn)


@dataclass(frozen=True, slots=True)
class InForce:
    catalogue: Catalogue
    rules: ListRules
    measures: MeasureSet
    generation: int | None = None  # of the configuration these were read at

    @property
    def versions(self) -> dict[str, str]:
        return {"catalogue": self.catalogue.version, "rules": self.rules.version, "measures": self.measures.version}
