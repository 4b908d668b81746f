"""Turn a regulation read by :mod:`regflow.workflows.textread` into a draft BPMN model.

The draft follows docs/MODELLING.md and the shapes of the hand-made library (processes/NOTES.md,
"Seed 003"):

* lanes ``Lane_<role>`` for the participants of section 3, then the State Corporation operator,
  the portal and the applicant where the text has those routes;
* ``Gateway_route`` after the start: the provider route first (default), then ``route == "akim"``,
  ``"sc"``, ``"portal"``;
* one user task per numbered step (``norm``, ``source`` = file:line, the result as
  documentation); a step with norms by the kind of request becomes a gateway on ``case_<N>``
  (a ``str`` input of the step before: "1", "2", ...; the first case is the default) before one
  task per case; a conditional norm ("... жағдайларда – 20 жұмыс күн") a gateway on
  ``condition_<N>`` (``bool``: ``True`` = the condition holds) before two tasks;
* ХҚО / portal "N-процесс" items as tasks (service tasks where no person acts), "N-шарт" checks
  as a task declaring ``<route>_check_<N>:bool`` and a gateway whose ``== False`` branch runs the
  refusal items and ends with ``outcome = refused``; after the checks the request joins the
  provider's steps unless the section describes the provider's work itself, and the hand-back
  ("нәтижесін ... алуы") follows the provider's last step through ``Gateway_issue_route``.

The layout (DI) is the builder's.
"""

from __future__ import annotations

import re

from regflow.workflows.builder import Lane, Node, ProcessBuilder
from regflow.workflows.textread import DraftItem, DraftRegulation, DraftStep, TextWarning

__all__ = ["ROLE_NAMES", "build_draft", "item_role"]

ROLE_NAMES = {
    "clerk": "Кеңсе қызметкері",
    "head": "Көрсетілетін қызметті берушінің басшысы",
    "officer": "Көрсетілетін қызметті берушінің жауапты орындаушысы",
    "dept_head": "Бөлім басшысы",
    "commission": "Комиссия",
    "akim_specialist": "Ауылдық округ әкімі аппаратының маманы",
    "akim": "Ауылдық округ әкімі",
    "akim_officer": "Ауылдық округ әкімі аппаратының жауапты орындаушысы",
    "sc_operator": "ХҚО қызметкері",
    "sc_storage": "ХҚО жинақтаушы бөлімі",
    "portal": "Портал",
    "applicant": "Көрсетілетін қызметті алушы",
    "social_worker": "Әлеуметтік қызметкер",
    "pension_centre": "ЗТМО",
}
ROUTE_LABELS = {
    "provider": "көрсетілетін қызметті беруші",
    "akim": "ауылдық округ әкімі",
    "sc": "ХҚО",
    "portal": "портал",
}
PERSON_ROLES = frozenset(ROLE_NAMES) - {"portal"}
# what the built-in check handlers answer (handlers/builtin.py)
_CHECK_OUTPUTS = {
    "gbdfl.check": "data_found",
    "portal.authorize": "auth_valid",
    "signature.verify": "signature_valid",
}


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split()).strip(" ;:,.")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def item_role(item: DraftItem) -> tuple[str, bool]:
    """(lane role, is a person's step) of a ХҚО / portal item."""
    t = item.text
    provider = re.match(
        r"^(?:\S+\s+){0,6}?көрсетілетін\s+қызметті\s+берушінің\s+"
        r"(жауапты\s+орындаушысы|басшысы|кеңсе)", t)
    if provider:
        word = provider.group(1)
        role = "officer" if word.startswith("жауапты") else (
            "head" if word == "басшысы" else "clerk")
        return role, True
    if item.section == "sc_intake" and not item.tag:
        return "sc_operator", True
    if re.search(r"қызметкері\s|қызметкерінің\s+(?!электрондық|ЭЦҚ)", t) and \
            item.section.startswith("sc"):
        return "sc_operator", True
    if item.is_check and re.search(r"көрсетілетін\s+қызметті\s+беруші(?:нің)?\s", t):
        return "clerk", True
    applicant = re.match(r"^(?:\S+\s+){0,2}?көрсетілетін\s+қызметті\s+алушы\s", t) or (
        re.search(r"алушы", t) and re.search(r"енгізуі|енгізеді", t))
    if applicant and not item.is_handback and not item.is_refusal and (
        not item.is_check
    ):
        return "applicant", True
    default = {"sc_intake": "sc_operator", "sc_result": "clerk", "portal": "portal"}
    return default[item.section], False


