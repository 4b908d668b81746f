"""The information systems a regulation's service tasks talk to, one interface per system.

A handler never talks to a system directly: it asks the adapter of that system, so that the same
handler runs against the local test data (:class:`LocalAdapters`, the demo and the tests) or
against the real system (an adapter set built by a factory named in the configuration, see
:mod:`regflow.handlers.config` and the README section "Handlers").

The systems, in the seeds' terms:

- ЖТ МДҚ (state database of individuals), reached through ЭҮШ: :class:`GbdflAdapter`;
- БНАЖ (notary information system), the power of attorney check: :class:`NotaryAdapter`;
- ЭЦҚ (digital signature) against the revoked-certificates list: :class:`SignatureAdapter`;
- ЭҮАШ АЖО (regional gateway's workstation) and other receiving systems (Е-Собес):
  :class:`GatewayAdapter`;
- the applicant's personal cabinet on the portal, or SMS: :class:`NotifyAdapter`;
- ЗТМО (pension payment centre), the payment order: :class:`PaymentAdapter`;
- the provider's own registers (dispensary observation, consent on file): :class:`RecordsAdapter`.

An adapter raises any exception when the system fails or does not answer; the runner turns that
into retries and, in the end, an incident. An adapter answers "not found" with ``None`` or a
status, never with an exception: a missing person is an answer, not a failure.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from regflow.errors import ConfigError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "local.json"


class SystemUnavailable(ConnectionError):
    """A system did not answer (the local adapters raise it for systems listed 'unavailable')."""


@dataclass(frozen=True)
class Person:
    iin: str
    name: str
    birth_date: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Attorney:
    """A power of attorney as БНАЖ knows it; ``status`` is valid, expired or mismatch."""

    attorney_id: str
    principal: str
    agent: str
    valid_until: date
    status: str


@dataclass(frozen=True)
class Certificate:
    """A signing certificate; ``status`` is valid, revoked, expired or not_found."""

    serial: str
    owner: str | None
    status: str


class GbdflAdapter(Protocol):
    def person(self, iin: str) -> Person | None:
        """The person with this IIN in ЖТ МДҚ, or None when ЖТ МДҚ has no record."""
        ...


class NotaryAdapter(Protocol):
    def power_of_attorney(self, attorney_id: str, on: date) -> Attorney | None:
        """The power of attorney registered in БНАЖ under this number, None if unknown."""
        ...


class SignatureAdapter(Protocol):
    def certificate(self, serial: str, on: date) -> Certificate:
        """The certificate's status on a day, checked against the revoked-certificates list."""
        ...


class GatewayAdapter(Protocol):
    def send(self, system: str, payload: dict[str, Any]) -> str:
        """Send a signed request to a receiving system (ЭҮАШ АЖО, Е-Собес); its number."""
        ...

    def register(self, request: str, payload: dict[str, Any]) -> str:
        """Register the electronic documents of a request in ЭҮАШ АЖО; the registration number."""
        ...


class NotifyAdapter(Protocol):
    def cabinet(self, iin: str, message: str) -> str:
        """Put a notice (status, refusal, result) into the applicant's personal cabinet."""
        ...

    def sms(self, phone: str, message: str) -> str:
        """Send an SMS; the message id."""
        ...


class PaymentAdapter(Protocol):
    def order(self, iin: str, payload: dict[str, Any]) -> str:
        """Send a payment order to ЗТМО; its number."""
        ...


class RecordsAdapter(Protocol):
    def refusal_grounds(self, iin: str) -> str | None:
        """Why the provider's register may not release the applicant's data, or None."""
        ...


@dataclass(frozen=True)
class Adapters:
    """The set of systems one deployment talks to; a factory returns one of these."""

    gbdfl: GbdflAdapter
    notary: NotaryAdapter
    signature: SignatureAdapter
    gateway: GatewayAdapter
    notify: NotifyAdapter
    payment: PaymentAdapter
    records: RecordsAdapter


def _number(prefix: str, *parts: Any) -> str:
    """A deterministic document number: the same request gets the same number on every run."""
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return f"{prefix}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:10].upper()}"


