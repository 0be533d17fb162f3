"""Assignment files (专家抽取数据文件): reviewer-assignment JSON in, panel draw result out.

`load_assignment_file` turns one JSON object into a `PanelInstance`; `write_result` turns a
`PanelResult` back into the plain JSON a caller writes to OUT.json. Meetings and experts are
numbered by their position in the file (0-based), and the output uses the same indices.

Base format (the public data sets in shared/data/reviewer-assignment use only this)
 - `meetings`, `experts`: how many there are (a number), or a list of names; a meeting name
   becomes the meeting's code in diagnoses, so it must be a token without spaces;
 - `scores[m][e]`: affinity of expert e for meeting m (finite numbers, |score| <= 1000); scaled
   to integer points as round(score * SCORE_SCALE), so precision beyond 1e-4 is lost;
 - `panel_size`: experts per meeting (>= 1);
 - `max_load`: at most this many panels per expert (>= 0; null: no cap);
 - `min_load` (optional): at least this many panels per expert (0 <= min_load <= max_load);
 - `conflicts` (optional): forbidden [meeting, expert] pairs;
 - `name`, `source`, `note` (optional): free text, ignored.
 For panel_size, max_load and min_load a number stands for every meeting or expert, a list gives
 one value each.

Optional extensions (avoidance, specialties and clashes in the same file)
 - `specialties`: {"names": [...]?, "meetings": ..., "experts": [...]}.
   `meetings` is one seat dict {"<specialty>": seats} for every meeting, or a list of them, one
   per meeting; it replaces `panel_size` (which, if also given, must equal the seat total).
   `experts` has one entry per expert: a list of specialty names (depth 1 each) or
   {"<specialty>": depth 1..5}. `names`, if given, is the catalogue every name must come from;
   without it a meeting's specialty must be held by at least one expert.
   With `scores`, an expert is eligible for a meeting only if they hold one of its
   specialties, and the score is the affinity; such a meeting may then have only ONE specialty
   group, because scheduler.panels lets any eligible expert fill any seat group when dense
   scores are given. Without `scores`, affinity is panels.affinity: 20 points per depth level
   plus `years` of experience (capped at 20), and meetings may have several seat groups.
 - `years` (optional): years of experience per expert (number or list), 0..80.
 - `employers`: per expert employer id (number, string or null). Switches on "at most one
   expert per employer on a panel" unless `one_per_employer` is false.
 - `applicants`: per meeting applicant id (number, string or null), in the same id space as
   `employers`: an expert employed by the applicant may not sit on its meeting.
 - `times`: per meeting [start, end] as ISO 8601 date-times (null: no time); a time without a
   UTC offset is China Standard Time (+08:00). Nobody sits on two overlapping meetings.
 - `modes`: "on_site" or "video", one for all or one per meeting (default on_site);
 - `districts`: per meeting district id (number, string or null): two on-site meetings in
   different districts need `travel_buffer_min` minutes between them (default 60).
 - `reserves`: reserves to rank per meeting (number or list, 0..20; default 0).

Malformed files raise ValueError with an English and a Chinese message naming the field and the
index, e.g. "panel_size[3]: must be a whole number >= 1, got -2 / panel_size[3]：…".
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from scheduler.panels import (
    TIE_RANGE,
    PanelExpert,
    PanelInstance,
    PanelMeeting,
    PanelPolicy,
    PanelResult,
    screen,
    seed_commitment,
)
from scheduler.runner import SolveStatus

__all__ = [
    "DEFAULT_SPECIALTY_NAME",
    "SCORE_SCALE",
    "load_assignment_file",
    "objective_name",
    "score_scale",
    "write_result",
]

# One file score unit is this many integer affinity points.
SCORE_SCALE = 10000
# Larger scores would overflow CP-SAT's 64-bit objective once the tie break is scaled in.
MAX_ABS_SCORE = 1000.0
DEFAULT_SPECIALTY = 0
DEFAULT_SPECIALTY_NAME = "评审"
LOCAL_TZ = dt.timezone(dt.timedelta(hours=8))
MAX_SEED = 2**31 - 1
OBJECTIVES = {
    "max-sum": "max_sum",
    "max_sum": "max_sum",
    "max-min": "max_min",
    "max_min": "max_min",
}
MODES = {"on_site": "on_site", "on-site": "on_site", "video": "video"}
_ZH = {"meeting": "会议", "expert": "专家"}
KNOWN_FIELDS = frozenset(
    {
        "name",
        "source",
        "note",
        "meetings",
        "experts",
        "scores",
        "panel_size",
        "max_load",
        "min_load",
        "conflicts",
        "specialties",
        "years",
        "employers",
        "applicants",
        "one_per_employer",
        "times",
        "modes",
        "districts",
        "travel_buffer_min",
        "reserves",
    }
)


def _fail(where: str, en: str, zh: str) -> ValueError:
    """Return the error for a malformed field, in English and Chinese."""
    return ValueError(f"{where}: {en} / {where}：{zh}")


def _whole(value: Any, where: str, lo: int, hi: int | None = None) -> int:
    """Return value as an int in [lo, hi], or raise naming the field."""
    ok = not isinstance(value, bool) and (
        isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    )
    if ok:
        value = int(value)
        ok = value >= lo and (hi is None or value <= hi)
    if not ok:
        span = f">= {lo}" if hi is None else f"in {lo}..{hi}"
        span_zh = f"不小于 {lo}" if hi is None else f"在 {lo} 到 {hi} 之间"
        raise _fail(
            where,
            f"must be a whole number {span}, got {value!r}",
            f"须为{span_zh}的整数，实际为 {value!r}",
        )
    return value


def _per(
    data: Mapping[str, Any],
    key: str,
    n: int,
    what: str,
    convert: Callable[[Any, str], Any],
    default: Any,
    *,
    scalar_ok: bool = True,
) -> list[Any]:
    """Return one value per row: a scalar stands for every row, a list gives one each."""
    raw = data.get(key)
    if raw is None:
        return [default] * n
    if isinstance(raw, list):
        if len(raw) != n:
            raise _fail(
                key,
                f"needs one value per {what} ({n}), got {len(raw)}",
                f"应为每个{_ZH[what]}给出一个值（共 {n} 个），实际 {len(raw)} 个",
            )
        return [convert(v, f"{key}[{i}]") for i, v in enumerate(raw)]
    if not scalar_ok:
        raise _fail(key, f"must be a list with one value per {what}", "须为逐项列出的列表")
    return [convert(raw, key)] * n


def _count(data: Mapping[str, Any], key: str, zh: str) -> tuple[int, list[str] | None]:
    """Return how many meetings or experts there are, and their names when listed."""
    raw = data.get(key)
    if isinstance(raw, list):
        names = []
        for i, name in enumerate(raw):
            if not isinstance(name, str) or not name.strip():
                raise _fail(f"{key}[{i}]", "must be a non-empty name", f"{zh}名称不能为空")
            names.append(name)
        if not names:
            raise _fail(key, "must not be empty", f"至少需要一个{zh}")
        return len(names), names
    if raw is None:
        raise _fail(key, "is required (a count or a list of names)", f"缺少{zh}数量或名称列表")
    return _whole(raw, key, 1), None


def _score(value: Any, where: str) -> int:
    """Return a file score as integer points."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(
            where, f"must be a finite number, got {value!r}", f"须为有限数值，实际为 {value!r}"
        )
    if abs(value) > MAX_ABS_SCORE:
        raise _fail(
            where,
            f"must lie within ±{MAX_ABS_SCORE:g}, got {value!r}",
            f"须在 ±{MAX_ABS_SCORE:g} 之内，实际为 {value!r}",
        )
    return round(value * SCORE_SCALE)


