"""The `csv_profile` tool: read CSV text and profile it column by column.

Pure (no I/O), so the local runner, the Modal app and the tests all exercise
the same code. Output is plain JSON: no NaN or Infinity, only None.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable

from column_profile import profile_column

MAX_TEXT_BYTES = 5 * 1024 * 1024
"""Largest CSV text accepted, in UTF-8 bytes."""
ROW_LIMIT = 200_000
"""Most data rows accepted; `max_rows` may lower it, never raise it."""
RAGGED_TOLERANCE = 10
"""Short rows (padded with nulls) tolerated before the input is refused."""
SNIFF_DELIMITERS = ",;\t|"
SNIFF_SAMPLE_CHARS = 32 * 1024


class CsvProfileError(ValueError):
    """The input cannot be profiled; the message says what and where."""


def profile_csv(
    csv_text: str, *, delimiter: str | None = None, max_rows: int | None = None
) -> dict[str, Any]:
    """Profile `csv_text`; the first non-blank row is the header."""
    if not isinstance(csv_text, str):
        raise CsvProfileError(f"csv must be a string, got {type(csv_text).__name__}")
    _check_size(csv_text)
    limit = _row_limit(max_rows)
    text = csv_text.removeprefix("\ufeff")
    if not text.strip():
        raise CsvProfileError("CSV input is empty; expected a header row followed by data rows")
    used, source = _choose_delimiter(text, delimiter)
    header, rows, ragged = _read_rows(text, used, limit)
    names, renamed = _unique_names(header)
    columns: Iterable[tuple[str, ...]] = zip(*rows) if rows else [()] * len(names)
    return {
        "rows": len(rows),
        "columns": len(names),
        "delimiter": used,
        "delimiter_source": source,
        "header": names,
        "renamed_headers": renamed,
        "ragged_rows": ragged,
        "column_profiles": [
            profile_column(name, position, values)
            for position, (name, values) in enumerate(zip(names, columns), start=1)
        ],
    }


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


def _read_rows(text: str, delimiter: str, limit: int) -> tuple[list[str], list[list[str]], int]:
    """Parse into (header, rows of header width, count of padded short rows)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
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
                header = record
                continue
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
    """Name every column uniquely: blanks become col_<position>, repeats name_<n>."""
    reserved = {raw.strip() for raw in header if raw.strip()}
    used: set[str] = set()
    names: list[str] = []
    renamed: list[dict[str, Any]] = []
    for position, raw in enumerate(header, start=1):
        name = raw.strip()
        if not name or name in used:
            base = name or f"col_{position}"
            name, n = base, 1
            while name in used or (name in reserved and name != raw.strip()):
                n += 1
                name = f"{base}_{n}"
        used.add(name)
        names.append(name)
        if name != raw.strip():
            renamed.append({"position": position, "original": raw, "name": name})
    return names, renamed
