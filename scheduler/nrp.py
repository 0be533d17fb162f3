"""Read the Curtois & Qu shift-scheduling benchmark format into a RosterInstance; write OUT.json.

The text format (schedulingbenchmarks.org, "Nurse Rostering Instances 1..24") has sections
`SECTION_HORIZON`, `SECTION_SHIFTS`, `SECTION_STAFF`, `SECTION_DAYS_OFF`,
`SECTION_SHIFT_ON_REQUESTS`, `SECTION_SHIFT_OFF_REQUESTS` and `SECTION_COVER`, comma-separated
lines, `#` comments and CRLF line endings. Day 0 is a Monday. A problem in the file raises
`NrpFormatError` naming the file, the line number and the line, in Chinese, e.g.
"Instance1.txt 第 12 行：未知班次 X（A,3,X,2）". The benchmark has no qualifications, pins,
previous roster or fairness carry-over, and its objective has no minimal-change or fairness term,
so those weights are 0.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scheduler.roster import (
    Cover,
    Employee,
    Request,
    RosterInstance,
    RosterResult,
    RosterWeights,
    ShiftType,
)

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)
REQUIRED = ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF")
NO_EXTRA_GOALS = RosterWeights(minimal_change=0, fair_nights=0, fair_weekends=0, fair_holidays=0)


class NrpFormatError(ValueError):
    """The benchmark file is malformed; the message names the file and line."""


class _Line:
    """One data line of the file, with its number, for messages."""

    def __init__(self, source: str, number: int, text: str) -> None:
        self.source = source
        self.number = number
        self.text = text
        self.fields = [f.strip() for f in text.split(",")]

    def error(self, problem: str) -> NrpFormatError:
        """Return the error for this line."""
        return NrpFormatError(f"{self.source} 第 {self.number} 行：{problem}（{self.text}）")

    def int_at(self, i: int, what: str, low: int = 0) -> int:
        """Return field i as an integer of at least low."""
        raw = self.fields[i]
        try:
            value = int(raw)
        except ValueError:
            raise self.error(f"{what}应为整数，实为 “{raw}”") from None
        if value < low:
            raise self.error(f"{what}不能小于 {low}，实为 {value}")
        return value

    def expect(self, n: int, layout: str) -> None:
        """Fail unless the line has exactly n fields."""
        if len(self.fields) != n:
            raise self.error(f"应有 {n} 个字段（{layout}），实有 {len(self.fields)} 个")


def parse_nrp(text: str, source: str = "<text>") -> RosterInstance:
    """Return the instance described by a benchmark text; raise NrpFormatError on a bad line."""
    sections: dict[str, list[_Line]] = {}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            if line not in SECTIONS:
                raise NrpFormatError(f"{source} 第 {number} 行：未知的段落 {line}")
            if line in sections:
                raise NrpFormatError(f"{source} 第 {number} 行：段落 {line} 重复出现")
            current = line
            sections[current] = []
            continue
        if current is None:
            raise NrpFormatError(f"{source} 第 {number} 行：数据出现在任何段落之前（{line}）")
        sections[current].append(_Line(source, number, line))
    for name in REQUIRED:
        if name not in sections:
            raise NrpFormatError(f"{source}：缺少段落 {name}")

    horizon_lines = sections["SECTION_HORIZON"]
    if len(horizon_lines) != 1:
        raise NrpFormatError(f"{source}：SECTION_HORIZON 应只有一行天数")
    horizon_lines[0].expect(1, "天数")
    horizon = horizon_lines[0].int_at(0, "天数", low=1)

    shift_lines: dict[str, _Line] = {}
    raw_shifts: list[tuple[str, int, list[str]]] = []
    for ln in sections["SECTION_SHIFTS"]:
        ln.expect(3, "ShiftID, minutes, ForbiddenNext")
        sid = ln.fields[0]
        if not sid:
            raise ln.error("班次编号为空")
        if sid in shift_lines:
            raise ln.error(f"班次 {sid} 重复定义")
        shift_lines[sid] = ln
        forbidden = [t.strip() for t in ln.fields[2].split("|") if t.strip()]
        raw_shifts.append((sid, ln.int_at(1, "班次时长（分钟）", low=0), forbidden))
    shifts = []
    for sid, minutes, forbidden in raw_shifts:
        ln = shift_lines[sid]
        for t in forbidden:
            if t not in shift_lines:
                raise ln.error(f"未知班次 {t}（禁止后续班次）")
        shifts.append(_make(ln, ShiftType, id=sid, minutes=minutes, forbidden_next=forbidden))

    staff: dict[str, dict[str, Any]] = {}
    staff_lines: dict[str, _Line] = {}
    for ln in sections["SECTION_STAFF"]:
        ln.expect(
            8,
            "ID, MaxShifts, MaxTotalMinutes, MinTotalMinutes, MaxConsecutiveShifts, "
            "MinConsecutiveShifts, MinConsecutiveDaysOff, MaxWeekends",
        )
        eid = ln.fields[0]
        if not eid:
            raise ln.error("员工编号为空")
        if eid in staff:
            raise ln.error(f"员工 {eid} 重复定义")
        limits: dict[str, int] = {}
        for part in (p.strip() for p in ln.fields[1].split("|")):
            if not part:
                continue
            sid, eq, value = part.partition("=")
            if not eq:
                raise ln.error(f"班次上限应写作 班次=次数，实为 “{part}”")
            if sid not in shift_lines:
                raise ln.error(f"未知班次 {sid}")
            try:
                limits[sid] = int(value)
            except ValueError:
                raise ln.error(f"班次 {sid} 的上限应为整数，实为 “{value}”") from None
        staff[eid] = {
            "id": eid,
            "max_shifts": limits,
            "max_total_minutes": ln.int_at(2, "最长总工时"),
            "min_total_minutes": ln.int_at(3, "最短总工时"),
            "max_consecutive_shifts": ln.int_at(4, "最多连续上班天数", low=1),
            "min_consecutive_shifts": ln.int_at(5, "最少连续上班天数", low=1),
            "min_consecutive_days_off": ln.int_at(6, "最少连续休息天数", low=1),
            "max_weekends": ln.int_at(7, "最多周末数"),
            "fixed_days_off": set(),
        }
        staff_lines[eid] = ln

    def employee_of(ln: _Line) -> str:
        eid = ln.fields[0]
        if eid not in staff:
            raise ln.error(f"未知员工 {eid}")
        return eid

    def day_of(ln: _Line, i: int) -> int:
        day = ln.int_at(i, "日期")
        if day >= horizon:
            raise ln.error(f"日期 {day} 超出排班周期（0–{horizon - 1}）")
        return day

    def shift_of(ln: _Line, i: int) -> str:
        sid = ln.fields[i]
        if sid not in shift_lines:
            raise ln.error(f"未知班次 {sid}")
        return sid

    for ln in sections.get("SECTION_DAYS_OFF", []):
        eid = employee_of(ln)
        for i in range(1, len(ln.fields)):
            if ln.fields[i]:
                staff[eid]["fixed_days_off"].add(day_of(ln, i))

    requests: list[Request] = []
    for name, kind in (("SECTION_SHIFT_ON_REQUESTS", "on"), ("SECTION_SHIFT_OFF_REQUESTS", "off")):
        for ln in sections.get(name, []):
            ln.expect(4, "EmployeeID, Day, ShiftID, Weight")
            requests.append(
                _make(
                    ln,
                    Request,
                    kind=kind,
                    employee=employee_of(ln),
                    day=day_of(ln, 1),
                    shift=shift_of(ln, 2),
                    weight=ln.int_at(3, "权重"),
                )
            )

    covers: list[Cover] = []
    seen: set[tuple[int, str]] = set()
    for ln in sections.get("SECTION_COVER", []):
        ln.expect(5, "Day, ShiftID, Requirement, WeightUnder, WeightOver")
        day, sid = day_of(ln, 0), shift_of(ln, 1)
        if (day, sid) in seen:
            raise ln.error(f"第 {day} 天班次 {sid} 的需求重复")
        seen.add((day, sid))
        covers.append(
            _make(
                ln,
                Cover,
                day=day,
                shift=sid,
                requirement=ln.int_at(2, "需求人数"),
                weight_under=ln.int_at(3, "缺员权重"),
                weight_over=ln.int_at(4, "超员权重"),
            )
        )

    employees = [_make(staff_lines[eid], Employee, **fields) for eid, fields in staff.items()]
    try:
        return RosterInstance(
            name=Path(source).stem or "nrp",
            horizon_days=horizon,
            first_weekday=0,
            shifts=tuple(shifts),
            employees=tuple(employees),
            requests=tuple(requests),
            covers=tuple(covers),
            weights=NO_EXTRA_GOALS,
        )
    except ValidationError as exc:
        raise NrpFormatError(f"{source}：{_first_error(exc)}") from None


def _make(ln: _Line, schema: type, **fields: Any) -> Any:
    """Build one schema object, turning a validation error into an error naming the line."""
    try:
        return schema(**fields)
    except ValidationError as exc:
        raise ln.error(f"数据不符合规则：{_first_error(exc)}") from None


def _first_error(exc: ValidationError) -> str:
    """Return the first validation problem as 'field: message'."""
    err = exc.errors()[0]
    where = ".".join(str(x) for x in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])


def read_nrp(path: str | os.PathLike[str]) -> RosterInstance:
    """Read a benchmark file; raise NrpFormatError (a ValueError) or OSError."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NrpFormatError(f"{p.name}：不是 UTF-8 文本（{exc}）") from None
    return parse_nrp(text, p.name)


