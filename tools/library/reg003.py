# ruff: noqa: E501  (the results are quoted from the text, one line each)
"""The ten regulations of seed 003 (Karaganda region akimat resolution № 55/05 of 2015-09-22).

Each ``reg_*`` function builds one regulation from the text; line numbers refer to
``003_2e4deee796d008ba.txt``. Where the text is silent or faulty the model takes the reading
written down in processes/NOTES.md ("Seed 003").
"""

from __future__ import annotations

from regflow.workflows.builder import Node, ProcessBuilder

from .common import (
    Model,
    PortalText,
    ScText,
    Step,
    channel,
    conditional_norm,
    issue_by_route,
    new_model,
    portal_channel,
    sc_channel,
    sc_issue,
    steps,
    translate,
)

SEED = "003_2e4deee796d008ba.txt"

# Legal validity of the whole resolution (lines 1-38). The first official publication date is
# not in the text: in_force_from assumes 2015-11-06 (see processes/NOTES.md).
LEGAL = {
    "schedule": "akimat",
    "approved_by": "№ 55/05 of 2015-09-22",
    "registered": "№ 3463 of 2015-10-26",
    "in_force_from": "2015-11-06",
    "repealed_on": "2016-05-30",
    "repealed_by": "№ 37/04 of 2016-05-30",
}

# "Нәтижесі – ..." of every step, by line (trailing ';' / '.' dropped).
R = {
    96: "Нәтижесі – тіркеу журналына жазу",
    100: "Нәтижесі - құжаттарды көрсетілетін қызметті берушінің жауапты орындаушысына жолдайды",
    110: "Нәтижесі – ресімделген құжаттарды көрсетілетін қызметті берушінің басшысына қол қою үшін жолдайды",
    114: "Нәтижесі – қол қойылған құжаттарды көрсетілетін қызметті берушінің кеңсесіне жолдайды",
    118: "Нәтижесі – көрсетілетін қызметті алушыға мемлекеттік қызмет көрсету нәтижесін береді, ЗТМО көрсетілетін қызметті алушының жеке шотына аудару арқылы өтемақы төлейді",
    212: "Нәтижесі – тіркеу журналына жазу және көрсетілетін қызметті берушінің басшысына қарауға жолдайды",
    216: "Нәтижесі – жауапты орындаушыны белгілеу",
    220: "Нәтижесі - хабарламаны көрсетілетін қызметті берушінің басшысына қол қоюға жібереді",
    224: "Нәтижесі – хабарламаны көрсетілетін қызмет берушінің кеңсесіне жібереді",
    228: "Нәтижесі - тіркеу журналына тіркейді және көрсетілетін қызметті алушының мемлекеттік қызметті алғандығы туралы қолы",
    283: "Нәтижесі – тіркеу журналына жазу және көрсетілетін қызметті берушінің басшысына қарауға жолдайды",
    287: "Нәтижесі – жауапты орындаушыны белгілеу",
    291: "Нәтижесі - хабарламаны көрсетілетін қызметті берушінің басшысына қол қоюға жібереді",
    295: "Нәтижесі – хабарламаны көрсетілетін қызмет берушінің кеңсесіне жібереді",
    299: "Нәтижесі - тіркеу журналына тіркейді және көрсетілетін қызметті алушының мемлекеттік қызметті алғандығы туралы қолы",
    354: "Нәтижесі – тіркеу журналына жазу және көрсетілетін қызметті берушінің басшысына қарауға жолдайды",
    358: "Нәтижесі – жауапты орындаушыны белгілеу",
    362: "Нәтижесі - хабарламаны көрсетілетін қызметті берушінің басшысына қол қоюға жібереді",
    366: "Нәтижесі – хабарламаны көрсетілетін қызмет берушінің кеңсесіне жібереді",
    370: "Нәтижесі - тіркеу журналына тіркейді және көрсетілетін қызметті алушының мемлекеттік қызметті алғандығы туралы қолы",
    428: "Нәтижесі – тіркеу журналына жазу және көрсетілетін қызметті берушінің басшысына қарауға жолдайды",
    432: "Нәтижесі – жауапты орындаушыны белгілеу",
    436: "Нәтижесі - хабарламаны көрсетілетін қызметті берушінің басшысына қол қоюға жібереді",
    440: "Нәтижесі – хабарламаны көрсетілетін қызмет берушінің кеңсесіне жібереді",
    444: "Нәтижесі - тіркеу журналына тіркейді және көрсетілетін қызметті алушының мемлекеттік қызметті алғандығы туралы қолы",
    498: "Нәтижесі – тіркеу журналына жазу және көрсетілетін қызметті берушінің басшысына қарауға жолдайды",
    502: "Нәтижесі – жауапты орындаушыны белгілеу",
    506: "Нәтижесі - хабарламаны көрсетілетін қызметті берушінің басшысына қол қоюға жібереді",
    510: "Нәтижесі – хабарламаны көрсетілген қызмет берушінің кеңсесіне жібереді",
    514: "Нәтижесі - тіркеу журналына тіркейді және көрсетілетін қызметті алушының мемлекеттік қызметті алғандығы туралы қолы",
    588: "Нәтижесі – тіркеу журналына жазу",
    592: "Нәтижесі – құжаттарды көрсетілетін қызметті берушінің жауапты орындаушысына жолдайды",
    598: "Нәтижесі – хабарламаны көрсетілетін қызметті берушінің басшысына қол қою үшін жолдайды",
    602: "Нәтижесі – қол қойылған хабарламаны көрсетілетін қызметті берушінің кеңсесіне жолдайды",
    606: "Нәтижесі – хабарламаны көрсетілетін қызметті алушыға береді",
    612: "Нәтижесі – құжаттарды ауылдық округ әкіміне бұрыштама қоюға жолдайды",
    616: "Нәтижесі – құжаттарды ауылдық округ әкімі аппаратының жауапты орындаушысына жолдайды",
    620: "Нәтижесі – көрсетілетін қызметті берушіге жолдау үшін көрсетілетін қызметті алушының құжаттарымен қоса ілеспе хаттың жобасын ауылдық округ әкіміне қол қоюға жолдайды",
    624: "Нәтижесі – қол қойылған ілеспе хатты көрсетілетін қызметті алушының құжаттарымен қоса көрсетілетін қызметті берушіге жолдайды",
    628: "Нәтижесі – құжаттарды көрсетілетін қызметті берушінің басшысына бұрыштама қоюға жолдайды",
    632: "Нәтижесі – құжаттарды көрсетілетін қызметті берушінің жауапты орындаушысына жолдайды",
    638: "Нәтижесі – хабарламаны көрсетілетін қызметті берушінің басшысына қол қою үшін жолдайды",
    642: "Нәтижесі – қол қойылған хабарламаны көрсетілетін қызметті берушінің кеңсесіне жолдайды",
    646: "Нәтижесі – хабарламаны ауылдық округ әкіміне жолдайды",
    650: "Нәтижесі – хабарламаны көрсетілетін қызметті алушыға беру",
    750: "Нәтижесі – тіркеу журналына жазу",
    754: "Нәтижесі – құжаттарды көрсетілетін қызметті берушінің жауапты орындаушысына жолдайды",
    758: "Нәтижесі – хабарламаны дайындау",
    762: "Нәтижесі – хабарламаға қол қою",
    766: "Нәтижесі – хабарламаны көрсетілетін қызметті алушыға береді",
    1037: "Нәтижесі – тіркеу журналына тіркеу және көрсетілетін қызметті берушінің басшысына бұрыштама қоюға жолдау",
    1041: "Нәтижесі – орындау үшін көрсетілетін қызметті берушінің бөлім басшысына жолдау",
    1045: "Нәтижесі – мемлекеттік қызметті көрсету үшін құжаттарды көрсетілетін қызметті берушінің жауапты орындаушысына жолдау",
    1049: "Нәтижесі – шешімді көрсетілетін қызметті берушінің бөлім басшысына келісуге жіберу",
    1053: "Нәтижесі – шешіммен келісу және қол қою үшін көрсетілетін қызметті берушінің басшысына жіберу",
    1057: "Нәтижесі – шешімге қол қою және көрсетілетін қызметті берушінің жауапты орындаушысына жіберу",
    1061: "Нәтижесі – оралман куәлігін көрсетілетін қызметті берушінің бөлім басшысына келісуге жіберу",
    1065: "Нәтижесі – оралман куәлігімен келісу және қол қою үшін көрсетілетін қызметті берушінің басшысына жіберу",
    1069: "Нәтижесі – оралман куәлігіне қол қою және көрсетілетін қызметті берушінің жауапты орындаушысына жіберу",
    1073: "Нәтижесі – оралман куәлігін көрсетілетін қызметті алушыға беру",
}

