"""The `counter` command speaks Vietnamese, errors included. Typer (0.29 carries its own copy of Click, with
English sentences written into the code) says "No such option", "Missing argument", "Invalid value", "Usage:",
"Try … for help" in English and draws an "Error" box; here usage errors become plain "Lỗi: …" lines in Vietnamese
with the usage line and the help hint, exit code 2, and the help screen's panel titles and placeholders are
Vietnamese too.

`VietnameseGroup` is the root command's class (cli.app); CliRunner and the `counter` entry point both go through
its main()."""

from __future__ import annotations

import importlib.abc
import importlib.util
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from typer._click import exceptions as click_exceptions
from typer._click.core import Command
from typer._click.utils import echo
from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.exceptions import Abort

HELP_TEXT = "Xem hướng dẫn này rồi thoát."
USAGE = "Cách dùng: "
OPTIONS_METAVAR = "[TÙY CHỌN]"
SUBCOMMAND_METAVAR = "LỆNH [ĐỐI SỐ]..."
# Typer's own gettext message ids (typer.core, typer.rich_utils) and what the counter says instead.
MESSAGES: dict[str, str] = {
    "Options": "Tùy chọn", "Commands": "Lệnh", "Arguments": "Đối số", "Error": "Lỗi",
    "Aborted!": "Đã hủy.", "Aborted.": "Đã hủy.", "Missing command.": "Thiếu lệnh.",
    "No such command {name!r}.": "Không có lệnh “{name}”.",
    "Try [blue]'{command_path} {help_option}'[/] for help.": "Xem [blue]“{command_path} {help_option}”[/] để biết "
                                                             "cách dùng.",
    "[default: {}]": "[mặc định: {}]", "[env var: {}]": "[biến môi trường: {}]", "[required]": "[bắt buộc]",
    "(deprecated) ": "(không dùng nữa) ", "default: {default}": "mặc định: {default}",
    "env var: {var}": "biến môi trường: {var}", "required": "bắt buộc", "(dynamic)": "(tùy lúc chạy)",
}
_TYPER_CONSTANTS = {"ARGUMENTS_PANEL_TITLE": "Arguments", "OPTIONS_PANEL_TITLE": "Options",
                    "COMMANDS_PANEL_TITLE": "Commands", "ERRORS_PANEL_TITLE": "Error", "ABORTED_TEXT": "Aborted.",
                    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
                    "DEFAULT_STRING": "[default: {}]", "ENVVAR_STRING": "[env var: {}]",
                    "REQUIRED_LONG_STRING": "[required]", "DEPRECATED_STRING": "(deprecated) "}
# Typer's own options (shell completion), in English in its code.
OPTION_HELP = {"--install-completion": "Cài tự hoàn thành lệnh (phím Tab) cho shell đang dùng.",
               "--show-completion": "In mã tự hoàn thành của shell đang dùng (để chép hoặc tự cài)."}
_KINDS = {"argument": "đối số", "option": "tùy chọn", "parameter": "tham số"}
_VALUE_KINDS = {"integer": "số nguyên", "int": "số nguyên", "float": "số", "number": "số", "string": "chuỗi",
                "boolean": "có/không (true/false)", "bool": "có/không (true/false)", "date": "ngày",
                "datetime": "ngày giờ", "path": "đường dẫn", "uuid": "mã UUID"}
