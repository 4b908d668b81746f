"""Shapes shared by the library's regulation models.

A model is built route by route from small pieces:

- :func:`new_model` - the builder, its lanes (in the given order), the start event and the route
  gateway ``Gateway_route``;
- :func:`steps` - numbered steps of a regulation as a chain of user tasks;
- :func:`conditional_norm` - one step with two norms ("... жағдайларда – 20 жұмыс күн"): a
  gateway on a decision variable before two tasks, then a merge;
- :func:`procedure` - a numbered procedure as written: steps (:class:`Step`), system steps
  (:class:`System`) and checks (:class:`Check`, N-шарт) each with its refusal branch;
- :func:`channel` - a route on which another body takes the application in and hands it to the
  provider: the State Corporation (ХҚО) of the 2015 regulations (:func:`sc_channel`: operator
  steps, ЖТ МДҚ check, ЭҮАШ АЖО, 2-шарт) or the e-gov portal (:func:`portal_channel`);
- :func:`issue_by_route` / :func:`sc_issue` - the result handed back by the route it came in by;
- :func:`translate` - the Russian and English names (``name_ru``, ``name_en``) of a built model,
  from :data:`NAMES` (lanes, steps and events the models share) and the module's own table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from regflow.workflows.builder import Lane, Node, ProcessBuilder

# Kinds of node that carry translated names; gateways and flow labels keep the model's Kazakh.
TRANSLATED_KINDS = frozenset(
    {"userTask", "serviceTask", "startEvent", "endEvent", "intermediateCatchEvent", "boundaryEvent"}
)

END_ISSUED = "Нәтиже берілді"
END_REFUSED = "Дәлелді бас тарту"

ROUTE_LABELS = {
    "provider": "көрсетілетін қызметті беруші",
    "akim": "ауылдық округ әкімі",
    "sc": "ХҚО",
    "portal": "портал",
}


@dataclass(frozen=True)
class Step:
    """One numbered step of a regulation: who, what, how long, where written, its result."""

    id: str
    role: str
    name: str
    norm: str | None
    line: int
    result: str | None = None
    inputs: str | None = None
    names: dict[str, str] | None = None  # translated names: {"name_ru": ..., "name_en": ...}


class Model:
    """A builder plus its lanes by role and the file the model is taken from."""

    def __init__(self, builder: ProcessBuilder, lanes: dict[str, Lane], seed: str) -> None:
        self.b = builder
        self.lanes = lanes
        self.seed = seed
        self.start: Node
        self.route_gw: Node

    def src(self, line: int) -> str:
        return f"{self.seed}:{line}"

    def lane(self, role: str) -> Lane:
        return self.lanes[role]

    def task(self, s: Step) -> Node:
        return self.b.user_task(
            self.lanes[s.role],
            s.name,
            norm=s.norm,
            source=self.src(s.line),
            result=s.result,
            inputs=s.inputs,
            id=s.id,
            properties=s.names,
        )

    def service(
        self,
        role: str,
        ident: str,
        name: str,
        handler: str,
        norm: str | None,
        line: int,
        result: str | None = None,
        outputs: str | None = None,
    ) -> Node:
        """A system step; ``outputs`` declares the answer the gateway after it reads."""
        return self.b.service_task(
            self.lanes[role],
            name,
            handler=handler,
            norm=norm,
            source=self.src(line),
            result=result,
            id=ident,
            properties={"outputs": outputs} if outputs else None,
        )

    def act(self, s: Step | System) -> Node:
        """A user task for a :class:`Step`, a service task for a :class:`System`."""
        if isinstance(s, System):
            return self.service(s.role, s.id, s.name, s.handler, s.norm, s.line, outputs=s.outputs)
        return self.task(s)

    def end(self, role: str, ident: str, outcome: str = "issued", name: str | None = None) -> Node:
        default = END_REFUSED if outcome == "refused" else END_ISSUED
        return self.b.end(self.lanes[role], name or default, outcome=outcome, id=ident)

    def route(self, target: Node, route: str, first: bool = False) -> None:
        """The flow from ``Gateway_route`` for ``route`` (the first route is the default)."""
        if first:
            self.b.flow(
                self.route_gw,
                target,
                default=True,
                name=ROUTE_LABELS[route],
                id=f"Flow_route_{route}",
            )
        else:
            self.b.flow(
                self.route_gw,
                target,
                condition=f'route == "{route}"',
                name=ROUTE_LABELS[route],
                id=f"Flow_route_{route}",
            )


# Participants who keep other hours than the provider (akimat): the rural akim's office, the
# State Corporation (Mon–Sat 09:00–20:00, 004:227) and the portal and its applicant (24/7).
ROLE_SCHEDULES = {
    "akim_specialist": "rural_akim",
    "akim": "rural_akim",
    "akim_officer": "rural_akim",
    "sc_operator": "state_corporation",
    "sc_storage": "state_corporation",
    "portal": "portal",
    "applicant": "portal",
}


def new_model(
    key: str,
    name: str,
    routes: list[str],
    seed: str,
    lines: tuple[int, int],
    lanes: list[tuple[str, str]],
    properties: dict[str, str] | None = None,
    start_role: str | None = None,
    lane_schedules: dict[str, str] | None = None,
    lane_names: dict[str, dict[str, str]] | None = None,
) -> Model:
    """Builder, lanes (top to bottom as given), start event and ``Gateway_route``.

    ``lane_names`` gives a lane's translated names by role ({"name_ru": ..., "name_en": ...})."""
    props: dict[str, str] = {"routes": ", ".join(routes)}
    props.update(properties or {})
    props["source"] = f"{seed}:{lines[0]}-{lines[1]}"
    b = ProcessBuilder(key=key, name=name, properties=props)
    lane_map = {
        role: b.lane(
            role,
            lname,
            schedule={**ROLE_SCHEDULES, **(lane_schedules or {})}.get(role),
            properties=(lane_names or {}).get(role),
        )
        for role, lname in lanes
    }
    m = Model(b, lane_map, seed)
    first_lane = lane_map[start_role or lanes[0][0]]
    m.start = b.start(first_lane, "Өтініш берілді", id="StartEvent_application")
    m.route_gw = b.gateway(first_lane, "Жүгіну тәсілі?", id="Gateway_route")
    b.flow(m.start, m.route_gw, id="Flow_start_route")
    return m