# Participants as the texts name them.
CLERK_Q = ("clerk", "Көрсетілетін қызметті берушінің кеңсе қызметкері")
CLERK_M = ("clerk", "Көрсетілетін қызметті берушінің кеңсе маманы")
HEAD = ("head", "Көрсетілетін қызметті берушінің басшысы")
OFFICER = ("officer", "Көрсетілетін қызметті берушінің жауапты орындаушысы")
DEPT_HEAD = ("dept_head", "Көрсетілетін қызметті берушінің бөлім басшысы")
SC_OPERATOR = ("sc_operator", "ХҚО қызметкері")
PORTAL = ("portal", "Портал (www.egov.kz)")
APPLICANT = ("applicant", "Көрсетілетін қызметті алушы")


# Russian and English names for the interface (regflow --lang ru|en); the model's own names stay
# the Kazakh of the text. Titles are the official Russian names of the state services; what the
# regulations share with others (lanes, the State Corporation and portal steps) is in
# common.NAMES.
NAMES_003: dict[str, tuple[str, str]] = {
    # -- titles
    "Семей ядролық сынақ полигонында ядролық сынақтардың салдарынан зардап шеккен азаматтарды "
    "тіркеу, біржолғы мемлекеттік ақшалай өтемақы төлеу, куәлік беру": (
        "Регистрация граждан, пострадавших вследствие ядерных испытаний на Семипалатинском "
        "испытательном ядерном полигоне, выплата единовременной государственной денежной "
        "компенсации, выдача удостоверений",
        "Registration of citizens affected by the nuclear tests at the Semipalatinsk test site, "
        "one-off state compensation, issue of certificates"),
    "Мүгедектерге протездік-ортопедиялық көмек ұсыну үшін оларға құжаттарды ресімдеу": (
        "Оформление документов на инвалидов для предоставления им протезно-ортопедической помощи",
        "Processing documents of persons with disabilities for prosthetic and orthopaedic aid"),
    "Мүгедектерді сурдо-тифлотехникалық және міндетті гигиеналық құралдармен қамтамасыз ету": (
        "Обеспечение инвалидов сурдо-тифлотехническими и обязательными гигиеническими средствами",
        "Provision of hearing and vision aids and essential hygiene products to persons with "
        "disabilities"),
    "Жүріп-тұруы қиын бірінші топтағы мүгедектерге жеке көмекшінің және есту кемістігі бар "
    "мүгедектерге ымдау тілі маманының қызметтерін ұсыну үшін мүгедектерге құжаттарды ресімдеу": (
        "Оформление документов на инвалидов для предоставления им услуги индивидуального "
        "помощника для инвалидов первой группы, имеющих затруднение в передвижении, и "
        "специалиста жестового языка для инвалидов по слуху",
        "Processing documents of persons with disabilities for a personal assistant (group I, "
        "limited mobility) or a sign-language specialist (hearing impairment)"),
    "Мүгедектерге кресло-арбалар беру": (
        "Обеспечение инвалидов кресло-колясками",
        "Provision of wheelchairs to persons with disabilities"),
    "Мүгедектерді санаторий-курорттық емдеумен қамтамасыз ету": (
        "Обеспечение инвалидов санаторно-курортным лечением",
        "Provision of sanatorium and spa treatment to persons with disabilities"),
    "Жергілікті өкілді органдардың шешімдері бойынша мұқтаж азаматтардың жекелеген санаттарына "
    "әлеуметтік көмек тағайындау": (
        "Назначение социальной помощи отдельным категориям нуждающихся граждан по решениям "
        "местных представительных органов",
        "Social assistance to certain categories of citizens in need by decision of the local "
        "representative bodies"),
    "Мүгедек балаларды үйде оқытуға жұмсалған шығындарды өтеу": (
        "Возмещение затрат на обучение на дому детей-инвалидов",
        "Reimbursement of the cost of home schooling of children with disabilities"),
    "Шетелдік қызметкерге жұмысқа орналасуға және жұмыс берушілерге тиісті "
    "әкімшілік-аумақтық бірлік аумағында еңбек қызметін жүзеге асыру үшін шетелдік жұмыс "
    "күшін тартуға рұқсат беру және ұзарту": (
        "Выдача и продление разрешения иностранному работнику на трудоустройство и "
        "работодателям на привлечение иностранной рабочей силы для осуществления трудовой "
        "деятельности на территории соответствующей административно-территориальной единицы",
        "Issue and extension of permits for foreign workers to take up employment and for "
        "employers to attract foreign labour in the administrative-territorial unit"),
    "Оралман мәртебесін беру": ("Присвоение статуса оралмана", "Granting oralman status"),
    # -- lanes of one regulation
    "ЗТМО": ("ГЦВП", "State Centre for Pension Payments"),
    "Ауылдық округ әкімі аппаратының маманы": (
        "Специалист аппарата акима сельского округа", "Rural akim's office specialist"),
    "Ауылдық округ әкімі": ("Аким сельского округа", "Rural district akim"),
    "Ауылдық округ әкімі аппаратының жауапты орындаушысы": (
        "Ответственный исполнитель аппарата акима сельского округа",
        "Rural akim's responsible officer"),
    "Комиссия": ("Комиссия", "Commission"),
    "Көрсетілетін қызметті алушы (жұмыс беруші, шетелдік қызметкер)": (
        "Услугополучатель (работодатель, иностранный работник)",
        "Applicant (employer, foreign worker)"),
    # -- regulation 1 (Semey)
    "Құжаттарды қарау, жауапты орындаушыны анықтау": (
        "Рассмотрение документов, определение ответственного исполнителя",
        "Review the documents, assign the responsible officer"),
    "Тану туралы шешімді ресімдеу": (
        "Оформление решения о признании", "Draw up the recognition decision"),
    "Куәлікті немесе телнұсқасын беруді ресімдеу": (
        "Оформление выдачи удостоверения или дубликата",
        "Prepare the certificate or its duplicate"),
    "Өтемақы төлеу туралы шешімді ресімдеу (төлеу кестесіне сәйкес)": (
        "Оформление решения о выплате компенсации (по графику выплат)",
        "Draw up the compensation decision (per the payment schedule)"),
    "Ресімделген құжаттарға қол қою": (
        "Подписание оформленных документов", "Sign the prepared documents"),
    "Құжаттарды тіркеу, нәтижені беру, өтемақы құжаттарын ЗТМО-ға жолдау": (
        "Регистрация документов, выдача результата, передача документов на компенсацию в ГЦВП",
        "Register the documents, issue the result, send the compensation file to the pension "
        "centre"),
    "Өтемақыны алушының жеке шотына аудару": (
        "Перечисление компенсации на лицевой счет получателя",
        "Transfer the compensation to the applicant's account"),
    # -- regulation 7 (social assistance): the rural akim route
    "Құжаттарды қарау, ілеспе хатты дайындау": (
        "Рассмотрение документов, подготовка сопроводительного письма",
        "Review the documents, prepare the cover letter"),
    "Ілеспе хатқа қол қою": ("Подписание сопроводительного письма", "Sign the cover letter"),
    "Ілеспе хат пен құжаттарды қабылдау және тіркеу": (
        "Прием и регистрация сопроводительного письма с документами",
        "Receive and register the cover letter with the documents"),
    "Хабарламаны тіркеу, ауылдық округ әкіміне жолдау": (
        "Регистрация уведомления, направление акиму сельского округа",
        "Register the notification, send it to the rural akim"),
    "Хабарламаны алушыға беру": (
        "Выдача уведомления получателю", "Hand the notification to the applicant"),
    # -- regulation 9 (foreign labour)
    "Құжаттарды қабылдау, тіркеу, үзбелі талонды беру, басшыға жолдау": (
        "Прием и регистрация документов, выдача отрывного талона, передача руководителю",
        "Accept and register the documents, give the tear-off slip, pass them to the head"),
    "Жұмысқа орналасуға рұқсатты қайта ресімдеу, нәтижені беру": (
        "Переоформление разрешения на трудоустройство, выдача результата",
        "Reissue the employment permit, hand over the result"),
    "Құжаттарды қарау, комиссияға жолдау": (
        "Рассмотрение документов, направление в комиссию",
        "Review the documents, refer them to the commission"),
    "Жұмыс берушіге рұқсат беру туралы шешім қабылдау": (
        "Решение о выдаче разрешения работодателю",
        "Decide on issuing the employer's permit"),
    "Жұмыс берушіге рұқсатты ұзарту, қайта ресімдеу туралы шешім": (
        "Решение о продлении, переоформлении разрешения работодателю",
        "Decide on extending or reissuing the employer's permit"),
    "Шетелдік қызметкерге рұқсат беру, ұзарту туралы шешім": (
        "Решение о выдаче, продлении разрешения иностранному работнику",
        "Decide on issuing or extending the foreign worker's permit"),
    "Комиссия шешімі туралы хабарламаны беру": (
        "Выдача уведомления о решении комиссии",
        "Notify the applicant of the commission's decision"),
    "Кепілдік құжаттарды тапсыру": (
        "Представление гарантийных документов", "Submit the guarantee documents"),
    "Рұқсатты беру (кепілдік құжаттардан кейін)": (
        "Выдача разрешения (после гарантийных документов)",
        "Issue the permit (after the guarantee documents)"),
    "Ұзартылған рұқсатты алушы өтініш білдірген кезде беру": (
        "Выдача продленного разрешения по обращению получателя",
        "Hand over the extended permit when the applicant asks"),
    "6-процесс: сұраныстың қабылданғаны туралы мәртебе": (
        "Процесс 6: статус о принятии запроса",
        "Process 6: status \"request accepted\""),
    "7-процесс: нәтижені қалыптастыру, басшыға қол қоюға жолдау": (
        "Процесс 7: формирование результата, передача руководителю на подпись",
        "Process 7: draw up the result, pass it to the head to sign"),
    "8-процесс: нәтижеге ЭЦҚ қою": (
        "Процесс 8: подписание результата ЭЦП", "Process 8: sign the result electronically"),
    "4-шарт: кепілдік құжаттардың электрондық көшірмелерін жалғау": (
        "Условие 4: прикрепление электронных копий гарантийных документов",
        "Condition 4: attach e-copies of the guarantee documents"),
    "9-процесс: нәтижені алушының жеке кабинетіне жолдау": (
        "Процесс 9: направление результата в личный кабинет",
        "Process 9: send the result to the personal cabinet"),
    # -- regulation 10 (oralman)
    "\"Оралман\" деректер қорында басқа облыста тіркелуін тексеру, деректерді енгізу": (
        "Проверка регистрации в другой области по базе «Оралман», ввод данных",
        "Check the \"Oralman\" database for registration elsewhere, enter the data"),
    "Өтініш тіркелмейді": ("Заявление не регистрируется", "Application not registered"),
    "Құжаттарды тіркеу журналына тіркеу, басшыға жолдау": (
        "Регистрация документов в журнале, передача руководителю",
        "Register the documents in the journal, pass them to the head"),
    "Құжаттармен танысу, бөлім басшысына жолдау": (
        "Ознакомление с документами, передача руководителю отдела",
        "Read the documents, pass them to the head of department"),
    "Жауапты орындаушыны анықтау": (
        "Определение ответственного исполнителя", "Assign the responsible officer"),
    "Құжаттарды зерделеу, шешімді дайындау": (
        "Изучение документов, подготовка решения", "Study the documents, prepare the decision"),
    "Шешімді келісу": ("Согласование решения", "Approve the decision"),
    "Шешімге қол қою": ("Подписание решения", "Sign the decision"),
    "Оралман куәлігін толтыру": (
        "Заполнение удостоверения оралмана", "Fill in the oralman certificate"),
    "Оралман куәлігін келісу": (
        "Согласование удостоверения оралмана", "Approve the oralman certificate"),
    "Оралман куәлігіне қол қою": (
        "Подписание удостоверения оралмана", "Sign the oralman certificate"),
    "Куәлікті есепке алу журналына тіркеу, алушыға беру": (
        "Регистрация удостоверения в журнале учета, выдача получателю",
        "Register the certificate in the journal, hand it to the applicant"),
    "8-процесс: оралман куәлігін ХҚО арқылы алушыға беру": (
        "Процесс 8: выдача удостоверения оралмана через Госкорпорацию",
        "Process 8: hand the oralman certificate over at the State Corporation"),
}


