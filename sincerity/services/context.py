"""What every service needs, built once by the composition root and passed down."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from sincerity.domain.catalogue import Catalogue
from sincerity.kit.clock import Clock
from sincerity.kit.crypto import SubjectNumberVault
from sincerity.kit.errors import ConfigurationError
from sincerity.kit.settings import Settings
from sincerity.store import catalogue as catalogue_store
from sincerity.store.engine import Database
from sincerity.store.tables import catalogue_versions


@dataclass
class Services:
    """The database, the clock, the number vault and the settings of one running node."""

    db: Database
    clock: Clock
    vault: SubjectNumberVault
    settings: Settings = field(repr=False)  # the database URL may carry a password
    _catalogue: Catalogue | None = field(default=None, repr=False)

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
