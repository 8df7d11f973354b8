"""Personalization of campaign emails: `{{field|fallback}}` tokens, `{a|b|c}` spintax and Jinja
statements, rendered in Jinja's sandbox.

The user's text is never handed to Jinja as is. It is cut into literal text, tokens, spintax and
statements; only what sits inside `{% %}` reaches Jinja as source. Literal text goes in raw
blocks, tokens become variables whose values (a lead's, or the fallback) are worked out in
Python, and spintax becomes an if/elif chain over a draw from `random.Random(seed)`: one compiled
template serves every lead, and the preview a user sees is exactly what that lead receives.
Line breaks stay where they were, so Jinja's line numbers are the user's (a CRLF comes out LF;
the mail writer puts the CRLFs back).
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from typing import Any, NoReturn, TypeAlias

from jinja2 import Template, TemplateError, TemplateSyntaxError, nodes
from jinja2.meta import find_undeclared_variables
from jinja2.runtime import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import escape

from penguin_desktop.core.campaigns.fields import FIELDS
from penguin_desktop.core.platform.errors import ValidationError

_LEX = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}|[{}|]", re.S)
_TOKEN = re.compile(r"\s*(\w+)\s*(?:\|(.*))?", re.S)
_RAW = re.compile(r"-?\s*(end)?raw\b")
_HELPER = "_pm_"  # prefix of the names the generated source uses; never a lead field
_ENV = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)
_FORBIDDEN = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


@dataclass(frozen=True)
class MissingToken:
    """Why a send is blocked: a field the template needs has no value for the lead."""

    field: str
    part: str

    def reason(self) -> str:
        return f"token {{{{{self.field}}}}} has no value for this lead and no fallback"


@dataclass(frozen=True)
class _Spin:
    options: tuple[tuple[_Node, ...], ...]


@dataclass(frozen=True)
class _Lexeme:
    kind: str  # "text", "token", "statement" or one of "{", "|", "}"
    source: str
    at: int


_Node: TypeAlias = _Lexeme | _Spin


@dataclass(frozen=True)
class _Compiled:
    template: Template
    tokens: tuple[tuple[str, str | None], ...]  # (field, fallback), each once
    spins: tuple[int, ...]  # how many options each spin has
    names: frozenset[str]  # variables the statements read, so a lead supplies only those


class _Missing(Exception):
    """Carries the field whose missing value stops a render, up to `render_message`."""


class _Absent:
    """Stands for a value the lead lacks (a token without fallback, a field a statement reads):
    printing or testing it blocks the send, but only if the render actually reaches it, and it
    never silently counts as false or empty."""

    __slots__ = ("field",)

    def __init__(self, field: str) -> None:
        self.field = field

    def _fail(self, *_: object) -> NoReturn:
        raise _Missing(self.field)

    __bool__ = __str__ = __iter__ = __eq__ = _fail
    __hash__ = None  # type: ignore[assignment]


def _line(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1


def _lex(text: str) -> list[_Lexeme]:
    out: list[_Lexeme] = []
    end = 0
    for m in _LEX.finditer(text):
        if m.start() > end:
            out.append(_Lexeme("text", text[end : m.start()], end))
        piece = m.group()
        if piece == "{" and text.startswith(("{", "%"), m.end()):
            opener = text[m.start() : m.end() + 1]
            raise ValidationError(f"'{opener}' on line {_line(text, m.start())} is never closed")
        kind = {1: "token", 2: "statement"}.get(m.lastindex or 0, piece)
        if kind == "statement" and _RAW.match(m.group(2)):
            raise ValidationError(f"{{% raw %}} on line {_line(text, m.start())} is not supported")
        out.append(_Lexeme(kind, piece, m.start()))
        end = m.end()
    if end < len(text):
        out.append(_Lexeme("text", text[end:], end))
    return out


def _parse(text: str) -> list[_Node]:
    """Spintax in one pass: each `{` opens a spin, `|` starts its next option, `}` closes it.
    A `{` enclosing no `|`, or never closed, is literal text, and so is a stray `|` or `}`."""
    root: list[_Node] = []
    stack: list[tuple[_Lexeme, list[list[_Node]]]] = []

    def literal(brace: _Lexeme, options: list[list[_Node]]) -> list[_Node]:
        out: list[_Node] = [_Lexeme("text", "{", brace.at), *options[0]]
        for option in options[1:]:
            out += [_Lexeme("text", "|", brace.at), *option]
        return out

    for item in _lex(text):
        here = stack[-1][1][-1] if stack else root
        if item.kind == "{":
            stack.append((item, [[]]))
        elif item.kind == "|" and stack:
            stack[-1][1].append([])
        elif item.kind == "}" and stack:
            brace, options = stack.pop()
            parent = stack[-1][1][-1] if stack else root
            if len(options) > 1:
                parent.append(_Spin(tuple(tuple(o) for o in options)))
            else:
                parent += [*literal(brace, options), _Lexeme("text", "}", item.at)]
        else:
            here.append(item)
    while stack:
        brace, options = stack.pop()
        (stack[-1][1][-1] if stack else root).extend(literal(brace, options))
    return root


def _is_text(node: _Node) -> bool:
    return isinstance(node, _Lexeme) and node.kind not in ("token", "statement")


class _Source:
    """Jinja source for parsed nodes; tokens and spins become variables the render supplies."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.parts: list[str] = []
        self.tokens: dict[tuple[str, str | None], int] = {}
        self.spins: list[int] = []

    def emit(self, seq: tuple[_Node, ...] | list[_Node]) -> None:
        for is_text, group in groupby(seq, _is_text):
            if is_text:  # no literal text holds "{%", so none can end the raw block early
                text = "".join(n.source for n in group if isinstance(n, _Lexeme))
                self.parts.append(f"{{% raw %}}{text}{{% endraw %}}")
                continue
            for node in group:
                if isinstance(node, _Spin):
                    var = f"{_HELPER}s{len(self.spins)}"
                    self.spins.append(len(node.options))
                    for k, option in enumerate(node.options):
                        self.parts.append(f"{{% {'el' if k else ''}if {var} == {k} %}}")
                        self.emit(option)
                    self.parts.append("{% endif %}")
                elif node.kind == "statement":
                    self.parts.append(node.source)
                else:
                    self._token(node)

    def _token(self, node: _Lexeme) -> None:
        m = _TOKEN.fullmatch(node.source[2:-2])
        if m is None:
            raise ValidationError(
                f"'{node.source}' on line {_line(self.text, node.at)} is not a field: "
                "write {{field}} or {{field|fallback}}"
            )
        key = (m.group(1), None if m.group(2) is None else m.group(2).strip())
        index = self.tokens.setdefault(key, len(self.tokens))
        self.parts.append(f"{{{{ {_HELPER}t{index}{chr(10) * node.source.count(chr(10))} }}}}")


