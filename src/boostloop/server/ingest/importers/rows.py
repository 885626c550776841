"""What every importer shares: opening a file as a stream, reading CSV / NDJSON / JSON rows one at a
time with their line (or item) numbers, parsing cells into numbers, money, dates and times with an
error that names the line, the column and the reason, and the :class:`FileImport` that ties an
importer to the ingest service's :class:`~boostloop.server.ingest.service.Ingestor`.

Nothing here holds a whole file: rows are parsed and handed on one at a time (see
``benchmarks/RESULTS.md``, "importers", for the measured peak memory on a 50 MB file).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, BinaryIO
from zoneinfo import ZoneInfo

import ijson
from sqlalchemy.orm import Session

from boostloop.server.db.models import Workspace
from boostloop.server.ingest.importers.currency import is_iso4217, to_minor_units
from boostloop.server.ingest.schemas import IngestResult
from boostloop.server.ingest.service import Ingestor
from boostloop.server.ingest.validation import ErrorLog, RowRef

Source = str | Path | BinaryIO

# Cells that platforms write for "no data": Google Ads writes " --", Meta leaves the cell empty.
_EMPTY = {"", "--", "-", "—", "n/a", "N/A"}
_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


class CellError(ValueError):
    """A cell that cannot be parsed; the reader adds the line and column."""


# -- opening ----------------------------------------------------------------------------------------
def open_binary(source: Source) -> BinaryIO:
    if isinstance(source, str | Path):
        return open(source, "rb")
    return source


def open_text(source: Source) -> tuple[IO[str], str]:
    """A text stream and the delimiter its encoding suggests.

    UTF-8 with or without BOM (Meta, Google "CSV"); UTF-16 with BOM is Google Ads' "CSV (Excel)"
    download, which is tab-separated.
    """
    raw = open_binary(source)
    buffered = raw if hasattr(raw, "peek") else io.BufferedReader(raw)  # type: ignore[arg-type]
    head = buffered.peek(4)[:4]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return io.TextIOWrapper(buffered, encoding="utf-16", newline=""), "\t"
    return io.TextIOWrapper(buffered, encoding="utf-8-sig", newline=""), ","


# -- cells ------------------------------------------------------------------------------------------
def parse_decimal(text: str | None, *, empty: Decimal | None = Decimal(0)) -> Decimal | None:
    """A plain decimal number; thousands separators only in the unambiguous ``1,234,567.89`` form."""
    if text is None:
        return empty
    if isinstance(text, int | float) and not isinstance(text, bool):
        text = repr(text) if isinstance(text, float) else str(text)
    if not isinstance(text, str):
        raise CellError(f"expected a number, got {type(text).__name__}")
    s = text.strip()
    if s in _EMPTY:
        return empty
    if _GROUPED.match(s):
        s = s.replace(",", "")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise CellError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise CellError(f"not a finite number: {text!r}")
    return value


def parse_count(text: str | None, *, empty: int | None = 0) -> int | None:
    """A non-negative whole count ("1234", "1,234", "1234.0")."""
    value = parse_decimal(text, empty=None)
    if value is None:
        return empty
    if value != value.to_integral_value():
        raise CellError(f"not a whole number: {text!r}")
    if value < 0:
        raise CellError(f"negative count: {text!r}")
    return int(value)


def parse_money(text: str | None, currency: str, *, empty: int | None = 0) -> tuple[int | None, bool]:
    """An amount in currency units (``12.34``) as minor units (``1234``), exactly; see ``to_minor_units``."""
    value = parse_decimal(text, empty=None)
    if value is None:
        return empty, False
    if value < 0:
        raise CellError(f"negative amount: {text!r}")
    return to_minor_units(value, currency)


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%b %d, %Y", "%B %d, %Y", "%A, %B %d, %Y", "%a, %b %d, %Y")


def parse_date(text: str | None) -> date:
    s = (text or "").strip()
    if not s:
        raise CellError("missing date")
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    raise CellError(f"not a date (YYYY-MM-DD): {text!r}")


def parse_instant(text: Any, zone: ZoneInfo) -> datetime:
    """An ISO 8601 time (``2026-11-01T10:00:00Z``, ``...+0000``, ``2026-11-01 10:00:00``) or Unix
    seconds; a time without offset is read in ``zone`` (the workspace's or the file's time zone)."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return datetime.fromtimestamp(text, UTC)
    s = (text or "").strip() if isinstance(text, str) else ""
    if not s:
        raise CellError("missing time")
    try:
        value = datetime.fromisoformat(s)
    except ValueError:
        try:
            return datetime.fromtimestamp(float(s), UTC)
        except ValueError:
            raise CellError(f"not an ISO 8601 time: {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a reporting day starts in the account's time zone (platform reports are by
    local day)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def next_local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return local_midnight(day + timedelta(days=1), zone)