def steps(m: Model, specs: list[Step]) -> list[Node]:
    """User tasks for ``specs``, chained in order; the caller wires the first and the last."""
    nodes = [m.task(s) for s in specs]
    m.b.chain(*nodes)
    return nodes


def conditional_norm(
    m: Model,
    ident: str,
    variable: str,
    when_false: Step,
    otherwise: Step,
    label_false: str = "жоқ",
    label_true: str = "иә",
    name: str | None = None,
) -> tuple[Node, Node]:
    """A step with two norms: ``<variable> == False`` -> ``when_false``, else ``otherwise``.

    Returns (split gateway, merge gateway). The variable is set by the step before the split.
    """
    lane = m.lane(otherwise.role)
    split = m.b.gateway(lane, name or f"{variable}?", id=f"Gateway_{ident}")
    a = m.task(otherwise)
    c = m.task(when_false)
    merge = m.b.gateway(lane, None, id=f"Gateway_{ident}_merge")
    m.b.flow(split, a, default=True, name=label_true)
    m.b.flow(split, c, condition=f"{variable} == False", name=label_false)
    m.b.chain(a, merge)
    m.b.chain(c, merge)
    return split, merge


# ------------------------------------------------- procedures: steps, system steps and checks


@dataclass(frozen=True)
class System:
    """A step an information system does: a service task in the lane of the system's user."""

    id: str
    role: str
    name: str
    handler: str
    norm: str | None
    line: int
    outputs: str | None = None  # the answer the gateway after it reads ("data_found:bool")