@lru_cache(maxsize=1024)
def _compile(text: str) -> _Compiled:
    """Compiling costs far more than rendering; the send engine reuses a step's templates for
    every lead, so they are compiled once."""
    source = _Source(text)
    try:
        source.emit(_parse(text))
        tree = _ENV.parse("".join(source.parts))
        for node in tree.find_all((*_FORBIDDEN, nodes.Getattr, nodes.Getitem)):
            if isinstance(node, _FORBIDDEN):
                raise ValidationError(f"line {node.lineno}: templates cannot load other templates")
            name = node.attr if isinstance(node, nodes.Getattr) else None
            if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
                name = node.arg.value
            if isinstance(name, str) and name.startswith("_"):
                raise ValidationError(f"line {node.lineno}: '{name}' is not accessible")
        template = _ENV.from_string(tree)
    except TemplateSyntaxError as e:
        raise ValidationError(f"template syntax error on line {e.lineno}: {e.message}") from e
    except (RecursionError, SyntaxError) as e:  # Python's own limits on nesting
        raise ValidationError("the template nests spintax or statements too deep") from e
    names = {n for n in find_undeclared_variables(tree) if not n.startswith(_HELPER)}
    return _Compiled(
        template, tuple(source.tokens), tuple(source.spins), frozenset(names - set(_ENV.globals))
    )


def check_template(text: str) -> None:
    """Refuse a template when the step is added rather than when its first email is due."""
    _compile(text)


def tokens_in(text: str) -> list[str]:
    """The fields the template's `{{ }}` tokens use, in order of first use."""
    return list(dict.fromkeys(name for name, _ in _compile(text).tokens))


def _clean(value: str | None) -> str | None:
    return None if value is None else str(value).strip()


def _render(
    compiled: _Compiled, values: Mapping[str, str | None], rng: random.Random, html: bool
) -> str:
    """Token values and spin choices are worked out here rather than called from the template:
    calls through the sandbox cost several times more than reading a variable. A token without
    value or fallback only blocks the send if the text that holds it is actually rendered."""
    context: dict[str, object] = {
        name: _clean(values[name]) if name in values else None if name in FIELDS else _Absent(name)
        for name in compiled.names
    }
    for i, (name, fallback) in enumerate(compiled.tokens):
        value = _clean(values.get(name))
        # The fallback is the author's own text: in the HTML part it is markup, not escaped.
        shown = (escape(value) if html else value) if value else fallback
        context[f"{_HELPER}t{i}"] = _Absent(name) if shown is None else shown
    for k, options in enumerate(compiled.spins):
        context[f"{_HELPER}s{k}"] = rng.randrange(options)
    try:
        return compiled.template.render(context)
    except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as e:
        raise ValidationError(f"the template cannot be rendered: {e}") from e


def render_message(
    subject: str,
    text: str,
    html: str | None,
    values: Mapping[str, str | None],
    seed: str,
) -> Rendered | MissingToken:
    """The email one lead gets, or the token that blocks it. Spins draw from `Random(seed)` in
    order, subject first; the HTML body draws what the text body drew, so the two, written
    alike, pick alike."""
    rng = random.Random(seed)
    body_state: tuple[Any, ...] = ()
    out: dict[str, str] = {}
    for part, source in (("subject", subject), ("text", text), ("html", html)):
        if source is None:
            continue
        if part == "html":
            rng.setstate(body_state)
        try:
            out[part] = _render(_compile(source), values, rng, html=part == "html")
        except _Missing as missing:
            return MissingToken(str(missing.args[0]), part)
        if part == "subject" and html is not None:
            body_state = rng.getstate()
    return Rendered(out["subject"], out["text"], out.get("html"))
