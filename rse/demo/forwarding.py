"""The day's cables sent up the MEAE hierarchy: what feed.selection would have stored, computed in memory.

Agents forward a share of their desk's cables to the level above them; each level's managers send
a smaller share further up, keep some, close most and leave the latest arrivals open, with a short
note at every step. ``Selection`` mirrors feed.selection (the level above, one item per post and
unit, priorities, statuses, notes and their units, forward notifications) so that bulk-loaded rows
are those the services would have written; a demo test replays the notes through the services.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from feed.models import PRIORITIES
from rse.demo.bulk import BatchWriter, IdCounter
from rse.demo.cables import Cable
from rse.demo.cables_text import BACO, BAO, CLOSE_NOTES, FORWARD_NOTES, KEEP_NOTES, SCAC, SENEGAL

# Who forwards what to their level above, first: (unit of the agents, desks, cables, only from).
# In the demo cast only the Bureau Afrique de l'Ouest has a chief of its own: it makes the office
# level of the funnel. Elsewhere an agent's first reader is a sub-director, a director or the
# ministry's head (the nearest ancestor with a manager), so those agents send up very little.
AGENT_FORWARDS: tuple[tuple[str, tuple[str, ...], int, str | None], ...] = (
    (BAO, ("afrique-ouest",), 115, None),
    (BACO, ("afrique-centrale",), 9, None),
    (SCAC, ("culture", "developpement", "afrique-ouest"), 4, "Dakar"),
    ("MEAE/DGM/Développement durable", ("developpement",), 2, None),
    ("MEAE/DGP/ANMO", ("anmo",), 2, None),
    ("MEAE/DGP/ASD", ("asd",), 1, None),
    ("MEAE/DFAE/Administration consulaire/Bureau des visas", ("consulaire",), 1, None),
    ("MEAE/SG/CDCS", ("securite",), 1, None),
)
# Cables that a second agent of the same office forwards too (one item, two notes).
SECOND_FORWARDS = 3
# Then what each level does with what reached it: (forwarded, kept, still open); the rest is closed.
DECISIONS: dict[str, tuple[int, int, int]] = {
    BAO: (22, 14, 4),
    "MEAE/DGM/Afrique": (7, 6, 2),
    SENEGAL: (1, 1, 0),
    "MEAE/DGM": (2, 2, 3),
    "MEAE/DGP": (1, 1, 0),
    "MEAE/DFAE": (0, 1, 0),
    "MEAE": (0, 1, 3),
}
# The chance that whoever forwards raises the priority, by the depth of the level reached.
RAISE = {3: 0.1, 2: 0.2, 1: 0.25, 0: 0.3}
# How long each level takes before acting on what arrived (minutes), by depth.
DELAYS = {3: (10, 120), 2: (15, 150), 1: (20, 180), 0: (20, 180)}
DAY_END = timedelta(hours=21)


def depth(path: str) -> int:
    return path.count("/")


def ancestors(path: str) -> list[str]:
    """The unit's path and its ancestors', from the ministry down."""
    parts = path.split("/")
    return ["/".join(parts[: end + 1]) for end in range(len(parts))]


class Org:
    """Who sits and manages where, and the level above, as feed.selection computes it."""

    def __init__(self, units: dict[int, str], manages: dict[int, list[str]]):
        self.units = units  # user id -> unit path
        self.manages = {uid: sorted(paths, key=depth) for uid, paths in manages.items() if paths}
        self.managers: dict[str, list[int]] = {}
        for uid, paths in self.manages.items():
            for path in paths:
                self.managers.setdefault(path, []).append(uid)

    def _nearest_managed(self, paths: list[str], excluding: int) -> str | None:
        for path in reversed(paths):
            if any(manager != excluding for manager in self.managers.get(path, ())):
                return path
        return None

    def level_above_for(self, uid: int) -> str | None:
        if uid in self.manages:
            return self._nearest_managed(ancestors(self.manages[uid][0])[:-1], uid)
        return self._nearest_managed(ancestors(self.units[uid]), uid)

    def level_above_unit(self, path: str, uid: int) -> str | None:
        return self._nearest_managed(ancestors(path)[:-1], uid)

    def agents(self, path: str) -> list[int]:
        return sorted(uid for uid, unit in self.units.items() if unit == path and uid not in self.manages)


@dataclass
class Item:
    cable: Cable
    unit: str
    priority: str
    created_at: datetime
    updated_at: datetime
    status: str = "open"
    decided_at: datetime | None = None
    id: int | None = None


@dataclass
class Selection:
    org: Org
    can_read: Callable[[int, Cable], bool]
    items: dict[tuple[int, str], Item] = field(default_factory=dict)
    notes: list[tuple[Item, int, str | None, str, str, str | None, datetime]] = field(default_factory=list)
    notified: list[tuple[int, int, Item, datetime]] = field(default_factory=list)

    def _send_up(self, uid, cable, target, note, priority, from_unit, at) -> Item:
        if target is None:
            raise ValueError("no level above")
        readers = [m for m in self.org.managers[target] if m != uid and self.can_read(m, cable)]
        if not readers:
            raise ValueError(f"nobody at {target} may read {cable.draft.row['title']}")
        item = self.items.get((id(cable), target))
        asked = priority or cable.priority
        if item is None:
            item = self.items[id(cable), target] = Item(cable, target, asked, at, at)
        else:
            item.priority = min(asked, item.priority, key=PRIORITIES.index)
            if item.status in ("closed", "forwarded"):
                item.status = "open"
            item.updated_at = at
        self.notes.append((item, uid, from_unit, "forward", note, priority, at))
        self.notified.extend((reader, uid, item, at) for reader in sorted(readers))
        return item

    def forward_post(self, uid, cable, note, priority, at) -> Item:
        managed = self.org.manages.get(uid)
        from_unit = managed[0] if managed else self.org.units[uid]
        return self._send_up(uid, cable, self.org.level_above_for(uid), note, priority, from_unit, at)

    def forward_item(self, uid, item, note, priority, at) -> Item:
        target = self.org.level_above_unit(item.unit, uid)
        forwarded = self._send_up(uid, item.cable, target, note, priority, item.unit, at)
        item.status, item.updated_at, item.decided_at = "forwarded", at, at
        return forwarded

    def decide(self, uid, item, action, note, at) -> None:
        item.status = {"keep": "kept", "close": "closed"}[action]
        item.updated_at = item.decided_at = at
        self.notes.append((item, uid, item.unit, action, note, None, at))


def simulate(rng: random.Random, cables: list[Cable], org: Org, can_read, day: datetime) -> Selection:
    """Forward, keep and close through the day; adds the reads that acting implies to the drafts."""
    selection = Selection(org, can_read)
    day_end = day + DAY_END
    taken: set[int] = set()
    for unit, desks, count, city in AGENT_FORWARDS:
        agents = org.agents(unit)
        pool = [c for c in cables if c.desk.key in desks and id(c) not in taken and city in (None, c.city)]
        pool.sort(key=lambda c: c.score * rng.lognormvariate(0, 0.4), reverse=True)
        chosen = sorted(pool[:count], key=lambda c: c.at)
        taken.update(id(c) for c in chosen)
        target_depth = depth(org.level_above_for(agents[0]))
        for cable in chosen:
            agent = rng.choice(agents)
            at = _later(rng, cable.at, (5, 75), day_end)
            _forward(rng, selection, agent, cable, None, at, target_depth)
        if unit == BAO:
            for cable in rng.sample(chosen, SECOND_FORWARDS):
                item = selection.items[id(cable), BAO]
                others = [a for a in agents if a not in {n[1] for n in selection.notes if n[0] is item}]
                agent = rng.choice(others)
                at = item.updated_at + timedelta(minutes=rng.randint(2, 30))
                _forward(rng, selection, agent, cable, None, at, target_depth)
    for unit in sorted(DECISIONS, key=depth, reverse=True):
        _decide_level(rng, selection, unit, day_end)
    undecided = {item.unit for item in selection.items.values()} - set(DECISIONS)
    if undecided:
        raise ValueError(f"no decisions planned for {sorted(undecided)}")
    return selection


def _later(rng, start: datetime, minutes: tuple[int, int], day_end: datetime) -> datetime:
    moment = start + timedelta(minutes=rng.randint(*minutes), seconds=rng.randrange(60))
    if moment > day_end:
        moment = start + timedelta(minutes=rng.randint(1, 5), seconds=rng.randrange(60))
    return moment


def _read(cable: Cable, uid: int, at: datetime) -> None:
    at = max(at, cable.at + timedelta(seconds=30))
    reads = cable.draft.reads
    reads[uid] = min(reads.get(uid, at), at)


def _forward(rng, selection: Selection, uid, cable, item, at, target_depth) -> Item:
    current = item.priority if item else cable.priority
    priority = None
    if current != "flash" and rng.random() < RAISE[target_depth]:
        priority = PRIORITIES[PRIORITIES.index(current) - 1]
    elif current != cable.priority:
        priority = current  # say it again, or the level above gets the post's own priority
    note = rng.choice(FORWARD_NOTES[target_depth])
    _read(cable, uid, at - timedelta(minutes=rng.randint(1, 5)))
    if item is None:
        return selection.forward_post(uid, cable, note, priority, at)
    return selection.forward_item(uid, item, note, priority, at)


def _decide_level(rng, selection: Selection, unit: str, day_end: datetime) -> None:
    forwarded, kept, left_open = DECISIONS[unit]
    items = sorted((i for i in selection.items.values() if i.unit == unit), key=lambda i: i.created_at)
    if len(items) < forwarded + kept + left_open:
        raise ValueError(f"{unit}: {len(items)} items cannot make {DECISIONS[unit]}")
    # The latest arrivals wait for tomorrow; the others are sorted by how much they matter here.
    decided = items[: len(items) - left_open]
    decided.sort(key=lambda i: i.cable.score * rng.lognormvariate(0, 0.5), reverse=True)
    manager = selection.org.managers[unit][0]
    target = selection.org.level_above_unit(unit, manager)
    for rank, item in enumerate(decided):
        at = max(_later(rng, item.updated_at, DELAYS[depth(unit)], day_end), item.updated_at)
        _read(item.cable, manager, at - timedelta(minutes=rng.randint(1, 3)))
        if rank < forwarded:
            _forward(rng, selection, manager, item.cable, item, at, depth(target))
        elif rank < forwarded + kept:
            selection.decide(manager, item, "keep", rng.choice(KEEP_NOTES), at)
        else:
            note = rng.choice(CLOSE_NOTES) if rng.random() < 0.6 else ""
            selection.decide(manager, item, "close", note, at)


def write_selection(writer: BatchWriter, selection: Selection, post_ids: dict[int, int], unit_ids) -> None:
    """Items, notes and notifications in the order the services would have written them."""
    ids = IdCounter("selection_items")
    order = {id(item): number for number, item in enumerate(selection.items.values())}
    for item in sorted(selection.items.values(), key=lambda i: (i.created_at, order[id(i)])):
        item.id = ids.take()
        writer.add(
            "selection_items",
            {
                "id": item.id,
                "post_id": post_ids[id(item.cable.draft)],
                "unit_id": unit_ids[item.unit],
                "status": item.status,
                "priority": item.priority,
                "created_at": item.created_at,
                "updated_at": item.updated_at,
            },
        )
    for item, uid, from_unit, action, note, priority, at in sorted(selection.notes, key=lambda n: n[6]):
        writer.add(
            "selection_notes",
            {
                "item_id": item.id,
                "by_id": uid,
                "unit_id": unit_ids[from_unit] if from_unit else None,
                "action": action,
                "note": note,
                "priority": priority,
                "at": at,
            },
        )
    # Whoever acted on an item at their level has seen its notification; open ones stay unread.
    for user_id, actor_id, item, at in sorted(selection.notified, key=lambda n: n[3]):
        writer.add(
            "notifications",
            {
                "user_id": user_id,
                "kind": "forward",
                "actor_id": actor_id,
                "post_id": post_ids[id(item.cable.draft)],
                "selection_item_id": item.id,
                "created_at": at,
                "read_at": item.decided_at,
            },
        )