def result_document(
    instance: RosterInstance, result: RosterResult, violations: list[str]
) -> dict[str, Any]:
    """Return the content of OUT.json: status, objective, bound, terms and the roster."""
    report = result.report
    solution = result.solution
    return {
        "instance": instance.name,
        "status": report.status.value,
        "objective": solution.objective if solution is not None else None,
        "best_bound": report.best_bound,
        "gap": report.gap,
        "wall_time_s": round(report.wall_time_s, 3),
        "penalties": dict(solution.penalties) if solution is not None else {},
        "violations": violations,
        "solver_version": report.solver_version,
        "seed": report.params.seed,
        "workers": report.params.workers,
        "roster": (
            {e: list(row) for e, row in solution.assignments.items()}
            if solution is not None
            else {}
        ),
    }


def write_out(path: Path, content: dict[str, Any]) -> None:
    """Write OUT.json to a temporary file in the target directory, then rename it into place."""
    # One employee a line keeps a year-long roster readable and diffable.
    lines = []
    for key, value in content.items():
        if key == "roster" and value:
            rows = [f"  {json.dumps(e)}: {json.dumps(r)}" for e, r in value.items()]
            lines.append(' "roster": {\n' + ",\n".join(rows) + "\n }")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    text = "{\n" + ",\n".join(lines) + "\n}\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