@dataclass(frozen=True)
class Check:
    """A yes/no gateway of a procedure (N-шарт): ``<variable> == False`` takes the ``refusal``
    steps to the refused end ``end`` (in the lane of the last of them); otherwise the procedure
    goes on, by a flow named ``ok``."""

    id: str
    role: str
    name: str
    variable: str
    refusal: tuple[Step | System, ...]
    end: str
    end_name: str | None = None
    ok: str = "иә"


Act = Step | System | Check


def procedure(m: Model, acts: Sequence[Act]) -> list[Node]:
    """A numbered procedure as written: its steps in order, each check with its refusal branch.

    Returns the nodes of the main line (steps and check gateways); the caller wires the first
    and the last. All nodes are added before the flows, in the order of ``acts``.
    """
    line: list[Node] = []
    branches: dict[Node, tuple[Check, list[Node]]] = {}
    for act in acts:
        if isinstance(act, Check):
            gw = m.b.gateway(m.lane(act.role), act.name, id=act.id)
            refusal = [m.act(s) for s in act.refusal]
            refusal.append(m.end(act.refusal[-1].role, act.end, "refused", name=act.end_name))
            branches[gw] = (act, refusal)
            line.append(gw)
        else:
            line.append(m.act(act))
    start = 0
    for i, node in enumerate(line):
        if node in branches:
            check, refusal = branches[node]
            m.b.chain(*line[start : i + 1])
            m.b.flow(node, refusal[0], condition=f"{check.variable} == False", name="жоқ")
            m.b.chain(*refusal)
            if i + 1 < len(line):
                m.b.flow(node, line[i + 1], default=True, name=check.ok)
            start = i + 1
    m.b.chain(*line[start:])
    return line


@dataclass(frozen=True)
class Channel:
    """A route on which another body takes the application in before the provider's work (the
    ХҚО, the portal): its intake procedure, then the provider's check of what came in."""

    route: str
    intake: tuple[Act, ...]
    check: tuple[Act, ...]  # ends with the provider's Check; its "ok" leads to the provider


def channel(m: Model, ch: Channel, join: Node | None) -> Node:
    """Draw ``ch``: ``Gateway_route`` -> intake -> the provider's check -> ``join`` (the provider
    route's first step). Returns the check's gateway; with ``join=None`` the caller draws its
    "ok" flow (a route whose provider work is its own)."""
    intake = procedure(m, ch.intake)
    m.route(intake[0], ch.route)
    check = procedure(m, ch.check)
    m.b.chain(intake[-1], check[0])
    last = ch.check[-1]
    assert isinstance(last, Check), f"{ch.route}: the provider's check must come last"
    if join is not None:
        m.b.flow(check[-1], join, default=True, name=last.ok)
    return check[-1]


def issue_by_route(
    m: Model,
    last: Node,
    role: str,
    sc: ScText | None = None,
    portal: PortalText | None = None,
) -> None:
    """``Gateway_issue_route`` after the provider's ``last`` step: the provider route ends in
    ``role``'s lane; the ХҚО route goes on to 8-процесс at the operator (:func:`sc_issue`), the
    portal route to 7-процесс, the result sent to the personal cabinet."""
    gw = m.b.gateway(m.lane(role), "Жүгіну тәсілі?", id="Gateway_issue_route")
    m.b.chain(last, gw)
    m.b.flow(gw, m.end(role, "EndEvent_issued"), default=True)
    if sc is not None:
        hand = sc_issue(m, sc)
        m.b.flow(gw, hand, condition='route == "sc"', name=ROUTE_LABELS["sc"])
        m.b.chain(hand, m.end("sc_operator", "EndEvent_sc_issued"))
    if portal is not None:
        assert portal.result is not None, "the portal text gives no 7-процесс line"
        cabinet = m.service(
            "portal", "Task_portal_result", "7-процесс: нәтижені алушының жеке кабинетіне жолдау",
            "notify.cabinet", None, portal.result,
        )
        m.b.flow(gw, cabinet, condition='route == "portal"', name=ROUTE_LABELS["portal"])
        m.b.chain(cabinet, m.end("portal", "EndEvent_portal_issued"))


# --------------------------------------------------------------------------- State Corporation


