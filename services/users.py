"""People, roles and organisations: who may claim, complete, file, deploy and delegate.

Why a separate module: services/applications.py only calls :func:`authorize_step` and
:func:`filing_org`; the rules live here.

- **Open mode.** While the ``users`` table is empty, any ``--user`` may act (the demo, the
  tutorials and a single-clerk installation work without set-up). The first ``regflow users
  add`` switches every check on.
- **Lanes are roles.** A step's lane (``StepRecord.role``) names the role that works it: the
  user must hold it (a user may hold several). A head's delegation lets the named delegate work
  that one task without the role.
- **Organisations.** An application belongs to the provider's organisation (``applications.org``:
  ``regflow start --org``, else the filer's own). Lanes of the rural akim (roles ``akim*``) run in
  the akim's office named at filing (``--set akim_org=...``), lanes of the State Corporation
  (roles ``sc*``) in its branch (``--set sc_org=...``); without that value they fall back to the
  provider's organisation. Applications filed in open mode have no organisation: no org check.
- **Auditors** (role ``auditor``) read everything and change nothing: refused on claim,
  complete, start, deploy and delegate, whatever other roles they hold.
- **User administration**: once a user with role ``admin`` exists, only an admin may add or
  disable users; before that (bootstrap) anybody with access to the database may.

Identity itself (that ``--user aigul`` really is Aigul) is not proven here: it belongs to the
deployment (the OS account running regflow, the PostgreSQL login role; see README).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from regflow.errors import NotFound, PermissionDenied, StateError, UsageError
from regflow.i18n import N_, _
from regflow.services.context import Context
from regflow.services.events import record as record_event
from regflow.services.formatting import label
from regflow.store.db import Tx
from regflow.store.models import (
    OPEN_STEP_STATUSES,
    Application,
    Delegation,
    StepRecord,
    StepStatus,
    User,
)
from regflow.store.prepared import Prepared
from regflow.store.records import ApplicationRow, StepRow, is_open_mode

AUDITOR = "auditor"
ADMIN = "admin"
HEAD = "head"
_NAME = re.compile(r"^[\w.@-]{1,200}$")
# what a person was about to do, as the permission messages name it (translated when shown)
_ACTIONS = (N_("claim"), N_("complete"), N_("deploy"), N_("delegate"), N_("work tasks"),
            N_("file applications"), N_("a user name"))


@dataclass(frozen=True)
class UserInfo:
    name: str
    roles: list[str]
    org: str
    active: bool
    created_at: datetime


def _info(u: User) -> UserInfo:
    return UserInfo(u.name, list(u.roles), u.org, u.active, u.created_at)


def open_mode(where: Session | Tx) -> bool:
    """True while nobody is registered: every check below lets anyone through."""
    return is_open_mode(Tx.of(where).connection)


# A claim or completion checks the person, a delegation and the application's organisation on
# every call once users exist: plain statements on the caller's connection (store/prepared.py),
# no ORM session.
_PERSON = Prepared(
    select(User.name, User.roles, User.org, User.active, User.created_at)
    .where(User.name == bindparam("name"))
)
_DELEGATE = Prepared(
    select(Delegation.delegate)
    .where(Delegation.step_record_id == bindparam("step_record_id"))
    .order_by(Delegation.id.desc())
    .limit(1)
)
_OWNER = Prepared(
    select(Application.data, Application.org).where(Application.id == bindparam("id"))
)


@dataclass(frozen=True, slots=True)
class _Owner:
    """The application's organisation data, for :func:`lane_org`."""

    data: dict[str, Any]
    org: str | None


def _user(where: Session | Tx, name: str) -> UserInfo:
    found = _PERSON.run(Tx.of(where).connection, {"name": name}).first()
    if found is None:
        raise PermissionDenied(
            _("unknown user '{name}' (see 'regflow users list')").format(name=name)
        )
    person = UserInfo(found[0], list(found[1] or []), found[2], bool(found[3]), found[4])
    if not person.active:
        raise PermissionDenied(_("user '{name}' is disabled").format(name=name))
    return person


def _not_auditor(user: UserInfo, action: str) -> None:
    if AUDITOR in user.roles:
        raise PermissionDenied(
            _("'{name}' is an auditor: auditors read, they do not {action}").format(
                name=user.name, action=_(action)
            )
        )


