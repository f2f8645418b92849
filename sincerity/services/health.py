"""Operations: liveness and the counters Prometheus scrapes."""

from __future__ import annotations

from sqlalchemy import select

from sincerity.services.context import Services
from sincerity.store.tables import sequences

_HELP = {
    "subjects": "subjects registered on this node",
    "records": "records stored on this node (each counted once, whatever its versions)",
    "events": "events in the change feed (the last sequence number)",
    "batches": "ingestion batches started",
}


def health(services: Services) -> dict[str, str]:
    with services.db.transaction(write=False) as conn:
        catalogue = services.catalogue(conn)
    return {"status": "ok", "catalogue": catalogue.version}


def metrics_text(services: Services) -> str:
    """Read from the node's sequences (committed allocations), so it stays cheap at 10M records."""
    with services.db.transaction(write=False) as conn:
        values = dict(conn.execute(select(sequences.c.name, sequences.c.value)).all())
    lines = []
    for name, help_text in _HELP.items():
        metric = f"sincerity_{name}_total"
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} counter", f"{metric} {int(values.get(name, 0))}"]
    return "\n".join(lines) + "\n"