@dataclass(frozen=True)
class ScText:
    """Lines and norms of a 2015 ХҚО section: intake (7 items) and the result part (4 items).

    ``intake`` = (line, norm) of: 1) documents handed over, 1-процесс login, 2-процесс request
    form, 3-процесс ЭҮШ query, 1-шарт ЖТ МДҚ check, 4-процесс no-data message, 5-процесс send to
    ЭҮАШ АЖО. ``result`` = (line, norm) of: 6-процесс register at ЭҮАШ АЖО, 2-шарт documents check,
    7-процесс refusal message, 8-процесс result handed out.
    """

    intake: tuple[tuple[int, str], ...]
    result: tuple[tuple[int, str], ...]
    proxy: bool = True  # the ЭҮШ query also asks БНАЖ about a power of attorney
    result_name: str = "нәтижені"


def sc_channel(t: ScText, role: str = "clerk") -> Channel:
    """The ХҚО route: intake up to 5-процесс (the ЖТ МДҚ refusal by 4-процесс ends it), then
    6-процесс and 2-шарт by the provider's ``role``, refused by 7-процесс and 8-процесс."""
    (l1, n1), (l2, n2), (l3, n3), (l4, n4), (l5, n5), (l6, n6), (l7, n7) = t.intake
    (r6, m6), (r2, m2), (r7, m7), (r8, m8) = t.result
    op = "sc_operator"
    what = "ЖТ МДҚ-ға және БНАЖ-ге сұрау" if t.proxy else "ЖТ МДҚ-ға сұрау"
    no_data = System(
        "Task_sc_no_data", op, "4-процесс: мәліметтердің жоқтығы туралы хабарлама",
        "notify.no_data", n6, l6,
    )
    intake = (
        Step("Task_sc_receive", op, "Өтініш пен құжаттарды қабылдау (электрондық кезек)", n1, l1),
        Step("Task_sc_login", op, "1-процесс: ХҚО ЫАЖ АЖО-ға логин мен парольді енгізу", n2, l2),
        Step(
            "Task_sc_request_form", op,
            "2-процесс: қызметті таңдау, алушының мәліметтерін енгізу", n3, l3,
        ),
        System("Task_sc_gbdfl_query", op, f"3-процесс: ЭҮШ арқылы {what}", "gbdfl.lookup", n4, l4),
        System(
            "Task_sc_gbdfl_check", op, "1-шарт: ЖТ МДҚ-да мәліметтердің бар болуын тексеру",
            "gbdfl.check", n5, l5, outputs="data_found:bool",
        ),
        Check(
            "Gateway_sc_data", op, "Мәліметтер бар ма?", "data_found", (no_data,),
            "EndEvent_sc_no_data", end_name="Мәліметтер жоқ: бас тарту", ok="бар",
        ),
        System(
            "Task_sc_send", op, "5-процесс: ЭЦҚ қойылған сұранысты ЭҮАШ АЖО-ға жолдау",
            "egov.send", n7, l7,
        ),
    )
    refusal = (
        System(
            "Task_sc_refusal", role, "7-процесс: бас тарту туралы хабарламаны қалыптастыру",
            "notify.refusal", m7, r7,
        ),
        Step(
            "Task_sc_issue_refusal", op,
            "8-процесс: бас тарту туралы дәлелді жауапты алушыға беру", m8, r8,
        ),
    )
    check = (
        System(
            "Task_sc_egov_register", role, "6-процесс: электрондық құжаттарды ЭҮАШ АЖО-да тіркеу",
            "egov.register", m6, r6,
        ),
        Step(
            "Task_sc_documents_check", role, "2-шарт: құжаттар топтамасының сәйкестігін тексеру",
            m2, r2, inputs="documents_valid:bool",
        ),
        Check(
            "Gateway_sc_documents", role, "Құжаттар сәйкес пе?", "documents_valid", refusal,
            "EndEvent_sc_refused",
        ),
    )
    return Channel("sc", intake, check)


