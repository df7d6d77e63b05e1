"""The `CaseView` every intake event carries (docs/events.md), so no consumer needs two events."""

from __future__ import annotations

from typing import Any

from hotline_shared.privacy import mask_name, mask_phone

from ..catalog.snapshot import CatalogSnapshot
from .models import Case


def case_view(case: Case, catalog: CatalogSnapshot) -> dict[str, Any]:
    return {
        "case_no": case.case_no,
        "lookup_code": case.lookup_code,
        "channel": case.channel,
        "category": case.category,
        "topic_code": case.topic_code,
        "topic_name": catalog.topic_full_name(case.topic_code),
        "urgency": case.urgency,
        "title": case.title,
        "description": case.description,
        "location": {
            "district_code": case.district_code,
            "street_code": case.street_code,
            "community_code": case.community_code,
            "grid_code": case.grid_code,
            "address": case.address,
            "lat": case.lat,
            "lon": case.lon,
            "district_name": catalog.area_name(case.district_code),
            "street_name": catalog.area_name(case.street_code),
            "community_name": catalog.area_name(case.community_code),
        },
        "caller": {"name": case.caller_name, "phone": case.caller_phone, "confidential": case.confidential},
        "caller_masked": {"name": mask_name(case.caller_name), "phone": mask_phone(case.caller_phone)},
        "confidential": case.confidential,
        "received_at": case.received_at.isoformat(),
        "registered_by": {
            "subject": case.registered_subject,
            "role": case.registered_role,
            "station_id": case.registered_station_id,
        },
        "demand_count": case.demand_count,
        # Praise is forwarded to the unit for information only: no sign-for, no deadline.
        "info_only": case.category == "praise",
        "force_new": (
            {"reason": case.force_new_reason, "override_of": case.force_new_override_of}
            if case.force_new_reason is not None
            else None
        ),
    }
