"""Timer models of rules 004 (/work/shared/seeds/004_8f891f753962242d.txt), written with the
builder: ``python tools/timers_models.py`` writes them to processes/.

* point 7 (line 27): an unclaimed result is kept at the State Corporation for one month, then
  returned to the provider as unclaimed — an interrupting 1-calendar-month boundary timer;
* point 17 (lines 49-50): the hearing notice goes out no later than 3 working days before the
  service deadline; the hearing is held within 2 working days of the notice — a
  "3 working days before deadline" escalation on the notice and a 2-working-day one on the
  hearing (non-interrupting: the task stays open, the head is told);
* point 18 (lines 52-59): a complaint is forwarded to the reviewing body within 3 working days
  and answered within 5 working days of registration — escalation timers on both steps.
"""

from __future__ import annotations

import sys
from pathlib import Path

from regflow.workflows.builder import ProcessBuilder

if str(Path(__file__).resolve().parent) not in sys.path:  # `library` is a package in tools/
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from library.common import translate  # noqa: E402

SEED = "004_8f891f753962242d.txt"
OUT = Path(__file__).resolve().parent.parent / "processes"

# Russian and English names for the interface (regflow --lang ru|en), keyed by the Kazakh name;
# "Нәтиже берілді" and "Тыңдау өткізу" come from library/common.NAMES.
NAMES_TIMERS: dict[str, tuple[str, str]] = {
    "Берілмеген нәтижені Мемлекеттік корпорацияда сақтау": (
        "Хранение невыданного результата в Госкорпорации",
        "Keeping an unclaimed result at the State Corporation"),
    "Мемлекеттік корпорация қызметкері": ("Работник Госкорпорации", "State Corporation employee"),
    "Көрсетілетін қызметті беруші": ("Услугодатель", "Service provider"),
    "Дайын нәтиже түсті": ("Поступил готовый результат", "Result ready"),
    "Нәтижені алушыға беру": ("Выдача результата получателю", "Hand the result to the applicant"),
    "Бір ай өтті": ("Прошел месяц", "A month has passed"),
    "Сұранымсыз құжатты берушіге қайтару": (
        "Возврат невостребованного документа услугодателю",
        "Return the unclaimed document to the provider"),
    "Қайтарылған құжатты қабылдау": (
        "Прием возвращенного документа", "Receive the returned document"),
    "Берушіге қайтарылды": ("Возвращено услугодателю", "Returned to the provider"),
    "Теріс шешім алдындағы тыңдау": (
        "Заслушивание перед отрицательным решением", "Hearing before a negative decision"),
    "Жауапты орындаушы": ("Ответственный исполнитель", "Responsible officer"),
    "Басшы": ("Руководитель", "Head"),
    "Алдын ала теріс шешім": ("Предварительное отрицательное решение", "Preliminary refusal"),
    "Тыңдау туралы хабарлама жіберу": (
        "Направление уведомления о заслушивании", "Send the hearing notice"),
    "Мерзімнен 3 жұмыс күні бұрын": (
        "За 3 рабочих дня до срока", "3 working days before the deadline"),
    "2 жұмыс күні": ("2 рабочих дня", "2 working days"),
    "Рұқсат немесе дәлелді бас тарту": (
        "Разрешение или мотивированный отказ", "Approval or reasoned refusal"),
    "Шешім берілді": ("Решение выдано", "Decision issued"),
    "Шағымды қарау (мерзімдерімен)": (
        "Рассмотрение жалобы (со сроками)", "Complaint review (with deadlines)"),
    "Кеңсе": ("Канцелярия", "Office"),
    "Шағымды қарайтын орган": ("Орган, рассматривающий жалобу", "Complaint body"),
    "Шағым тіркелді": ("Жалоба зарегистрирована", "Complaint registered"),
    "Шағымды қарайтын органға жіберу": (
        "Направление в орган, рассматривающий жалобу", "Forward to the complaint body"),
    "3 жұмыс күні": ("3 рабочих дня", "3 working days"),
    "Шағымды қарау және жауап беру": (
        "Рассмотрение жалобы и ответ", "Review and answer the complaint"),
    "Тіркелгеннен 5 жұмыс күні": (
        "5 рабочих дней с регистрации", "5 working days from registration"),
    "Жауап берілді": ("Ответ дан", "Answer given"),
}


