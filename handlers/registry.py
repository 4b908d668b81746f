"""What service tasks do: a registry of handlers keyed by the name a service task gives.

A handler receives a copy of the application's data and returns the data it adds (a lookup's
``data_found``, a signature check's ``signature_valid``), which the gateways after it read.
A service task whose handler is not registered records its step and adds nothing: the system
step is timed like every other step, and the decision stays with the person before the gateway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

Handler = Callable[[dict[str, Any]], dict[str, Any]]

HANDLERS: dict[str, Handler] = {}


class ServiceStep(Protocol):
    handler: str | None


def register(name: str) -> Callable[[Handler], Handler]:
    def wrap(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return wrap


def run_service_step(step: ServiceStep, data: dict[str, Any]) -> dict[str, Any]:
    handler = HANDLERS.get(step.handler or "")
    return handler(data) if handler else {}
