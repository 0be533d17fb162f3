"""An iCalendar reader for tests, written apart from api/ical.py so one bug cannot hide in both.

It follows RFC 5545 strictly where a feed could go wrong: physical lines must end in CRLF, be
at most 75 octets and be valid UTF-8 on their own (a fold must not split a character); content
lines are unfolded, split into name, parameters (quoted or not) and value; TEXT values are
unescaped and raw commas or semicolons in them are refused. It does not use `icalendar`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_OCTETS = 75
TEXT_ESCAPES = {"\\": "\\", ";": ";", ",": ",", "n": "\n", "N": "\n"}


class ReadError(ValueError):
    """The bytes are not a well-formed iCalendar stream."""


@dataclass
class Prop:
    """One content line: name, parameters and the raw value."""

    name: str
    params: dict[str, str]
    value: str


@dataclass
class Component:
    """A BEGIN/END block with its properties and nested blocks."""

    name: str
    props: list[Prop] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def all(self, name: str) -> list[Prop]:
        """Return every property of the name."""
        return [p for p in self.props if p.name == name]

    def one(self, name: str) -> Prop | None:
        """Return the property of the name, None when absent; refuse repeats."""
        found = self.all(name)
        if len(found) > 1:
            raise ReadError(f"{self.name}: {name} appears {len(found)} times")
        return found[0] if found else None

    def value(self, name: str) -> str | None:
        """Return the raw value of a property, or None."""
        prop = self.one(name)
        return prop.value if prop else None

    def text(self, name: str) -> str | None:
        """Return the unescaped TEXT value of a property, or None."""
        prop = self.one(name)
        return unescape(prop.value) if prop else None

    def components(self, name: str) -> list[Component]:
        """Return the nested components of the name."""
        return [c for c in self.children if c.name == name]


def physical_lines(body: bytes) -> list[bytes]:
    """Split on CRLF, checking line ends, lengths and that each line decodes alone."""
    if not body.endswith(b"\r\n"):
        raise ReadError("the body does not end with CRLF")
    lines = body[:-2].split(b"\r\n")
    for number, line in enumerate(lines, 1):
        if b"\r" in line or b"\n" in line:
            raise ReadError(f"line {number}: bare CR or LF")
        if len(line) > MAX_OCTETS:
            raise ReadError(f"line {number}: {len(line)} octets")
        try:
            line.decode("utf-8", errors="strict")
        except UnicodeDecodeError as exc:
            raise ReadError(f"line {number}: not UTF-8 by itself ({exc})") from exc
    return lines


def unfold(lines: list[bytes]) -> list[str]:
    """Join continuation lines (leading space or tab) to their content line."""
    logical: list[bytearray] = []
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if not logical:
                raise ReadError("the first line is a continuation")
            logical[-1] += line[1:]
        else:
            logical.append(bytearray(line))
    return [bytes(b).decode("utf-8") for b in logical]


def _is_name_char(ch: str) -> bool:
    """Tell whether a character may appear in a property or parameter name."""
    return ch.isascii() and (ch.isalnum() or ch == "-")


def split_line(line: str) -> Prop:
    """Split one unfolded content line into name, parameters and value."""
    i, n = 0, len(line)
    while i < n and _is_name_char(line[i]):
        i += 1
    name = line[:i].upper()
    if not name:
        raise ReadError(f"no property name: {line!r}")
    params: dict[str, str] = {}
    while i < n and line[i] == ";":
        start = i = i + 1
        while i < n and _is_name_char(line[i]):
            i += 1
        pname = line[start:i].upper()
        if not pname or i >= n or line[i] != "=":
            raise ReadError(f"bad parameter in {line!r}")
        i += 1
        if i < n and line[i] == '"':
            end = line.find('"', i + 1)
            if end < 0:
                raise ReadError(f"unterminated quote in {line!r}")
            params[pname] = line[i + 1 : end]
            i = end + 1
        else:
            start = i
            while i < n and line[i] not in ";:":
                if line[i] == '"':
                    raise ReadError(f"quote inside an unquoted parameter in {line!r}")
                i += 1
            params[pname] = line[start:i]
    if i >= n or line[i] != ":":
        raise ReadError(f"no ':' after the name and parameters in {line!r}")
    return Prop(name, params, line[i + 1 :])


def unescape(value: str) -> str:
    """Unescape a TEXT value, refusing unknown escapes and unescaped commas or semicolons."""
    out: list[str] = []
    chars = iter(value)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, None)
            if nxt not in TEXT_ESCAPES:
                raise ReadError(f"unknown escape \\{nxt} in {value!r}")
            out.append(TEXT_ESCAPES[nxt])
        elif ch in ",;":
            raise ReadError(f"unescaped {ch!r} in {value!r}")
        else:
            out.append(ch)
    return "".join(out)


def parse(body: bytes) -> Component:
    """Return the one VCALENDAR of a body, with its components nested."""
    stack: list[Component] = []
    root: Component | None = None
    for line in unfold(physical_lines(body)):
        prop = split_line(line)
        if prop.name == "BEGIN":
            comp = Component(prop.value.upper())
            if stack:
                stack[-1].children.append(comp)
            elif root is not None:
                raise ReadError("more than one top-level component")
            else:
                root = comp
            stack.append(comp)
        elif prop.name == "END":
            if not stack or stack[-1].name != prop.value.upper():
                raise ReadError(f"END:{prop.value} does not close the open component")
            stack.pop()
        elif not stack:
            raise ReadError(f"property outside any component: {line!r}")
        else:
            stack[-1].props.append(prop)
    if root is None or stack:
        raise ReadError("no complete component")
    if root.name != "VCALENDAR":
        raise ReadError(f"top-level component is {root.name}")
    return root
