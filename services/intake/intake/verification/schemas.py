from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(max_length=40, description="The citizen's mobile number; the code goes there by SMS")


class CodeSent(BaseModel):
    phone_masked: str = Field(examples=["139****5678"])
    expires_in_s: int = Field(description="The code works this long, once")
    resend_after_s: int = Field(description="A new code may be asked for after this long")
