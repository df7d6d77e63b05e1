"""The charting library, served from the installed `plotly` wheel: works on a closed network, no CDN, no npm."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import FileResponse

router = APIRouter()

PLOTLY_JS = files("plotly") / "package_data" / "plotly.min.js"


@router.get("/vendor/plotly.min.js", include_in_schema=False)
async def plotly_js() -> FileResponse:
    return FileResponse(
        str(PLOTLY_JS), media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
    )
