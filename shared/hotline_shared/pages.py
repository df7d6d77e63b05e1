"""Server-rendered public pages: one look across services (the shared style sheet is included inline,
since the pages load nothing from elsewhere, not even from our own origin)."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

SHARED_TEMPLATES = Path(__file__).parent / "templates"


def page_templates(directory: Path) -> Jinja2Templates:
    """A service's own templates, plus the shared ones (`{% include "public_style.css" %}`)."""
    return Jinja2Templates(directory=[directory, SHARED_TEMPLATES])
