"""The handlers the regulation library's service tasks name, each asking one system's adapter.

Application data they read: ``iin`` (the applicant's, or the principal's when an agent files),
``attorney_id`` (a power of attorney's БНАЖ number, when an agent files), ``certificate_serial``
(the ЭЦҚ the request is signed with on the portal), ``phone`` (for SMS, optional). What they
return goes into the application's data for the gateways after them:

========================  ==========================  =============================================
handler                   system                      returns
========================  ==========================  =============================================
gbdfl.lookup              ЭҮШ → ЖТ МДҚ, БНАЖ          gbdfl_person, attorney_status
gbdfl.check               (lookup's answer)           data_found
portal.authorize          ЖТ МДҚ (portal sign-in)     auth_valid
signature.verify          ЭЦҚ, revoked certificates   signature_valid, certificate_status
notary.check              БНАЖ                        attorney_valid, attorney_status
egov.send / egov.register ЭҮАШ АЖО                    egov_request / egov_registration
esobes.submit             Е-Собес ААЖ                 esobes_request
portal.accept             personal cabinet            portal_request
provider.lookup           provider's register         grounds_found, grounds
notify.cabinet/no_data/   personal cabinet, SMS       notice_id
  refusal
payment.order             ЗТМО                        payment_order
========================  ==========================  =============================================
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from regflow.errors import UsageError
from regflow.handlers.registry import Systems, register
from regflow.i18n import _


def _iin(data: dict[str, Any], handler: str) -> str:
    iin = str(data.get("iin") or "").strip()
    if not iin:
        raise UsageError(
            _("handler '{handler}' needs the applicant's IIN in the application data: "
              "--set iin=...").format(handler=handler)
        )
    return iin


def _attorney_status(data: dict[str, Any], systems: Systems, iin: str) -> str | None:
    """valid, expired, not_found or mismatch (not the principal's); None when nobody acts for."""
    attorney_id = str(data.get("attorney_id") or "").strip()
    if not attorney_id:
        return None
    found = systems.adapters.notary.power_of_attorney(attorney_id, systems.today)
    if found is None:
        return "not_found"
    if found.principal != iin:
        return "mismatch"
    return found.status


@register("gbdfl.lookup")
def gbdfl_lookup(data: dict[str, Any], systems: Systems) -> dict[str, Any]:
    """The operator's query through ЭҮШ to ЖТ МДҚ (and to БНАЖ when an agent files)."""
    iin = _iin(data, "gbdfl.lookup")
    person = systems.adapters.gbdfl.person(iin)
    return {
        "gbdfl_person": asdict(person) if person else None,
        "attorney_status": _attorney_status(data, systems, iin),
    }


@register("gbdfl.check")
def gbdfl_check(data: dict[str, Any], systems: Systems) -> dict[str, Any]:
    """Condition 1: the data is there, i.e. the person is in ЖТ МДҚ and a power of attorney, if
    any, is valid. Asks ЖТ МДҚ itself if no lookup ran before."""
    if "gbdfl_person" not in data:
        data = {**data, **gbdfl_lookup(data, systems)}
    attorney = data.get("attorney_status")
    return {"data_found": bool(data["gbdfl_person"]) and attorney in (None, "valid")}


@register("portal.authorize")
def portal_authorize(data: dict[str, Any], systems: Systems) -> dict[str, Any]:
    """Condition 1 on the portal: the signed-in applicant is a person ЖТ МДҚ knows."""
    person = systems.adapters.gbdfl.person(_iin(data, "portal.authorize"))
    return {"auth_valid": person is not None}


@register("signature.verify")
def signature_verify(data: dict[str, Any], systems: Systems) -> dict[str, Any]:
    """Condition 2 on the portal: the ЭЦҚ certificate is in force, not revoked, the applicant's."""
    iin = _iin(data, "signature.verify")
    serial = str(data.get("certificate_serial") or "").strip()
    if not serial:
        return {"signature_valid": False, "certificate_status": "missing"}
    cert = systems.adapters.signature.certificate(serial, systems.today)
    status = cert.status
    if status == "valid" and cert.owner not in (None, iin):
        status = "not_owner"
    return {"signature_valid": status == "valid", "certificate_status": status}


@register("notary.check")
def notary_check(data: dict[str, Any], systems: Systems) -> dict[str, Any]:
    """The power of attorney check in БНАЖ on its own."""
    status = _attorney_status(data, systems, _iin(data, "notary.check"))
    return {"attorney_valid": status == "valid", "attorney_status": status}


def _request(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data.get(k) for k in ("iin", "route", "attorney_id", "request_type") if k in data}


@register("egov.send")
def egov_send(data: dict[str, Any], systems: Systems) -> dict[str, Any]:
    """The signed request goes to ЭҮАШ АЖО."""
    return {"egov_request": systems.adapters.gateway.send("egov", _request(data))}


@register("egov.register")
def egov_register(data: dict[str, Any], systems: Systems) -> dict[str, Any]:
    """The electronic documents are registered in ЭҮАШ АЖО."""
    request = str(data.get("egov_request") or systems.adapters.gateway.send("egov", _request(data)))
    return {"egov_registration": systems.adapters.gateway.register(request, _request(data))}


@register("esobes.submit")
def esobes_submit(data: dict[str, Any], systems: Systems) -> dict[str, Any]:
    """The application's data go to the Е-Собес system automatically."""
    return {"esobes_request": systems.adapters.gateway.send("esobes", _request(data))}


def _notify(data: dict[str, Any], systems: Systems, message: str) -> dict[str, Any]:
    recipient = str(data.get("iin") or "applicant")
    notice = systems.adapters.notify.cabinet(recipient, message)
    if data.get("phone"):
        systems.adapters.notify.sms(str(data["phone"]), message)
    return {"notice_id": notice}


@register("portal.accept")
def portal_accept(data: dict[str, Any], systems: Systems) -> dict[str, Any]:
    """The portal accepts the request; its status shows in the personal cabinet."""
    notice = _notify(data, systems, "accepted")["notice_id"]
    return {"portal_request": notice}


@register("notify.cabinet")
def notify_cabinet(data: dict[str, Any], systems: Systems) -> dict[str, Any]:
    """A status, result or refusal into the applicant's personal cabinet (and SMS if a phone)."""
    return _notify(data, systems, "status")


@register("notify.no_data")
def notify_no_data(data: dict[str, Any], systems: Systems) -> dict[str, Any]:
    """Process 4: the notice that ЖТ МДҚ / БНАЖ has no (valid) data."""
    return _notify(data, systems, "no_data")


@register("notify.refusal")
def notify_refusal(data: dict[str, Any], systems: Systems) -> dict[str, Any]:
    """Process 7: the reasoned refusal notice."""
    return _notify(data, systems, "refusal")


@register("provider.lookup")
def provider_lookup(data: dict[str, Any], systems: Systems) -> dict[str, Any]:
    """The provider's register: are there grounds not to release the applicant's data?"""
    iin = _iin(data, "provider.lookup")
    if systems.adapters.gbdfl.person(iin) is None:
        return {"grounds_found": True, "grounds": "the IIN is not in ЖТ МДҚ"}
    grounds = systems.adapters.records.refusal_grounds(iin)
    return {"grounds_found": grounds is not None, "grounds": grounds}


@register("payment.order")
def payment_order(data: dict[str, Any], systems: Systems) -> dict[str, Any]:
    """The payment order to ЗТМО."""
    iin = _iin(data, "payment.order")
    return {"payment_order": systems.adapters.payment.order(iin, _request(data))}