def sc_issue(m: Model, t: ScText) -> Node:
    """8-процесс: the ХҚО operator hands the result to the applicant."""
    l8, n8 = t.result[3]
    return m.task(
        Step(
            "Task_sc_issue",
            "sc_operator",
            f"8-процесс: {t.result_name} ХҚО арқылы алушыға беру",
            n8,
            l8,
        )
    )


# ------------------------------------------------------------------------------------- portal


@dataclass(frozen=True)
class PortalText:
    """Lines of a portal section: 1) registration, 1-процесс, 1-шарт, 2-процесс, 3-процесс, 2-шарт,
    4-процесс, 5-процесс, 3-шарт, 6-процесс, and, where the result goes straight to the personal
    cabinet, 7-процесс (the 2015 texts give no norms)."""

    register: int
    login: int
    auth_check: int
    auth_refusal: int
    request: int
    signature_check: int
    signature_refusal: int
    send: int
    documents_check: int
    documents_refusal: int
    result: int | None = None


def _portal_check(what: str, role: str, question: str, refusal: str, line: int) -> Check:
    """A portal N-шарт on ``<what>_valid``: a "no" is the message ``refusal`` (``line``) sent to
    the personal cabinet, and the request ends there."""
    message = System(f"Task_portal_{what}_refusal", "portal", refusal, "notify.cabinet", None, line)
    return Check(
        f"Gateway_portal_{what}", role, question, f"{what}_valid", (message,),
        f"EndEvent_portal_{what}_refused",
    )


def portal_channel(
    t: PortalText, role: str = "clerk", request_inputs: str | None = None
) -> Channel:
    """The portal route: registration, authorisation (1-шарт), the request, the ЭЦҚ check
    (2-шарт) and sending to the provider, each refusal sent to the cabinet; then 3-шарт, the
    provider's ``role`` checks the documents (refused by 6-процесс)."""
    intake = (
        Step(
            "Task_portal_register", "applicant", "Порталда ЖСН және пароль арқылы тіркелу",
            None, t.register,
        ),
        Step(
            "Task_portal_login", "applicant", "1-процесс: порталға ЖСН мен парольді енгізу",
            None, t.login,
        ),
        System(
            "Task_portal_authorize", "portal", "1-шарт: алушы мәліметтерінің дұрыстығын тексеру",
            "portal.authorize", None, t.auth_check, outputs="auth_valid:bool",
        ),
        _portal_check(
            "auth", "portal", "Авторизация расталды ма?",
            "2-процесс: авторизациядан бас тарту туралы хабарлама", t.auth_refusal,
        ),
        Step(
            "Task_portal_request", "applicant",
            "3-процесс: сұраныс нысанын толтыру, құжаттарды жалғау, ЭЦҚ таңдау", None, t.request,
            inputs=request_inputs,
        ),
        System(
            "Task_portal_signature", "portal", "2-шарт: ЭЦҚ тіркеу куәлігін тексеру",
            "signature.verify", None, t.signature_check, outputs="signature_valid:bool",
        ),
        _portal_check(
            "signature", "portal", "ЭЦҚ расталды ма?",
            "4-процесс: ЭЦҚ расталмауына байланысты бас тарту", t.signature_refusal,
        ),
        System(
            "Task_portal_send", "portal", "5-процесс: сұранысты ЭҮШ арқылы ЭҮАШ АЖО-ға жолдау",
            "egov.send", None, t.send,
        ),
    )
    check = (
        Step(
            "Task_portal_documents_check", role,
            "3-шарт: құжаттар топтамасының сәйкестігін тексеру", None, t.documents_check,
            inputs="documents_valid:bool",
        ),
        _portal_check(
            "documents", role, "Құжаттар сәйкес пе?",
            "6-процесс: құжаттардағы кемшіліктерге байланысты бас тарту", t.documents_refusal,
        ),
    )
    return Channel("portal", intake, check)


# ------------------------------------------------------------------------------ translations