def _clean(value: str, what: str) -> str:
    value = (value or "").strip()
    if not _NAME.match(value):
        raise UsageError(
            _("{what} must be 1–200 letters, digits or . _ @ - (no spaces), got {value}").format(
                what=_(what), value=repr(value[:40])
            )
        )
    return value


def lane_org(app: Application | ApplicationRow | _Owner, role: str | None) -> str | None:
    """The organisation that works ``role``'s lane of ``app`` (see the module docstring)."""
    role = (role or "").lower()
    data = app.data or {}
    for family in ("akim", "sc"):
        if role == family or role.startswith(family + "_") or (
            family == "akim" and role.startswith("akim")
        ):
            override = data.get(f"{family}_org")
            if isinstance(override, str) and override.strip():
                return override.strip()
    return app.org


def _delegate_of(where: Session | Tx, step_record_id: int) -> str | None:
    found = _DELEGATE.run(Tx.of(where).connection, {"step_record_id": step_record_id}).scalar()
    return str(found) if found is not None else None


def authorize_step(
    where: Session | Tx,
    row: StepRecord | StepRow,
    user: str,
    action: str,
    *,
    is_open: bool | None = None,
    app: ApplicationRow | None = None,
) -> None:
    """May ``user`` ``action`` (claim/complete) task ``row``? Raises PermissionDenied if not.

    ``is_open``: :func:`open_mode` as the caller read it in this transaction, if it did;
    ``app``: the step's application, if the caller has read it already."""
    if open_mode(where) if is_open is None else is_open:
        return
    person = _user(where, user)
    _not_auditor(person, action)
    delegated = _delegate_of(where, row.id) == user
    if row.role and row.role not in person.roles and not delegated:
        raise PermissionDenied(
            _("task {id} belongs to lane '{role}'; {user} holds {roles}").format(
                id=row.id, role=row.role, user=user, roles=", ".join(person.roles) or _("no role")
            )
        )
    owner: ApplicationRow | _Owner | None = app
    if owner is None:
        found = _OWNER.run(Tx.of(where).connection, {"id": row.application_id}).first()
        owner = _Owner(found[0] or {}, found[1]) if found is not None else None
    org = lane_org(owner, row.role) if owner is not None else None
    if org is not None and person.org != org:
        raise PermissionDenied(
            _("task {id} is worked in organisation '{org}'; {user} belongs to '{own}'").format(
                id=row.id, org=org, user=user, own=person.org
            )
        )


def filing_org(
    session: Session | Tx, actor: str | None, org: str | None, *, is_open: bool | None = None
) -> str | None:
    """Check that ``actor`` may file an application; return the application's organisation.
    ``is_open``: whether regflow runs in open mode, if the caller has read it in this
    transaction (the filing's one read, store/records.py)."""
    org = _clean(org, "--org") if org else None
    if open_mode(session) if is_open is None else is_open:
        return org
    if not actor:
        raise PermissionDenied(_("say who files the application: --user NAME or REGFLOW_USER"))
    person = _user(session, actor)
    _not_auditor(person, "file applications")
    if org and org != person.org and ADMIN not in person.roles:
        raise PermissionDenied(
            _("{user} belongs to '{own}' and cannot file for '{org}'").format(
                user=actor, own=person.org, org=org
            )
        )
    return org or person.org


def authorize_change(session: Session, actor: str | None, action: str) -> None:
    """A change that is not tied to one task (deploying a model): any active non-auditor."""
    if open_mode(session):
        return
    if not actor:
        raise PermissionDenied(
            _("say who you are to {action}: --user NAME or REGFLOW_USER").format(action=_(action))
        )
    _not_auditor(_user(session, actor), action)


def _authorize_admin(session: Session, actor: str | None) -> None:
    has_admin = any(ADMIN in (u.roles or []) for u in session.scalars(select(User)))
    if not has_admin:
        return
    if not actor:
        raise PermissionDenied(_("only an admin manages users: --user NAME or REGFLOW_USER"))
    person = _user(session, actor)
    if ADMIN not in person.roles:
        raise PermissionDenied(
            _("only an admin manages users; {user} is not one").format(user=actor)
        )


