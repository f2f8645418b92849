"""The subject's own view of due process: every dispute, repair, redress step and commitment
about them, each with its whole history (§IV(3): "the subject sees the whole history").

Read for the subject at the platform's counter or portal (the operator's console, or an
institution of kind `platform`); no other institution reads it.
"""

from __future__ import annotations

from typing import Any

from sincerity.domain.institutions import Institution
from sincerity.kit.clock import legal_today
from sincerity.services.commitments import commitment_view
from sincerity.services.context import Services
from sincerity.services.subjects import acting_for_subject, subject_by_number
from sincerity.store import commitments as commitment_store
from sincerity.store import disputes as dispute_store
from sincerity.store import events as event_store
from sincerity.store import redress as redress_store
from sincerity.store import repairs as repair_store


def subject_file(services: Services, number: str, *, institution: Institution | None = None) -> dict[str, Any]:
    acting_for_subject(institution, "the due-process file")
    today = legal_today(services.clock.now())
    with services.db.transaction(write=False) as conn:
        subject = subject_by_number(services, conn, number, today)
        disputes = dispute_store.search(conn, today=today, subject_id=subject.id, limit=10_000)
        repairs = repair_store.search(conn, today=today, subject_id=subject.id, limit=10_000)
        redress = redress_store.of_subject(conn, subject.id)
        commitments = commitment_store.of_subject(conn, subject.id)

        def history(entity: int, prefix: str) -> list[dict[str, Any]]:
            return [event_store.history_view(e) for e in event_store.of_entity(conn, entity, prefix=prefix)]

        return {
            "subject": subject.number_masked,
            "disputes": [{**d.view(today), "history": history(d.id, "disputes:")} for d in disputes],
            "repairs": [{**r.view(today), "history": history(r.id, "repairs:")} for r in repairs],
            "redress": [step.view() for step in redress],
            "commitments": [commitment_view(services, c) for c in commitments],
        }