def _model(key: str, name: str, routes: list[str], lines: tuple[int, int],
           lanes: list[tuple[str, str]]) -> Model:
    return new_model(key, name, routes, SEED, lines, lanes, properties=LEGAL)


# ----------------------------------------------------------------- the five-step regulations


def five_steps(key: str, name: str, lines: tuple[int, int], first: int) -> ProcessBuilder:
    """Regulations 2-6: clerk registers (30 min) -> head assigns (1 wd) -> officer checks and
    prepares the notification (8 wd) -> head signs (1 wd) -> clerk issues (30 min).

    ``first`` is the line of step 1; the steps are 4 lines apart, each result 2 lines below.
    """
    m = _model(key, name, ["provider"], lines, [CLERK_M, HEAD, OFFICER])
    ln = [first + 4 * i for i in range(5)]
    nodes = steps(m, [
        Step("Task_register", "clerk", "Құжаттарды қабылдау және тіркеу журналына тіркеу",
             "30 minutes", ln[0], R[ln[0] + 2]),
        Step("Task_assign", "head", "Құжаттарды қарау, жауапты орындаушыны белгілеу",
             "1 working day", ln[1], R[ln[1] + 2]),
        Step("Task_prepare", "officer", "Құжаттарды тексеру, хабарламаны дайындау",
             "8 working days", ln[2], R[ln[2] + 2]),
        Step("Task_sign", "head", "Хабарламаға қол қою", "1 working day", ln[3], R[ln[3] + 2]),
        Step("Task_issue", "clerk", "Хабарламаны тіркеу, нәтижені алушыға беру",
             "30 minutes", ln[4], R[ln[4] + 2]),
    ])
    m.route(nodes[0], "provider", first=True)
    m.b.chain(nodes[-1], m.end("clerk", "EndEvent_issued"))
    return m.b


