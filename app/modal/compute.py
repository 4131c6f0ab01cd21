"""The `csv_profile` tool: read CSV text and profile it column by column.

Pure (no I/O), so the local runner, the Modal app and the tests all exercise
the same code. Output is plain JSON: no NaN or Infinity, only None.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from column_profile import clip, profile_column

MAX_TEXT_BYTES = 5 * 1024 * 1024
"""Largest CSV text accepted, in UTF-8 bytes."""
ROW_LIMIT = 200_000
"""Most data rows accepted; `max_rows` may lower it, never raise it."""
RAGGED_TOLERANCE = 10
"""Short rows (padded with nulls) tolerated before the input is refused."""
MAX_COLUMNS = 1000
"""Most columns profiled; the tool's input schema (app/src/tools/csv.ts) says the same. Bounds the
answer: a profile is a few hundred bytes per column, so 1,000,000 columns were 300 MB of JSON."""
CHECK_EVERY_ROWS = 1000
"""Rows read between two checks of `should_stop`."""
SNIFF_DELIMITERS = ",;\t|"
SNIFF_SAMPLE_CHARS = 32 * 1024


class CsvProfileError(ValueError):
    """The input cannot be profiled; the message says what and where."""


class CsvProfileStopped(Exception):
    """`should_stop` said to stop: the caller gave up, or the work ran past its deadline."""


def profile_csv(
    csv_text: str,
    *,
    delimiter: str | None = None,
    max_rows: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Callable[[float, str], None] = lambda done, message: None,
) -> dict[str, Any]:
    """Profile `csv_text`; the first non-blank row is the header.

    `should_stop` is asked between batches of rows and between columns; when it
    answers True the work ends with CsvProfileStopped, so a caller that gave up
    does not leave a core busy. `on_progress` is told, at the same points, the
    share of the work done (0 to 1: reading the rows is the first half,
    profiling the columns the second) and what is being done.
    """
    table = read_csv_table(csv_text, delimiter=delimiter, max_rows=max_rows, should_stop=should_stop, on_progress=on_progress)
    names, rows = table.names, table.rows
    columns: Iterable[tuple[str, ...]] = zip(*rows) if rows else [()] * len(names)
    profiles = []
    for position, (name, values) in enumerate(zip(names, columns), start=1):
        if should_stop():
            raise CsvProfileStopped(f"stopped at column {position} of {len(names)}")
        on_progress(0.5 + 0.5 * (position - 1) / len(names), f"profiling column {position} of {len(names)}")
        profiles.append(profile_column(name, position, values))
    on_progress(1.0, f"profiled {len(rows)} rows and {len(names)} columns")
    return {
        "rows": len(rows),
        "columns": len(names),
        "delimiter": table.delimiter,
        "delimiter_source": table.delimiter_source,
        "header": names,
        "renamed_headers": table.renamed,
        "ragged_rows": table.ragged,
        "column_profiles": profiles,
    }


@dataclass(frozen=True)
class CsvTable:
    """CSV text read into rows of the header's width, with unique column names."""

    names: list[str]
    rows: list[list[str]]
    delimiter: str
    delimiter_source: str
    """"given", "sniffed" or "default"."""
    renamed: list[dict[str, Any]]
    ragged: int
    """Short rows padded with empty fields."""


def read_csv_table(
    csv_text: str,
    *,
    delimiter: str | None = None,
    max_rows: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Callable[[float, str], None] = lambda done, message: None,
) -> CsvTable:
    """Reads `csv_text` within the profiler's limits (size, rows, columns, ragged rows).

    Shared by every CSV tool, so each refuses the same inputs with the same words.
    `on_progress` hears shares from 0 to 0.5: reading is the first half of a tool's work.
    """
    if not isinstance(csv_text, str):
        raise CsvProfileError(f"csv must be a string, got {type(csv_text).__name__}")
    _check_size(csv_text)
    limit = _row_limit(max_rows)
    text = csv_text.removeprefix("\ufeff")
    if not text.strip():
        raise CsvProfileError("CSV input is empty; expected a header row followed by data rows")
    used, source = _choose_delimiter(text, delimiter)
    header, rows, ragged = _read_rows(text, used, limit, should_stop, on_progress)
    names, renamed = _unique_names(header)
    return CsvTable(names, rows, used, source, renamed, ragged)