def _scores(raw: Any, n_m: int, n_e: int) -> tuple[tuple[int, ...], ...]:
    """Return the scaled score matrix after checking its shape."""
    if not isinstance(raw, list) or len(raw) != n_m:
        got = len(raw) if isinstance(raw, list) else type(raw).__name__
        raise _fail(
            "scores",
            f"needs one row per meeting ({n_m}), got {got}",
            f"应有 {n_m} 行（每个会议一行），实际 {got}",
        )
    rows = []
    for m, row in enumerate(raw):
        if not isinstance(row, list) or len(row) != n_e:
            got = len(row) if isinstance(row, list) else type(row).__name__
            raise _fail(
                f"scores[{m}]",
                f"needs one score per expert ({n_e}), got {got}",
                f"应有 {n_e} 个分值（每名专家一个），实际 {got}",
            )
        rows.append(tuple(_score(v, f"scores[{m}][{e}]") for e, v in enumerate(row)))
    return tuple(rows)


def _conflicts(raw: Any, n_m: int, n_e: int) -> dict[int, set[int]]:
    """Return the forbidden experts of each meeting."""
    out: dict[int, set[int]] = {}
    if raw is None:
        return out
    if not isinstance(raw, list):
        raise _fail(
            "conflicts", "must be a list of [meeting, expert] pairs", "须为 [会议, 专家] 对的列表"
        )
    for i, pair in enumerate(raw):
        if not isinstance(pair, list) or len(pair) != 2:
            raise _fail(
                f"conflicts[{i}]",
                f"must be a [meeting, expert] pair, got {pair!r}",
                f"须为 [会议, 专家]，实际为 {pair!r}",
            )
        m = _whole(pair[0], f"conflicts[{i}][0]", 0, n_m - 1)
        e = _whole(pair[1], f"conflicts[{i}][1]", 0, n_e - 1)
        out.setdefault(m, set()).add(e)
    return out


