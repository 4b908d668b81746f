"""What service tasks do: a registry of handlers keyed by the name a service task gives.

A handler receives a copy of the application's data and the systems (:class:`Systems`: the
adapter set and today's date) and returns the data it adds (a lookup's ``data_found``, a
signature check's ``signature_valid``), which the gateways after it read. The built-in handlers
live in :mod:`regflow.handlers.builtin`; every handler name the library's models use is there,
and deploying a model whose service task names an unknown handler is refused.

A :class:`Runner` calls a handler under its :class:`~regflow.handlers.config.RetryPolicy`: an
exception or a timeout is retried with exponential backoff; when the attempts are used up it
raises :class:`HandlerFailed` (the number of attempts and each error), and the services layer
keeps the step waiting and records an incident instead of losing it.

A model deployed before its handler existed (so with no registered handler) still runs: the
answers its service step declares (``outputs``) are then taken from the application's data, and
if they are not there the step fails with a clear error and nothing is saved. regflow never
makes up a system's answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from regflow.errors import HandlerError, RegflowError
from regflow.handlers.adapters import Adapters
from regflow.handlers.config import HandlerConfig, RetryPolicy, load_config
from regflow.i18n import _


@dataclass(frozen=True)
class Systems:
    """What a handler may use: the adapters of this deployment and the date it runs on."""

    adapters: Adapters
    today: date


Handler = Callable[[dict[str, Any], Systems], dict[str, Any]]

HANDLERS: dict[str, Handler] = {}


class _Output(Protocol):
    @property
    def name(self) -> str: ...


class ServiceStep(Protocol):
    """What a handler runner needs of a model's service step (read-only)."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def handler(self) -> str | None: ...

    @property
    def outputs(self) -> tuple[_Output, ...]: ...


def register(name: str) -> Callable[[Handler], Handler]:
    def wrap(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return wrap


def is_registered(name: str | None) -> bool:
    """Whether a service task naming this handler can run (the deploy-time check)."""
    import regflow.handlers.builtin  # noqa: F401  (registers the built-in handlers)

    return bool(name) and name in HANDLERS


class HandlerFailed(HandlerError):
    """A handler failed on every attempt its policy allows; the step waits on an incident.

    ``runs`` and ``task_id`` are filled in by the engine as the error passes through
    ``Instance.advance``: the service tasks completed before this one, and the task that stays
    ready.
    """

    def __init__(self, step: ServiceStep, errors: list[str]) -> None:
        self.attempts = len(errors)
        self.errors = list(errors)
        self.step_id = step.id
        self.handler = step.handler
        self.runs: list[Any] = []
        self.task_id: str | None = None
        super().__init__(
            f"service step '{step.name}' ({step.id}, handler '{step.handler}') failed "
            f"{self.attempts} time(s): {errors[-1]}"
        )


@dataclass
class Call:
    """One successful handler run: which step, and the errors of the attempts before it."""

    step_id: str
    handler: str | None
    errors: list[str] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return len(self.errors) + 1


class _Timeout(Exception):
    pass


def _call_with_timeout(fn: Callable[[], dict[str, Any]], timeout: float) -> dict[str, Any]:
    """Run ``fn``, giving up after ``timeout`` seconds (0: wait as long as it takes).

    A call that overruns is abandoned in a daemon thread: a real adapter should also set its
    own network timeout, so that the abandoned call ends soon.
    """
    if timeout <= 0:
        return fn()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:  # handed over to the caller's thread below
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name="regflow-handler")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise _Timeout(f"no answer within {timeout:g} s")
    if "error" in box:
        raise box["error"]
    return box["result"]


def _describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, _Timeout):
        return f"timeout: {text}"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Runner:
    """Runs service steps with retries; ``calls`` lists the successful runs in order."""

    def __init__(
        self,
        config: HandlerConfig,
        systems: Systems,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.systems = systems
        self.sleep = sleep
        self.calls: list[Call] = []

    def policy(self, step: ServiceStep) -> RetryPolicy:
        return self.config.policy(step.handler)

    def __call__(self, step: ServiceStep, data: dict[str, Any]) -> dict[str, Any]:
        is_registered(step.handler)  # makes sure the built-ins are registered
        handler = HANDLERS.get(step.handler or "")
        if handler is None:
            result = _declared_answers(step, data)
            self.calls.append(Call(step.id, step.handler))
            return result
        policy = self.policy(step)
        errors: list[str] = []
        while True:
            try:
                result = _call_with_timeout(
                    lambda: handler(dict(data), self.systems), policy.timeout
                )
            except Exception as exc:
                if isinstance(exc, RegflowError) and not isinstance(exc, HandlerError):
                    raise  # bad application data (no IIN...): an answer for the user, not a retry
                errors.append(_describe(exc))
                if len(errors) >= policy.attempts:
                    raise HandlerFailed(step, errors) from None
                self.sleep(policy.delay(len(errors)))
                continue
            if not isinstance(result, dict):
                errors.append(f"handler returned {type(result).__name__}, not a dict")
                raise HandlerFailed(step, errors)
            self.calls.append(Call(step.id, step.handler, errors))
            return result


def _declared_answers(step: ServiceStep, data: dict[str, Any]) -> dict[str, Any]:
    missing = [o.name for o in step.outputs if o.name not in data]
    if missing:
        raise HandlerError(
            _("service step '{step}' ({id}, handler '{handler}') has no adapter here and the "
              "application does not carry its answer: {missing}").format(
                step=step.name, id=step.id, handler=step.handler,
                missing=", ".join(f"--set {m}=..." for m in missing),
            )
        )
    return {o.name: data[o.name] for o in step.outputs}


_OVERRIDE: list[Callable[[date], Runner]] = []


def runner_for(spec: str | None, today: date) -> Runner:
    """The runner for one service call, built from the ``REGFLOW_HANDLERS`` setting."""
    if _OVERRIDE:
        return _OVERRIDE[-1](today)
    config = load_config(spec)
    return Runner(config, Systems(config.build_adapters(), today))


@contextmanager
def override(
    adapters: Adapters,
    *,
    config: HandlerConfig | None = None,
    sleep: Callable[[float], None] = lambda seconds: None,
) -> Iterator[list[float]]:
    """Tests and embedders: run service steps on these adapters; yields the delays slept."""
    slept: list[float] = []
    cfg = config or HandlerConfig(default=RetryPolicy(timeout=0))

    def recording_sleep(seconds: float) -> None:
        slept.append(seconds)
        sleep(seconds)

    def build(today: date) -> Runner:
        return Runner(cfg, Systems(adapters, today), sleep=recording_sleep)

    _OVERRIDE.append(build)
    try:
        yield slept
    finally:
        _OVERRIDE.remove(build)


def run_service_step(step: ServiceStep, data: dict[str, Any]) -> dict[str, Any]:
    """One service step with the default (local) configuration; kept for simple callers."""
    return runner_for(None, date.today())(step, data)
