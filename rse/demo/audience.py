"""Who reads a community and who an addressed post reaches, computed in memory.

This mirrors ``rse.permissions.readers_of_community`` and ``feed.addressees`` (units reach the
readers of their subtree except the author; "action" wins over "information") so that bulk-loaded
posts get the same ``post_recipients`` rows as posts written through the services.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class Circle:
    """What deciding readership needs to know about one community."""

    id: int
    visibility: str
    ministry_id: int | None
    members: set[int] = field(default_factory=set)


class Audience:
    def __init__(self, user_units: dict[int, int], unit_id_paths: dict[int, str], admins: set[int]):
        self.user_units = user_units
        self.admins = admins
        self.unit_id_paths = unit_id_paths
        self.unit_ministry = {
            unit_id: int(path.strip("/").split("/")[0]) for unit_id, path in unit_id_paths.items()
        }
        # Every user listed under each of their unit's ancestors, so a unit's subtree is one lookup.
        self.subtree: dict[int, list[int]] = defaultdict(list)
        for user_id, unit_id in sorted(user_units.items()):
            for ancestor in unit_id_paths[unit_id].strip("/").split("/"):
                self.subtree[int(ancestor)].append(user_id)

    def ministry_of(self, user_id: int) -> int:
        return self.unit_ministry[self.user_units[user_id]]

    def can_read(self, user_id: int, circle: Circle) -> bool:
        if user_id in circle.members:
            return True
        if circle.visibility == "secret":
            return False
        if user_id in self.admins:
            return True
        return circle.visibility == "open" and (
            circle.ministry_id is None or self.ministry_of(user_id) == circle.ministry_id
        )

    def recipients(
        self,
        circle: Circle,
        author_id: int,
        action: list[tuple[str, int]],
        information: list[tuple[str, int]],
    ) -> list[tuple[int, str]]:
        """``(user_id, kind)`` for each person reached, each person once."""
        reached: dict[int, str] = {}
        for kind, targets in (("action", action), ("information", information)):
            for target_type, target_id in targets:
                if target_type == "user":
                    people = (target_id,)
                else:
                    people = (uid for uid in self.subtree.get(target_id, ()) if uid != author_id)
                for user_id in people:
                    if user_id not in reached and self.can_read(user_id, circle):
                        reached[user_id] = kind
        return list(reached.items())
