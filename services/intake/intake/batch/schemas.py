from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from ..cases.schemas import BatchCaseItem

MAX_BATCH = 500

# An item that does not even match the case schema is reported as that item's problem instead
# of failing the whole batch, hence the permissive second branch.
BatchEntry = Annotated[BatchCaseItem | dict[str, Any], Field(union_mode="left_to_right")]


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[BatchEntry] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description=f"1 to {MAX_BATCH} cases, each with its own client_ref; results come back in the same order",
    )