# -- readers ----------------------------------------------------------------------------------------
@dataclass
class CsvHeader:
    columns: list[str]
    line: int

    def index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.columns)}


def read_csv(
    source: Source,
    errors: ErrorLog,
    *,
    find_header: Sequence[str] = (),
    max_preamble: int = 5,
) -> tuple[CsvHeader | None, Iterator[tuple[int, dict[str, str]]]]:
    """The header and an iterator of ``(line number, {column: cell})``.

    ``find_header``: column names whose presence marks the header line, for exports that start with
    a title (Google Ads writes the report name and the date range first); up to ``max_preamble``
    lines are skipped looking for it. Blank lines are skipped. A row with more cells than the header
    is an error (a stray delimiter shifts every value after it).
    """
    text, delimiter = open_text(source)
    reader = csv.reader(text, delimiter=delimiter)
    header: CsvHeader | None = None
    start = 1
    try:
        for _ in range(max_preamble + 1):
            row = next(reader, None)
            if row is None:
                break
            cells = [c.strip() for c in row]
            if not find_header or any(c in cells for c in find_header):
                header = CsvHeader(cells, start)
                break
            start = reader.line_num + 1
    except (csv.Error, UnicodeDecodeError) as exc:
        errors.add((f"line {start}",), f"unreadable CSV: {exc}")
        return None, iter(())
    if header is None:
        errors.add(
            ("line 1",),
            "no header line found" + (f" (looked for {', '.join(find_header)})" if find_header else ""),
        )
        return None, iter(())

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        line = reader.line_num + 1
        width = len(header.columns)
        try:
            for row in reader:
                if not any(c.strip() for c in row):
                    line = reader.line_num + 1
                    continue
                if len(row) > width:
                    errors.add((f"line {line}",), f"{len(row)} cells but the header has {width}")
                else:
                    yield line, dict(zip(header.columns, row, strict=False))
                line = reader.line_num + 1
        except (csv.Error, UnicodeDecodeError) as exc:
            errors.add((f"line {line}",), f"unreadable CSV: {exc}")

    return header, rows()


def read_ndjson(source: Source, errors: ErrorLog) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line of a newline-delimited JSON file."""
    text, _ = open_text(source)
    for n, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.add((f"line {n}",), f"not valid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(obj, dict):
            errors.add((f"line {n}",), f"expected a JSON object, got {type(obj).__name__}")
            continue
        yield n, obj


def read_json_data(source: Source, errors: ErrorLog) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(index, item)`` for each element of the ``data`` array of a Graph / Marketing API response
    (``{"data": [...], "paging": {...}}``), or of every response in a JSON array of them (pages saved
    one after another), streamed with ijson. Items are numbered across pages from 0. A truncated or
    malformed document is reported at the item where it breaks."""
    raw = open_binary(source)
    buffered = raw if hasattr(raw, "peek") else io.BufferedReader(raw)  # type: ignore[arg-type]
    head = buffered.peek(64).lstrip(codecs.BOM_UTF8).lstrip()
    if not head:
        errors.add(("data",), "empty file: expected a JSON object with a 'data' array")
        return
    prefix = "item.data.item" if head[:1] == b"[" else "data.item"
    i = 0
    try:
        for item in ijson.items(buffered, prefix, use_float=False):
            if not isinstance(item, dict):
                errors.add(("data", i), f"expected an object, got {type(item).__name__}")
            else:
                yield i, item
            i += 1
    except ijson.IncompleteJSONError as exc:
        errors.add(("data", i), f"truncated or malformed JSON after {i} complete item(s): {exc}")
        return
    except ijson.JSONError as exc:
        errors.add(("data", i), f"malformed JSON: {exc}")
        return
    if i == 0:
        errors.add(("data",), "no items: expected a JSON object with a non-empty 'data' array")