def add_user(
    ctx: Context, name: str, roles: list[str], org: str, *, actor: str | None = None
) -> UserInfo:
    """Register a person; the first one switches regflow out of open mode."""
    name = _clean(name, "a user name")
    org = _clean(org, "--org")
    if not roles:
        raise UsageError(_("give at least one --role (clerk, head, officer, auditor, ...)"))
    clean_roles = sorted({_clean(r, "--role").lower() for r in roles})
    now = ctx.now()
    with ctx.transaction() as session:
        _authorize_admin(session, actor)
        if session.scalars(select(User).where(User.name == name)).first() is not None:
            raise StateError(_("user '{name}' already exists").format(name=name))
        user = User(name=name, roles=clean_roles, org=org, active=True, created_at=now)
        session.add(user)
        session.flush()
        record_event(
            session, now, "user_added", actor, user=name,
            change=(None, {"roles": clean_roles, "org": org, "active": True}),
        )
        return _info(user)


def disable_user(ctx: Context, name: str, *, actor: str | None = None) -> UserInfo:
    """A disabled user keeps their history but may no longer act."""
    now = ctx.now()
    with ctx.transaction() as session:
        _authorize_admin(session, actor)
        user = session.scalars(select(User).where(User.name == name)).first()
        if user is None:
            raise NotFound(_("no user '{name}' (see 'regflow users list')").format(name=name))
        if user.active:
            user.active = False
            record_event(
                session, now, "user_disabled", actor, user=name,
                change=({"active": True}, {"active": False}),
            )
        return _info(user)


def list_users(ctx: Context) -> list[UserInfo]:
    with ctx.transaction() as session:
        return [_info(u) for u in session.scalars(select(User).order_by(User.name))]


@dataclass(frozen=True)
class Delegated:
    step_record_id: int
    delegate: str
    delegated_by: str


def delegate(ctx: Context, step_record_id: int, to: str, user: str) -> Delegated:
    """A head hands an open task of their lane to a named officer, who then holds its claim."""
    user = (user or "").strip()
    to = (to or "").strip()
    if not user:
        raise UsageError(_("say who delegates: --user NAME or REGFLOW_USER"))
    if not to:
        raise UsageError(_("say to whom: --to NAME"))
    now = ctx.now()
    with ctx.transaction() as session:
        row = session.get(StepRecord, step_record_id, with_for_update=True)
        if row is None:
            raise NotFound(_("no task {id} (see 'regflow tasks')").format(id=step_record_id))
        if row.status not in OPEN_STEP_STATUSES:
            raise StateError(
                _("task {id} is {status}; only open tasks can be delegated").format(
                    id=row.id, status=label(row.status)
                )
            )
        if row.status == StepStatus.CLAIMED.value and row.claimed_by not in (user, to):
            raise StateError(
                _("task {id} is claimed by {user}").format(id=row.id, user=row.claimed_by)
            )
        if not open_mode(session):
            head = _user(session, user)
            _not_auditor(head, "delegate")
            if HEAD not in head.roles:
                raise PermissionDenied(
                    _("only a head delegates tasks; {user} is not one").format(user=user)
                )
            app = session.get(Application, row.application_id)
            org = lane_org(app, row.role) if app is not None else None
            officer = _user(session, to)
            _not_auditor(officer, "work tasks")
            for who in (head, officer):
                if org is not None and who.org != org:
                    raise PermissionDenied(
                        _("task {id} is worked in organisation '{org}'; {user} belongs to "
                          "'{own}'").format(id=row.id, org=org, user=who.name, own=who.org)
                    )
        session.add(Delegation(step_record_id=row.id, delegated_by=user, delegate=to, at=now))
        row.status = StepStatus.CLAIMED.value
        row.claimed_by = to
        row.claimed_at = now
        record_event(
            session, now, "step_delegated", user, application_id=row.application_id,
            step_record_id=row.id, step=row.step_id, to=to,
        )
        return Delegated(row.id, to, user)


def deploy_as(ctx: Context, paths: list[Any], user: str | None) -> list[Any]:
    """Deploy after checking that ``user`` may change the library; the event names them."""
    from regflow.services.processes import deploy
    from regflow.store.audit import acting_as

    with ctx.transaction() as session:
        authorize_change(session, user, "deploy")
    with acting_as((user or "").strip() or None):
        return deploy(ctx, paths)
