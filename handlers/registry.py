"""What service tasks do: a registry of handlers keyed by the name a service task gives.

A handler receives a copy of the application's data and returns the data it adds (a lookup's
``data_found``, a signature check's ``signature_valid``), which the gateways after it read.

Until a system's adapter is registered, a service task still runs and is timed like every other
step; the answers it declares (its ``outputs`` property) are then taken from the application's
data, where the filing clerk or the applicant put them (``regflow start ... --set
data_found=true``). If they are not there, the step fails with a clear error and nothing is
saved: regflow never makes up a system's answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from regflow.errors import HandlerError

Handler = Callable[[dict[str, Any]], dict[str, Any]]

HANDLERS: dict[str, Handler] = {}


class _Output(Protocol):
    name: str


class ServiceStep(Protocol):
    id: str
    name: str
    handler: str | None

    @property
    def outputs(self) -> tuple[_Output, ...]: ...


def register(name: str) -> Callable[[Handler], Handler]:
    def wrap(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return wrap


def run_service_step(step: ServiceStep, data: dict[str, Any]) -> dict[str, Any]:
    handler = HANDLERS.get(step.handler or "")
    if handler is not None:
        return handler(data)
    missing = [o.name for o in step.outputs if o.name not in data]
    if missing:
        raise HandlerError(
            f"service step '{step.name}' ({step.id}, handler '{step.handler}') has no adapter "
            "here and the application does not carry its answer: "
            + ", ".join(f"--set {m}=..." for m in missing)
        )
    return {o.name: data[o.name] for o in step.outputs}
