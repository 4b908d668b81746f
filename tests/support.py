"""Small models written with the project's own builder, for engine and store tests."""

from __future__ import annotations

from pathlib import Path

from regflow.workflows.builder import ProcessBuilder


def three_step_model(path: Path, *, sign_norm: str = "1 working day", extra_step: bool = False) -> Path:
    """clerk registers (30 min) → head decides (refuse or not) → head signs; optional 4th step."""
    b = ProcessBuilder(
        key="three_steps",
        name="Үш қадам",
        properties={"routes": "provider", "deadline": "5 working days", "schedule": "akimat"},
    )
    clerk = b.lane("clerk", "Кеңсе қызметкері")
    head = b.lane("head", "Басшы")
    start = b.start(clerk, "Өтініш")
    register = b.user_task(clerk, "Тіркеу", norm="30 minutes", id="Task_register")
    decide = b.user_task(head, "Шешім", norm="1 working day", id="Task_decide", inputs="refuse:bool")
    gw = b.gateway(head, "Бас тарту?", id="Gateway_refuse")
    sign = b.user_task(head, "Қол қою", norm=sign_norm, id="Task_sign")
    issued = b.end(clerk, "Берілді", outcome="issued")
    refused = b.end(head, "Бас тартылды", outcome="refused")
    b.chain(start, register, decide, gw)
    b.flow(gw, refused, condition="refuse == True")
    b.flow(gw, sign, default=True)
    if extra_step:
        archive = b.user_task(clerk, "Мұрағат", norm="15 minutes", id="Task_archive")
        b.chain(sign, archive, issued)
    else:
        b.flow(sign, issued)
    b.write(path)
    return path