# ------------------------------------------------------------------------------ regulation 1

SC_SEMEY = ScText(
    intake=((136, "2 minutes"), (138, "1 minute"), (140, "2 minutes"), (142, "2 minutes"),
            (144, "1 minute"), (146, "1 minute"), (148, "1 minute")),
    result=((152, "1 minute"), (154, "1 minute"), (156, "1 minute"), (158, "2 minutes")),
)


def reg_semey() -> ProcessBuilder:
    """1) Semey test site victims: registration, one-off compensation, certificate (58-187)."""
    m = _model(
        "semey_polygon_otemaqy",
        "Семей ядролық сынақ полигонында ядролық сынақтардың салдарынан зардап шеккен азаматтарды "
        "тіркеу, біржолғы мемлекеттік ақшалай өтемақы төлеу, куәлік беру",
        ["provider", "sc"], (58, 187),
        [CLERK_Q, HEAD, OFFICER, ("pension_centre", "ЗТМО"), SC_OPERATOR],
    )
    b = m.b
    register, assign = steps(m, [
        Step("Task_register", "clerk", "Құжаттар топтамасын тіркеу, басшыға жолдау",
             "30 minutes", 94, R[96]),
        Step("Task_assign", "head", "Құжаттарды қарау, жауапты орындаушыны анықтау",
             "1 working day", 98, R[100], inputs="request_type:str"),
    ])
    # step 3 has three norms, one per kind of request (103-108)
    split = b.gateway(m.lane("officer"), "Өтініштің түрі?", id="Gateway_request_type")
    recog = m.task(Step("Task_prepare_recognition", "officer", "Тану туралы шешімді ресімдеу",
                        "17 working days", 104, R[110]))
    cert = m.task(Step("Task_prepare_certificate", "officer",
                       "Куәлікті немесе телнұсқасын беруді ресімдеу", "3 working days", 106, R[110]))
    comp = m.task(Step("Task_prepare_compensation", "officer",
                       "Өтемақы төлеу туралы шешімді ресімдеу (төлеу кестесіне сәйкес)", None, 108,
                       R[110]))
    merge = b.gateway(m.lane("officer"), None, id="Gateway_request_type_merge")
    b.chain(assign, split)
    b.flow(split, recog, default=True, name="тану")
    b.flow(split, cert, condition='request_type == "certificate"', name="куәлік")
    b.flow(split, comp, condition='request_type == "compensation"', name="өтемақы")
    for t in (recog, cert, comp):
        b.flow(t, merge)
    sign, issue = steps(m, [
        Step("Task_sign", "head", "Ресімделген құжаттарға қол қою", "1 working day", 112, R[114]),
        Step("Task_issue", "clerk",
             "Құжаттарды тіркеу, нәтижені беру, өтемақы құжаттарын ЗТМО-ға жолдау",
             "30 minutes", 116, R[118]),
    ])
    b.chain(merge, sign)
    gw_issue = b.gateway(m.lane("clerk"), "Жүгіну тәсілі?", id="Gateway_issue_route")
    sc_hand = sc_issue(m, SC_SEMEY)
    gw_issue_merge = b.gateway(m.lane("clerk"), None, id="Gateway_issue_route_merge")
    pay = m.task(Step("Task_pay_compensation", "pension_centre",
                      "Өтемақыны алушының жеке шотына аудару", None, 118))
    b.chain(issue, gw_issue)
    b.flow(gw_issue, sc_hand, condition='route == "sc"', name="ХҚО")
    b.flow(gw_issue, gw_issue_merge, default=True)
    b.chain(sc_hand, gw_issue_merge, pay, m.end("pension_centre", "EndEvent_issued"))

    m.route(register, "provider", first=True)
    channel(m, sc_channel(SC_SEMEY), register)
    return b


