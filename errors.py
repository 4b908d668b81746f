"""Every error regflow raises on purpose derives from :class:`RegflowError`.

The CLI turns a ``RegflowError`` into one line on stderr and its ``exit_code``; anything else is
a bug and keeps its traceback. Errors from SpiffWorkflow, lxml and SQLAlchemy are translated into
these at the seam where they are caught (``raise X(...) from exc``).

    RegflowError                     exit 1 unless said otherwise
    ├── UsageError                   exit 2: a malformed value on the command line
    ├── ConfigError                  a broken settings or calendar file
    ├── NormError                    a norm that the grammar cannot read
    ├── ModelError                   a BPMN file regflow cannot use (file, line, element)
    ├── ExpressionError              an unsafe or failing gateway condition / script
    ├── NotFound                     an unknown process, application, step or user
    ├── StateError                   the action does not fit the current state
    │   └── ConflictError            someone else changed the same thing first
    ├── PermissionDenied             the user may not do this
    └── HandlerError                 a service task's handler failed
"""

from __future__ import annotations


class RegflowError(Exception):
    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        element: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.element = element

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file if self.line is None else f"{self.file}:{self.line}")
        if self.element:
            from regflow.i18n import _

            where.append(_("element {id}").format(id=self.element))
        return f"{', '.join(where)}: {self.message}" if where else self.message


class UsageError(RegflowError):
    exit_code = 2


class ConfigError(RegflowError):
    pass


class NormError(RegflowError):
    pass


class ModelError(RegflowError):
    pass


class ExpressionError(RegflowError):
    pass


class NotFound(RegflowError):
    pass


class StateError(RegflowError):
    pass


class ConflictError(StateError):
    pass


class PermissionDenied(RegflowError):
    pass


class HandlerError(RegflowError):
    pass
