"""Timestamps relative to "now" whose draws never depend on "now".

The same seed must give the same content on any day, so every helper here consumes a fixed number
of random draws; only the resulting datetimes move with the clock.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

HISTORY_DAYS = 60


def working_time(rng: random.Random, now: datetime, days: int = HISTORY_DAYS) -> datetime:
    """A moment of an office day (07:00-18:59 UTC) within the last ``days`` days, never in the future."""
    day_offset, hour, minute, second = (
        rng.randrange(days),
        rng.randint(7, 18),
        rng.randrange(60),
        rng.randrange(60),
    )
    moment = (now - timedelta(days=day_offset)).replace(
        hour=hour, minute=minute, second=second, microsecond=0
    )
    if moment > now:
        moment -= timedelta(days=1)
    # Weekends fall back to the Friday before: offices are mostly closed.
    if moment.weekday() >= 5:
        moment -= timedelta(days=moment.weekday() - 4)
    return moment


def replies_after(
    rng: random.Random, start: datetime, count: int, now: datetime, gaps: tuple[int, int] = (300, 36000)
) -> list[datetime]:
    """``count`` increasing moments after ``start``, squeezed so that the last one is not in the future."""
    offsets, total = [], 0
    for _ in range(count):
        total += rng.randint(*gaps)
        offsets.append(total)
    room = (now - start).total_seconds() - 1
    if offsets and offsets[-1] > room:
        scale = max(room, 0) / offsets[-1]
        offsets = [offset * scale for offset in offsets]
    moments = [start + timedelta(seconds=offset) for offset in offsets]
    # Squeezing may make neighbours equal; one microsecond apart keeps the order strict.
    for index in range(1, len(moments)):
        if moments[index] <= moments[index - 1]:
            moments[index] = moments[index - 1] + timedelta(microseconds=1)
    return moments