# ------------------------------------------------------------------------------ regulation 7

PORTAL_SOCIAL = PortalText(register=672, login=674, auth_check=676, auth_refusal=678,
                           request=680, signature_check=682, signature_refusal=684, send=686,
                           documents_check=688, documents_refusal=690, result=692)


def _prepare_notification(
    m: Model, prefix: str, norm: str, line: int, incomplete_line: int, result: str
) -> tuple[Node, Node]:
    """The officer's step of regulation 7 on either route: ``norm`` for a complete set (line),
    20 working days when documents are missing (incomplete_line). Returns (split, merge)."""
    return conditional_norm(
        m, f"{prefix}documents_complete", "documents_complete",
        when_false=Step(f"Task_{prefix}prepare_incomplete", "officer",
                        "Құжаттарды қарау, хабарламаны дайындау (құжаттар жетіспегенде)",
                        "20 working days", incomplete_line, result),
        otherwise=Step(f"Task_{prefix}prepare", "officer", "Құжаттарды қарау, хабарламаны дайындау",
                       norm, line, result),
        name="Құжаттар толық па?",
    )


def reg_social_aid() -> ProcessBuilder:
    """7) Social assistance to needy citizens by decision of the local representative bodies
    (556-717): provider, rural akim and portal routes; conditional norm of the officer's step."""
    m = _model(
        "aleumettik_komek_mukhtazh",
        "Жергілікті өкілді органдардың шешімдері бойынша мұқтаж азаматтардың жекелеген санаттарына "
        "әлеуметтік көмек тағайындау",
        ["provider", "akim", "portal"], (556, 717),
        [CLERK_Q, HEAD, OFFICER,
         ("akim_specialist", "Ауылдық округ әкімі аппаратының маманы"),
         ("akim", "Ауылдық округ әкімі"),
         ("akim_officer", "Ауылдық округ әкімі аппаратының жауапты орындаушысы"),
         PORTAL, APPLICANT],
    )
    b = m.b
    # provider route (584-606)
    register, assign = steps(m, [
        Step("Task_register", "clerk", "Құжаттар топтамасын тіркеу, басшыға жолдау",
             "30 minutes", 586, R[588]),
        Step("Task_assign", "head", "Құжаттармен танысу, жауапты орындаушыны анықтау",
             "1 working day", 590, R[592], inputs="documents_complete:bool"),
    ])
    split, merge = _prepare_notification(m, "", "6 working days", 594, 596, R[598])
    sign, issue = steps(m, [
        Step("Task_sign", "head", "Хабарламаға қол қою", "1 working day", 600, R[602]),
        Step("Task_issue", "clerk", "Хабарламаны тіркеу, алушыға беру", "15 minutes", 604, R[606]),
    ])
    b.chain(assign, split)
    b.chain(merge, sign)
    issue_by_route(m, issue, "clerk", portal=PORTAL_SOCIAL)
    m.route(register, "provider", first=True)

    # rural akim route (608-650)
    akim = steps(m, [
        Step("Task_akim_register", "akim_specialist", "Құжаттарды қабылдау және тіркеу журналына тіркеу",
             "30 minutes", 610, R[612]),
        Step("Task_akim_assign", "akim", "Құжаттармен танысу, жауапты орындаушыны анықтау",
             "1 working day", 614, R[616]),
        Step("Task_akim_letter", "akim_officer", "Құжаттарды қарау, ілеспе хатты дайындау",
             "1 working day", 618, R[620]),
        Step("Task_akim_sign", "akim", "Ілеспе хатқа қол қою", "1 working day", 622, R[624]),
        Step("Task_akim_provider_register", "clerk",
             "Ілеспе хат пен құжаттарды қабылдау және тіркеу", "15 minutes", 626, R[628]),
        Step("Task_akim_provider_assign", "head", "Құжаттармен танысу, жауапты орындаушыны белгілеу",
             "1 working day", 630, R[632], inputs="documents_complete:bool"),
    ])
    a_split, a_merge = _prepare_notification(m, "akim_", "2 working days", 634, 636, R[638])
    akim_tail = steps(m, [
        Step("Task_akim_provider_sign", "head", "Хабарламаға қол қою", "1 working day", 640, R[642]),
        Step("Task_akim_provider_send", "clerk", "Хабарламаны тіркеу, ауылдық округ әкіміне жолдау",
             "15 minutes", 644, R[646]),
        Step("Task_akim_issue", "akim", "Хабарламаны алушыға беру", "30 minutes", 648, R[650]),
    ])
    b.chain(akim[-1], a_split)
    b.chain(a_merge, akim_tail[0])
    b.chain(akim_tail[-1], m.end("akim", "EndEvent_akim_issued"))
    m.route(akim[0], "akim")

    # portal route (670-692): the provider's work is section 2's provider route
    channel(m, portal_channel(PORTAL_SOCIAL), register)
    return b