def _check_size(text: str) -> None:
    # A str never has more characters than UTF-8 bytes, so the cheap test first.
    if len(text) > MAX_TEXT_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise CsvProfileError(f"CSV input is larger than {MAX_TEXT_BYTES} bytes (5 MiB)")


def _row_limit(max_rows: int | None) -> int:
    if max_rows is None:
        return ROW_LIMIT
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or not 1 <= max_rows <= ROW_LIMIT:
        raise CsvProfileError(f"max_rows must be an integer from 1 to {ROW_LIMIT}, got {max_rows!r}")
    return max_rows


def _choose_delimiter(text: str, delimiter: str | None) -> tuple[str, str]:
    """Return (delimiter, source) where source is "given", "sniffed" or "default"."""
    if delimiter is not None:
        if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\"\r\n":
            raise CsvProfileError(
                f"delimiter must be one character other than a quote or a newline, got {delimiter!r}"
            )
        return delimiter, "given"
    sample = text[:SNIFF_SAMPLE_CHARS]
    if len(text) > SNIFF_SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # never sniff a cut-off last line
    try:
        return csv.Sniffer().sniff(sample, delimiters=SNIFF_DELIMITERS).delimiter, "sniffed"
    except csv.Error:
        return ",", "default"


def _read_rows(
    text: str,
    delimiter: str,
    limit: int,
    should_stop: Callable[[], bool],
    on_progress: Callable[[float, str], None],
) -> tuple[list[str], list[list[str]], int]:
    """Parse into (header, rows of header width, count of padded short rows)."""
    source = io.StringIO(text, newline="")
    reader = csv.reader(source, delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    ragged = 0
    first_ragged = 0
    try:
        for record in reader:
            if not record:
                continue  # blank line
            if header is None:
                if not any(field.strip() for field in record):
                    raise CsvProfileError(
                        f"line {reader.line_num}: no header; the first row must name the columns"
                    )
                if len(record) > MAX_COLUMNS:
                    raise CsvProfileError(
                        f"line {reader.line_num}: the header has {len(record)} columns; "
                        f"at most {MAX_COLUMNS} are profiled (select the columns you need first)"
                    )
                header = record
                continue
            if len(rows) % CHECK_EVERY_ROWS == 0:
                if should_stop():
                    raise CsvProfileStopped(f"stopped after {len(rows)} rows")
                on_progress(0.5 * source.tell() / len(text), f"read {len(rows)} rows")
            width = len(header)
            if len(record) != width:
                if len(record) > width and any(f.strip() for f in record[width:]):
                    raise CsvProfileError(
                        f"line {reader.line_num}: row has {len(record)} fields but the header "
                        f"has {width} columns"
                    )
                ragged += 1
                first_ragged = first_ragged or reader.line_num
                if ragged > RAGGED_TOLERANCE:
                    raise CsvProfileError(
                        f"line {reader.line_num}: more than {RAGGED_TOLERANCE} rows have a field "
                        f"count other than the header's {width} (first at line {first_ragged})"
                    )
                record = record[:width] + [""] * (width - len(record))
            if len(rows) >= limit:
                raise CsvProfileError(f"line {reader.line_num}: CSV has more than {limit} data rows")
            rows.append(record)
    except csv.Error as exc:
        raise CsvProfileError(f"line {reader.line_num}: malformed CSV ({exc})") from None
    if header is None:
        raise CsvProfileError("no header; the first row must name the columns")
    return header, rows, ragged


def _unique_names(header: list[str]) -> tuple[list[str], list[dict[str, Any]]]:
    """Name every column uniquely: blanks become col_<position>, repeats name_<n>.

    Linear in the number of columns: each base name remembers the next suffix
    to try (40,000 columns named `a` once took a full core). Names are clipped
    like every other text in the answer.
    """
    stripped = [clip(raw.strip()) for raw in header]
    reserved = {name for name in stripped if name}
    used: set[str] = set()
    next_suffix: dict[str, int] = {}
    names: list[str] = []
    renamed: list[dict[str, Any]] = []
    for position, (raw, name) in enumerate(zip(header, stripped), start=1):
        if not name or name in used:
            base = name or f"col_{position}"
            n = next_suffix.get(base, 1)
            candidate = base
            while candidate in used or (candidate in reserved and candidate != name):
                n += 1
                candidate = f"{base}_{n}"
            next_suffix[base] = n
            name = candidate
        used.add(name)
        names.append(name)
        if name != raw.strip():
            renamed.append({"position": position, "original": clip(raw), "name": name})
    return names, renamed