def _org_key(value: Any, where: str) -> str | None:
    """Return an organisation or district id as a string key (numbers and strings alike)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise _fail(
            where,
            f"must be a number, a string or null, got {value!r}",
            f"须为编号、字符串或 null，实际为 {value!r}",
        )
    return str(value)


def _mode(value: Any, where: str) -> str:
    """Return a meeting mode."""
    if value not in MODES:
        raise _fail(
            where,
            f"must be 'on_site' or 'video', got {value!r}",
            f"须为 on_site（现场）或 video（视频），实际为 {value!r}",
        )
    return MODES[value]


def _time(value: Any, where: str) -> tuple[int, int, int] | None:
    """Return (start minute, end minute, start day ordinal) of a [start, end] pair, or None."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, str) for v in value):
        raise _fail(
            where,
            f"must be [start, end] ISO date-times or null, got {value!r}",
            f"须为 [开始, 结束] ISO 时间或 null，实际为 {value!r}",
        )
    stamps = []
    for v in value:
        try:
            t = dt.datetime.fromisoformat(v)
        except ValueError:
            raise _fail(
                where, f"{v!r} is not an ISO 8601 date-time", f"{v!r} 不是 ISO 8601 时间"
            ) from None
        stamps.append(t if t.tzinfo is not None else t.replace(tzinfo=LOCAL_TZ))
    start, end = (math.floor(t.timestamp() / 60) for t in stamps)
    if end <= start:
        raise _fail(where, "end must be after start", "结束时间须晚于开始时间")
    return start, end, stamps[0].astimezone(LOCAL_TZ).date().toordinal()


