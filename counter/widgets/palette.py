"""Accent-insensitive command palette: "khoa may" finds “Khóa máy”, as search does everywhere else."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.content import Content
from textual.fuzzy import Matcher
from textual.system_commands import SystemCommandsProvider
from textual.theme import ThemeProvider
from textual.widgets.option_list import Option

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


class VietnamesePalette(CommandPalette):
    """Textual's command palette with its own words in Vietnamese ("No matches found" and the placeholder)."""

    NO_MATCHES = "Không tìm thấy lệnh nào"

    def __init__(self, providers: Any = None, *, placeholder: str = "Tìm lệnh…", **kwargs: Any):
        super().__init__(providers, placeholder=placeholder, **kwargs)

    def _start_no_matches_countdown(self, search_value: str) -> None:
        """Textual's countdown, with our sentence (the option id is Textual's, so it is removed as usual)."""
        self._stop_no_matches_countdown()

        def show() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(self.NO_MATCHES, style="not bold")), disabled=True, id=self._NO_MATCHES))
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show)


#: Vietnamese names for Textual's themes in the theme picker; others show as "Bảng màu NAME"
THEME_NAMES = {
    "textual-dark": "Tối (mặc định)", "textual-light": "Sáng", "ansi-dark": "Màu của terminal (tối)",
    "ansi-light": "Màu của terminal (sáng)", "catppuccin-frappe": "Catppuccin Frappé (tối)",
    "catppuccin-macchiato": "Catppuccin Macchiato (tối)",
    "nord": "Bắc Âu (tối, xanh lạnh)", "gruvbox": "Gruvbox (tối, ấm)", "catppuccin-mocha": "Catppuccin (tối)",
    "catppuccin-latte": "Catppuccin (sáng)", "dracula": "Dracula (tối)", "tokyo-night": "Đêm Tokyo (tối)",
    "monokai": "Monokai (tối)", "flexoki": "Flexoki (tối)", "solarized-light": "Solarized (sáng)",
    "solarized-dark": "Solarized (tối)", "rose-pine": "Hoa hồng thông (tối)", "rose-pine-moon": "Hoa hồng thông đêm",
    "rose-pine-dawn": "Hoa hồng thông (sáng)", "atom-one-dark": "Atom One (tối)", "atom-one-light": "Atom One (sáng)",
}


def theme_label(name: str) -> str:
    return THEME_NAMES.get(name, f"Bảng màu {name}")


class VietnameseThemes(ThemeProvider):
    """The theme picker's list, named in Vietnamese (Textual's provider shows the raw theme names)."""

    @property
    def commands(self) -> list[tuple[str, Callable[[], None]]]:
        def set_theme(name: str) -> None:
            self.app.theme = name

        themes = sorted(self.app.available_themes, key=lambda n: (n not in THEME_NAMES, theme_label(n)))
        return [(theme_label(name), partial(set_theme, name)) for name in themes]

    def matcher(self, user_input: str, case_sensitive: bool = False) -> Matcher:
        return FoldingMatcher(user_input, match_style=self.match_style, case_sensitive=case_sensitive)
