"""``regflow audit verify``: check the event hash chain (store/audit.py) in one read."""

from __future__ import annotations

from regflow.services.context import Context
from regflow.store.audit import Verdict, verify


def verify_chain(ctx: Context) -> Verdict:
    """Walk every event in chain order; the verdict names the first broken row, if any."""
    with ctx.transaction() as session:
        return verify(session.connection())