def _specialties(
    raw: Any, n_m: int, n_e: int, panel_size: list[int] | None
) -> tuple[list[dict[int, int]], list[dict[int, int]], dict[int, str]]:
    """Return per-meeting seats, per-expert depths and the specialty names by id."""
    if not isinstance(raw, dict):
        raise _fail(
            "specialties",
            "must be an object with 'meetings' and 'experts'",
            "须为包含 meetings 与 experts 的对象",
        )
    extra = set(raw) - {"names", "meetings", "experts"}
    if extra:
        raise _fail("specialties", f"unknown keys {sorted(extra)}", f"未知字段 {sorted(extra)}")
    for key in ("meetings", "experts"):
        if key not in raw:
            raise _fail(f"specialties.{key}", "is required", "缺少该字段")
    names = raw.get("names")
    catalogue: list[str] | None = None
    if names is not None:
        if not isinstance(names, list) or not names:
            raise _fail(
                "specialties.names", "must be a non-empty list of names", "须为非空的专业名称列表"
            )
        for i, name in enumerate(names):
            if not isinstance(name, str) or not name.strip():
                raise _fail(
                    f"specialties.names[{i}]", "must be a non-empty name", "专业名称不能为空"
                )
        if len(set(names)) != len(names):
            raise _fail("specialties.names", "names must be unique", "专业名称不能重复")
        catalogue = list(names)

    def name_ok(name: Any, where: str) -> str:
        if not isinstance(name, str) or not name.strip():
            raise _fail(
                where, f"must be a specialty name, got {name!r}", f"须为专业名称，实际为 {name!r}"
            )
        if catalogue is not None and name not in catalogue:
            raise _fail(
                where,
                f"unknown specialty {name!r}",
                f"未知专业 {name!r}（不在 specialties.names 中）",
            )
        return name

    def seat_dict(value: Any, where: str) -> dict[str, int]:
        if not isinstance(value, dict) or not value:
            raise _fail(
                where,
                "must be a non-empty {specialty: seats} object",
                "须为非空的 {专业: 席位数} 对象",
            )
        return {
            name_ok(k, f"{where}[{k!r}]"): _whole(v, f"{where}[{k!r}]", 1) for k, v in value.items()
        }

    def depth_dict(value: Any, where: str) -> dict[str, int]:
        if isinstance(value, list):
            got = [name_ok(k, f"{where}[{i}]") for i, k in enumerate(value)]
            return dict.fromkeys(got, 1)
        if isinstance(value, dict):
            return {
                name_ok(k, f"{where}[{k!r}]"): _whole(v, f"{where}[{k!r}]", 1, 5)
                for k, v in value.items()
            }
        raise _fail(
            where,
            "must be a list of names or a {specialty: depth} object",
            "须为专业名称列表或 {专业: 深度} 对象",
        )

    seats_raw = raw["meetings"]
    if isinstance(seats_raw, dict):
        seats = [seat_dict(seats_raw, "specialties.meetings")] * n_m
    elif isinstance(seats_raw, list) and len(seats_raw) == n_m:
        seats = [seat_dict(v, f"specialties.meetings[{i}]") for i, v in enumerate(seats_raw)]
    else:
        got = len(seats_raw) if isinstance(seats_raw, list) else type(seats_raw).__name__
        raise _fail(
            "specialties.meetings",
            f"must be one seat object, or a list with one per meeting ({n_m}), got {got}",
            f"须为一个席位对象，或每个会议一个（共 {n_m} 个），实际 {got}",
        )
    experts_raw = raw["experts"]
    if not isinstance(experts_raw, list) or len(experts_raw) != n_e:
        got = len(experts_raw) if isinstance(experts_raw, list) else type(experts_raw).__name__
        raise _fail(
            "specialties.experts",
            f"needs one entry per expert ({n_e}), got {got}",
            f"应为每名专家给出一项（共 {n_e} 项），实际 {got}",
        )
    depths = [depth_dict(v, f"specialties.experts[{i}]") for i, v in enumerate(experts_raw)]

    held = {name for d in depths for name in d}
    for m, seat in enumerate(seats):
        for name in seat:
            if catalogue is None and name not in held:
                where = f"specialties.meetings[{m}][{name!r}]"
                raise _fail(
                    where,
                    f"unknown specialty {name!r}: no expert holds it",
                    f"未知专业 {name!r}：没有专家具备该专业",
                )
        if panel_size is not None and sum(seat.values()) != panel_size[m]:
            raise _fail(
                f"panel_size[{m}]",
                f"is {panel_size[m]} but specialties.meetings[{m}] has {sum(seat.values())} seats",
                f"为 {panel_size[m]}，而 specialties.meetings[{m}] 共 {sum(seat.values())} 席",
            )
    order = catalogue or list(
        dict.fromkeys([n for s in seats for n in s] + [n for d in depths for n in d])
    )
    ids = {name: i + 1 for i, name in enumerate(order)}
    return (
        [{ids[k]: v for k, v in s.items()} for s in seats],
        [{ids[k]: v for k, v in d.items()} for d in depths],
        {i: name for name, i in ids.items()},
    )


