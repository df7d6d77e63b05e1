from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .snapshot import CatalogCache


def get_catalog(request: Request) -> CatalogCache:
    cache: CatalogCache = request.app.state.catalog
    return cache


CatalogDep = Annotated[CatalogCache, Depends(get_catalog)]
