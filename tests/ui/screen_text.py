"""The text of a Textual SVG screenshot, line by line, for tests that read what a person sees."""

from __future__ import annotations

import html
import re

# a span of a line; a snapshot names its lines "terminal-line-N", a screenshot "terminal-<id>-line-N"
_TEXT = re.compile(
    r'<text class="terminal-[^"]*" x="(?P<x>[\d.]+)" y="[\d.]+"[^>]*'
    r'clip-path="url\(#terminal-(?:\d+-)?line-(?P<line>\d+)\)">(?P<text>[^<]*)</text>'
)


# the width of one cell in Textual's SVG (its font's advance at its font size)
CELL = 12.2


def screen_lines(svg: str) -> list[str]:
    """The terminal's lines as plain text, each span at its column.

    Blank cells with only a background are drawn as rectangles, not text, so a
    span is placed by its x position rather than joined to the one before it.
    """
    lines: dict[int, list[tuple[int, str]]] = {}
    for found in _TEXT.finditer(svg):
        text = html.unescape(found["text"]).replace("\xa0", " ").replace("\n", "")
        lines.setdefault(int(found["line"]), []).append((round(float(found["x"]) / CELL), text))
    if not lines:
        return []
    result = []
    for number in range(max(lines) + 1):
        line = ""
        for column, text in sorted(lines.get(number, [])):
            line = line.ljust(column) + text
        result.append(line.rstrip())
    return result
