"""The local adapters and the handlers on them: deterministic answers from fixtures/local.json,
including the cases that must fail (an IIN not in ЖТ МДҚ, an expired power of attorney, a
revoked certificate)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from regflow.handlers import builtin
from regflow.handlers.adapters import SystemUnavailable, local_adapters, read_fixtures
from regflow.handlers.registry import Systems

TODAY = date(2016, 2, 1)  # inside the seed regulations' period in force (2015-11-06..2016-05-30)


@pytest.fixture
def systems() -> Systems:
    return Systems(local_adapters(), TODAY)


def test_gbdfl_knows_the_fixture_persons_and_not_the_others(systems: Systems) -> None:
    data = read_fixtures()
    for iin in data["persons"]:
        assert systems.adapters.gbdfl.person(iin) is not None
    for iin in data["not_found_iins"]:
        assert systems.adapters.gbdfl.person(iin) is None


@pytest.mark.parametrize(
    ("iin", "attorney_id", "status", "found"),
    [
        ("660312350987", "БНАЖ-2026-0001", "valid", True),
        ("770630300789", "БНАЖ-2024-0417", "expired", False),  # ended 2015-10-31
        ("850101300123", "БНАЖ-2026-0001", "mismatch", False),  # someone else's principal
        ("850101300123", "БНАЖ-0000-0000", "not_found", False),
        ("850101300123", None, None, True),
        ("010101000000", None, None, False),  # not in ЖТ МДҚ
    ],
)
def test_gbdfl_check_needs_the_person_and_a_valid_power_of_attorney(
    systems: Systems, iin: str, attorney_id: str | None, status: str | None, found: bool
) -> None:
    data: dict[str, Any] = {"iin": iin, "attorney_id": attorney_id}
    data |= builtin.gbdfl_lookup(data, systems)
    assert data["attorney_status"] == status
    assert builtin.gbdfl_check(data, systems) == {"data_found": found}


@pytest.mark.parametrize(
    ("iin", "serial", "valid", "status"),
    [
        ("850101300123", "SN-0001-VALID", True, "valid"),
        ("770630300789", "SN-0003-REVOKED", False, "revoked"),
        ("660312350987", "SN-0004-EXPIRED", False, "expired"),
        ("850101300123", "SN-0002-VALID", False, "not_owner"),
        ("850101300123", "SN-9999", False, "not_found"),
        ("850101300123", None, False, "missing"),
    ],
)
def test_signature_verify_against_the_revoked_list(
    systems: Systems, iin: str, serial: str | None, valid: bool, status: str
) -> None:
    assert builtin.signature_verify({"iin": iin, "certificate_serial": serial}, systems) == {
        "signature_valid": valid,
        "certificate_status": status,
    }


def test_portal_authorize_and_provider_lookup(systems: Systems) -> None:
    assert builtin.portal_authorize({"iin": "850101300123"}, systems) == {"auth_valid": True}
    assert builtin.portal_authorize({"iin": "990909999999"}, systems) == {"auth_valid": False}
    assert builtin.provider_lookup({"iin": "850101300123"}, systems)["grounds_found"] is False
    assert builtin.provider_lookup({"iin": "660312350987"}, systems)["grounds_found"] is True


def test_gateway_notify_and_payment_numbers_are_deterministic(systems: Systems) -> None:
    data = {"iin": "850101300123", "route": "sc"}
    first = builtin.egov_send(data, systems)["egov_request"]
    assert first == builtin.egov_send(data, systems)["egov_request"]
    assert first.startswith("EGOV-")
    assert builtin.egov_register(data, systems)["egov_registration"].startswith("REG-")
    assert builtin.notify_refusal(data, systems)["notice_id"].startswith("CAB-")
    assert builtin.payment_order(data, systems)["payment_order"].startswith("ZTMO-")


def test_a_system_listed_unavailable_raises(tmp_path: Any) -> None:
    import json

    from regflow.handlers.adapters import FIXTURES

    data = json.loads(FIXTURES.read_text(encoding="utf-8"))
    data["unavailable"] = ["signature"]
    path = tmp_path / "f.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    adapters = local_adapters(path)
    with pytest.raises(SystemUnavailable, match="signature does not answer"):
        adapters.signature.certificate("SN-0001-VALID", TODAY)
    assert adapters.gbdfl.person("850101300123") is not None