# The English sentences of the vendored Click and of Typer's value checks, and their Vietnamese.
SENTENCES: list[tuple[str, Any]] = [
    (r"No such option: (\S+)(?: \(Possible options: (.+)\))?",
     lambda m: f"Không có tùy chọn “{m[1]}”." + (f" Có phải ý bạn là: {m[2]}?" if m[2] else "")),
    (r"Missing (argument|option|parameter) ?(.*?)\.(?: (.*))?",
     lambda m: f"Thiếu {_KINDS[m[1]]} {_hint(m[2])}".rstrip() + "." + (f" {value_sentence(m[3])}" if m[3] else "")),
    (r"Missing parameter: (.*)", lambda m: f"Thiếu tham số {m[1]}."),
    (r"Invalid value for (.+?): (.*)", lambda m: f"Giá trị không hợp lệ cho {_hint(m[1])}: {value_sentence(m[2])}"),
    (r"Invalid value: (.*)", lambda m: f"Giá trị không hợp lệ: {value_sentence(m[1])}"),
    (r"Option '(.+)' requires an argument\.", lambda m: f"Tùy chọn “{m[1]}” cần một giá trị."),
    (r"Option '(.+)' requires (\d+) arguments\.", lambda m: f"Tùy chọn “{m[1]}” cần {m[2]} giá trị."),
    (r"Option '(.+)' does not take a value\.", lambda m: f"Tùy chọn “{m[1]}” không nhận giá trị."),
    (r"Argument '(.+)' takes (\d+) values\.", lambda m: f"Đối số “{m[1]}” cần {m[2]} giá trị."),
    (r"Got unexpected extra argument\(s\) \((.*)\)", lambda m: f"Thừa đối số: {m[1]}."),
]
VALUES: list[tuple[str, Any]] = [
    (r"Input should be a valid (\w+).*", lambda m: f"phải là {_VALUE_KINDS.get(m[1], m[1])}."),
    (r"(?:Value )?'?(.*?)'? is not a valid (\w+)\.?", lambda m: f"“{m[1]}” không phải {_VALUE_KINDS.get(m[2], m[2])} "
                                                        f"hợp lệ."),
    (r"'?(.*?)'? is not one of (.+?)\.?", lambda m: f"“{m[1]}” không thuộc {m[2]}."),
    (r"'?(.*?)'? is not (.+?)\.", lambda m: f"“{m[1]}” không phải {m[2]}."),
    (r"(.+?) is not in the range (.+?)\.", lambda m: f"{m[1]} nằm ngoài khoảng {m[2]}."),
    (r"Input should be greater than or equal to (.+)", lambda m: f"phải từ {m[1]} trở lên."),
    (r"Input should be less than or equal to (.+)", lambda m: f"tối đa {m[1]}."),
    (r"Input should be (?:greater|less) than(?: or equal to)? (.+)", lambda m: f"giá trị vượt giới hạn {m[1]}."),
    (r"(?:File|Path|Directory) '(.+)' does not exist\.", lambda m: f"“{m[1]}” không tồn tại."),
    (r"(?:File|Path|Directory) '(.+)' is a directory\.", lambda m: f"“{m[1]}” là một thư mục."),
    (r"(?:File|Path|Directory) '(.+)' is a file\.", lambda m: f"“{m[1]}” là một tệp."),
    (r"(?:File|Path|Directory) '(.+)' is not readable\.", lambda m: f"không đọc được “{m[1]}”."),
    (r"(?:File|Path|Directory) '(.+)' is not writable\.", lambda m: f"không ghi được “{m[1]}”."),
    (r"(.+) does not match the formats? (.+?)\.", lambda m: f"“{m[1]}” không đúng định dạng {m[2]}."),
    (r"(\d+) values are required, but (\d+) given\.", lambda m: f"cần {m[1]} giá trị, có {m[2]}."),
    (r"Value must be an iterable\.", lambda m: "cần một danh sách giá trị."),
]
TYPE_LABELS = {"<str>": "<chuỗi>", "<int>": "<số>", "<float>": "<số>", "<path>": "<đường dẫn>", "<file>": "<tệp>",
               "<directory>": "<thư mục>", "<datetime>": "<ngày giờ>", "<date>": "<ngày>"}
# Argument names as help and errors show them (the English placeholder would be {code}, {text} …).
ARGUMENT_NAMES = {"code": "MÃ_HỒ_SƠ", "dossier_code": "MÃ_HỒ_SƠ", "text": "NỘI_DUNG", "file": "TỆP",
                  "username": "TÊN_ĐĂNG_NHẬP", "day": "NGÀY", "date": "NGÀY", "form": "MẪU", "kind": "LOẠI",
                  "rule": "CÁCH_TÍNH", "sha": "MÃ_BĂM", "path": "ĐƯỜNG_DẪN", "url": "ĐỊA_CHỈ"}


def _hint(text: str) -> str:
    """'--page' / '-p' as the counter quotes: “--page” / “-p”."""
    return " / ".join(f"“{part.strip().strip(chr(39))}”" for part in text.split(" / ")) if text else ""


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def _translate(text: str, table: list[tuple[str, Any]]) -> str | None:
    for pattern, make in table:
        m = re.fullmatch(pattern, text.strip(), flags=re.DOTALL)
        if m:
            return make(m)
    return None


def value_sentence(text: str) -> str:
    """Why a value was refused (Typer's checks speak English; the counter's own reasons pass unchanged)."""
    return _translate(text, VALUES) or text


def sentence(message: str) -> str:
    """A usage error's message in Vietnamese; one already in Vietnamese (the counter's own) is kept."""
    return _translate(message, SENTENCES) or message


_installed = False


def _vi_display_type(original: Any) -> Any:
    def display_type_rich(self: Any, ctx: Any) -> str | None:
        label = original(self, ctx)
        if label == "<bool>":  # a flag: its name says it all
            return None
        return TYPE_LABELS.get(label or "", label)

    return display_type_rich