class _Draft:
    def __init__(self, reg: DraftRegulation, filename: str, key: str) -> None:
        self.reg = reg
        self.file = filename
        self.warnings: list[TextWarning] = []
        routes = reg.routes
        props: dict[str, str] = {
            "routes": ", ".join(routes),
            "schedule": "akimat",
            "source": f"{filename}:{reg.start_line}-{reg.end_line}",
            "draft": f"imported from {filename}, regulation {reg.number}",
        }
        for route, (norm, line) in reg.deadlines.items():
            props["deadline" if not route else f"deadline.{route}"] = str(norm)
            props.setdefault("deadline_source", f"{filename}:{line}")
        self.b = ProcessBuilder(key=key, name=reg.title, properties=props)
        self.lanes: dict[str, Lane] = {}
        names = {p.role: p.name for p in reg.participants}
        order = [p.role for p in reg.participants]
        for s in reg.steps:
            if s.role and s.role not in order:
                order.append(s.role)
        if "sc" in routes:
            order += ["sc_operator"]
        if "portal" in routes:
            order += ["applicant", "portal"]
        for role in order:
            if role not in self.lanes:
                self.lanes[role] = self.b.lane(role, names.get(role) or ROLE_NAMES[role])
        first = self.lanes[order[0]] if order else self.b.lane("clerk", ROLE_NAMES["clerk"])
        self.start = self.b.start(first, "Өтініш берілді", id="StartEvent_application")
        self.route_gw = self.b.gateway(first, "Жүгіну тәсілі?", id="Gateway_route")
        self.b.flow(self.start, self.route_gw, id="Flow_start_route")
        self.process_inputs: list[str] = []

    # ----------------------------------------------------------------------------- helpers
    def lane(self, role: str | None) -> Lane:
        if role is None or role not in self.lanes:
            role = role or "officer"
            self.lanes[role] = self.b.lane(role, ROLE_NAMES.get(role, role))
        return self.lanes[role]

    def src(self, line: int) -> str:
        return f"{self.file}:{line}"

    @staticmethod
    def declare(nodes: list[Node], prop: str, decl: str) -> None:
        for n in nodes:
            old = n.properties.get(prop)
            n.properties[prop] = f"{old}, {decl}" if old else decl

    def declare_before(self, before: list[Node], decl: str) -> None:
        """The decision ``decl`` is an input of the tasks before (or given at filing)."""
        tasks: list[Node] = []
        todo, seen = list(before), set()
        while todo:  # through merge and refusal gateways back to the tasks that decide
            n = todo.pop()
            if id(n) in seen:
                continue
            seen.add(id(n))
            if n.kind == "userTask":
                tasks.append(n)
            elif n.kind == "exclusiveGateway" and n is not self.route_gw:
                todo += [f.source for f in n.incoming]
        if tasks and all(t.kind == "userTask" for t in tasks):
            self.declare(tasks, "inputs", decl)
        else:
            self.process_inputs.append(decl)

    def end(self, role: str | None, outcome: str, ident: str, name: str | None = None) -> Node:
        label = name or ("Дәлелді бас тарту" if outcome == "refused" else "Нәтиже берілді")
        return self.b.end(self.lane(role), label, outcome=outcome, id=ident)

    def connect(self, a: Node, c: Node) -> None:
        """A flow; from a gateway still without a default flow it is the default ("иә")."""
        if a.kind == "exclusiveGateway" and a.default is None and a.outgoing:
            self.b.flow(a, c, default=True, name="жоқ")
        else:
            self.b.flow(a, c)

    def route_flow(self, target: Node, route: str) -> None:
        if route == "provider":
            self.b.flow(self.route_gw, target, default=True, name=ROUTE_LABELS[route],
                        id=f"Flow_route_{route}")
        else:
            self.b.flow(self.route_gw, target, condition=f'route == "{route}"',
                        name=ROUTE_LABELS[route], id=f"Flow_route_{route}")

    # ------------------------------------------------------------------------------- steps
    def step(self, s: DraftStep, prefix: str, before: list[Node]) -> tuple[Node, list[Node]]:
        """The nodes of one numbered step: (entry node, exit tasks)."""
        lane = self.lane(s.role)
        base = f"Task_{prefix}{s.number}"
        name = f"{s.number}) {_short(s.action or s.actor, 80)}"
        props = {"paragraph": f"2. {s.number})"}
        if s.cases:
            var = f"{prefix}case_{s.number}"
            self.declare_before(before, f"{var}:str")
            split = self.b.gateway(lane, f"{s.number}): қай жағдай?", id=f"Gateway_{var}")
            merge = self.b.gateway(lane, None, id=f"Gateway_{var}_merge")
            for k, c in enumerate(s.cases, start=1):
                t = self.b.user_task(
                    lane, f"{s.number}) {_short(c.label, 80)}",
                    norm=str(c.norm) if c.norm else None,
                    source=self.src(c.line), result=s.result, id=f"{base}_case{k}",
                    properties=props,
                )
                if k == 1:
                    self.b.flow(split, t, default=True, name=_short(c.label, 30))
                else:
                    self.b.flow(split, t, condition=f'{var} == "{k}"', name=_short(c.label, 30))
                self.b.flow(t, merge)
            return split, [merge]
        main = self.b.user_task(
            lane, name, norm=str(s.norm) if s.norm else None, source=self.src(s.line),
            result=s.result, id=base, properties=props,
        )
        entry, exits = main, [main]
        if s.conditions:
            var = f"{prefix}condition_{s.number}"
            self.declare_before(before, f"{var}:bool")
            split = self.b.gateway(lane, f"{s.number}): ерекше жағдай ма?", id=f"Gateway_{var}")
            merge = self.b.gateway(lane, None, id=f"Gateway_{var}_merge")
            self.b.flow(split, main, default=True, name="жоқ")
            self.b.flow(main, merge)
            for k, c in enumerate(s.conditions, start=1):
                t = self.b.user_task(
                    lane, f"{s.number}) {_short(c.label, 80)}",
                    norm=str(c.norm) if c.norm else None,
                    source=self.src(c.line), result=s.result, id=f"{base}_if{k}",
                    properties=props,
                )
                cond = f"{var} == True" if len(s.conditions) == 1 else f'{var} == "{k}"'
                self.b.flow(split, t, condition=cond, name=_short(c.label, 30))
                self.b.flow(t, merge)
            entry, exits = split, [merge]
        if s.refusal:
            var = f"{prefix}refusal_{s.number}"
            self.declare(
                [n for n in (exits if not s.conditions else []) if n.kind == "userTask"]
                or [main], "inputs", f"{var}:bool",
            )
            gw = self.b.gateway(lane, _short(s.refusal, 40) + "?", id=f"Gateway_{var}")
            for e in exits:
                self.b.flow(e, gw)
            self.b.flow(gw, self.end(s.role, "refused", f"EndEvent_{var}",
                                     _short(s.refusal, 60)),
                        condition=f"{var} == True", name="иә")
            exits = [gw]
        return entry, exits

    def route_steps(self, steps: list[DraftStep], prefix: str) -> tuple[Node, list[Node]]:
        entry: Node | None = None
        before: list[Node] = []
        for s in steps:
            first, exits = self.step(s, prefix, before)
            if entry is None:
                entry = first
            for n in before:
                self.connect(n, first)
            before = exits
        assert entry is not None
        return entry, before

    # ------------------------------------------------------------------------------- items
    def item_role(self, item: DraftItem) -> tuple[str, bool]:
        return item_role(item)

    @staticmethod
    def handler(item: DraftItem) -> str | None:
        """The registered handler (handlers/builtin.py) a system item names, if one fits."""
        t = item.text
        if item.is_check:
            if re.search(r"ЖТ\s+МДҚ", t):
                return "gbdfl.check"
            if re.search(r"ЭЦҚ", t):
                return "signature.verify"
            if re.search(r"ЖСН|пароль|авториз", t, re.I):
                return "portal.authorize"
            return None
        if item.is_refusal:
            if item.section == "portal":
                return "notify.cabinet"
            return "notify.no_data" if re.search(r"жоқтығы|болмауына", t) else "notify.refusal"
        if item.is_handback:
            return "notify.cabinet"
        if re.search(r"сұрау\s+жолда|ЖТ\s+МДҚ", t):
            return "gbdfl.lookup"
        if re.search(r"тіркеу", t) and re.search(r"ЭҮАШ", t):
            return "egov.register"
        if re.search(r"жолда|ЭҮАШ", t):
            return "egov.send"
        if re.search(r"қабылданғаны", t):
            return "portal.accept"
        return None

    def check_var(self, item: DraftItem, person: bool) -> str:
        """What a check sets: the handler's answer for a system check, else a person's input."""
        if not person:
            return _CHECK_OUTPUTS[self.handler(item) or ""]
        return f"{'portal' if item.section == 'portal' else 'sc'}_check_{item.tag_number}"

    def item(self, item: DraftItem, ident: str) -> Node:
        role, person = self.item_role(item)
        handler = None if person else self.handler(item)
        if not person and handler is None:
            person = True
            self.warnings.append(TextWarning(
                item.line, f"{item.label}: no handler fits this system step; drawn as a person's "
                f"task in lane {role}"))
        name = f"{item.label}: {_short(item.text, 80)}"
        props = {"paragraph": f"4. {item.position})"}
        norm = str(item.norm) if item.norm else None
        if person:
            node = self.b.user_task(self.lane(role), name, norm=norm, source=self.src(item.line),
                                    id=ident, properties=props)
        else:
            node = self.b.service_task(self.lane(role), name, handler=handler or "",
                                       norm=norm, source=self.src(item.line), id=ident,
                                       properties=props)
        if item.is_check:
            var = self.check_var(item, person)
            self.declare([node], "inputs" if person else "outputs", f"{var}:bool")
        return node

    def items(self, items: list[DraftItem], route: str, join: Node | None,
              handback: list[DraftItem]) -> tuple[Node, list[Node], bool]:
        """Chain ХҚО / portal items; returns (entry, exits, joined provider route)."""
        entry: Node | None = None
        before: list[Node] = []
        last_check = max((i for i, it in enumerate(items) if it.is_check), default=-1)
        own_work = any(
            self.item_role(it)[0] in {"officer", "head", "dept_head"}
            for it in items[last_check + 1 :]
            if not it.is_refusal and not it.is_handback
        )

        def link(node: Node) -> None:
            nonlocal entry, before
            if entry is None:
                entry = node
            for n in before:
                if n.kind == "exclusiveGateway" and n.default is None:
                    self.b.flow(n, node, default=True, name="иә")
                else:
                    self.b.flow(n, node)
            before = [node]

        k = 0
        while k < len(items):
            it = items[k]
            ident = f"Task_{route}_{it.section.removeprefix('sc_')}_{it.position}".replace(
                "Task_portal_portal", "Task_portal")
            if it.is_handback and not own_work:
                k += 1
                continue
            node = self.item(it, ident)
            link(node)
            if not it.is_check:
                k += 1
                continue
            var = self.check_var(it, node.kind == "userTask")
            gw = self.b.gateway(node.lane, f"{it.label}: расталды ма?",
                                id=f"Gateway_{route}_check_{it.tag_number}")
            self.b.flow(node, gw)
            before = []
            refusals = []
            j = k + 1
            while j < len(items) and items[j].is_refusal:
                refusals.append(items[j])
                j += 1
            prev: Node = gw
            first_ref = True
            for r in refusals:
                rn = self.item(r, f"Task_{route}_{r.section.removeprefix('sc_')}_{r.position}"
                               .replace("Task_portal_portal", "Task_portal"))
                if first_ref:
                    self.b.flow(gw, rn, condition=f"{var} == False", name="жоқ")
                    first_ref = False
                else:
                    self.b.flow(prev, rn)
                prev = rn
            # the hand-back that also delivers a refusal ("хабарламаны немесе бас тарту туралы
            # дәлелді жауапты алуы") ends the refusal branches of its own section
            for h in [
                h for h in handback
                if refusals and not own_work and h.section == it.section
                and re.search(r"бас\s+тарту", h.text)
            ]:
                hn = self.item(h, f"Task_{route}_handback_{h.position}_refused_{it.tag_number}")
                self.b.flow(prev, hn)
                prev = hn
            end_role = prev.lane.role if prev is not gw else node.lane.role
            end = self.end(end_role, "refused", f"EndEvent_{route}_check_{it.tag_number}_refused")
            if prev is gw:
                self.b.flow(gw, end, condition=f"{var} == False", name="жоқ")
            else:
                self.b.flow(prev, end)
            if not refusals:
                self.warnings.append(TextWarning(
                    it.line, f"{it.label}: no refusal item follows the check; the refusal ends "
                    "at once"))
            before = [gw]
            accepted = [r for r in refusals if r.also_accepts]
            for r in accepted:  # "бас тарту ... не ... қабылданғаны туралы мәртебесі"
                an = self.item(r, f"Task_{route}_{r.section.removeprefix('sc_')}_{r.position}"
                               "_accepted")
                self.b.flow(gw, an, default=True, name="иә")
                before = [an]
            k = j
        joined = False
        if not own_work and join is not None:
            for n in before:
                if n.kind == "exclusiveGateway" and n.default is None:
                    self.b.flow(n, join, default=True, name="иә")
                else:
                    self.b.flow(n, join)
            before = []
            joined = True
        assert entry is not None
        # a gateway left open gets its default flow from the caller
        return entry, before, joined