def storage() -> ProcessBuilder:
    b = ProcessBuilder(
        key="arnauly_aleumettik_qyzmet_natizhe_saqtau",
        name="Берілмеген нәтижені Мемлекеттік корпорацияда сақтау",
        properties={"routes": "sc", "schedule": "state_corporation", "source": f"{SEED}:27"},
    )
    sc = b.lane("sc", "Мемлекеттік корпорация қызметкері", schedule="state_corporation")
    provider = b.lane("provider", "Көрсетілетін қызметті беруші")
    start = b.start(sc, "Дайын нәтиже түсті")
    hand_over = b.user_task(sc, "Нәтижені алушыға беру", norm="1 calendar month",
                            source=f"{SEED}:27", id="Task_hand_over")
    month = b.boundary_timer(hand_over, "Бір ай өтті", "1 calendar month", interrupting=True,
                             id="Timer_storage_month", properties={"source": f"{SEED}:27"})
    give_back = b.user_task(sc, "Сұранымсыз құжатты берушіге қайтару", norm="1 working day",
                            source=f"{SEED}:27", id="Task_return")
    receive = b.user_task(provider, "Қайтарылған құжатты қабылдау", norm="1 working day",
                          id="Task_receive_returned")
    issued = b.end(sc, "Нәтиже берілді", outcome="issued")
    returned = b.end(provider, "Берушіге қайтарылды", outcome="returned", id="End_returned")
    b.chain(start, hand_over, issued)
    b.chain(month, give_back, receive, returned)
    return b


def hearing() -> ProcessBuilder:
    b = ProcessBuilder(
        key="arnauly_aleumettik_qyzmet_tyndau",
        name="Теріс шешім алдындағы тыңдау",
        properties={"routes": "provider", "deadline": "15 working days", "schedule": "akimat",
                    "source": f"{SEED}:49-51"},
    )
    officer = b.lane("officer", "Жауапты орындаушы")
    head = b.lane("head", "Басшы")
    start = b.start(officer, "Алдын ала теріс шешім")
    notice = b.user_task(officer, "Тыңдау туралы хабарлама жіберу", norm="1 working day",
                         source=f"{SEED}:50", id="Task_hearing_notice")
    b.boundary_timer(notice, "Мерзімнен 3 жұмыс күні бұрын", "3 working days before deadline",
                     interrupting=False, id="Timer_notice_latest",
                     properties={"escalate": "head", "source": f"{SEED}:50"})
    hold = b.user_task(officer, "Тыңдау өткізу", norm="2 working days", source=f"{SEED}:50",
                       id="Task_hearing")
    b.boundary_timer(hold, "2 жұмыс күні", "2 working days", interrupting=False,
                     id="Timer_hearing_late", properties={"escalate": "head"})
    decide = b.user_task(head, "Рұқсат немесе дәлелді бас тарту", norm="1 working day",
                         source=f"{SEED}:51", id="Task_decision")
    end = b.end(head, "Шешім берілді", outcome="issued")
    b.chain(start, notice, hold, decide, end)
    return b


def complaint() -> ProcessBuilder:
    b = ProcessBuilder(
        key="arnauly_aleumettik_qyzmet_shagym_timers",
        name="Шағымды қарау (мерзімдерімен)",
        properties={"routes": "provider", "deadline": "5 working days", "schedule": "akimat",
                    "source": f"{SEED}:52-59"},
    )
    office = b.lane("office", "Кеңсе")
    body = b.lane("review_body", "Шағымды қарайтын орган")
    start = b.start(office, "Шағым тіркелді")
    forward = b.user_task(office, "Шағымды қарайтын органға жіберу", norm="3 working days",
                          source=f"{SEED}:57", id="Task_forward")
    b.boundary_timer(forward, "3 жұмыс күні", "3 working days", interrupting=False,
                     id="Timer_forward_late", properties={"escalate": "head", "source":
                                                           f"{SEED}:57"})
    review = b.user_task(body, "Шағымды қарау және жауап беру", norm="5 working days",
                         source=f"{SEED}:59", id="Task_answer")
    b.boundary_timer(review, "Тіркелгеннен 5 жұмыс күні", "0 working days before deadline",
                     interrupting=False, id="Timer_answer_late",
                     properties={"escalate": "review_body", "source": f"{SEED}:59"})
    end = b.end(body, "Жауап берілді", outcome="answered")
    b.chain(start, forward, review, end)
    return b


def main() -> None:
    for builder in (storage(), hearing(), complaint()):
        path = translate(builder, NAMES_TIMERS).write(OUT / f"{builder.key}.bpmn")
        print(path)


if __name__ == "__main__":
    main()
