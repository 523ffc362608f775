"""SVG snapshots of every view at 80×24 and at 140×42, in German, with the states of a working day.

A receptionist's terminal may be as small as 80 columns and 24 lines: each
view must still show what it is for (columns give way by priority, titles
and keys are shortened by whole words, never cut). The practice is seeded
(seed 1), the clock stands at 27.11.2026 09:00 and the states come from
:func:`view_tour.practice_day`, so the pictures are the same on every run.
``test_german_views.py`` reads these pictures for English words.
After a wanted change of the look:
``pytest tests/ui/test_snapshots_sizes.py --snapshot-update``, then read the
new pictures (``tests/ui/screen_text.py`` gives their text) before committing.
"""

from __future__ import annotations

import pytest

from .view_tour import VIEWS, practice_day

SIZES = {"80x24": (80, 24), "140x42": (140, 42)}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("view", list(VIEWS))
def test_view(view, size, make_app, snap_compare):
    state = practice_day()

    async def run_before(pilot) -> None:
        await VIEWS[view](pilot, state)

    assert snap_compare(make_app(), terminal_size=SIZES[size], run_before=run_before)
