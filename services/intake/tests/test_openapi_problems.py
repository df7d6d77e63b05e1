"""Issue 19: the OpenAPI declares the errors the service really sends (problem+json, every 4xx)."""

from __future__ import annotations

import json

from hotline_shared.testing.identity import TEST_SECRET
from intake.config import IntakeSettings
from intake.main import create_app

PROBLEM = "application/problem+json"


def test_regression_errors_are_declared_as_problem_json_with_every_status() -> None:
    document = create_app(IntakeSettings(identity_secret=TEST_SECRET)).openapi()
    assert "HTTPValidationError" not in json.dumps(document)
    assert document["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    post = document["paths"]["/api/v1/cases"]["post"]["responses"]
    for status in ("400", "401", "403", "404", "408", "409", "413", "422", "429"):
        assert list(post[status]["content"]) == [PROBLEM], status
        assert post[status]["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
    get = document["paths"]["/api/v1/cases/{case_no}"]["get"]["responses"]
    assert {"401", "403", "404", "422", "429"} <= set(get)
