"""Models of seed 004: the rules "Медициналық-әлеуметтік мекемелерде (ұйымдарда) арнаулы
әлеуметтік қызмет көрсетуге құжаттар ресімдеу" (special social services).

Two processes:

* ``arnauly_aleumettik_qyzmet_quzhattaryn_resimdeu`` — the service itself (points 2-17 and the
  list of basic requirements, annex 3): routes State Corporation / provider / portal, refusal to
  accept an incomplete or expired set of documents (point 8, both at the counter and on the
  portal), the social worker's assessment (point 12), the decision (point 13), the hearing before
  a negative decision (point 17), the notification (point 14) and the delivery of the result per
  route (points 7, 11, 15);
* ``arnauly_aleumettik_qyzmet_shagym`` — the complaint procedure of point 18.

Every norm is typed from the text; ``source`` is the seed line it is written on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from regflow.workflows.builder import Node, ProcessBuilder
from regflow.workflows.schedules import load_schedules

from .common import translate

SEED = "004_8f891f753962242d.txt"
TITLE = (
    "Медициналық-әлеуметтік мекемелерде (ұйымдарда) арнаулы әлеуметтік қызмет көрсетуге "
    "құжаттар ресімдеу"
)
SERVICE_KEY = "arnauly_aleumettik_qyzmet_quzhattaryn_resimdeu"
COMPLAINT_KEY = "arnauly_aleumettik_qyzmet_shagym"
# line 229: office hours 9.00-18.00/18.30/19.00 with lunch 13.00-14.00/14.30/15.00 (the akimat
# variant 9.00-18.30 / 13.00-14.30 is one of them); line 230: documents are accepted and results
# issued 9.00-17.30 with lunch 13.00-14.30 -> the clerk's lane keeps "akimat_reception".
PROVIDER_SCHEDULE = "akimat"
RECEPTION_SCHEDULE = "akimat_reception"
APPROVED_BY = (
    "ҚР Еңбек және халықты әлеуметтік қорғау министрінің 29.09.2021 № 357 бұйрығы (жаңа редакция; "
    "өзгерістер: 10.12.2021 № 465, 03.08.2022 № 290)"
)


# Russian and English names for the interface (regflow --lang ru|en); the model's own names stay
# the Kazakh of the text. The title is the Russian title of the same rules; shared names (the
# applicant, the portal, "Нәтиже берілді") are in common.NAMES.
NAMES_004: dict[str, tuple[str, str]] = {
    TITLE: (
        "Оформление документов на оказание специальных социальных услуг в медико-социальных "
        "учреждениях (организациях)",
        "Processing documents for special social services in medical and social institutions"),
    f"{TITLE}: шағымдану тәртібі": (
        "Оформление документов на оказание специальных социальных услуг в медико-социальных "
        "учреждениях (организациях): порядок обжалования",
        "Processing documents for special social services in medical and social institutions: "
        "complaints"),
    # -- lanes
    "Көрсетілетін қызметті алушы (немесе оның заңды өкілі)": (
        "Услугополучатель (или его законный представитель)",
        "Applicant (or their legal representative)"),
    "\"Азаматтарға арналған үкімет\" мемлекеттік корпорациясының қызметкері": (
        "Работник Госкорпорации «Правительство для граждан»", "State Corporation employee"),
    "Көрсетілетін қызметті берушінің құжаттарды қабылдайтын қызметкері": (
        "Работник услугодателя, принимающий документы", "Provider's reception clerk"),
    "Көрсетілетін қызметті берушінің маманы": ("Специалист услугодателя", "Provider's specialist"),
    "Әлеуметтік қызметкер": ("Социальный работник", "Social worker"),
    "Көрсетілетін қызметті берушінің кеңсесі": ("Канцелярия услугодателя", "Provider's office"),
    "Мемлекеттік корпорацияның кеңсесі": ("Канцелярия Госкорпорации", "State Corporation office"),
    "Мемлекеттік корпорацияның басшысы": (
        "Руководитель Госкорпорации", "Head of the State Corporation"),
    "Шағымды қарайтын орган (жоғары тұрған әкімшілік орган, лауазымды адам)": (
        "Орган, рассматривающий жалобу (вышестоящий административный орган, должностное лицо)",
        "Complaint body (superior administrative body or official)"),
    "Мемлекеттік қызметтер көрсету сапасын бағалау және бақылау жөніндегі уәкілетті орган": (
        "Уполномоченный орган по оценке и контролю за качеством оказания государственных услуг",
        "Authorised body for the quality of state services"),
    # -- the service: events
    "Өтініш берілді (1 немесе 2-қосымша)": (
        "Заявление подано (приложение 1 или 2)", "Application filed (annex 1 or 2)"),
    "Құжаттарды қабылдаудан бас тартылды": (
        "Отказано в приеме документов", "Documents refused at intake"),
    "Өтінішті одан әрі қараудан бас тартылды": (
        "Отказано в дальнейшем рассмотрении", "Further review refused"),
    "Сұранымсыз құжаттар қайтарылды": (
        "Невостребованные документы возвращены", "Unclaimed documents returned"),
    # -- the service: steps
    "Мемлекеттік корпорацияда кезек күту": (
        "Ожидание в очереди в Госкорпорации", "Wait in the queue at the State Corporation"),
    "Құжаттарды қабылдау және толықтығын тексеру": (
        "Прием документов и проверка полноты", "Accept the documents, check they are complete"),
    "Құжаттарды қабылдаудан бас тарту туралы қолхат беру (4-қосымша)": (
        "Выдача расписки об отказе в приеме документов (приложение 4)",
        "Give a receipt refusing the documents (annex 4)"),
    "Өтініш деректерін \"Е-Собес\" ААЖ-ға автоматты түрде беру": (
        "Автоматическая передача данных заявления в АИС «Е-Собес»",
        "Pass the application to E-Sobes automatically"),
    "Көрсетілетін қызметті берушіде кезек күту": (
        "Ожидание в очереди у услугодателя", "Wait in the queue at the provider"),
    "Құжаттарды қабылдау және тіркеу": (
        "Прием и регистрация документов", "Receive and register the documents"),
    "Өтініш деректерін \"Е-Собес\" ААЖ-ға енгізу": (
        "Ввод данных заявления в АИС «Е-Собес»", "Enter the application in E-Sobes"),
    "Сұрау салуды қабылдау (жеке кабинетте мәртебе)": (
        "Прием запроса (статус в личном кабинете)",
        "Accept the request (status in the personal cabinet)"),
    "Құжаттар топтамасының толықтығын тексеру": (
        "Проверка полноты пакета документов", "Check the set of documents is complete"),
    "Өтінішті одан әрі қараудан бас тарту туралы хабарлама жіберу": (
        "Уведомление об отказе в дальнейшем рассмотрении заявления",
        "Notify refusal of further review"),
    "Арнаулы әлеуметтік қызметтерге қажеттілікті бағалау және айқындау": (
        "Оценка и определение потребности в специальных социальных услугах",
        "Assess the need for special social services"),
    "Арнаулы әлеуметтік қызметтерді ұсыну туралы шешім қабылдау": (
        "Решение о предоставлении специальных социальных услуг",
        "Decide on special social services"),
    "Алдын ала шешім және тыңдау (уақыты, орны, тәсілі) туралы хабардар ету": (
        "Уведомление о предварительном решении и заслушивании (время, место, способ)",
        "Notify the preliminary decision and hearing (time, place, means)"),
    "Бас тарту себептерін көрсете отырып дәлелді жауап жіберу": (
        "Направление мотивированного ответа с указанием причин отказа",
        "Send the reasoned refusal with its grounds"),
    "Құжаттарды ресімдеу туралы хабарламаны әлеуметтік көрсетілетін қызметтер порталында "
    "жіберу (aleumet.egov.kz)": (
        "Направление уведомления об оформлении документов на портале социальных услуг "
        "(aleumet.egov.kz)",
        "Send the notification on the social services portal (aleumet.egov.kz)"),
    "Нәтижені Мемлекеттік корпорацияға жіберу (мерзім аяқталғанға дейін бір күн бұрын)": (
        "Направление результата в Госкорпорацию (за день до окончания срока)",
        "Send the result to the State Corporation (a day before the term ends)"),
    "Дайын құжаттарды жеке басын куәландыратын құжат бойынша беру": (
        "Выдача готовых документов по удостоверению личности",
        "Hand over the documents on proof of identity"),
    "Берілмеген құжаттарды сақтау": ("Хранение невыданных документов", "Keep unclaimed documents"),
    "Сұранымсыз құжаттарды көрсетілетін қызметті берушіге қайтару": (
        "Возврат невостребованных документов услугодателю",
        "Return unclaimed documents to the provider"),
    "Нәтижені ЭЦҚ қойылған электрондық құжат түрінде жеке кабинетке жіберу": (
        "Направление результата в личный кабинет в форме электронного документа с ЭЦП",
        "Send the signed e-document to the personal cabinet"),
    "Нәтижені беру": ("Выдача результата", "Hand over the result"),
    # -- the complaint procedure
    "Шағым берілді (почта арқылы не кеңсе арқылы қолма-қол)": (
        "Жалоба подана (почтой или нарочно через канцелярию)",
        "Complaint filed (by post or by hand at the office)"),
    "Шағымды тіркеу (мөртабан, кіріс нөмірі, күні)": (
        "Регистрация жалобы (штамп, входящий номер, дата)",
        "Register the complaint (stamp, number, date)"),
    "Шағымды қарау: талаптарды толық қанағаттандыру не әкімшілік іспен бірге шағымды "
    "қарайтын органға жіберу": (
        "Рассмотрение жалобы: удовлетворение требований или направление с административным "
        "делом в орган, рассматривающий жалобу",
        "Review the complaint: satisfy it or forward it with the case file to the complaint body"),
    "Шағым қанағаттандырылды": ("Жалоба удовлетворена", "Complaint upheld"),
    "Шағым қанағаттандырылмады": ("Жалоба не удовлетворена", "Complaint rejected"),
    "Шағымды қарау": ("Рассмотрение жалобы", "Review the complaint"),
    "Шағымды тіркеу": ("Регистрация жалобы", "Register the complaint"),
}


def schedule_name(wanted: str, fallback: str) -> str:
    """``wanted`` once workflows/schedules.toml defines it, ``fallback`` until then."""
    return wanted if wanted in load_schedules() else fallback


def src(line: int) -> str:
    return f"{SEED}:{line}"


def _front_office(
    b: ProcessBuilder,
    route: Node,
    merge: Node,
    prefix: str,
    route_flow: dict[str, Any],
    wait: Node,
    accept: Node,
    then: Callable[[], Node],
) -> None:
    """A counter route (the State Corporation, the provider's reception; points 6, 8, 9): from
    ``Gateway_route`` the applicant waits (``wait``), hands in the documents (``accept``, which
    asks ``documents_complete``); an incomplete or expired set is refused with the receipt of
    annex 4 (point 8, line 28), a complete one goes on to ``then`` (the data into "Е-Собес",
    added after the refusal branch) and the common assessment at ``merge``."""
    lane = accept.lane
    complete = b.gateway(lane, "Құжаттар топтамасы толық па?", id=f"Gateway_{prefix}_documents")
    refuse = b.user_task(
        lane, "Құжаттарды қабылдаудан бас тарту туралы қолхат беру (4-қосымша)", source=src(28),
        id=f"Task_{prefix}_refuse_acceptance",
    )
    refused = b.end(lane, "Құжаттарды қабылдаудан бас тартылды", outcome="refused",
                    id=f"End_{prefix}_refused_acceptance")
    data = then()
    b.flow(route, wait, **route_flow)
    b.chain(wait, accept, complete)
    b.flow(complete, refuse, condition="documents_complete == False", name="толық емес")
    b.flow(refuse, refused)
    b.flow(complete, data, default=True, name="толық")
    b.flow(data, merge)


def build_service() -> ProcessBuilder:
    b = ProcessBuilder(
        key=SERVICE_KEY,
        name=TITLE,
        properties={
            "routes": "sc, provider, portal",  # line 9-11 (and 201-203): SC first
            "deadline": "17 working days",  # line 19 (point 5) and 207
            "deadline.sc": "17 working days",  # line 208: same term, acceptance day not counted
            "deadline_source": src(19),
            "deadline_source.sc": src(208),
            "count_first_day.sc": "false",  # point 11, line 37 (repeated at line 208)
            "count_first_day_source": src(37),
            "schedule": PROVIDER_SCHEDULE,
            "schedule_source": src(229),
            "source": f"{SEED}:1-62,192-257",
            "approved_by": APPROVED_BY,
            "approved_source": f"{SEED}:2 (also 5, 14, 43)",
            "provider": (
                "Нұр-Сұлтан, Алматы және Шымкент қалаларының, аудандардың және облыстық маңызы бар "
                "қалалардың жергілікті атқарушы органдары"
            ),
        },
        documentation=(
            "Нәтижесі – стационарлық және жартылай стационарлық үлгідегі ұйымдарда арнаулы "
            "әлеуметтік қызмет көрсету мерзімін көрсете отырып, құжаттарды ресімдеу туралы "
            "хабарлама не дәлелді бас тарту (15-тармақ, 45-жол; 218-жол). Бас тарту үшін "
            "негіздер: 245-250-жол."
        ),
    )
    applicant = b.lane("applicant", "Көрсетілетін қызметті алушы (немесе оның заңды өкілі)")
    sc = b.lane(
        "sc_operator", "\"Азаматтарға арналған үкімет\" мемлекеттік корпорациясының қызметкері",
        schedule="state_corporation",
    )
    portal = b.lane("portal", "\"Электрондық үкіметтің\" веб-порталы", schedule="portal")
    clerk = b.lane(
        "clerk", "Көрсетілетін қызметті берушінің құжаттарды қабылдайтын қызметкері",
        schedule=schedule_name(RECEPTION_SCHEDULE, PROVIDER_SCHEDULE),
        properties={"schedule_wanted": RECEPTION_SCHEDULE},
    )
    officer = b.lane("officer", "Көрсетілетін қызметті берушінің маманы")
    social = b.lane("social_worker", "Әлеуметтік қызметкер")

    start = b.start(applicant, "Өтініш берілді (1 немесе 2-қосымша)", id="StartEvent_apply")
    route = b.gateway(applicant, "Жүгіну тәсілі", id="Gateway_route")
    b.flow(start, route)
    merge = b.gateway(social, None, id="Gateway_accepted")

    # --- State Corporation (points 6, 8, 9, 11; annex 3 lines 209-210) --------------------------
    _front_office(
        b, route, merge, "sc", {"default": True, "name": "Мемлекеттік корпорация"},
        wait=b.user_task(
            applicant, "Мемлекеттік корпорацияда кезек күту", norm="15 minutes", source=src(209),
            id="Task_sc_wait",
        ),
        accept=b.user_task(
            sc, "Құжаттарды қабылдау және толықтығын тексеру", norm="15 minutes", source=src(210),
            inputs="documents_complete:bool",
            result="Нәтижесі – құжаттардың қабылданғаны туралы қолхат (6-тармақ, 21-жол)",
            properties={"count_first_day": "false", "count_first_day_source": src(37)},
            id="Task_sc_accept",
        ),
        then=lambda: b.service_task(
            sc, "Өтініш деректерін \"Е-Собес\" ААЖ-ға автоматты түрде беру",
            handler="esobes.submit", source=src(33), id="Task_sc_esobes",
        ),
    )

    # --- provider (points 6, 8, 9; lines 209-210) -----------------------------------------------
    _front_office(
        b, route, merge, "provider",
        {"condition": 'route == "provider"', "name": "көрсетілетін қызметті беруші"},
        wait=b.user_task(
            applicant, "Көрсетілетін қызметті берушіде кезек күту", norm="30 minutes",
            source=src(209), id="Task_provider_wait",
        ),
        accept=b.user_task(
            clerk, "Құжаттарды қабылдау және тіркеу", norm="30 minutes", source=src(210),
            inputs="documents_complete:bool",
            result=(
                "Нәтижесі – тіркелген және қызметті алатын күні, қабылдаған адамның тегі мен "
                "аты-жөні көрсетілген талон (6-тармақ, 22-жол)"
            ),
            id="Task_provider_accept",
        ),
        then=lambda: b.user_task(
            officer, "Өтініш деректерін \"Е-Собес\" ААЖ-ға енгізу", source=src(32),
            id="Task_provider_esobes",
        ),
    )

    # --- portal (points 6, 8, 9) ----------------------------------------------------------------
    po_accept = b.service_task(
        portal, "Сұрау салуды қабылдау (жеке кабинетте мәртебе)", handler="portal.accept",
        source=src(23), id="Task_portal_accept",
    )
    po_transfer = b.service_task(
        portal, "Өтініш деректерін \"Е-Собес\" ААЖ-ға автоматты түрде беру",
        handler="esobes.submit", source=src(33), id="Task_portal_esobes",
    )
    po_check = b.user_task(
        officer, "Құжаттар топтамасының толықтығын тексеру", source=src(29),
        inputs="documents_complete:bool", id="Task_portal_check",
    )
    po_complete = b.gateway(officer, "Құжаттар топтамасы толық па?", id="Gateway_portal_documents")
    po_refuse = b.service_task(
        portal, "Өтінішті одан әрі қараудан бас тарту туралы хабарлама жіберу",
        handler="notify.cabinet", source=src(29), id="Task_portal_refuse_acceptance",
    )
    po_refused = b.end(portal, "Өтінішті одан әрі қараудан бас тартылды", outcome="refused",
                       id="End_portal_refused_acceptance")
    b.flow(route, po_accept, condition='route == "portal"', name="портал")
    b.chain(po_accept, po_transfer, po_check, po_complete)
    b.flow(po_complete, po_refuse, condition="documents_complete == False", name="толық емес")
    b.flow(po_refuse, po_refused)
    b.flow(po_complete, merge, default=True, name="толық")

    # --- assessment and decision (points 12, 13) ------------------------------------------------
    assess = b.user_task(
        social, "Арнаулы әлеуметтік қызметтерге қажеттілікті бағалау және айқындау",
        norm="10 working days", source=src(38),
        result="Нәтижесі – қажеттілікті бағалау және айқындау жөніндегі қорытынды",
        id="Task_assess",
    )
    decide = b.user_task(
        officer, "Арнаулы әлеуметтік қызметтерді ұсыну туралы шешім қабылдау",
        norm="3 working days", source=src(41), inputs="grounds_found:bool",
        properties={"grounds_source": f"{SEED}:245-250"}, id="Task_decide",
    )
    grounds = b.gateway(officer, "Бас тарту үшін негіздер бар ма?", id="Gateway_grounds",
                        properties={"source": f"{SEED}:245-250"})
    b.chain(merge, assess, decide, grounds)

    # --- hearing before a negative decision (point 17, lines 49-51) -----------------------------
    notice = b.user_task(
        officer, "Алдын ала шешім және тыңдау (уақыты, орны, тәсілі) туралы хабардар ету",
        norm="1 working day", source=src(50),
        properties={
            "before_deadline": "3 working days",
            "norm_derivation": (
                "line 50: notice at least 3 working days before the end of the 17-working-day "
                "term; assessment 10 + decision 3 leave 17 - 3 - 13 = 1 working day"
            ),
        },
        id="Task_hearing_notice",
    )
    hearing = b.user_task(
        officer, "Тыңдау өткізу", norm="2 working days", source=src(50),
        inputs="refusal_confirmed:bool",
        result="Нәтижесі – қызметті көрсетуге рұқсат не дәлелді бас тарту (51-жол)",
        properties={"counted_from": "notice"}, id="Task_hearing",
    )
    after = b.gateway(officer, "Тыңдау нәтижесі", id="Gateway_hearing")
    refuse = b.user_task(
        officer, "Бас тарту себептерін көрсете отырып дәлелді жауап жіберу", source=src(51),
        id="Task_refuse",
    )
    refused = b.end(officer, "Дәлелді бас тарту берілді", outcome="refused", id="End_refused")
    b.flow(grounds, notice, condition="grounds_found == True", name="негіздер бар")
    b.chain(notice, hearing, after)
    b.flow(after, refuse, condition="refusal_confirmed == True", name="бас тарту")
    b.flow(refuse, refused)

    # --- notification and delivery (points 14, 15, 7, 11) --------------------------------------
    notify = b.user_task(
        officer,
        "Құжаттарды ресімдеу туралы хабарламаны әлеуметтік көрсетілетін қызметтер порталында "
        "жіберу (aleumet.egov.kz)",
        norm="2 working days", source=src(42),
        result=f"Нәтижесі – құжаттарды ресімдеу туралы хабарлама ({src(45)})",
        id="Task_notify",
    )
    b.flow(grounds, notify, default=True, name="негіздер жоқ")
    b.flow(after, notify, default=True, name="рұқсат")
    delivery = b.gateway(officer, "Нәтижені беру тәсілі", id="Gateway_delivery")
    b.flow(notify, delivery)

    to_sc = b.user_task(
        officer,
        "Нәтижені Мемлекеттік корпорацияға жіберу (мерзім аяқталғанға дейін бір күн бұрын)",
        source=src(37), properties={"before_deadline": "1 day"}, id="Task_sc_send_result",
    )
    sc_issue = b.user_task(
        sc, "Дайын құжаттарды жеке басын куәландыратын құжат бойынша беру", source=src(26),
        inputs="applicant_came:bool", id="Task_sc_issue",
    )
    sc_came = b.gateway(sc, "Көрсетілетін қызметті алушы келді ме?", id="Gateway_sc_came")
    sc_issued = b.end(sc, "Нәтиже берілді", outcome="issued", id="End_sc_issued")
    sc_store = b.user_task(
        sc, "Берілмеген құжаттарды сақтау", norm="1 calendar month", source=src(27),
        id="Task_sc_store",
    )
    sc_return = b.user_task(
        sc, "Сұранымсыз құжаттарды көрсетілетін қызметті берушіге қайтару", source=src(27),
        id="Task_sc_return",
    )
    sc_returned = b.end(sc, "Сұранымсыз құжаттар қайтарылды", outcome="returned",
                        id="End_sc_returned")
    b.flow(delivery, to_sc, default=True, name="Мемлекеттік корпорация")
    b.chain(to_sc, sc_issue, sc_came)
    b.flow(sc_came, sc_issued, default=True, name="келді")
    b.flow(sc_came, sc_store, condition="applicant_came == False", name="келмеді")
    b.chain(sc_store, sc_return, sc_returned)

    po_result = b.service_task(
        portal, "Нәтижені ЭЦҚ қойылған электрондық құжат түрінде жеке кабинетке жіберу",
        handler="notify.cabinet", source=src(219), id="Task_portal_send_result",
    )
    po_issued = b.end(portal, "Нәтиже жіберілді", outcome="issued", id="End_portal_issued")
    b.flow(delivery, po_result, condition='route == "portal"', name="портал")
    b.flow(po_result, po_issued)

    pr_issue = b.user_task(
        clerk, "Нәтижені беру", source=src(10), id="Task_provider_issue",
    )
    pr_issued = b.end(clerk, "Нәтиже берілді", outcome="issued", id="End_provider_issued")
    b.flow(delivery, pr_issue, condition='route == "provider"', name="көрсетілетін қызметті беруші")
    b.flow(pr_issue, pr_issued)
    return b


def build_complaint() -> ProcessBuilder:
    b = ProcessBuilder(
        key=COMPLAINT_KEY,
        name=f"{TITLE}: шағымдану тәртібі",
        properties={
            "routes": "provider, sc, authorized_body",
            "deadline": "5 working days",  # line 59: from registration
            "deadline.sc": "5 working days",  # line 59
            "deadline.authorized_body": "15 working days",  # line 60
            "deadline_source": src(59),
            "deadline_source.authorized_body": src(60),
            "schedule": PROVIDER_SCHEDULE,
            "source": f"{SEED}:52-62",
            "approved_by": APPROVED_BY,
        },
        documentation=(
            "18-тармақ. Шағыммен келіспеген жағдайда көрсетілетін қызметті алушы сотқа жүгінеді "
            f"({src(61)})."
        ),
    )
    applicant = b.lane("applicant", "Көрсетілетін қызметті алушы")
    clerk = b.lane("clerk", "Көрсетілетін қызметті берушінің кеңсесі")
    head = b.lane("head", "Көрсетілетін қызметті берушінің басшысы")
    sc = b.lane(
        "sc_operator", "Мемлекеттік корпорацияның кеңсесі", schedule="state_corporation"
    )
    sc_head = b.lane("sc_head", "Мемлекеттік корпорацияның басшысы", schedule="state_corporation")
    body = b.lane(
        "complaint_body",
        "Шағымды қарайтын орган (жоғары тұрған әкімшілік орган, лауазымды адам)",
    )
    authorized = b.lane(
        "authorized_body",
        "Мемлекеттік қызметтер көрсету сапасын бағалау және бақылау жөніндегі уәкілетті орган",
    )

    start = b.start(applicant, "Шағым берілді (почта арқылы не кеңсе арқылы қолма-қол)",
                    id="StartEvent_complaint")
    route = b.gateway(applicant, "Шағым кімге берілді", id="Gateway_route")
    b.flow(start, route)
    merge = b.gateway(body, None, id="Gateway_forwarded")

    for key, office, boss, label, default in (
        ("provider", clerk, head, "көрсетілетін қызметті беруші", True),
        ("sc", sc, sc_head, "Мемлекеттік корпорация", False),
    ):
        register = b.user_task(
            office, "Шағымды тіркеу (мөртабан, кіріс нөмірі, күні)", source=src(55),
            result=(
                "Нәтижесі – шағымды қабылдаған адамның тегі мен аты-жөні, жауап алу мерзімі мен "
                "орны көрсетілген тіркеу"
            ),
            id=f"Task_{key}_register",
        )
        review = b.user_task(
            boss,
            "Шағымды қарау: талаптарды толық қанағаттандыру не әкімшілік іспен бірге шағымды "
            "қарайтын органға жіберу",
            norm="3 working days", source=src(57), inputs="satisfied:bool",
            properties={"satisfy_source": src(58)}, id=f"Task_{key}_review",
        )
        decision = b.gateway(
            boss, "Талаптар толық қанағаттандырылды ма?", id=f"Gateway_{key}_satisfied"
        )
        satisfied = b.end(boss, "Шағым қанағаттандырылды", outcome="satisfied",
                          id=f"End_{key}_satisfied")
        if default:
            b.flow(route, register, default=True, name=label)
        else:
            b.flow(route, register, condition=f'route == "{key}"', name=label)
        b.chain(register, review, decision)
        b.flow(decision, satisfied, condition="satisfied == True", name="иә")
        b.flow(decision, merge, default=True, name="жоқ: жіберу")

    examine = b.user_task(
        body, "Шағымды қарау", norm="5 working days", source=src(59),
        inputs="complaint_upheld:bool", properties={"counted_from": "registration"},
        id="Task_body_examine",
    )
    verdict = b.gateway(body, "Шағым негізді ме?", id="Gateway_body_verdict")
    upheld = b.end(body, "Шағым қанағаттандырылды", outcome="upheld", id="End_body_upheld")
    rejected = b.end(body, "Шағым қанағаттандырылмады", outcome="rejected",
                     id="End_body_rejected", documentation=f"Сотқа жүгіну құқығы ({src(61)})")
    b.chain(merge, examine, verdict)
    b.flow(verdict, upheld, condition="complaint_upheld == True", name="иә")
    b.flow(verdict, rejected, default=True, name="жоқ")

    a_register = b.user_task(
        authorized, "Шағымды тіркеу", source=src(55), id="Task_authorized_register",
    )
    a_examine = b.user_task(
        authorized, "Шағымды қарау", norm="15 working days", source=src(60),
        inputs="complaint_upheld:bool", id="Task_authorized_examine",
    )
    a_verdict = b.gateway(authorized, "Шағым негізді ме?", id="Gateway_authorized_verdict")
    a_upheld = b.end(authorized, "Шағым қанағаттандырылды", outcome="upheld",
                     id="End_authorized_upheld")
    a_rejected = b.end(authorized, "Шағым қанағаттандырылмады", outcome="rejected",
                       id="End_authorized_rejected",
                       documentation=f"Сотқа жүгіну құқығы ({src(61)})")
    b.flow(route, a_register, condition='route == "authorized_body"', name="уәкілетті орган")
    b.chain(a_register, a_examine, a_verdict)
    b.flow(a_verdict, a_upheld, condition="complaint_upheld == True", name="иә")
    b.flow(a_verdict, a_rejected, default=True, name="жоқ")
    return b


def build() -> list[ProcessBuilder]:
    return [translate(build_service(), NAMES_004), translate(build_complaint(), NAMES_004)]
