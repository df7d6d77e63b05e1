"""An in-memory view of the catalogue, cached per catalogue version.

Every case registration checks its topic and area codes; reading ~100 rows per request would be
wasteful, so each app instance keeps the last snapshot and re-reads only when the version row in
the database (shared by all replicas) says the catalogue changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from . import repository


@dataclass(frozen=True)
class TopicNode:
    code: str
    name: str
    parent_code: str | None
    level: int
    active: bool


@dataclass(frozen=True)
class AreaNode:
    code: str
    name: str
    level: str
    parent_code: str | None
    active: bool


@dataclass(frozen=True)
class CatalogSnapshot:
    version: int
    topics: dict[str, TopicNode] = field(default_factory=dict)
    areas: dict[str, AreaNode] = field(default_factory=dict)
    _children: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, version: int, topics: list[TopicNode], areas: list[AreaNode]) -> CatalogSnapshot:
        children: dict[str, list[str]] = {}
        for t in topics:
            if t.parent_code is not None:
                children.setdefault(t.parent_code, []).append(t.code)
        return cls(
            version=version,
            topics={t.code: t for t in topics},
            areas={a.code: a for a in areas},
            _children={k: tuple(v) for k, v in children.items()},
        )

    def topic_usable(self, code: str) -> bool:
        """Active itself and along its ancestry (a retired branch retires its leaves)."""
        node = self.topics.get(code)
        while node is not None:
            if not node.active:
                return False
            node = self.topics.get(node.parent_code) if node.parent_code else None
        return code in self.topics

    def active_children(self, code: str) -> list[TopicNode]:
        return [self.topics[c] for c in self._children.get(code, ()) if self.topics[c].active]

    def topic_path(self, code: str) -> list[TopicNode]:
        path: list[TopicNode] = []
        node = self.topics.get(code)
        while node is not None:
            path.append(node)
            node = self.topics.get(node.parent_code) if node.parent_code else None
        return list(reversed(path))

    def topic_full_name(self, code: str) -> str | None:
        path = self.topic_path(code)
        return " › ".join(n.name for n in path) if path else None

    def area_name(self, code: str | None) -> str | None:
        if code is None:
            return None
        node = self.areas.get(code)
        return node.name if node else None


class CatalogCache:
    def __init__(self) -> None:
        self._snapshot: CatalogSnapshot | None = None

    async def get(self, session: AsyncSession) -> CatalogSnapshot:
        version = await repository.version(session)
        current = self._snapshot
        if current is not None and current.version == version:
            return current
        # Two requests may rebuild at once after a reload; both build the same thing, so no lock.
        topics = [
            TopicNode(t.code, t.name, t.parent_code, t.level, t.active) for t in await repository.all_topics(session)
        ]
        areas = [
            AreaNode(a.code, a.name, a.level, a.parent_code, a.active) for a in await repository.all_areas(session)
        ]
        snapshot = CatalogSnapshot.build(version, topics, areas)
        self._snapshot = snapshot
        return snapshot
