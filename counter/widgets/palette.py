"""Accent-insensitive command palette: "khoa may" finds “Khóa máy”, as search does everywhere else."""

from __future__ import annotations

from textual.content import Content
from textual.fuzzy import Matcher
from textual.system_commands import SystemCommandsProvider

from counter.domain.text import fold


class FoldingMatcher(Matcher):
    """Textual's fuzzy matcher on folded text (lower case, no marks, đ → d)."""

    def __init__(self, query: str, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(fold(query), **kwargs)

    def match(self, candidate: str) -> float:
        return super().match(fold(candidate))

    def highlight(self, candidate: str) -> Content:
        folded = fold(candidate)
        content = Content(candidate)
        score, offsets = self.fuzzy_search.match(self.query, folded)
        if not score or len(folded) != len(candidate):  # offsets only map back when folding kept the length
            return content
        for offset in offsets:
            if not candidate[offset].isspace():
                content = content.stylize(self.match_style, offset, offset + 1)
        return content


class VietnameseCommands(SystemCommandsProvider):
    """The app's system commands (CounterApp.get_system_commands), matched without regard to diacritics."""

    def matcher(self, user_input: str, case_sensitive: bool = False) -> Matcher:
        return FoldingMatcher(user_input, match_style=self.match_style, case_sensitive=case_sensitive)