# ------------------------------------------------------------------------------ regulation 8

SC_HOME = ScText(
    intake=((782, "2 minutes"), (784, "1 minute"), (786, "2 minutes"), (788, "2 minutes"),
            (790, "1 minute"), (792, "1 minute"), (794, "1 minute")),
    result=((798, "1 minute"), (800, "1 minute"), (802, "1 minute"), (804, "2 minutes")),
)
PORTAL_HOME = PortalText(register=810, login=812, auth_check=814, auth_refusal=816, request=818,
                         signature_check=820, signature_refusal=822, send=824,
                         documents_check=826, documents_refusal=828, result=830)


def reg_home_schooling() -> ProcessBuilder:
    """8) Reimbursement of the cost of educating disabled children at home (720-862)."""
    m = _model(
        "mugedek_bala_uide_oqytu",
        "Мүгедек балаларды үйде оқытуға жұмсалған шығындарды өтеу",
        ["provider", "sc", "portal"], (720, 862),
        [CLERK_Q, HEAD, OFFICER, SC_OPERATOR, PORTAL, APPLICANT],
    )
    b = m.b
    nodes = steps(m, [
        Step("Task_register", "clerk", "Құжаттар топтамасын тіркеу, басшыға жолдау",
             "30 minutes", 748, R[750]),
        Step("Task_assign", "head", "Құжаттармен танысу, жауапты орындаушыны анықтау",
             "1 working day", 752, R[754]),
        Step("Task_prepare", "officer", "Құжаттарды қарау, хабарламаны дайындау",
             "8 working days", 756, R[758]),
        Step("Task_sign", "head", "Хабарламаға қол қою", "1 working day", 760, R[762]),
        Step("Task_issue", "clerk", "Хабарламаны тіркеу, алушыға беру", "15 minutes", 764, R[766]),
    ])
    register, issue = nodes[0], nodes[-1]
    issue_by_route(m, issue, "clerk", sc=SC_HOME, portal=PORTAL_HOME)
    m.route(register, "provider", first=True)
    channel(m, sc_channel(SC_HOME), register)
    channel(m, portal_channel(PORTAL_HOME), register)
    return b