def build_draft(reg: DraftRegulation, filename: str, key: str) -> tuple[ProcessBuilder,
                                                                         list[TextWarning]]:
    """The draft model of ``reg`` (its key ``key``) and the warnings drawing it raised."""
    d = _Draft(reg, filename, key)
    b = d.b
    provider = reg.route_steps("provider")
    if not provider:
        raise ValueError("the regulation has no steps")
    p_entry, p_exits = d.route_steps(provider, "")
    d.route_flow(p_entry, "provider")
    last_role = provider[-1].role

    handbacks = {
        "sc": [i for i in reg.section("sc_result") if i.is_handback],
        "portal": [i for i in reg.section("portal") if i.is_handback],
    }
    issue_targets: list[tuple[str, list[DraftItem]]] = []
    if reg.route_steps("akim"):
        a_entry, a_exits = d.route_steps(reg.route_steps("akim"), "akim_")
        d.route_flow(a_entry, "akim")
        end = d.end(reg.route_steps("akim")[-1].role, "issued", "EndEvent_akim_issued")
        for n in a_exits:
            d.connect(n, end)
    if "sc" in reg.routes:
        items = reg.section("sc_intake") + reg.section("sc_result")
        entry, exits, joined = d.items(items, "sc", p_entry, handbacks["sc"])
        d.route_flow(entry, "sc")
        if joined:
            issue_targets.append(("sc", handbacks["sc"]))
        else:
            _close(d, exits, "sc")
    if "portal" in reg.routes:
        entry, exits, joined = d.items(reg.section("portal"), "portal", p_entry,
                                       handbacks["portal"])
        d.route_flow(entry, "portal")
        if joined:
            issue_targets.append(("portal", handbacks["portal"]))
        else:
            _close(d, exits, "portal")
    issue_targets = [(r, h) for r, h in issue_targets if h]
    end_issued = d.end(last_role, "issued", "EndEvent_issued")
    if issue_targets:
        gw = b.gateway(d.lane(last_role), "Нәтижені беру тәсілі?", id="Gateway_issue_route")
        for n in p_exits:
            d.connect(n, gw)
        b.flow(gw, end_issued, default=True)
        for route, hs in issue_targets:
            prev: Node = gw
            for k, h in enumerate(hs):
                hn = d.item(h, f"Task_{route}_handback_{h.position}")
                if k == 0:
                    b.flow(gw, hn, condition=f'route == "{route}"', name=ROUTE_LABELS[route])
                else:
                    b.flow(prev, hn)
                prev = hn
            b.flow(prev, d.end(prev.lane.role, "issued", f"EndEvent_{route}_issued"))
    else:
        for n in p_exits:
            d.connect(n, end_issued)
    if d.process_inputs:
        b.properties["inputs"] = ", ".join(d.process_inputs)
    return b, d.warnings


def _close(d: _Draft, exits: list[Node], route: str) -> None:
    end = d.end(exits[0].lane.role if exits else None, "issued", f"EndEvent_{route}_issued")
    for n in exits:
        if n.kind == "exclusiveGateway" and n.default is None:
            d.b.flow(n, end, default=True, name="иә")
        else:
            d.b.flow(n, end)