class _Local:
    def __init__(self, data: dict[str, Any], system: str) -> None:
        self._data = data
        self._system = system

    def _up(self) -> None:
        if self._system in self._data.get("unavailable", ()):
            raise SystemUnavailable(f"{self._system} does not answer (local fixture: unavailable)")


class LocalGbdfl(_Local):
    def person(self, iin: str) -> Person | None:
        self._up()
        found = self._data.get("persons", {}).get(iin)
        if found is None:
            return None
        return Person(iin=iin, name=found["name"], birth_date=found.get("birth_date"),
                      phone=found.get("phone"))


class LocalNotary(_Local):
    def power_of_attorney(self, attorney_id: str, on: date) -> Attorney | None:
        self._up()
        found = self._data.get("powers_of_attorney", {}).get(attorney_id)
        if found is None:
            return None
        until = date.fromisoformat(found["valid_until"])
        return Attorney(
            attorney_id=attorney_id,
            principal=found["principal"],
            agent=found["agent"],
            valid_until=until,
            status="valid" if on <= until else "expired",
        )


class LocalSignature(_Local):
    def certificate(self, serial: str, on: date) -> Certificate:
        self._up()
        found = self._data.get("certificates", {}).get(serial)
        if found is None:
            return Certificate(serial=serial, owner=None, status="not_found")
        if found.get("revoked"):
            status = "revoked"
        elif on > date.fromisoformat(found["valid_until"]):
            status = "expired"
        else:
            status = "valid"
        return Certificate(serial=serial, owner=found.get("owner"), status=status)


class LocalGateway(_Local):
    def send(self, system: str, payload: dict[str, Any]) -> str:
        self._up()
        return _number(system.upper(), payload)

    def register(self, request: str, payload: dict[str, Any]) -> str:
        self._up()
        return _number("REG", request, payload)


class LocalNotify(_Local):
    def cabinet(self, iin: str, message: str) -> str:
        self._up()
        return _number("CAB", iin, message)

    def sms(self, phone: str, message: str) -> str:
        self._up()
        return _number("SMS", phone, message)


class LocalPayment(_Local):
    def order(self, iin: str, payload: dict[str, Any]) -> str:
        self._up()
        return _number("ZTMO", iin, payload)


class LocalRecords(_Local):
    def refusal_grounds(self, iin: str) -> str | None:
        self._up()
        grounds = self._data.get("refusal_grounds", {}).get(iin)
        return str(grounds) if grounds else None


def read_fixtures(path: Path = FIXTURES) -> dict[str, Any]:
    """The fixture file, parsed once per version of the file (keyed by its mtime and size)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ConfigError(f"cannot read handler fixtures {path}: {exc.strerror}") from None
    return copy.deepcopy(_read_fixtures(path, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=16)
def _read_fixtures(path: Path, _mtime: int, _size: int) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read handler fixtures {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"handler fixtures {path}:{exc.lineno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"handler fixtures {path}: expected a JSON object")
    return data


def local_adapters(path: Path = FIXTURES) -> Adapters:
    """Deterministic adapters answering from the fixture file: the demo's and the tests' systems.

    Listing a system under ``"unavailable"`` (gbdfl, notary, signature, gateway, notify, payment,
    records) makes its adapter raise :class:`SystemUnavailable`, to rehearse an outage.

    Built once per version of the file and shared (the local adapters only read their data):
    every application step that runs the workflow asks for them.
    """
    try:
        stat = path.stat()
    except OSError:
        return _local_set(read_fixtures(path))  # read_fixtures says why it cannot be read
    return _cached_local_set(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _cached_local_set(path: Path, mtime: int, size: int) -> Adapters:
    return _local_set(_read_fixtures(path, mtime, size))


def _local_set(data: dict[str, Any]) -> Adapters:
    return Adapters(
        gbdfl=LocalGbdfl(data, "gbdfl"),
        notary=LocalNotary(data, "notary"),
        signature=LocalSignature(data, "signature"),
        gateway=LocalGateway(data, "gateway"),
        notify=LocalNotify(data, "notify"),
        payment=LocalPayment(data, "payment"),
        records=LocalRecords(data, "records"),
    )