# Russian and English names of what several models share, keyed by the Kazakh name in the model.
# Russian follows the official Russian texts of the same acts (услугодатель, услугополучатель,
# Госкорпорация, ГБД ФЛ, ШЭП, ЭЦП, ИИН); English follows /work/shared/notes/glossary.md. Names
# stay short: a step says the action, the way the diagram box shows it.
NAMES: dict[str, tuple[str, str]] = {
    # -- lanes
    "Көрсетілетін қызметті алушы": ("Услугополучатель", "Applicant"),
    "Көрсетілетін қызметті берушінің кеңсе маманы": (
        "Специалист канцелярии услугодателя", "Provider's office clerk"),
    "Көрсетілетін қызметті берушінің кеңсе қызметкері": (
        "Сотрудник канцелярии услугодателя", "Provider's office clerk"),
    "Кеңсе қызметкері": ("Сотрудник канцелярии", "Office clerk"),
    "Көрсетілетін қызметті берушінің басшысы": (
        "Руководитель услугодателя", "Head of the provider"),
    "Көрсетілетін қызметті берушінің бөлім басшысы": (
        "Руководитель отдела услугодателя", "Provider's head of department"),
    "Көрсетілетін қызметті берушінің жауапты орындаушысы": (
        "Ответственный исполнитель услугодателя", "Provider's responsible officer"),
    "ХҚО қызметкері": ("Работник Госкорпорации", "State Corporation operator"),
    "Портал (www.egov.kz)": ("Портал (www.egov.kz)", "Portal (www.egov.kz)"),
    "\"Электрондық үкіметтің\" веб-порталы": (
        "Веб-портал «электронного правительства»", "E-government web portal"),
    # -- events
    "Өтініш берілді": ("Заявление подано", "Application filed"),
    END_ISSUED: ("Результат выдан", "Result issued"),
    END_REFUSED: ("Мотивированный отказ", "Reasoned refusal"),
    "Мәліметтер жоқ: бас тарту": ("Нет сведений: отказ", "No data: refusal"),
    # -- the steps of regulations 2-6 of seed 003 (the wheelchair model's wording)
    "Құжаттарды қабылдау және тіркеу журналына тіркеу": (
        "Прием документов и регистрация в журнале",
        "Accept the documents and register them in the journal"),
    "Құжаттарды қарау, жауапты орындаушыны белгілеу": (
        "Рассмотрение документов, определение ответственного исполнителя",
        "Review the documents, assign the responsible officer"),
    "Құжаттарды тексеру, хабарламаны дайындау": (
        "Проверка документов, подготовка уведомления",
        "Check the documents, prepare the notification"),
    "Хабарламаға қол қою": ("Подписание уведомления", "Sign the notification"),
    "Хабарламаны тіркеу, нәтижені алушыға беру": (
        "Регистрация уведомления, выдача результата получателю",
        "Register the notification, hand the result to the applicant"),
    # -- steps several regulations share
    "Құжаттар топтамасын тіркеу, басшыға жолдау": (
        "Регистрация пакета документов, передача руководителю",
        "Register the documents, pass them to the head"),
    "Құжаттармен танысу, жауапты орындаушыны анықтау": (
        "Ознакомление с документами, определение ответственного исполнителя",
        "Read the documents, assign the responsible officer"),
    "Құжаттармен танысу, жауапты орындаушыны белгілеу": (
        "Ознакомление с документами, определение ответственного исполнителя",
        "Read the documents, assign the responsible officer"),
    "Құжаттарды қарау, хабарламаны дайындау": (
        "Рассмотрение документов, подготовка уведомления",
        "Review the documents, prepare the notification"),
    "Құжаттарды қарау, хабарламаны дайындау (құжаттар жетіспегенде)": (
        "Рассмотрение документов, подготовка уведомления (при неполном пакете)",
        "Review the documents, prepare the notification (incomplete set)"),
    "Хабарламаны тіркеу, алушыға беру": (
        "Регистрация уведомления, выдача получателю",
        "Register the notification, hand it to the applicant"),
    "7-процесс: нәтижені алушының жеке кабинетіне жолдау": (
        "Процесс 7: направление результата в личный кабинет",
        "Process 7: send the result to the personal cabinet"),
    # -- State Corporation procedure (sc_channel, sc_issue)
    "Өтініш пен құжаттарды қабылдау (электрондық кезек)": (
        "Прием заявления и документов (электронная очередь)",
        "Receive the application and documents (e-queue)"),
    "1-процесс: ХҚО ЫАЖ АЖО-ға логин мен парольді енгізу": (
        "Процесс 1: ввод логина и пароля в АРМ ИИС ЦОН",
        "Process 1: log in to the State Corporation IS workstation"),
    "2-процесс: қызметті таңдау, алушының мәліметтерін енгізу": (
        "Процесс 2: выбор услуги, ввод данных услугополучателя",
        "Process 2: choose the service, enter the applicant's data"),
    "3-процесс: ЭҮШ арқылы ЖТ МДҚ-ға және БНАЖ-ге сұрау": (
        "Процесс 3: запрос в ГБД ФЛ и ЕНИС через ШЭП",
        "Process 3: query the Individuals database and the notary system"),
    "3-процесс: ЭҮШ арқылы ЖТ МДҚ-ға сұрау": (
        "Процесс 3: запрос в ГБД ФЛ через ШЭП",
        "Process 3: query the Individuals database"),
    "1-шарт: ЖТ МДҚ-да мәліметтердің бар болуын тексеру": (
        "Условие 1: проверка наличия сведений в ГБД ФЛ",
        "Condition 1: check the Individuals database has the data"),
    "4-процесс: мәліметтердің жоқтығы туралы хабарлама": (
        "Процесс 4: сообщение об отсутствии сведений",
        "Process 4: notice that there are no data"),
    "5-процесс: ЭЦҚ қойылған сұранысты ЭҮАШ АЖО-ға жолдау": (
        "Процесс 5: направление запроса, подписанного ЭЦП, в АРМ РШЭП",
        "Process 5: send the signed request to the e-gov gateway workstation"),
    "6-процесс: электрондық құжаттарды ЭҮАШ АЖО-да тіркеу": (
        "Процесс 6: регистрация электронных документов в АРМ РШЭП",
        "Process 6: register the e-documents at the gateway workstation"),
    "2-шарт: құжаттар топтамасының сәйкестігін тексеру": (
        "Условие 2: проверка соответствия пакета документов",
        "Condition 2: check the set of documents"),
    "7-процесс: бас тарту туралы хабарламаны қалыптастыру": (
        "Процесс 7: формирование уведомления об отказе",
        "Process 7: draw up the refusal notice"),
    "8-процесс: бас тарту туралы дәлелді жауапты алушыға беру": (
        "Процесс 8: выдача мотивированного отказа услугополучателю",
        "Process 8: hand the reasoned refusal to the applicant"),
    "8-процесс: нәтижені ХҚО арқылы алушыға беру": (
        "Процесс 8: выдача результата через Госкорпорацию",
        "Process 8: hand the result over at the State Corporation"),
    # -- e-gov portal procedure (portal_channel, issue_by_route)
    "Порталда ЖСН және пароль арқылы тіркелу": (
        "Регистрация на портале по ИИН и паролю",
        "Register on the portal with IIN and password"),
    "1-процесс: порталға ЖСН мен парольді енгізу": (
        "Процесс 1: ввод ИИН и пароля на портале",
        "Process 1: log in to the portal with IIN and password"),
    "1-шарт: алушы мәліметтерінің дұрыстығын тексеру": (
        "Условие 1: проверка подлинности данных услугополучателя",
        "Condition 1: check the applicant's login data"),
    "2-процесс: авторизациядан бас тарту туралы хабарлама": (
        "Процесс 2: сообщение об отказе в авторизации",
        "Process 2: notice that authorisation failed"),
    "3-процесс: сұраныс нысанын толтыру, құжаттарды жалғау, ЭЦҚ таңдау": (
        "Процесс 3: заполнение запроса, прикрепление документов, выбор ЭЦП",
        "Process 3: fill in the request, attach documents, choose the e-signature"),
    "2-шарт: ЭЦҚ тіркеу куәлігін тексеру": (
        "Условие 2: проверка регистрационного свидетельства ЭЦП",
        "Condition 2: check the e-signature certificate"),
    "4-процесс: ЭЦҚ расталмауына байланысты бас тарту": (
        "Процесс 4: отказ в связи с неподтверждением ЭЦП",
        "Process 4: refusal, the e-signature is not confirmed"),
    "5-процесс: сұранысты ЭҮШ арқылы ЭҮАШ АЖО-ға жолдау": (
        "Процесс 5: направление запроса в АРМ РШЭП через ШЭП",
        "Process 5: send the request to the gateway workstation"),
    "3-шарт: құжаттар топтамасының сәйкестігін тексеру": (
        "Условие 3: проверка соответствия пакета документов",
        "Condition 3: check the set of documents"),
    "6-процесс: құжаттардағы кемшіліктерге байланысты бас тарту": (
        "Процесс 6: отказ в связи с недостатками документов",
        "Process 6: refusal over defects in the documents"),
    # -- rules 004 and their timer models (rules004.py, tools/timers_models.py)
    "Тыңдау өткізу": ("Проведение заслушивания", "Hold the hearing"),
    # -- the standards' template (standards.py)
    "Көрсетілетін қызметті алушы жүгінді": ("Услугополучатель обратился", "Applicant applied"),
    "Дәлелді бас тарту берілді": ("Выдан мотивированный отказ", "Reasoned refusal issued"),
    "Нәтиже жіберілді": ("Результат направлен", "Result sent"),
    "Дәлелді бас тарту жіберілді": ("Мотивированный отказ направлен", "Reasoned refusal sent"),
    "Құжаттарды тапсыру үшін кезек күту": (
        "Ожидание в очереди для сдачи документов", "Wait in the queue to submit documents"),
    "Құжаттарды қабылдау": ("Прием документов", "Accept the documents"),
    "Мемлекеттік қызметті көрсету (құжаттарды қарау)": (
        "Оказание государственной услуги (рассмотрение документов)",
        "Provide the service (review the documents)"),
    "Электрондық сұрау салуды қабылдау (жеке кабинетте мәртебе)": (
        "Прием электронного запроса (статус в личном кабинете)",
        "Accept the e-request (status in the personal cabinet)"),
    "Мәліметтерді қалыптастыру (келісімді тексеру)": (
        "Формирование сведений (проверка согласия)", "Compile the information (check consent)"),
    "Электрондық сұрау салуды қарау": ("Рассмотрение электронного запроса", "Review the e-request"),
    "Нәтижені жеке кабинетке жіберу": (
        "Направление результата в личный кабинет", "Send the result to the personal cabinet"),
    "Дәлелді бас тартуды жеке кабинетке жіберу": (
        "Направление мотивированного отказа в личный кабинет",
        "Send the reasoned refusal to the personal cabinet"),
}


def translate(b: ProcessBuilder, own: dict[str, tuple[str, str]] | None = None) -> ProcessBuilder:
    """Add ``name_ru`` and ``name_en`` to the process, its lanes, tasks and events.

    Names are looked up by the Kazakh name, first in ``own`` (the module's table: titles and
    steps of its own), then in :data:`NAMES`. A name in neither table stops the build, so that a
    new step cannot slip into the library untranslated. Existing translations are kept.
    """
    table = {**NAMES, **(own or {})}
    missing: list[str] = []

    def put(props: dict[str, str], name: str | None) -> None:
        if not name or ("name_ru" in props and "name_en" in props):
            return
        found = table.get(name)
        if found is None:
            missing.append(name)
            return
        props.setdefault("name_ru", found[0])
        props.setdefault("name_en", found[1])

    put(b.properties, b.name)
    for lane in b.lanes:
        put(lane.properties, lane.name)
    for node in b.nodes:
        if node.kind in TRANSLATED_KINDS:
            put(node.properties, node.name)
    if missing:
        raise ValueError(
            f"{b.key}: no Russian/English name for: " + "; ".join(dict.fromkeys(missing))
        )
    return b
