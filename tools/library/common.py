"""Shapes shared by the library's regulation models.

A model is built route by route from small pieces:

- :func:`new_model` - the builder, its lanes (in the given order), the start event and the route
  gateway ``Gateway_route``;
- :func:`steps` - numbered steps of a regulation as a chain of user tasks;
- :func:`conditional_norm` - one step with two norms ("... жағдайларда – 20 жұмыс күн"): a
  gateway on a decision variable before two tasks, then a merge;
- :func:`sc_intake` / :func:`sc_provider_check` / :func:`sc_issue` - the State Corporation (ХҚО)
  procedure of the 2015 regulations (operator steps, ЖТ МДҚ check, ЭҮАШ АЖО, 2-шарт);
- :func:`portal_intake` / :func:`portal_provider_check` - the e-gov portal procedure;
- :func:`translate` - the Russian and English names (``name_ru``, ``name_en``) of a built model,
  from :data:`NAMES` (lanes, steps and events the models share) and the module's own table.
"""

from __future__ import annotations

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


def sc_intake(m: Model, t: ScText, refused_role: str = "sc_operator") -> tuple[Node, Node]:
    """ХҚО intake up to 5-процесс; the ЖТ МДҚ refusal branch ends here. Returns (first, last)."""
    (l1, n1), (l2, n2), (l3, n3), (l4, n4), (l5, n5), (l6, n6), (l7, n7) = t.intake
    b = m.b
    receive = m.task(
        Step(
            "Task_sc_receive",
            "sc_operator",
            "Өтініш пен құжаттарды қабылдау (электрондық кезек)",
            n1,
            l1,
        )
    )
    login = m.task(
        Step(
            "Task_sc_login",
            "sc_operator",
            "1-процесс: ХҚО ЫАЖ АЖО-ға логин мен парольді енгізу",
            n2,
            l2,
        )
    )
    form = m.task(
        Step(
            "Task_sc_request_form",
            "sc_operator",
            "2-процесс: қызметті таңдау, алушының мәліметтерін енгізу",
            n3,
            l3,
        )
    )
    what = "ЖТ МДҚ-ға және БНАЖ-ге сұрау" if t.proxy else "ЖТ МДҚ-ға сұрау"
    query = m.service(
        "sc_operator",
        "Task_sc_gbdfl_query",
        f"3-процесс: ЭҮШ арқылы {what}",
        "gbdfl.lookup",
        n4,
        l4,
    )
    check = m.service(
        "sc_operator",
        "Task_sc_gbdfl_check",
        "1-шарт: ЖТ МДҚ-да мәліметтердің бар болуын тексеру",
        "gbdfl.check",
        n5,
        l5,
        outputs="data_found:bool",
    )
    gw = b.gateway(m.lane("sc_operator"), "Мәліметтер бар ма?", id="Gateway_sc_data")
    no_data = m.service(
        "sc_operator",
        "Task_sc_no_data",
        "4-процесс: мәліметтердің жоқтығы туралы хабарлама",
        "notify.no_data",
        n6,
        l6,
    )
    end_no = m.end(refused_role, "EndEvent_sc_no_data", "refused", name="Мәліметтер жоқ: бас тарту")
    send = m.service(
        "sc_operator",
        "Task_sc_send",
        "5-процесс: ЭЦҚ қойылған сұранысты ЭҮАШ АЖО-ға жолдау",
        "egov.send",
        n7,
        l7,
    )
    b.chain(receive, login, form, query, check, gw)
    b.flow(gw, no_data, condition="data_found == False", name="жоқ")
    b.chain(no_data, end_no)
    b.flow(gw, send, default=True, name="бар")
    return receive, send