def _read(path_or_dict: str | os.PathLike[str] | Mapping[str, Any]) -> Mapping[str, Any]:
    """Return the file's JSON object."""
    if isinstance(path_or_dict, Mapping):
        return path_or_dict
    path = Path(path_or_dict)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise _fail(
            path.name,
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）",
        ) from None
    except UnicodeDecodeError:
        raise _fail(path.name, "not UTF-8 text", "不是 UTF-8 文本") from None
    if not isinstance(data, dict):
        raise _fail(path.name, "must hold one JSON object", "须为一个 JSON 对象")
    return data


def load_assignment_file(
    path_or_dict: str | os.PathLike[str] | Mapping[str, Any],
    *,
    objective: str,
    seed: int,
    tie_break: bool = True,
) -> PanelInstance:
    """Return the panel instance of an assignment file (see the module docstring)."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {sorted(OBJECTIVES)}, got {objective!r}")
    seed = _whole(seed, "seed", 0, MAX_SEED)
    data = _read(path_or_dict)
    unknown = sorted(set(data) - KNOWN_FIELDS)
    if unknown:
        raise _fail("file", f"unknown fields {unknown}", f"未知字段 {unknown}")
    n_m, meeting_names = _count(data, "meetings", "会议")
    n_e, expert_names = _count(data, "experts", "专家")
    if meeting_names is not None:
        for i, name in enumerate(meeting_names):
            if len(name) > 60 or any(c.isspace() for c in name):
                raise _fail(
                    f"meetings[{i}]",
                    "must be at most 60 characters without spaces",
                    "须为不含空格、不超过 60 字的编号",
                )
        if len(set(meeting_names)) != n_m:
            raise _fail("meetings", "names must be unique", "会议编号不能重复")

    has_specialties = data.get("specialties") is not None
    panel_size = None
    if data.get("panel_size") is not None or not has_specialties:
        if data.get("panel_size") is None:
            raise _fail(
                "panel_size", "is required (or give specialties.meetings)", "缺少每个会议的专家人数"
            )
        panel_size = _per(data, "panel_size", n_m, "meeting", lambda v, w: _whole(v, w, 1), None)
    if data.get("scores") is None and not has_specialties:
        raise _fail(
            "scores", "is required (or give specialties for depth-based affinity)", "缺少匹配分矩阵"
        )
    scores = _scores(data["scores"], n_m, n_e) if data.get("scores") is not None else None

    if has_specialties:
        seats, depths, names = _specialties(data["specialties"], n_m, n_e, panel_size)
    else:
        assert panel_size is not None
        seats = [{DEFAULT_SPECIALTY: n} for n in panel_size]
        depths = [{} for _ in range(n_e)]
        names = {DEFAULT_SPECIALTY: DEFAULT_SPECIALTY_NAME}
    for m, seat in enumerate(seats):
        where = f"panel_size[{m}]" if not has_specialties else f"specialties.meetings[{m}]"
        if sum(seat.values()) > n_e:
            raise _fail(
                where,
                f"asks for {sum(seat.values())} seats but there are only {n_e} experts",
                f"需要 {sum(seat.values())} 席，但专家只有 {n_e} 名",
            )
        if scores is not None and len(seat) > 1:
            raise _fail(
                f"specialties.meetings[{m}]",
                "with scores a meeting may have only one specialty group",
                "给出匹配分时，每个会议只能有一个专业席位组",
            )

    max_load = _per(
        data, "max_load", n_e, "expert", lambda v, w: None if v is None else _whole(v, w, 0), None
    )
    if "max_load" not in data:
        raise _fail(
            "max_load", "is required (a number, a list, or null for no cap)", "缺少专家评审场次上限"
        )
    min_load = _per(data, "min_load", n_e, "expert", lambda v, w: _whole(v, w, 0), 0)
    for e, (lo, hi) in enumerate(zip(min_load, max_load, strict=True)):
        if hi is not None and lo > hi:
            raise _fail(f"min_load[{e}]", f"{lo} exceeds max_load {hi}", f"{lo} 大于场次上限 {hi}")
    years = _per(data, "years", n_e, "expert", lambda v, w: _whole(v, w, 0, 80), 0)
    reserves = _per(data, "reserves", n_m, "meeting", lambda v, w: _whole(v, w, 0, 20), 0)
    conflicts = _conflicts(data.get("conflicts"), n_m, n_e)

    employers = _per(data, "employers", n_e, "expert", _org_key, None, scalar_ok=False)
    applicants = _per(data, "applicants", n_m, "meeting", _org_key, None, scalar_ok=False)
    orgs = {k: i + 1 for i, k in enumerate(dict.fromkeys(k for k in employers + applicants if k))}
    times = _per(data, "times", n_m, "meeting", _time, None, scalar_ok=False)
    modes = _per(data, "modes", n_m, "meeting", _mode, "on_site")
    district_keys = _per(data, "districts", n_m, "meeting", _org_key, None)
    districts = {k: i + 1 for i, k in enumerate(dict.fromkeys(k for k in district_keys if k))}
    one_per_employer = data.get("one_per_employer", True)
    if not isinstance(one_per_employer, bool):
        raise _fail("one_per_employer", "must be true or false", "须为 true 或 false")
    travel = _whole(data.get("travel_buffer_min", 60), "travel_buffer_min", 0, 24 * 60)

    experts = tuple(
        PanelExpert(
            id=e,
            name=expert_names[e] if expert_names else f"E{e}",
            pool_level="city",
            employer_id=orgs.get(employers[e]) if employers[e] else None,
            specialties=depths[e],
            years=years[e],
            min_load=min_load[e],
            max_load=max_load[e],
        )
        for e in range(n_e)
    )
    meetings = []
    for m in range(n_m):
        declined = set(conflicts.get(m, ()))
        if scores is not None and has_specialties:
            # scheduler.panels skips the specialty screen when scores are given.
            declined |= {e for e in range(n_e) if not set(depths[e]) & set(seats[m])}
        when = times[m]
        meetings.append(
            PanelMeeting(
                id=m,
                code=meeting_names[m] if meeting_names else f"M{m}",
                applicant_id=orgs.get(applicants[m]) if applicants[m] else None,
                pool_level="any",
                district_id=districts.get(district_keys[m]) if district_keys[m] else None,
                mode=modes[m],
                start=when[0] if when else None,
                end=when[1] if when else None,
                day=when[2] if when else 0,
                seats=seats[m],
                reserves=reserves[m],
                declined=frozenset(declined),
            )
        )
    policy = PanelPolicy(
        applicant_cap=None,
        load_cap=None,
        travel_buffer_min=travel,
        one_per_employer=one_per_employer and any(employers),
        objective=OBJECTIVES[objective],
        balance_weight=0,
        tie_break=tie_break,
    )
    return PanelInstance(
        meetings=tuple(meetings),
        experts=experts,
        policy=policy,
        seed=seed,
        scores=scores,
        specialty_names=names,
    )


def score_scale(instance: PanelInstance) -> int:
    """Return how many integer points make one file unit (1 for depth-based affinity)."""
    return SCORE_SCALE if instance.scores is not None else 1


def objective_name(instance: PanelInstance) -> str:
    """Return the objective as the command line spells it."""
    return instance.policy.objective.replace("_", "-")


def _goal_bound(result: PanelResult, instance: PanelInstance) -> int | None:
    """Return the solver's bound on the main goal in points (total or worst panel), or None.

    scheduler.panels maximises unit * affinity + tie break (max-sum), plus
    unit * (2 * span + 1) * worst panel (max-min); this inverts that scaling and checks it
    against the solution's own terms, returning None rather than a wrong bound.
    """
    report, solution = result.report, result.solution
    policy = instance.policy
    if report.best_bound is None or policy.balance_weight:
        return None
    seats = sum(sum(m.seats.values()) for m in instance.meetings)
    unit = TIE_RANGE * seats + 1 if policy.tie_break else 1
    gain = -report.best_bound
    if solution is not None and report.penalties.get("affinity", 0) != -unit * solution.affinity:
        return None
    if policy.objective == "max_sum":
        bound = gain // unit
        if solution is not None and bound < solution.affinity:
            return None
        return bound
    # max-min: unit * affinity + tie break lies within unit * (±(span - 1)) + [0, unit).
    scores = instance.scores
    col = {e.id: i for i, e in enumerate(instance.experts)}
    experts = {e.id: e for e in instance.experts}
    candidates = screen(instance).candidates
    points = []
    for mi, m in enumerate(instance.meetings):
        for e_id, specs in candidates[m.id].items():
            for s in specs:
                if scores is not None:
                    points.append(abs(scores[mi][col[e_id]]))
                else:
                    ex = experts[e_id]
                    points.append(20 * ex.specialties.get(s, 0) + min(ex.years, 20))
    span = sum(sorted(points, reverse=True)[:seats]) + 1
    weight = unit * (2 * span + 1)
    worst = None if solution is None else solution.worst_panel
    if worst is not None and report.penalties.get("worst_panel", 0) != -weight * worst:
        return None
    bound = (gain + unit * (span - 1)) // weight
    if worst is not None and bound < worst:
        return None
    return bound


def write_result(
    result: PanelResult, instance: PanelInstance, seed: int, salt: str
) -> dict[str, Any]:
    """Return the OUT.json content of a draw: status, goals, panels by expert index, proof."""
    report, solution = result.report, result.solution
    scale = score_scale(instance)
    col = {e.id: i for i, e in enumerate(instance.experts)}
    out: dict[str, Any] = {
        "status": report.status.value,
        "proven_optimal": report.status is SolveStatus.OPTIMAL,
        "objective_kind": objective_name(instance),
        "objective": None,
        "worst_panel": None,
        "score_unit": "file scores" if instance.scores is not None else "affinity points",
        "score_scale": scale,
    }
    bound = _goal_bound(result, instance) if solution is not None else None
    out["best_bound"] = None if bound is None else bound / scale
    out["best_bound_of"] = "objective" if instance.policy.objective == "max_sum" else "worst_panel"
    if solution is not None:
        out["objective"] = solution.affinity / scale
        out["worst_panel"] = None if solution.worst_panel is None else solution.worst_panel / scale
        panels = [
            sorted(col[seat.expert_id] for seat in solution.panels.get(m.id, ()))
            for m in instance.meetings
        ]
        loads = [0] * len(instance.experts)
        for panel in panels:
            for e in panel:
                loads[e] += 1
        out["panels"] = panels
        out["reserves"] = [
            [col[r.expert_id] for r in solution.reserves.get(m.id, ())] for m in instance.meetings
        ]
        out["loads"] = loads
        if set(instance.specialty_names) != {DEFAULT_SPECIALTY}:
            out["seats"] = [
                [
                    {
                        "expert": col[seat.expert_id],
                        "specialty": instance.specialty_names.get(
                            seat.specialty_id, str(seat.specialty_id)
                        ),
                        "score": seat.affinity / scale,
                    }
                    for seat in solution.panels.get(m.id, ())
                ]
                for m in instance.meetings
            ]
    else:
        out["panels"] = None
        out["reserves"] = None
    out.update(
        seed=seed,
        salt=salt,
        seed_commitment=seed_commitment(seed, salt),
        solver_version=report.solver_version,
        wall_time_s=round(report.wall_time_s, 3),
        solutions=report.solutions,
    )
    if report.status is SolveStatus.INFEASIBLE:
        out["diagnosis"] = [{"name": c.name, "detail": c.detail} for c in report.diagnosis]
    return out