def install() -> None:
    """Put the Vietnamese words where Typer looks them up: its gettext calls and constants, the usage prefix and
    the --help option's line (idempotent)."""
    global _installed
    if _installed:
        return
    import typer.core
    from typer._click import decorators, formatting

    typer.core._ = gettext  # type: ignore[attr-defined]
    _when_imported("typer.rich_utils", _localise_rich)  # its rich import is 50 ms: only a help or an error needs it
    write_usage = formatting.HelpFormatter.write_usage

    def vi_write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, USAGE if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = vi_write_usage  # type: ignore[method-assign]
    help_option = decorators.help_option

    def vi_help_option(param_decls: list[str]) -> Any:
        add = help_option(param_decls)

        def apply(command: Command) -> Command:
            command = add(command)
            option = command.params[-1]
            assert isinstance(option, TyperOption)  # the --help option it just added
            option.help = HELP_TEXT
            return command

        return apply

    decorators.help_option = vi_help_option  # type: ignore[assignment]
    for cls in (typer.core.TyperArgument, typer.core.TyperOption):
        cls.display_type_rich = _vi_display_type(cls.display_type_rich)  # type: ignore[method-assign]
    _installed = True


def _localise_rich(rich_utils: Any) -> None:
    """Typer's rich help and error panels in Vietnamese: its gettext, its constants, the usage highlighter."""
    rich_utils._ = gettext
    for constant, msgid in _TYPER_CONSTANTS.items():
        setattr(rich_utils, constant, gettext(msgid))
    rich_utils.highlighter.highlights = [h.replace("Usage: ", USAGE) for h in
                                         getattr(rich_utils.highlighter, "highlights", [])]


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs `then(module)` right after `name` is first imported (by whoever imports it)."""

    def __init__(self, name: str, then: Callable[[Any], None]) -> None:
        self.name, self.then = name, then

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        exec_module, then = spec.loader.exec_module, self.then

        def run(module: Any) -> None:
            exec_module(module)
            then(module)

        spec.loader.exec_module = run  # type: ignore[method-assign]
        return spec


def _when_imported(name: str, then: Callable[[Any], None]) -> None:
    if name in sys.modules:
        then(sys.modules[name])
    elif not any(isinstance(f, _AfterImport) and f.name == name for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport(name, then))


#: an opening bracket Rich markup would read as a tag ("[server]"), not already escaped
_TAG_OPEN = re.compile(r"(?<!\\)\[(?=[a-z#/@])")


def _as_written(text: str | None) -> str | None:
    """A help text shown as written: the config sections it names ("[server] blob_url") are not Rich markup
    (Typer's help reads it so, and dropped them). Idempotent: the same command may be localised again."""
    return text if text is None or "[" not in text else _TAG_OPEN.sub(r"\\[", text)


def localise(command: Command) -> None:
    """Vietnamese placeholders in usage lines: [TÙY CHỌN], LỆNH [ĐỐI SỐ]..., MÃ_HỒ_SƠ …; help texts as written."""
    command.options_metavar = OPTIONS_METAVAR
    command.help = _as_written(command.help)
    if isinstance(command, TyperGroup):
        command.subcommand_metavar = SUBCOMMAND_METAVAR
        for sub in command.commands.values():
            localise(sub)
    for param in command.params:
        if isinstance(param, TyperOption) and param.opts[0] in OPTION_HELP:
            param.help = OPTION_HELP[param.opts[0]]
        if isinstance(param, TyperOption | TyperArgument):
            param.help = _as_written(param.help)
        if isinstance(param, TyperArgument):
            key = (param.metavar or param.name or "").lower()
            param.metavar = ARGUMENT_NAMES.get(key, ARGUMENT_NAMES.get(param.name or "", param.metavar))


def error_lines(exc: click_exceptions.ClickException) -> list[str]:
    """What a usage error prints: the reason, then how the command is used and where its help is."""
    lines = [f"Lỗi: {sentence(exc.format_message())}"]
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click_exceptions.UsageError) and ctx is not None:
        lines.append(ctx.get_usage())
        names = ctx.command.get_help_option_names(ctx)
        if names and ctx.command.add_help_option:
            lines.append(f"Xem “{ctx.command_path} {max(names, key=len)}” để biết cách dùng.")
    return lines


class VietnameseGroup(TyperGroup):
    """The root command: runs Typer without its standalone error printing and says what went wrong in
    Vietnamese. Exit codes stay Click's: 2 for a usage error, 1 for an abort or a command's own failure."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, windows_expand_args: bool = True, **extra: Any) -> Any:
        install()
        localise(self)
        prog_name = "counter"  # not "python -m counter" nor a test runner's "root": the command people type
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False,
                              windows_expand_args=windows_expand_args, **extra)
            code = rv if isinstance(rv, int) else 0
        except click_exceptions.NoArgsIsHelpError as exc:  # `counter db`: the group's help, as Typer does
            text = exc.format_message()  # made by ctx.get_help(); the rich help printed itself there and is ""
            if text.strip():
                echo(text)
            code = exc.exit_code
        except click_exceptions.ClickException as exc:
            for line in error_lines(exc):
                echo(line, err=True)
            code = exc.exit_code
        except Abort:
            echo("Đã hủy.", err=True)
            code = 1
        if standalone_mode:
            sys.exit(code)
        return code
