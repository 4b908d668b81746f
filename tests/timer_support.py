"""Small timer models written with the builder, for the timer and worker tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from regflow.workflows.builder import ProcessBuilder
from tests.conftest import PROCESSES


def escalation_model(path: Path, *, interrupting: bool = False) -> Path:
    """clerk examines (1 working day) with a 3-working-day boundary timer on it: a
    non-interrupting one escalates to the head and leaves the task open; an interrupting one
    cancels the task and ends the application as "expired"."""
    b = ProcessBuilder(
        key="timed_review",
        name="Мерзімді қарау",
        properties={"routes": "provider", "deadline": "10 working days", "schedule": "akimat"},
    )
    clerk = b.lane("clerk", "Кеңсе қызметкері")
    head = b.lane("head", "Басшы")
    start = b.start(clerk, "Өтініш")
    review = b.user_task(clerk, "Қарау", norm="1 working day", id="Task_review")
    timer = b.boundary_timer(review, "3 жұмыс күні", "3 working days", interrupting=interrupting,
                             id="Timer_escalate", properties={"escalate": "head"})
    issued = b.end(clerk, "Берілді", outcome="issued")
    b.chain(start, review, issued)
    if interrupting:
        b.flow(timer, b.end(head, "Мерзімі өтті", outcome="expired", id="End_expired"))
    else:
        check = b.user_task(head, "Бақылау", norm="2 hours", id="Task_head_check")
        b.flow(timer, check)
        b.flow(check, b.end(head, "Тексерілді", outcome="checked", id="End_checked"))
    b.write(path)
    return path


def wait_model(path: Path, timer: str = "1 working day") -> Path:
    """clerk registers, then the flow waits ``timer`` (intermediate catch event), then ends."""
    b = ProcessBuilder(
        key="timed_wait",
        name="Күту",
        properties={"routes": "provider", "deadline": "5 working days", "schedule": "akimat"},
    )
    clerk = b.lane("clerk", "Кеңсе қызметкері")
    start = b.start(clerk, "Өтініш")
    register = b.user_task(clerk, "Тіркеу", norm="30 minutes", id="Task_register")
    wait = b.timer_event(clerk, "Күту", timer, id="Timer_wait")
    end = b.end(clerk, "Берілді", outcome="issued")
    b.chain(start, register, wait, end)
    b.write(path)
    return path


# Models with a timer of each kind (written into a test's tmp_path where not in processes/): the
# library's boundary timer, a non-interrupting and an interrupting escalation, and an
# intermediate catch event. For ``pytest.mark.parametrize("make", TIMER_MODELS, ids=...)``.
TIMER_MODELS = [
    lambda tmp: PROCESSES / "arnauly_aleumettik_qyzmet_shagym_timers.bpmn",
    lambda tmp: escalation_model(tmp / "escalation.bpmn"),
    lambda tmp: escalation_model(tmp / "interrupting.bpmn", interrupting=True),
    lambda tmp: wait_model(tmp / "wait.bpmn"),
]
TIMER_MODEL_IDS = ["library-boundary", "non-interrupting", "interrupting", "intermediate-catch"]


def started(make: Callable[[Path], Path], tmp_path: Path):  # type: ignore[no-untyped-def]
    """One of TIMER_MODELS parsed, and a new application of it on its first route, run on to
    its first person's step: (process, instance, route)."""
    from regflow.workflows import engine
    from regflow.workflows.loader import load_process

    path = make(tmp_path)
    process = load_process(path.read_bytes(), path.name)
    reg = process.regulation
    route = reg.routes[0] if reg.routes else None
    instance = engine.start(process, {"route": route})
    instance.advance(lambda step, data: {})
    return process, instance, route