def sc_provider_check(m: Model, t: ScText, role: str = "clerk") -> tuple[Node, Node]:
    """6-процесс, 2-шарт and the refusal branch (7-, 8-процесс). Returns (first, ok gateway).

    The caller adds the default flow from the returned gateway to the provider's work.
    """
    (l6, n6), (l2, n2), (l7, n7), (l8, n8) = t.result
    b = m.b
    reg = m.service(
        role,
        "Task_sc_egov_register",
        "6-процесс: электрондық құжаттарды ЭҮАШ АЖО-да тіркеу",
        "egov.register",
        n6,
        l6,
    )
    check = m.task(
        Step(
            "Task_sc_documents_check",
            role,
            "2-шарт: құжаттар топтамасының сәйкестігін тексеру",
            n2,
            l2,
            inputs="documents_valid:bool",
        )
    )
    gw = b.gateway(m.lane(role), "Құжаттар сәйкес пе?", id="Gateway_sc_documents")
    refusal = m.service(
        role,
        "Task_sc_refusal",
        "7-процесс: бас тарту туралы хабарламаны қалыптастыру",
        "notify.refusal",
        n7,
        l7,
    )
    hand = m.task(
        Step(
            "Task_sc_issue_refusal",
            "sc_operator",
            "8-процесс: бас тарту туралы дәлелді жауапты алушыға беру",
            n8,
            l8,
        )
    )
    end = m.end("sc_operator", "EndEvent_sc_refused", "refused")
    b.chain(reg, check, gw)
    b.flow(gw, refusal, condition="documents_valid == False", name="жоқ")
    b.chain(refusal, hand, end)
    return reg, gw


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
    4-процесс, 5-процесс, 3-шарт, 6-процесс, 7-процесс (the 2015 texts give no norms)."""

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


def portal_intake(m: Model, t: PortalText, request_inputs: str | None = None) -> tuple[Node, Node]:
    """Portal: registration, authorisation (1-шарт), request, ЭЦҚ check (2-шарт), sending to the
    provider. Refusal branches end here. Returns (first, last = 5-процесс)."""
    b = m.b
    register = m.task(
        Step(
            "Task_portal_register",
            "applicant",
            "Порталда ЖСН және пароль арқылы тіркелу",
            None,
            t.register,
        )
    )
    login = m.task(
        Step(
            "Task_portal_login",
            "applicant",
            "1-процесс: порталға ЖСН мен парольді енгізу",
            None,
            t.login,
        )
    )
    auth = m.service(
        "portal",
        "Task_portal_authorize",
        "1-шарт: алушы мәліметтерінің дұрыстығын тексеру",
        "portal.authorize",
        None,
        t.auth_check,
        outputs="auth_valid:bool",
    )
    gw_auth = b.gateway(m.lane("portal"), "Авторизация расталды ма?", id="Gateway_portal_auth")
    auth_ref = m.service(
        "portal",
        "Task_portal_auth_refusal",
        "2-процесс: авторизациядан бас тарту туралы хабарлама",
        "notify.cabinet",
        None,
        t.auth_refusal,
    )
    end_auth = m.end("portal", "EndEvent_portal_auth_refused", "refused")
    request = m.task(
        Step(
            "Task_portal_request",
            "applicant",
            "3-процесс: сұраныс нысанын толтыру, құжаттарды жалғау, ЭЦҚ таңдау",
            None,
            t.request,
            inputs=request_inputs,
        )
    )
    sig = m.service(
        "portal",
        "Task_portal_signature",
        "2-шарт: ЭЦҚ тіркеу куәлігін тексеру",
        "signature.verify",
        None,
        t.signature_check,
        outputs="signature_valid:bool",
    )
    gw_sig = b.gateway(m.lane("portal"), "ЭЦҚ расталды ма?", id="Gateway_portal_signature")
    sig_ref = m.service(
        "portal",
        "Task_portal_signature_refusal",
        "4-процесс: ЭЦҚ расталмауына байланысты бас тарту",
        "notify.cabinet",
        None,
        t.signature_refusal,
    )
    end_sig = m.end("portal", "EndEvent_portal_signature_refused", "refused")
    send = m.service(
        "portal",
        "Task_portal_send",
        "5-процесс: сұранысты ЭҮШ арқылы ЭҮАШ АЖО-ға жолдау",
        "egov.send",
        None,
        t.send,
    )
    b.chain(register, login, auth, gw_auth)
    b.flow(gw_auth, auth_ref, condition="auth_valid == False", name="жоқ")
    b.chain(auth_ref, end_auth)
    b.flow(gw_auth, request, default=True, name="иә")
    b.chain(request, sig, gw_sig)
    b.flow(gw_sig, sig_ref, condition="signature_valid == False", name="жоқ")
    b.chain(sig_ref, end_sig)
    b.flow(gw_sig, send, default=True, name="иә")
    return register, send


def portal_provider_check(m: Model, t: PortalText, role: str = "clerk") -> tuple[Node, Node]:
    """3-шарт (the provider checks the documents) and the 6-процесс refusal branch.

    Returns (check task, ok gateway); the caller adds the default flow from the gateway.
    """
    b = m.b
    check = m.task(
        Step(
            "Task_portal_documents_check",
            role,
            "3-шарт: құжаттар топтамасының сәйкестігін тексеру",
            None,
            t.documents_check,
            inputs="documents_valid:bool",
        )
    )
    gw = b.gateway(m.lane(role), "Құжаттар сәйкес пе?", id="Gateway_portal_documents")
    refusal = m.service(
        "portal",
        "Task_portal_documents_refusal",
        "6-процесс: құжаттардағы кемшіліктерге байланысты бас тарту",
        "notify.cabinet",
        None,
        t.documents_refusal,
    )
    end = m.end("portal", "EndEvent_portal_documents_refused", "refused")
    b.chain(check, gw)
    b.flow(gw, refusal, condition="documents_valid == False", name="жоқ")
    b.chain(refusal, end)
    return check, gw


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
    # -- State Corporation procedure (sc_intake, sc_provider_check, sc_issue)
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
    # -- e-gov portal procedure (portal_intake, portal_provider_check)
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
