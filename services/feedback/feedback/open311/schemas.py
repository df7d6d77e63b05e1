from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Open311Request(BaseModel):
    """One case as an Open311 GeoReport v2 service request: public, personal data removed."""

    service_request_id: str = Field(description="The case number (工单号)")
    status: str = Field(description="`open` or `closed`")
    status_notes: str | None = Field(description="The unit's reply once there is one, else the progress in words")
    service_name: str | None
    service_code: str | None
    description: str | None = Field(description="The citizen's text with names, phones and the address masked")
    agency_responsible: str | None = Field(description="The handling unit (承办单位)")
    service_notice: str | None
    requested_datetime: datetime | None
    updated_datetime: datetime | None
    expected_datetime: datetime | None = Field(description="The reply deadline while the unit still owes a reply")
    address: str | None = Field(description="Street and community only, never the exact address")
    address_id: str | None = Field(description="The most specific area code known (community, street or district)")


class Open311RequestList(BaseModel):
    items: list[Open311Request]
