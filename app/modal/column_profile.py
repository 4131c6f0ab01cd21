"""Describe one CSV column: infer its type, count nulls, summarise its values.

Pure and JSON-safe: every float that is not finite becomes None. Works on the
distinct values of a column with their counts, so repeated values cost nothing.
"""

from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_right
from collections import Counter
from datetime import datetime, timezone
from itertools import accumulate
from typing import Any, Callable, Iterable

TOP_VALUES = 5
SHOWN_CHARS = 200
"""Longest text (a value, a column name) repeated in the answer; longer ones are cut, ending in "…"."""
QUANTILES = (("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p90", 0.9), ("p99", 0.99))
NULL_TOKENS = frozenset({"", "na", "n/a", "#n/a", "null", "none", "nan"})
"""Compared after trimming and lower-casing."""
TRUE_TOKENS = frozenset({"true", "yes"})
FALSE_TOKENS = frozenset({"false", "no"})

_INT = re.compile(r"[+-]?\d+", re.ASCII)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?",
    re.ASCII,
)


def profile_column(name: str, position: int, values: Iterable[str]) -> dict[str, Any]:
    """Profile one column's raw cells; values are trimmed before anything else."""
    present: Counter[str] = Counter()
    nulls = 0
    for raw, n in Counter(values).items():
        value = raw.strip()
        if value.lower() in NULL_TOKENS:
            nulls += n
        else:
            present[value] += n
    profile: dict[str, Any] = {
        "name": name,
        "position": position,
        "type": "empty",
        "count": sum(present.values()),
        "nulls": nulls,
        "distinct": 0,
    }
    if not present:
        return profile
    for kind, parse, describe in _KINDS:
        parsed = _parse_all(present, parse)
        if parsed is not None:
            profile["type"] = kind
            profile.update(describe(parsed, present))
            return profile
    profile["type"] = "string"
    profile.update(_describe_strings(present))
    return profile


def clip(text: str) -> str:
    """`text`, cut to SHOWN_CHARS characters: one 4 MB cell must not make a 4 MB answer."""
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _parse_all(present: Counter[str], parse: Callable[[str], Any]) -> dict[str, Any] | None:
    """Parse every distinct value, or None as soon as one does not fit."""
    parsed = {}
    for value in present:
        result = parse(value)
        if result is None:
            return None
        parsed[value] = result
    return parsed


def _parse_int(value: str) -> int | None:
    if not _INT.fullmatch(value):
        return None
    try:
        number = int(value)
        float(number)  # refuse what cannot be averaged as a float
    except (ValueError, OverflowError):
        return None
    return number


def parse_number(value: str) -> float | None:
    if not _NUMBER.fullmatch(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _parse_bool(value: str) -> bool | None:
    lowered = value.lower()
    return True if lowered in TRUE_TOKENS else False if lowered in FALSE_TOKENS else None


def _parse_datetime(value: str) -> datetime | None:
    if not _ISO.fullmatch(value):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Order naive and aware values together: naive ones are read as UTC.
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _describe_numbers(parsed: dict[str, float], present: Counter[str]) -> dict[str, Any]:
    weights: dict[float, int] = {}
    for text, number in parsed.items():
        weights[number] = weights.get(number, 0) + present[text]
    ordered = sorted(weights)
    cumulative = list(accumulate(weights[v] for v in ordered))
    n = cumulative[-1]
    mean = _finite(lambda: math.fsum(v * weights[v] for v in ordered) / n)
    stddev = None
    if mean is not None and n > 1:
        stddev = _finite(
            lambda: math.sqrt(math.fsum(weights[v] * (v - mean) ** 2 for v in ordered) / (n - 1))
        )
    return {
        "distinct": len(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "mean": mean,
        "stddev": stddev,
        "quantiles": {
            key: _finite(lambda p=p: _quantile(ordered, cumulative, n, p)) for key, p in QUANTILES
        },
    }


def _quantile(ordered: list[float], cumulative: list[int], n: int, p: float) -> float:
    """Linear interpolation between order statistics (numpy's default method)."""
    h = (n - 1) * p
    low = math.floor(h)
    a = float(ordered[bisect_right(cumulative, low)])
    if h == low:
        return a
    b = float(ordered[bisect_right(cumulative, low + 1)])
    return a + (b - a) * (h - low)


def _finite(compute: Callable[[], Any]) -> float | None:
    try:
        value = float(compute())
    except (OverflowError, ValueError, ZeroDivisionError):
        return None
    return value if math.isfinite(value) else None


def _describe_bools(parsed: dict[str, bool], present: Counter[str]) -> dict[str, Any]:
    trues = sum(present[text] for text, truth in parsed.items() if truth)
    falses = sum(present[text] for text, truth in parsed.items() if not truth)
    return {"distinct": (trues > 0) + (falses > 0), "true_count": trues, "false_count": falses}


def _describe_datetimes(parsed: dict[str, datetime], present: Counter[str]) -> dict[str, Any]:
    ordered = sorted(parsed, key=lambda text: (parsed[text], text))
    return {"distinct": len(parsed), "min": ordered[0], "max": ordered[-1]}


def _describe_strings(present: Counter[str]) -> dict[str, Any]:
    lengths = [len(value) for value in present]
    top = heapq.nsmallest(TOP_VALUES, present.items(), key=lambda item: (-item[1], item[0]))
    return {
        "distinct": len(present),
        "min_length": min(lengths),
        "max_length": max(lengths),
        "top": [{"value": clip(value), "count": count} for value, count in top],
    }


# Tried in order; the first kind that parses every value names the column.
_KINDS = (
    ("integer", _parse_int, _describe_numbers),
    ("number", parse_number, _describe_numbers),
    ("boolean", _parse_bool, _describe_bools),
    ("datetime", _parse_datetime, _describe_datetimes),
)