# ------------------------------------------------------------------------------ regulation 9

PORTAL_LABOUR = PortalText(register=943, login=945, auth_check=947, auth_refusal=949,
                           request=951, signature_check=953, signature_refusal=955, send=957,
                           documents_check=959, documents_refusal=961)


def reg_foreign_labour() -> ProcessBuilder:
    """9) Permits for foreign workers and for employers to attract foreign labour (865-1002)."""
    m = _model(
        "shetel_jumys_kushi_ruqsat",
        "Шетелдік қызметкерге жұмысқа орналасуға және жұмыс берушілерге тиісті "
        "әкімшілік-аумақтық бірлік аумағында еңбек қызметін жүзеге асыру үшін шетелдік жұмыс "
        "күшін тартуға рұқсат беру және ұзарту",
        ["provider", "portal"], (865, 1002),
        [("clerk", "Кеңсе қызметкері"), HEAD, OFFICER, ("commission", "Комиссия"),
         ("applicant", "Көрсетілетін қызметті алушы (жұмыс беруші, шетелдік қызметкер)"),
         PORTAL],
    )
    b = m.b
    register, assign = steps(m, [
        Step("Task_register", "clerk",
             "Құжаттарды қабылдау, тіркеу, үзбелі талонды беру, басшыға жолдау", "20 minutes",
             897, inputs="applicant_type:str, request_type:str"),
        Step("Task_assign", "head", "Құжаттармен танысу, жауапты орындаушыны белгілеу",
             "20 minutes", 899),
    ])
    m.route(register, "provider", first=True)
    gw_kind = b.gateway(m.lane("officer"), "Жұмысқа орналасуға рұқсатты қайта ресімдеу ме?",
                        id="Gateway_reissue")
    reissue = m.task(Step("Task_reissue", "officer",
                          "Жұмысқа орналасуға рұқсатты қайта ресімдеу, нәтижені беру",
                          "3 working days", 903))
    review = m.task(Step("Task_review", "officer", "Құжаттарды қарау, комиссияға жолдау",
                         "5 working days", 905))
    b.chain(assign, gw_kind)
    b.flow(gw_kind, reissue, condition='applicant_type == "worker" and request_type == "reissue"',
           name="қайта ресімдеу")
    b.flow(gw_kind, review, default=True)
    end_issued = m.end("officer", "EndEvent_issued")
    b.chain(reissue, end_issued)

    gw_comm = b.gateway(m.lane("commission"), "Рұқсаттың түрі?", id="Gateway_commission")
    c_issue = m.task(Step("Task_commission_employer_issue", "commission",
                          "Жұмыс берушіге рұқсат беру туралы шешім қабылдау", "15 working days",
                          911, inputs="permit_granted:bool"))
    c_extend = m.task(Step("Task_commission_employer_extend", "commission",
                           "Жұмыс берушіге рұқсатты ұзарту, қайта ресімдеу туралы шешім",
                           "5 working days", 911, inputs="permit_granted:bool"))
    c_worker = m.task(Step("Task_commission_worker", "commission",
                           "Шетелдік қызметкерге рұқсат беру, ұзарту туралы шешім",
                           "5 working days", 915, inputs="permit_granted:bool"))
    comm_merge = b.gateway(m.lane("commission"), None, id="Gateway_commission_merge")
    b.chain(review, gw_comm)
    b.flow(gw_comm, c_issue, condition='applicant_type == "employer" and request_type == "issue"',
           name="беру")
    b.flow(gw_comm, c_extend, condition='applicant_type == "employer" and request_type != "issue"',
           name="ұзарту")
    b.flow(gw_comm, c_worker, default=True, name="қызметкер")
    for t in (c_issue, c_extend, c_worker):
        b.flow(t, comm_merge)

    notify = m.task(Step("Task_notify", "officer", "Комиссия шешімі туралы хабарламаны беру",
                         "3 working days", 917))
    gw_dec = b.gateway(m.lane("officer"), "Рұқсат берілді ме?", id="Gateway_decision")
    b.chain(comm_merge, notify, gw_dec)
    b.flow(gw_dec, m.end("officer", "EndEvent_refused", "refused"),
           condition="permit_granted == False", name="бас тарту")
    gw_guar = b.gateway(m.lane("officer"), "Рұқсат беру ме?", id="Gateway_guarantee")
    b.flow(gw_dec, gw_guar, default=True, name="иә")
    guarantee = m.task(Step("Task_guarantee", "applicant", "Кепілдік құжаттарды тапсыру",
                            "20 working days", 919))
    issue = m.task(Step("Task_issue_permit", "officer", "Рұқсатты беру (кепілдік құжаттардан кейін)",
                        "3 working days", 921))
    extension = m.task(Step("Task_issue_extension", "officer",
                            "Ұзартылған рұқсатты алушы өтініш білдірген кезде беру", None, 921))
    b.flow(gw_guar, guarantee, condition='request_type == "issue"', name="беру")
    b.flow(gw_guar, extension, default=True, name="ұзарту")
    b.chain(guarantee, issue, end_issued)
    b.chain(extension, end_issued)

    # portal route (941-969)
    ok = channel(m, portal_channel(PORTAL_LABOUR, role="officer",
                                   request_inputs="applicant_type:str, request_type:str"), None)
    accepted = m.service("portal", "Task_portal_accepted",
                         "6-процесс: сұраныстың қабылданғаны туралы мәртебе", "notify.cabinet",
                         None, 961)
    form = m.task(Step("Task_portal_form_result", "officer",
                       "7-процесс: нәтижені қалыптастыру, басшыға қол қоюға жолдау", None, 963))
    sign = m.task(Step("Task_portal_sign", "head", "8-процесс: нәтижеге ЭЦҚ қою", None, 965))
    gw_pg = b.gateway(m.lane("applicant"), "4-шарт: рұқсат беру ме?", id="Gateway_portal_guarantee")
    p_guar = m.task(Step("Task_portal_guarantee", "applicant",
                         "4-шарт: кепілдік құжаттардың электрондық көшірмелерін жалғау", None, 967))
    send = m.service("officer", "Task_portal_send_result",
                     "9-процесс: нәтижені алушының жеке кабинетіне жолдау", "notify.cabinet",
                     None, 969)
    b.flow(ok, accepted, default=True, name="иә")
    b.chain(accepted, form, sign, gw_pg)
    b.flow(gw_pg, p_guar, condition='request_type == "issue"', name="беру")
    b.flow(gw_pg, send, default=True, name="ұзарту")
    b.chain(p_guar, send, m.end("portal", "EndEvent_portal_issued"))
    return b