# -- one import -------------------------------------------------------------------------------------
class FileImport:
    """One all-or-nothing file import: the error log (``line N`` / column locations), the ingest
    service it feeds, and the workspace's currency and time zone."""

    def __init__(
        self, session: Session, workspace: Workspace, *, timezone: str | None = None, line_label: str = "line"
    ) -> None:
        self.session = session
        self.workspace = workspace
        self.errors = ErrorLog()
        self.result = IngestResult()
        self.line_label = line_label
        self.ingestor = Ingestor(
            session, workspace, errors=self.errors, result=self.result, loc_for=lambda _kind, n: self.loc(n)
        )
        self.zone = ZoneInfo(timezone or workspace.timezone)
        self.currency = workspace.currency
        self.rounded_money = 0
        self.opted_out = 0
        self._campaigns: dict[tuple[str, str], list[Any]] = {}

    def loc(self, n: int) -> tuple[Any, ...]:
        return (f"line {n}",) if self.line_label == "line" else ("data", n)

    def ref(self, n: int, columns: dict[str, str] | None = None) -> RowRef:
        return RowRef(self.loc(n), n, columns)

    def error(self, n: int, column: str | None, msg: str, value: Any = None) -> None:
        self.errors.add((*self.loc(n), column) if column else self.loc(n), msg, value)

    def cell(self, n: int, column: str, parse, *args, **kwargs):
        """``parse(value, ...)`` or, when it fails, the error recorded at (line, column) and None."""
        try:
            return parse(*args, **kwargs)
        except CellError as exc:
            self.error(n, column, str(exc), args[0] if args else None)
            return None

    def money(self, n: int, column: str, text: Any) -> int | None:
        try:
            value, rounded = parse_money(text, self.currency)
        except CellError as exc:
            self.error(n, column, str(exc), text)
            return None
        self.rounded_money += rounded
        return value

    def check_currency(self, n: int, column: str, code: str) -> bool:
        """Refuse a currency that is not ISO 4217, or that is not the workspace's: money is stored as
        minor units of the workspace currency, and Boostloop does not convert (no rates offline)."""
        code = code.strip().upper()
        if not is_iso4217(code):
            self.error(n, column, f"{code!r} is not an ISO 4217 currency code", code)
            return False
        if code != self.currency:
            self.error(
                n,
                column,
                f"amounts are in {code} but workspace {self.workspace.slug!r} keeps "
                f"{self.currency}; convert the file or import it into a {code} workspace",
                code,
            )
            return False
        return True

    def campaign(self, values: dict[str, Any], ref: RowRef) -> bool:
        """Upsert a campaign seen on a row. Exports repeat the campaign on every day's row: it is
        validated and written once per distinct content, its window (started_at / ended_at) widened
        here and written once more at the end. Returns False when the campaign is invalid."""
        key = (str(values["platform"]), values["platform_campaign_id"])
        body = {k: v for k, v in values.items() if k not in ("started_at", "ended_at")}
        sig = repr(sorted(body.items()))
        seen = self._campaigns.get(key)
        if seen is not None and sig in seen[0]:
            if not seen[1]:
                return False
            lo, hi = values.get("started_at"), values.get("ended_at")
            if lo is not None and (seen[2] is None or lo < seen[2]):
                seen[2] = lo
            if hi is not None and (seen[3] is None or hi > seen[3]):
                seen[3] = hi
            return True
        ok = self.ingestor.campaign(values, ref) is not None
        if seen is None:
            self._campaigns[key] = [{sig}, ok, values.get("started_at"), values.get("ended_at"), ref]
        else:
            seen[0].add(sig)
            seen[1] = seen[1] and ok
        return ok

    def _flush_campaign_windows(self) -> None:
        for (platform, cid), (_, ok, lo, hi, ref) in self._campaigns.items():
            if ok and (lo is not None or hi is not None):
                window = {k: v for k, v in (("started_at", lo), ("ended_at", hi)) if v is not None}
                self.ingestor.campaign({"platform": platform, "platform_campaign_id": cid, **window}, ref)

    def finish(self) -> IngestResult:
        self._flush_campaign_windows()
        if self.rounded_money:
            self.result.warnings.append(
                f"{self.rounded_money} amount(s) had more decimals than {self.currency} has; "
                "rounded half-to-even to the minor unit"
            )
        return self.ingestor.finish()


def require_columns(imp: FileImport, header: CsvHeader, required: Sequence[str | tuple[str, ...]]) -> bool:
    """Every required column (or one of each tuple of alternatives) is present, else one error each."""
    ok = True
    have = set(header.columns)
    for need in required:
        options = need if isinstance(need, tuple) else (need,)
        if not have.intersection(options):
            imp.errors.add(
                (f"line {header.line}",),
                f"missing column {' or '.join(map(repr, options))}; "
                f"the header has {', '.join(map(repr, header.columns))}",
            )
            ok = False
    return ok


def first_present(header: CsvHeader, *names: str) -> str | None:
    return next((n for n in names if n in header.columns), None)
