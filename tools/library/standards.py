"""Models of the health-sector state-service standards of seeds 000, 001 and 002.

Every standard of ``standards_catalogue.toml`` becomes one process, built with one template:

* the applicant's lane holds the start event and the route gateway (``Gateway_route``);
* ``provider`` route (and ``mobile`` for the ambulance): the applicant waits to submit (norm = the
  maximum waiting time), the clerk accepts (norm = the maximum service time at the counter), the
  responsible officer does the provider's work (norm = the route's service deadline) and decides
  on the refusal grounds (``grounds_found:bool``);
* ``portal`` route: the portal accepts the e-request, the officer (or, for a fully automated
  service, the portal itself) does the work within the portal deadline, the portal sends the
  result or the reasoned refusal to the applicant's personal cabinet;
* a refusal gateway per route leads to an end event with outcome ``refused`` when the standard
  gives refusal grounds; none is drawn where the text says there are none.

A step's ``source`` is the seed line of its norm; a step without a norm in the text has none.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from regflow.workflows.builder import Node, ProcessBuilder
from regflow.workflows.schedules import load_schedules

from .common import translate

CATALOGUE = Path(__file__).with_name("standards_catalogue.toml")

LANE_NAMES = {
    "applicant": "Көрсетілетін қызметті алушы",
    "clerk": "Көрсетілетін қызметті берушінің кеңсе қызметкері",
    "officer": "Көрсетілетін қызметті берушінің жауапты орындаушысы",
    "portal": "\"Электрондық үкіметтің\" веб-порталы",
}
GROUNDS = "grounds_found"

# Russian and English titles (regflow --lang ru|en), keyed by the Kazakh title of the catalogue:
# the Russian titles of the same state services of the Ministry of Health. The template's lanes,
# steps and events are translated in common.NAMES; the ambulance's own lanes and steps here.
NAMES_STANDARDS: dict[str, tuple[str, str]] = {
    "Денсаулық сақтау саласы кадрларының біліктілігін арттыру және сертификаттау курстарынан "
    "өткені туралы құжаттар беру": (
        "Выдача документов о прохождении повышения квалификации и сертификационных курсов "
        "кадров в области здравоохранения",
        "Issue of documents on advanced training and certification courses of health workers"),
    "Денсаулық сақтау саласындағы кадрлардың біліктілігін арттыру және қайта даярлау туралы "
    "құжаттар беру": (
        "Выдача документов о повышении квалификации и переподготовке кадров в области "
        "здравоохранения",
        "Issue of documents on advanced training and retraining of health workers"),
    "Тегін медициналық көмектің кепілдік берілген көлемі шеңберінде Қазақстан Республикасының "
    "азаматтарын шетелге емделуге жіберудің орындылығы және (немесе) емдеуді отандық "
    "медициналық ұйымдарда жүргізу үшін шетелдік мамандарды тарту мүмкіндігіне құжаттарды "
    "қабылдау және қарау": (
        "Прием и рассмотрение документов о целесообразности направления граждан Республики "
        "Казахстан на лечение за рубеж и (или) привлечения зарубежных специалистов для "
        "проведения лечения в отечественных медицинских организациях в рамках гарантированного "
        "объема бесплатной медицинской помощи",
        "Review of documents on sending citizens abroad for treatment or inviting foreign "
        "specialists to treat at home, within the guaranteed free medical care"),
    "Медициналық-санитариялық алғашқы көмек көрсететін медициналық ұйымға бекіту": (
        "Прикрепление к медицинской организации, оказывающей первичную медико-санитарную помощь",
        "Registration with a primary health-care organisation"),
    "Дәрігердің қабылдауына жазылу": ("Запись на прием к врачу", "Booking a doctor's appointment"),
    "Дәрігерді үйге шақыру": ("Вызов врача на дом", "Calling a doctor to the home"),
    "Медициналық-санитариялық алғашқы көмек көрсететін медициналық ұйымнан анықтама беру": (
        "Выдача справки с медицинской организации, оказывающей первичную медико-санитарную "
        "помощь",
        "Certificate from a primary health-care organisation"),
    "Еңбекке уақытша жарамсыздық парағын беру": (
        "Выдача листа о временной нетрудоспособности", "Issue of a sick-leave certificate"),
    "Уақытша еңбекке жарамсыздық туралы анықтама беру": (
        "Выдача справки о временной нетрудоспособности",
        "Issue of a statement of temporary incapacity for work"),
    "Емдеуге жатқызу бюросы порталы арқылы тегін медициналық көмектің кепілдік берілген көлемі "
    "шеңберінде пациенттерге стационарға емдеуге жатқызуға жолдама беру": (
        "Выдача направления пациентам на госпитализацию в стационар в рамках гарантированного "
        "объема бесплатной медицинской помощи через портал Бюро госпитализации",
        "Hospital referral within the guaranteed free medical care via the Hospitalisation "
        "Bureau portal"),
    "Санаторийлік-курорттық емдеу қажеттілігі туралы қорытынды беру": (
        "Выдача заключения о нуждаемости в санаторно-курортном лечении",
        "Opinion on the need for sanatorium and spa treatment"),
    "Емдеуге жатқызу бюросы порталы арқылы пациенттерге стационарға емделуге жатқызуға "
    "жолдама беру": (
        "Выдача направления пациентам на госпитализацию в стационар через портал Бюро "
        "госпитализации",
        "Hospital referral via the Hospitalisation Bureau portal"),
    "Трансплантаттау мақсатында ағзалардың (ағза бөлігінің) және (немесе) тіндердің (тін "
    "бөлігінің) қайтыс болғаннан кейінгі донорлығынан тірі кезінде бас тарту немесе келісім "
    "алуды тіркеу": (
        "Регистрация прижизненного отказа или согласия на посмертное донорство органов (части "
        "органа) и (или) тканей (части ткани) в целях трансплантации",
        "Registering a lifetime refusal of or consent to posthumous organ and tissue donation "
        "for transplantation"),
    "Жедел медициналық көмек шақырту": ("Вызов скорой медицинской помощи", "Calling an ambulance"),
    "Көлік құралын басқаруға рұқсат алу туралы анықтама беру": (
        "Выдача справки о допуске к управлению транспортным средством",
        "Certificate of fitness to drive a vehicle"),
    "Алдын ала міндетті медициналық қарап-тексеруден өту": (
        "Прохождение предварительных обязательных медицинских осмотров",
        "Preliminary compulsory medical examination"),
    "Азаматтардың жекелеген санаттарына дәрілік заттарды, бейімделген емдік өнімдерді, "
    "медициналық бұйымдарды беру": (
        "Выдача лекарственных средств, специализированных лечебных продуктов, медицинских "
        "изделий отдельным категориям граждан",
        "Provision of medicines, specialised medical foods and medical devices to certain "
        "categories of citizens"),
    "\"Фтизиатрия\" Фтизиопульмонология орталығынан мәліметтер ұсыну": (
        "Предоставление сведений «Фтизиатрия» из Центра фтизиопульмонологии",
        "\"Phthisiology\" records from the Phthisiopulmonology Centre"),
    "\"Психиатрия\" Психикалық денсаулық орталығынан мәліметтер ұсыну": (
        "Предоставление сведений «Психиатрия» из Центра психического здоровья",
        "\"Psychiatry\" records from the Mental Health Centre"),
    "\"Наркология\" Психикалық денсаулық орталығынан мәліметтер ұсыну": (
        "Предоставление сведений «Наркология» из Центра психического здоровья",
        "\"Narcology\" records from the Mental Health Centre"),
    # -- the ambulance's lanes and steps (the catalogue's `accept` / `work`)
    "Диспетчер": ("Диспетчер", "Dispatcher"),
    "Жедел медициналық жәрдем бригадасы": (
        "Бригада скорой медицинской помощи", "Ambulance crew"),
    "Шақыртуды қабылдау және өңдеу (жеделділік санаты бойынша іріктеу)": (
        "Прием и обработка вызова (сортировка по категории срочности)",
        "Take and process the call (triage by urgency)"),
    "Бригаданың пациенттің тұрған жеріне келуі": (
        "Прибытие бригады к месту нахождения пациента", "Crew arrives at the patient"),
}


def load_catalogue(path: Path = CATALOGUE) -> list[dict[str, Any]]:
    with path.open("rb") as fh:
        return list(tomllib.load(fh)["standard"])


def schedule_name(wanted: str, fallback: str | None) -> tuple[str, str | None]:
    """(schedule to write, wanted name if it is not defined yet in workflows/schedules.toml)."""
    if wanted in load_schedules() or not fallback:
        return wanted, None
    return fallback, wanted


def _src(entry: dict[str, Any], line: int | None) -> str | None:
    return f"{entry['seed']}:{line}" if line else None


def _norm(entry: dict[str, Any], table: str, route: str) -> tuple[str | None, str | None]:
    """(norm, source) of a per-route table, or (None, None) where the text gives none."""
    item = entry.get(table, {}).get(route)
    if not item:
        return None, None
    return item["norm"], _src(entry, item["line"])


def process_properties(entry: dict[str, Any]) -> dict[str, Any]:
    routes: list[str] = entry["channels"]
    deadlines: dict[str, dict[str, Any]] = entry.get("deadline", {})
    first = next((r for r in routes if r in deadlines), None)
    props: dict[str, Any] = {"routes": ", ".join(routes)}
    if first:
        props["deadline"] = deadlines[first]["norm"]
        for route in routes:
            if route != first and route in deadlines:
                props[f"deadline.{route}"] = deadlines[route]["norm"]
        props["deadline_source"] = _src(entry, deadlines[first]["line"])
        for route in routes:
            if route != first and route in deadlines:
                props[f"deadline_source.{route}"] = _src(entry, deadlines[route]["line"])
    props["schedule"], props["schedule_wanted"] = schedule_name(
        entry["schedule"]["name"], entry["schedule"].get("fallback")
    )
    props["schedule_source"] = _src(entry, entry["schedule"]["line"])
    props["source"] = f"{entry['seed']}:{entry['lines']}"
    props["provider"] = entry["provider"]
    if entry.get("approved_by"):
        props["approved_by"] = entry["approved_by"]
    for key in ("approved_on", "registered_on", "in_force_from", "replaces"):
        if entry.get(key):
            props[key] = entry[key]
    return props


def _documentation(entry: dict[str, Any]) -> str:
    grounds = entry.get("refusal_grounds", [])
    lines = [f"{entry.get('document', 'стандарт')}: {entry['seed']}:{entry['lines']}"]
    lines.append(f"Көрсетілетін қызметті беруші: {entry['provider']} ({entry['provider_line']})")
    lines.append(f"Нәтижесі: {entry['result']} ({entry['result_line']})")
    if grounds:
        lines.append("Бас тарту үшін негіздер:")
        lines += [f"  {i}) {g['text']} ({g['line']})" for i, g in enumerate(grounds, 1)]
    else:
        lines.append(
            f"Бас тарту үшін негіздер: {entry.get('refusal_text', 'жоқ')} "
            f"({entry.get('refusal_line', '')})"
        )
    if entry.get("version"):
        lines.append(f"Нұсқа: {entry['version']}")
    return "\n".join(lines)


class _Template:
    def __init__(self, entry: dict[str, Any]) -> None:
        self.e = entry
        self.b = ProcessBuilder(
            key=entry["key"],
            name=entry["title"],
            properties=process_properties(entry),
            documentation=_documentation(entry),
        )
        self.lanes: dict[str, Any] = {}
        self.refusal = bool(entry.get("refusal_grounds"))
        grounds = entry.get("refusal_grounds", [])
        self.grounds_source = _src(entry, grounds[0]["line"]) if grounds else None

    def lane(self, role: str, name: str | None = None, schedule: str | None = None) -> Any:
        if role not in self.lanes:
            self.lanes[role] = self.b.lane(role, name or LANE_NAMES[role], schedule=schedule)
        return self.lanes[role]

    # ------------------------------------------------------------------ routes
    def build(self) -> ProcessBuilder:
        e = self.e
        applicant = self.lane("applicant")
        start = self.b.start(
            applicant, "Көрсетілетін қызметті алушы жүгінді", id="StartEvent_apply"
        )
        gw = self.b.gateway(applicant, "Жүгіну тәсілі", id="Gateway_route")
        self.b.flow(start, gw)
        for i, route in enumerate(e["channels"]):
            first = self.route_portal(route) if route == "portal" else self.route_office(route)
            if i == 0:
                self.b.flow(gw, first, default=True, name=route)
            else:
                self.b.flow(gw, first, condition=f'route == "{route}"', name=route)
        return self.b

    def route_office(self, route: str) -> Node:
        """Provider's office (or the ambulance's phone/mobile channel)."""
        e = self.e
        steps: list[Node] = []
        if _norm(e, "waiting", route)[0]:
            steps.append(
                self._step(
                    route, "wait", "waiting", self.lane("applicant"),
                    "Құжаттарды тапсыру үшін кезек күту",
                )
            )
        accept_role, accept_lane, accept_name = e.get(
            "accept", ["clerk", None, "Құжаттарды қабылдау"]
        )
        steps.append(
            self._step(
                route, "accept", "counter", self.lane(accept_role, accept_lane), accept_name
            )
        )
        work_role, work_lane, work_name = e.get(
            "work", ["officer", None, "Мемлекеттік қызметті көрсету (құжаттарды қарау)"]
        )
        work = self._step(
            route, "work", "deadline", self.lane(work_role, work_lane), work_name,
            result=f"Нәтижесі – {e['result']}",
            inputs=f"{GROUNDS}:bool" if self.refusal else None,
        )
        steps.append(work)
        self.b.chain(*steps)
        issued = self.b.end(
            work.lane, "Нәтиже берілді", outcome="issued", id=f"End_{route}_issued"
        )
        self._decide(
            route,
            work,
            lambda: [
                self.b.end(
                    work.lane, "Дәлелді бас тарту берілді", outcome="refused",
                    id=f"End_{route}_refused",
                )
            ],
            issued,
        )
        return steps[0]

    def route_portal(self, route: str) -> Node:
        e = self.e
        portal = self.lane("portal", schedule="portal")
        accept = self._step(
            route, "accept", "waiting", portal,
            "Электрондық сұрау салуды қабылдау (жеке кабинетте мәртебе)", handler="portal.accept",
        )
        result = f"Нәтижесі – {e['result']}"
        if e.get("automated"):
            work = self._step(
                route, "work", "deadline", portal, "Мәліметтерді қалыптастыру (келісімді тексеру)",
                handler="provider.lookup",
                result=result,
                properties={"outputs": f"{GROUNDS}:bool"} if self.refusal else None,
            )
        else:
            work = self._step(
                route, "work", "deadline", self.lane("officer"), "Электрондық сұрау салуды қарау",
                result=result,
                inputs=f"{GROUNDS}:bool" if self.refusal else None,
            )
        send = self.b.service_task(
            portal,
            "Нәтижені жеке кабинетке жіберу",
            handler="notify.cabinet",
            id=f"Task_{route}_send_result",
        )
        issued = self.b.end(portal, "Нәтиже жіберілді", outcome="issued", id=f"End_{route}_issued")
        self.b.chain(accept, work)
        self.b.chain(send, issued)
        self._decide(
            route,
            work,
            lambda: [
                self.b.service_task(
                    portal,
                    "Дәлелді бас тартуды жеке кабинетке жіберу",
                    handler="notify.cabinet",
                    id=f"Task_{route}_send_refusal",
                ),
                self.b.end(
                    portal, "Дәлелді бас тарту жіберілді", outcome="refused",
                    id=f"End_{route}_refused",
                ),
            ],
            send,
        )
        return accept

    def _step(
        self,
        route: str,
        suffix: str,
        term: str,
        lane: Any,
        name: str,
        handler: str | None = None,
        **extra: Any,
    ) -> Node:
        """The step ``Task_<route>_<suffix>`` whose norm is the route's ``term`` in the
        catalogue (waiting, counter or deadline), with the line it is written on: a user task,
        or the portal's service task when a ``handler`` is given."""
        norm, source = _norm(self.e, term, route)
        ident = f"Task_{route}_{suffix}"
        if handler:
            return self.b.service_task(
                lane, name, handler=handler, norm=norm, source=source, id=ident, **extra
            )
        return self.b.user_task(lane, name, norm=norm, source=source, id=ident, **extra)

    def _decide(
        self, route: str, work: Node, refusal: Callable[[], list[Node]], result: Node
    ) -> None:
        """After ``work``, the decision on the standard's refusal grounds (``grounds_found``):
        "негіздер бар" -> the ``refusal`` steps (added here, after the gateway), "негіздер жоқ"
        -> ``result``. A standard without refusal grounds goes straight on to ``result``."""
        if not self.refusal:
            self.b.flow(work, result)
            return
        decide = self.b.gateway(
            work.lane,
            "Бас тарту үшін негіздер бар ма?",
            id=f"Gateway_{route}_grounds",
            properties={"source": self.grounds_source},
        )
        nodes = refusal()
        self.b.flow(work, decide)
        self.b.flow(decide, nodes[0], condition=f"{GROUNDS} == True", name="негіздер бар")
        self.b.flow(decide, result, default=True, name="негіздер жоқ")
        self.b.chain(*nodes)


def build_one(entry: dict[str, Any]) -> ProcessBuilder:
    return translate(_Template(entry).build(), NAMES_STANDARDS)


def build() -> list[ProcessBuilder]:
    return [build_one(entry) for entry in load_catalogue()]


if __name__ == "__main__":  # pragma: no cover - manual use
    out = Path(__file__).resolve().parents[2] / "processes"
    for builder in build():
        print(builder.write(out / f"{builder.key}.bpmn"))