# ----------------------------------------------------------------------------- regulation 10

SC_ORALMAN = ScText(
    intake=((1093, "2 minutes"), (1095, "2 minutes"), (1097, "2 minutes"), (1099, "2 minutes"),
            (1101, "1 minute"), (1103, "2 minutes"), (1105, "2 minutes")),
    result=((1109, "1 minute"), (1111, "2 minutes"), (1113, "2 minutes"), (1115, "2 minutes")),
    proxy=False,
    result_name="оралман куәлігін",
)


def reg_oralman() -> ProcessBuilder:
    """10) Granting oralman (ethnic Kazakh returnee) status (1005-1126)."""
    m = _model(
        "oralman_martebesi",
        "Оралман мәртебесін беру",
        ["provider", "sc"], (1005, 1126),
        [CLERK_Q, HEAD, DEPT_HEAD, OFFICER, SC_OPERATOR],
    )
    b = m.b
    check = m.task(Step("Task_check_registry", "officer",
                        "\"Оралман\" деректер қорында басқа облыста тіркелуін тексеру, деректерді енгізу",
                        None, 1027, inputs="registered_elsewhere:bool"))
    gw = b.gateway(m.lane("officer"), "Басқа облыста тіркелген бе?", id="Gateway_registry")
    b.chain(check, gw)
    b.flow(gw, m.end("officer", "EndEvent_not_registered", "refused",
                     name="Өтініш тіркелмейді"),
           condition="registered_elsewhere == True", name="иә")
    nodes = steps(m, [
        Step("Task_register", "clerk", "Құжаттарды тіркеу журналына тіркеу, басшыға жолдау",
             "30 minutes", 1035, R[1037]),
        Step("Task_forward", "head", "Құжаттармен танысу, бөлім басшысына жолдау",
             "1 working day", 1039, R[1041]),
        Step("Task_assign", "dept_head", "Жауапты орындаушыны анықтау", "1 hour", 1043, R[1045]),
        Step("Task_prepare_decision", "officer", "Құжаттарды зерделеу, шешімді дайындау",
             "2 working days", 1047, R[1049]),
        Step("Task_agree_decision", "dept_head", "Шешімді келісу", "1 hour", 1051, R[1053]),
        Step("Task_sign_decision", "head", "Шешімге қол қою", "2 hours", 1055, R[1057]),
        Step("Task_fill_certificate", "officer", "Оралман куәлігін толтыру", "2 hours", 1059,
             R[1061]),
        Step("Task_agree_certificate", "dept_head", "Оралман куәлігін келісу", "1 hour", 1063,
             R[1065]),
        Step("Task_sign_certificate", "head", "Оралман куәлігіне қол қою", "1 working day", 1067,
             R[1069]),
        Step("Task_issue", "officer", "Куәлікті есепке алу журналына тіркеу, алушыға беру",
             "30 minutes", 1071, R[1073]),
    ])
    b.flow(gw, nodes[0], default=True, name="жоқ")
    issue_by_route(m, nodes[-1], "officer", sc=SC_ORALMAN)
    m.route(check, "provider", first=True)
    channel(m, sc_channel(SC_ORALMAN), check)
    return b


def build() -> list[ProcessBuilder]:
    """All ten regulations of seed 003, in the order of the resolution (lines 18-36)."""
    models = [
        reg_semey(),
        five_steps("protez_ortoped_komek",
                   "Мүгедектерге протездік-ортопедиялық көмек ұсыну үшін оларға құжаттарды ресімдеу",
                   (190, 258), 210),
        five_steps("surdo_tiflo_gigiena",
                   "Мүгедектерді сурдо-тифлотехникалық және міндетті гигиеналық құралдармен "
                   "қамтамасыз ету", (261, 329), 281),
        five_steps("jeke_komekshi_ymdau",
                   "Жүріп-тұруы қиын бірінші топтағы мүгедектерге жеке көмекшінің және есту "
                   "кемістігі бар мүгедектерге ымдау тілі маманының қызметтерін ұсыну үшін "
                   "мүгедектерге құжаттарды ресімдеу", (332, 403), 352),
        five_steps("kreslo_arba_beru", "Мүгедектерге кресло-арбалар беру", (406, 473), 426),
        five_steps("sanatoriy_kurort", "Мүгедектерді санаторий-курорттық емдеумен қамтамасыз ету",
                   (476, 553), 496),
        reg_social_aid(),
        reg_home_schooling(),
        reg_foreign_labour(),
        reg_oralman(),
    ]
    return [translate(b, NAMES_003) for b in models]
