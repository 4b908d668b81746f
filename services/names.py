"""Process, lane and step names in the interface's language.

A model names its elements in its own language (Kazakh in the library) and may add
``name_ru``/``name_en`` properties (:func:`regflow.workflows.loader.names_of`). Step records keep
the model's name as it was when the step became ready; views resolve the shown name here, once
per distinct (version, step) and call, through the parsed-model cache, so a task list of five
hundred rows costs a handful of dictionary look-ups.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from regflow.i18n import get_language, localized
from regflow.store.db import Tx
from regflow.workflows.model import Regulation


def step_name(reg: Regulation | None, step_id: str, stored: str) -> str:
    """The step's name in the current language, else ``stored`` (the record's own name)."""
    step = reg.steps.get(step_id) if reg is not None else None
    return localized(step.names, stored) if step is not None else stored


def lane_name(reg: Regulation | None, role: str | None) -> str | None:
    lane = reg.lanes.get(role or "") if reg is not None else None
    return localized(lane.names, lane.name) if lane is not None else role


def process_name(reg: Regulation) -> str:
    return localized(reg.names, reg.name)


class StepNames:
    """Step names of records by (definition id, step id), resolved once per pair per call."""

    def __init__(self, where: Session | Tx) -> None:
        self.tx = Tx.of(where)
        self.lang = get_language()
        self._regs: dict[int, Regulation | None] = {}
        self._names: dict[tuple[int, str], str] = {}
        self._translated: frozenset[int] | None = None

    def _has_names(self, definition_id: int) -> bool:
        """Whether the version names anything in this language, so that models without
        translations are never parsed for a list."""
        if self._translated is None:
            from sqlalchemy import select

            from regflow.store.models import ProcessDefinition
            from regflow.store.records import derived_from_versions

            connection = self.tx.connection
            marker = f'%name="name_{self.lang}"%'

            def build() -> frozenset[int]:
                found = connection.execute(
                    select(ProcessDefinition.id).where(ProcessDefinition.source.like(marker))
                )
                return frozenset(found.scalars())

            self._translated = derived_from_versions(
                connection, ("named in", self.lang), build
            )
        return definition_id in self._translated

    def regulation(self, definition_id: int) -> Regulation | None:
        if definition_id not in self._regs:
            if not self._has_names(definition_id):
                self._regs[definition_id] = None
                return None
            from regflow.errors import NotFound
            from regflow.services.processes import loaded_by_id

            try:
                self._regs[definition_id] = loaded_by_id(
                    self.tx.session, definition_id
                ).regulation
            except NotFound:  # pragma: no cover - the foreign key keeps versions
                self._regs[definition_id] = None
        return self._regs[definition_id]

    def __call__(self, definition_id: int, step_id: str, stored: str) -> str:
        key = (definition_id, step_id)
        found = self._names.get(key)
        if found is None:
            found = self._names[key] = step_name(self.regulation(definition_id), step_id, stored)
        return found
