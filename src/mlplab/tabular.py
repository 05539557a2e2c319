"""Tables for ``mlplab train`` and ``mlplab predict``: reading, column roles, preprocessing.

- :class:`TableReader` reads a CSV file (separator sniffed, quoting, UTF-8 with or without
  BOM, ``.gz``, a decimal comma) or a Parquet file with pandas, in chunks of rows, and
  refuses duplicate column names by name (pandas would rename the second ``x`` to
  ``x.1``). :func:`read_table` gathers the chunks compactly (floats as float32).
- :func:`guess_roles` decides what each column is: numeric, categorical, an ID, or
  dropped (constant, empty, free text), with the reason; flags override it.
- :class:`Preprocessor` is a scikit-learn ``ColumnTransformer``: numeric columns get median
  imputation then standardization, categorical ones most-frequent imputation then a
  one-hot encoding that ignores categories unseen in training (past
  :data:`MAX_ONE_HOT` categories, the rare ones and the unseen share one column). Its
  fitted state is plain data (medians, means, scales, categories, column roles) stored
  in mlplab's npz + JSON format; loading rebuilds the same transformers from that state,
  nothing is unpickled.
- :class:`TabularModel` is the saved model: a folder holding ``preprocessing.npz`` (the
  state above, the target's scaling or labels, and the SHA-256 of the network file) and
  ``network.npz`` (the estimator, :func:`mlplab.load`).
"""

from __future__ import annotations

import csv
import datetime
import difflib
import gzip
import hashlib
import io
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from .io import ModelFileError, load_tree, save_tree

__all__ = [
    "ColumnRole",
    "Preprocessor",
    "TableError",
    "TableReader",
    "TabularModel",
    "check_role_flags",
    "column_not_found",
    "guess_roles",
    "infer_task",
    "misread_separator",
    "read_table",
]

#: File name endings read as CSV (any separator) and as Parquet.
CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
#: Values per chunk of rows: a chunk stays a few MiB whatever the width of the table.
CHUNK_VALUES = 1 << 18
#: Integer columns with at most this many distinct values are categories.
MAX_INTEGER_CATEGORIES = 10
#: Text columns with more distinct values than this (and than half the rows) are free text.
MAX_TEXT_CATEGORIES = 100
#: A categorical column's one-hot block has at most this many columns: past it, the most
#: frequent categories keep a column each and the rest share one (``mlplab train
#: --max-categories``). Without it a column of 3 000 cities made 3 000 dense float32
#: columns: 1.2 GB for 100 000 rows.
MAX_ONE_HOT = 100
#: The name of that shared column's category (made unique against the real ones).
OTHER = "(other)"
_SNIFF_BYTES = 1 << 16
_ID_NAME = re.compile(
    r"^(id|ids|uuid|guid|key|index|row|rowid|row_id|row_number)$"
    r"|(^|[\s_\-.])id$|^id[\s_\-.]",
    re.IGNORECASE,
)
_CAMEL_ID = re.compile(r"[a-z]I[Dd]$")
#: The name a column with an empty header cell gets, as pandas names it (its saved index
#: is written under one), and the names of that form.
_UNNAMED = "Unnamed: {}"
_UNNAMED_NAME = re.compile(r"Unnamed: \d+")
#: How dates and times are written in text: ISO 8601 (``2024-03-01``, ``2024-03-01
#: 12:30``, ``2024-03-01T12:30:00Z``), day/month/year or month/day/year with ``/``, ``.``
#: or ``-`` (``01/03/2024``), and clock times (``12:30``, ``12:30:15``).
_DATE_TEXT = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}(?P<sep>[/.-])\d{1,2}(?P=sep)\d{2,4}(?: \d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
)
#: A number as spreadsheets export it: a sign, a currency sign before or after, digits
#: grouped by thousands with commas (or not), a decimal point, a percent sign.
_FORMATTED_NUMBER = re.compile(r"[-+]?[$€£¥]?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s?[%$€£¥]?")
_MODEL_KIND = "mlplab.tabular"
_MODEL_FORMAT = 1


class TableError(ValueError):
    """A problem with a table or its columns, said in one line."""


# -- reading ----------------------------------------------------------------------------------
def table_kind(path: str | Path) -> str:
    """'csv' or 'parquet' from the file name; TableError for anything else."""
    name = Path(path).name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    raise TableError(
        f"{path}: unknown table format; expected a file ending in "
        f"{', '.join(CSV_SUFFIXES + PARQUET_SUFFIXES)}"
    )


def check_parquet_support() -> None:
    """Raise a one-line hint when pyarrow (pandas' Parquet engine) is missing."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise TableError(
            "reading Parquet needs pyarrow: pip install pyarrow (or mlplab[parquet])"
        ) from None


def check_table_path(path: str | Path) -> str:
    """Check that `path` is a readable table file; return its kind ('csv' or 'parquet')."""
    p = Path(path)
    if not p.exists():
        raise TableError(f"no such file: {p}")
    if not p.is_file():
        raise TableError(f"{p} is not a file")
    kind = table_kind(p)
    if kind == "parquet":
        check_parquet_support()
    return kind


def misread_separator(columns: Sequence[str]) -> str | None:
    """The separator a header read as one column holds (``,``, ``;``, tab or ``|``): the
    file's real one, missed by the sniffer or by ``--sep``; None otherwise."""
    if len(columns) != 1:
        return None
    return next((c for c in ",;\t|" if c in columns[0]), None)


def column_not_found(name: str, columns: Sequence[str], where: str) -> TableError:
    """The error for a missing column, with the closest name when there is one.

    ``no column 'Diagnosis' in data.csv; did you mean 'diagnosis'?``
    """
    folded = {c.casefold().strip(): c for c in columns}
    match = folded.get(name.casefold().strip())
    if match is None:
        close = difflib.get_close_matches(name, list(columns), n=1, cutoff=0.75)
        if not close:
            close = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.75)
            close = [folded[c] for c in close]
        match = close[0] if close else None
    if match is not None:
        return TableError(f"no column {name!r} in {where}; did you mean {match!r}?")
    sep = misread_separator(columns)
    if sep is not None:
        return TableError(
            f"no column {name!r} in {where}: it was read as one column "
            f"({columns[0][:60]!r}...); is its separator {sep!r}? (--sep)"
        )
    shown = ", ".join(repr(c) for c in list(columns)[:20])
    more = f" and {len(columns) - 20} more" if len(columns) > 20 else ""
    return TableError(f"no column {name!r} in {where}; its columns are {shown}{more}")


_COMMA_NUMBER = re.compile(r"[+-]?\d+,(\d+)(?:[eE][+-]?\d+)?")
_POINT_NUMBER = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?")


def sniff_decimal(lines: Sequence[str], sep: str) -> str:
    """The decimal mark of CSV data `lines` separated by `sep`: ``","`` or ``"."``.

    ``","`` when some fields are numbers with a decimal comma (``1,5``) and none are
    numbers with a decimal point, on a file whose separator is not a comma (Excel's
    CSV in most European locales: ``;`` and ``1,5``). Commas followed by exactly three
    digits everywhere (``1,234``) could be thousands separators: ``"."`` then, and the
    column report says to give ``--decimal ,``.
    """
    if sep == ",":
        return "."
    decimals, points = set(), 0
    for row in csv.reader(lines, delimiter=sep):
        for value in row:
            value = value.strip()
            comma = _COMMA_NUMBER.fullmatch(value)
            if comma:
                decimals.add(len(comma.group(1)))
            elif _POINT_NUMBER.fullmatch(value):
                points += 1
    return "," if decimals and not points and decimals != {3} else "."


class TableReader:
    """One pass over a CSV or Parquet table, in chunks of rows.

    Parameters
    ----------
    path : str or Path
    sep : str, optional
        CSV field separator; sniffed from the first 64 KiB among ``, ; tab |`` when None.
    decimal : str or None
        CSV decimal mark (``","`` for ``1,5``). None: ``","`` when the first 64 KiB
        write numbers with a decimal comma and none with a point, on a file whose
        separator is not a comma (see :func:`sniff_decimal`), else ``"."``.
    encoding : str
        CSV text encoding; UTF-8 also accepts a byte-order mark.
    decimal_fallback : bool
        When the sniffed separator is `decimal` (a remembered ``,`` on a comma-separated
        file), read with ``.`` instead of refusing the file.

    Attributes
    ----------
    columns : list of str
        The header, stripped of surrounding spaces; names are unique.
    estimated_rows : int
        About how many data rows there are (exact for Parquet).
    sep : str or None
        The separator used (CSV).
    decimal : str
        The decimal mark used.
    decimal_sniffed : bool
        Whether `decimal` was sniffed (None given).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        sep: str | None = None,
        decimal: str | None = ".",
        encoding: str = "utf-8",
        decimal_fallback: bool = False,
    ) -> None:
        self.path = Path(path)
        self.decimal_fallback = decimal_fallback
        self.kind = check_table_path(self.path)
        self.decimal_sniffed = decimal is None
        self.decimal = "." if decimal is None else decimal
        self.encoding = (
            "utf-8-sig" if encoding.replace("_", "-").lower() in ("utf-8", "utf8") else encoding
        )
        self.sep = sep
        self._handle: Any = None
        self._parquet: Any = None
        if self.kind == "parquet":
            import pyarrow.parquet as pq

            try:
                self._parquet = pq.ParquetFile(self.path)
            except Exception as exc:  # pyarrow raises its own error types
                raise TableError(f"{self.path} is not a readable Parquet file: {exc}") from None
            header = list(self._parquet.schema_arrow.names)
            self.estimated_rows = int(self._parquet.metadata.num_rows)
        else:
            header = self._open_csv()
        self.columns = _check_header(header, self.path)

    def _open_csv(self) -> list[str]:
        raw = self.path.open("rb")
        self._handle = gzip.GzipFile(fileobj=raw) if self.path.name.lower().endswith(".gz") else raw
        try:
            sample = self._handle.read(_SNIFF_BYTES)
            while b"\n" not in sample:
                more = self._handle.read(_SNIFF_BYTES)
                if not more:
                    break
                sample += more
            self._handle.seek(0)
        except (OSError, EOFError) as exc:
            self.close()
            raise TableError(f"{self.path} cannot be read: {exc}") from None
        try:
            text = sample.decode(self.encoding, errors="strict")
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - 4:  # not just a character cut by the sample's end
                self.close()
                raise TableError(
                    f"{self.path} is not {self.encoding.removesuffix('-sig')} text "
                    f"(byte {exc.start}); give its encoding with --encoding, e.g. latin-1"
                ) from None
            text = sample[: exc.start].decode(self.encoding)
        if not text.strip():
            self.close()
            raise TableError(f"{self.path} is empty")
        lines = text.splitlines()
        complete = lines if len(sample) < _SNIFF_BYTES or len(lines) == 1 else lines[:-1]
        if self.sep is None:
            try:
                dialect = csv.Sniffer().sniff("\n".join(complete[:200]), delimiters=",;\t|")
                self.sep = dialect.delimiter
            except csv.Error:
                self.sep = "\t" if self.path.name.lower().endswith((".tsv", ".tsv.gz")) else ","
        if self.decimal_sniffed:
            self.decimal = sniff_decimal(complete[1:], self.sep)
        if self.sep == self.decimal and self.decimal_fallback:
            self.decimal = "."
        if self.sep == self.decimal:
            self.close()
            raise TableError(
                f"{self.path}: the separator and the decimal mark are both {self.sep!r}; "
                "give the separator with --sep"
            )
        header = next(csv.reader([complete[0]], delimiter=self.sep))
        self.estimated_rows = self._estimate_rows(complete)
        return [h if h.strip() else _UNNAMED.format(i) for i, h in enumerate(header)]

    def _estimate_rows(self, lines: list[str]) -> int:
        """Rows in the file, from its size and the sample's bytes per line (a guess)."""
        body = lines[1:]
        if not body:
            return 1
        per_line = len("\n".join(body).encode(self.encoding)) / len(body) + 1
        size = self.path.stat().st_size
        if self.path.name.lower().endswith(".gz"):
            with self.path.open("rb") as fh:  # gzip's trailer: the text's size mod 2**32
                fh.seek(max(0, size - 4))
                stated = int.from_bytes(fh.read(4), "little")
            size = stated if stated > size else 4 * size
        return int(size / per_line * 1.05) + 64

    def chunks(
        self,
        columns: Sequence[str] | None = None,
        rows: int | None = None,
        text: Sequence[str] = (),
    ) -> Iterator[pd.DataFrame]:
        """DataFrames of up to `rows` rows, holding `columns` (default: all) in file order.

        CSV columns named in `text` are read as written (ID ``007`` stays ``007``, not 7).
        """
        wanted = list(self.columns) if columns is None else list(columns)
        # A CSV chunk parses every column (see below); Parquet reads only those wanted.
        width = len(wanted) if self._parquet is not None else len(self.columns)
        rows = rows or max(256, CHUNK_VALUES // max(1, width))
        if self._parquet is not None:
            # Parquet keeps the original names (spaces included): select those.
            original = {n.strip(): n for n in self._parquet.schema_arrow.names}
            for batch in self._parquet.iter_batches(
                batch_size=rows, columns=[original[c] for c in wanted]
            ):
                frame = batch.to_pandas()
                frame.columns = [str(c).strip() for c in frame.columns]
                yield frame
            return
        # No usecols: with it pandas silently cuts a row that has too many fields (an
        # unquoted separator inside a value, which shifts the fields after it); without
        # it such a row is an error. The columns not wanted are dropped chunk by chunk.
        reader = pd.read_csv(
            self._handle,
            sep=self.sep,
            decimal=self.decimal,
            encoding=self.encoding,
            header=0,
            names=self.columns,
            dtype={c: object for c in text} or None,  # str objects: no string dtype
            chunksize=rows,
            skipinitialspace=True,
            skip_blank_lines=True,
            engine="c",
        )
        everything = wanted == list(self.columns)
        try:
            with reader:
                for frame in reader:
                    yield frame if everything else frame[wanted]
        except pd.errors.ParserError as exc:
            raise TableError(f"{self.path}: {str(exc).strip()}") from None
        except UnicodeDecodeError:
            raise TableError(
                f"{self.path} is not {self.encoding.removesuffix('-sig')} text; "
                "give its encoding with --encoding, e.g. latin-1"
            ) from None
        except (OSError, EOFError) as exc:  # e.g. a truncated .gz file
            raise TableError(f"{self.path} cannot be read to the end: {exc}") from None

    def close(self) -> None:
        """Close the file being read (a no-op once closed)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> TableReader:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _check_header(header: Sequence[Any], path: Path) -> list[str]:
    names = [str(h).strip() for h in header]
    if not names:
        raise TableError(f"{path} has no columns")
    counts = Counter(names)
    dup = [n for n, k in counts.items() if k > 1]
    if dup:
        where = "; ".join(
            f"{n!r} (columns {', '.join(str(i + 1) for i, m in enumerate(names) if m == n)})"
            for n in dup
        )
        raise TableError(f"{path} has duplicate column names: {where}; rename them to be unique")
    return names


def read_table(
    reader: TableReader, columns: Sequence[str] | None = None, exact: Sequence[str] = ()
) -> pd.DataFrame:
    """Read the whole table compactly: floats as float32, integers, booleans and text.

    Columns named in `exact` (the target) keep float64, and a CSV's are read as text
    first: integers written with leading zeros (``007``, class labels) stay text as
    written instead of becoming 7; other numbers are parsed as pandas would. A column
    whose type differs between chunks (numbers in one, text in another) is kept as text.
    Each column is gathered into one array sized from the reader's row estimate, so
    memory stays about the float32 size of the numbers (plus the text), with no second
    copy.
    """
    names = list(reader.columns) if columns is None else list(columns)
    buffers = {n: _ColumnBuffer(reader.estimated_rows, n in exact) for n in names}
    n_rows = 0
    as_text = [n for n in exact if n in names]
    for frame in reader.chunks(names, text=as_text):
        for name in as_text:
            frame[name] = _exact_numbers(frame[name], reader.decimal)
        for name in names:
            buffers[name].add(_compact(frame[name], name in exact))
        n_rows += len(frame)
        del frame
    if n_rows == 0:
        raise TableError(f"{reader.path} has a header but no data rows")
    return pd.DataFrame({name: buffers.pop(name).values() for name in names}, copy=False)


class _ColumnBuffer:
    """One column's values, gathered chunk by chunk into an array with room to spare.

    The array is allocated once at the estimated length (pages never written cost no
    memory) and grows by half when the estimate was short. Text chunks turn the column
    into text: its numbers so far become their canonical strings.
    """

    def __init__(self, capacity: int, exact: bool) -> None:
        self.capacity = max(1, capacity)
        self.exact = exact
        self.data: np.ndarray | None = None
        self.texts: list[np.ndarray] | None = None
        self.n = 0

    def add(self, part: np.ndarray) -> None:
        if self.texts is None and part.dtype.kind == "O":
            self.texts = [] if self.data is None else [_as_text_values(self.data[: self.n])]
            self.data = None
        if self.texts is not None:
            self.texts.append(part if part.dtype.kind == "O" else _as_text_values(part))
            self.n += part.shape[0]
            return
        if self.data is None:
            self.data = np.empty(max(self.capacity, part.shape[0]), dtype=part.dtype)
        elif part.dtype != self.data.dtype:
            wide = self.exact or np.float64 in (part.dtype, self.data.dtype)
            self.data = self.data.astype(np.float64 if wide else np.float32)
            part = part.astype(self.data.dtype)
        need = self.n + part.shape[0]
        if need > self.data.shape[0]:
            grown = np.empty(need + need // 2, dtype=self.data.dtype)
            grown[: self.n] = self.data[: self.n]
            self.data = grown
        self.data[self.n : need] = part
        self.n = need

    def values(self) -> np.ndarray:
        if self.texts is not None:
            return np.concatenate(self.texts) if len(self.texts) > 1 else self.texts[0]
        assert self.data is not None
        return self.data[: self.n]


def _compact(series: pd.Series, exact: bool = False) -> np.ndarray:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) and not series.hasnans:
        return series.to_numpy(dtype=bool)
    if pd.api.types.is_integer_dtype(dtype) and not series.hasnans:
        return series.to_numpy(dtype=np.int64)
    if pd.api.types.is_float_dtype(dtype):
        return series.to_numpy(dtype=np.float64 if exact else np.float32, na_value=np.nan)
    return series.to_numpy(dtype=object, na_value=np.nan)


#: An integer written with a leading zero: "007", "-01" (not "0" or "0.5").
_LEADING_ZERO = r"^[+-]?0\d+$"


def _exact_numbers(text: pd.Series, decimal: str = ".") -> pd.Series:
    """A column read as text, as numbers where every value is one, else kept as written.

    It stays text when a value is not a number, or when an integer is written with a
    leading zero: such codes are labels, and ``001`` must come back as ``001``.
    """
    if text.dtype.kind != "O":  # Parquet: typed already
        return text
    stripped = text.str.strip()
    if stripped.str.match(_LEADING_ZERO).any():
        return text
    written = stripped if decimal == "." else stripped.str.replace(decimal, ".", regex=False)
    numbers = pd.to_numeric(written, errors="coerce")
    return numbers if numbers.notna().sum() == stripped.notna().sum() else text


# -- values --------------------------------------------------------------------------------
def _missing(values: np.ndarray) -> np.ndarray:
    return np.asarray(pd.isna(values), dtype=bool)


def _as_text_values(values: np.ndarray) -> np.ndarray:
    """Canonical category strings: '3' for 3 and 3.0, 'True', stripped text; NaN if missing."""
    out = np.empty(values.shape[0], dtype=object)
    kind = values.dtype.kind
    if kind == "b":
        out[:] = ["True" if v else "False" for v in values]
        return out
    if kind in "iu":
        out[:] = [str(v) for v in values.tolist()]
        return out
    if kind == "f":
        v32 = values.astype(np.float32)
        out[:] = [_number_text(v) for v in v32]
        return out
    for i, v in enumerate(values.tolist()):
        out[i] = _value_text(v)
    return out


def _number_text(v: np.float32) -> Any:
    if not np.isfinite(v):
        return np.nan
    if v == np.floor(v) and abs(v) < 2**53:
        return str(int(v))
    return str(v)


def _value_text(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return np.nan
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return _number_text(np.float32(v)) if not math.isnan(v) else np.nan
    text = str(v).strip()
    return text if text else np.nan


def to_float32(X: Any, formatted: Sequence[bool] | None = None) -> np.ndarray:
    """Numeric columns as float32; text that is not a number, and ±inf, become NaN.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_rows, n_columns)
    formatted : sequence of bool, optional
        Per column, whether its text numbers are read with thousands separators, a
        currency or a percent sign (:func:`parse_formatted_numbers`); only where
        training found them, since in a file with a decimal comma ``1,234`` is 1.234.

    Returns
    -------
    ndarray of shape (n_rows, n_columns), float32
    """
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=object))
    out = np.empty((frame.shape[0], frame.shape[1]), dtype=np.float32)
    for j in range(frame.shape[1]):
        col = frame.iloc[:, j]
        if pd.api.types.is_bool_dtype(col.dtype) and not col.hasnans:
            out[:, j] = col.to_numpy(dtype=np.float32)
        elif pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
            out[:, j] = col.to_numpy(dtype=np.float32, na_value=np.nan)
        else:
            parse = parse_formatted_numbers if formatted and formatted[j] else _parse_numbers
            out[:, j] = parse(col.to_numpy(dtype=object, na_value=np.nan))
    with np.errstate(invalid="ignore"):
        out[~np.isfinite(out)] = np.nan
    return out


def to_text(X: Any) -> np.ndarray:
    """Categorical columns as canonical strings (object array), NaN where missing."""
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=object))
    out = np.empty((frame.shape[0], frame.shape[1]), dtype=object)
    for j in range(frame.shape[1]):
        col = frame.iloc[:, j]
        if col.hasnans or col.dtype.kind not in "biuf":
            values = col.to_numpy(dtype=object, na_value=np.nan)
        else:
            values = col.to_numpy()
        out[:, j] = _as_text_values(values)
    return out


def _parse_numbers(values: np.ndarray) -> np.ndarray:
    """Object values to float32: numbers and numeric text; anything else NaN."""
    as_text = pd.Series(values, dtype=object).map(lambda v: v.strip() if isinstance(v, str) else v)
    numbers = pd.to_numeric(as_text, errors="coerce")
    return numbers.to_numpy(dtype=np.float32, na_value=np.nan)


def parse_formatted_numbers(values: np.ndarray) -> np.ndarray:
    """:func:`_parse_numbers`, and also numbers written as spreadsheets export them.

    Thousands separators (``1,234.50``, ``1,234,567``), a currency sign before or
    after (``$1,385``, ``-$5``, ``12 €``) and a percent sign (``12.5%`` reads 12.5).

    Parameters
    ----------
    values : ndarray of shape (n,), object
        Cell values: numbers, text or missing.

    Returns
    -------
    ndarray of shape (n,), float32
        The numbers; NaN for anything else.
    """
    out = _parse_numbers(values)
    rest = np.flatnonzero(np.isnan(out))
    if rest.size:
        text = pd.Series(values[rest], dtype=object)
        text = text[text.map(lambda v: isinstance(v, str))].str.strip()
        shaped = text[text.str.fullmatch(_FORMATTED_NUMBER)]
        digits = shaped.str.replace(r"[\s,%$€£¥]", "", regex=True)
        out[rest[shaped.index]] = pd.to_numeric(digits, errors="coerce").to_numpy(np.float32)
    return out


def release_memory() -> None:
    """Hand freed heap memory back to the operating system (glibc's ``malloc_trim``).

    Parsing a table leaves many small freed blocks in the C heap; glibc keeps them
    mapped, so the process's resident size would stay at its high-water mark while
    later stages (figures) add to it. Dask's workers trim the same way. Does nothing
    where glibc is not the C library.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


def target_numbers(values: np.ndarray) -> np.ndarray:
    """A text target's numbers, float32 (NaN where a value is not one).

    Formatted ones (``$1,385``) count, unless the column reads as numbers with a decimal
    comma (``1,500`` alone would be ambiguous), as for the features.
    """
    text = _as_text_values(values)
    if _decimal_commas(text):
        return _parse_numbers(values)
    return parse_formatted_numbers(values)


def infer_task(values: Any) -> str:
    """'regression' for numbers with more than 20 distinct values or fractions, else
    'classification' (text, booleans, integers with few values)."""
    values = np.asarray(values)
    values = values[~_missing(values)]
    if values.dtype.kind == "O":
        parsed = target_numbers(values)
        if not np.isfinite(parsed).all():
            return "classification"
        values = parsed.astype(np.float64)
    if values.dtype.kind not in "iuf" or values.size == 0:
        return "classification"
    numbers = values.astype(np.float64)
    if not bool(np.all(numbers == np.round(numbers))):
        return "regression"  # fractions are a quantity (scikit-learn's "continuous")
    return "classification" if np.unique(numbers).size <= 20 else "regression"


# -- column roles ---------------------------------------------------------------------------
@dataclass
class ColumnRole:
    """What is done with one column of the table.

    role is 'numeric', 'categorical', 'id' (not a feature; carried into predictions),
    'dropped' or 'target'; `seen` says what the column holds and `why` why that role.
    """

    name: str
    role: str
    seen: str
    why: str
    missing: int = 0
    n_categories: int | None = None
    forced: bool = False
    max_categories: int | None = None
    formatted: bool = False

    def action(self) -> str:
        """What preprocessing does with the column, in words."""
        fill = f"{self.missing} missing filled with the " if self.missing else ""
        if self.role == "numeric":
            return (fill + "median; " if fill else "") + "standardized"
        if self.role == "categorical":
            n, most = self.n_categories, self.max_categories
            k = f"{n} categories" if n is not None else "one-hot"
            if n is not None and most is not None and n > most:
                k += f": the {most - 1} most frequent, the others as one column {OTHER!r}"
            return (fill + "most frequent value; " if fill else "") + f"one-hot ({k})"
        if self.role == "id":
            return "not a feature; written next to each prediction"
        if self.role == "target":
            return "predicted"
        return "not used"

    def to_dict(self) -> dict[str, Any]:
        """The role as plain JSON values (for the run report and the model file)."""
        # the fields as they are, but the counts and flags as Python's own int and bool
        return {
            **asdict(self),
            "missing": int(self.missing),
            "forced": bool(self.forced),
            "formatted": bool(self.formatted),
        }


_ROLES = ("numeric", "categorical", "id", "dropped", "target")


def guess_roles(
    table: pd.DataFrame,
    target: str | None,
    *,
    numeric: Sequence[str] = (),
    categorical: Sequence[str] = (),
    ids: Sequence[str] = (),
    drop: Sequence[str] = (),
) -> list[ColumnRole]:
    """Guess each column's role; the lists name columns whose role is given.

    Rules: an ID-like name (``id``, ``Patient ID``, ``customer_id``...), a distinct text
    value per row, a row number (distinct increasing integers) or, under an empty header
    (read as ``Unnamed: 0``), a distinct integer per row (a row index pandas saved) is
    an ID; a column with one value (or none) is dropped as constant; text with more than
    100 distinct values and more than half the rows distinct is free text and dropped;
    text, booleans and integers with at most 10 distinct values are categorical; other
    numbers are numeric.
    Text that is mostly numbers (say with ``?`` for missing), plain or as spreadsheets
    export them (``1,234.50``, ``$1,385``, ``12.5%``: :func:`parse_formatted_numbers`),
    is numeric. Dates and times, as Parquet types or written as text (``2024-03-01``,
    ``01/03/2024``, ``12:30``), are dropped: neither a number nor a category describes a
    date the model has not seen.
    """
    forced = check_role_flags(target, numeric=numeric, categorical=categorical, ids=ids, drop=drop)
    roles = []
    for name in table.columns:
        values = table[name].to_numpy()
        if name == target:
            roles.append(ColumnRole(name, "target", _describe_target(values), "--target"))
            continue
        role = _guess(name, values)
        if name in forced:
            _force(role, forced[name], values)
        roles.append(role)
    return roles


_FLAGS = {"numeric": "--numeric", "categorical": "--categorical", "id": "--id", "dropped": "--drop"}


def check_role_flags(
    target: str | None,
    *,
    numeric: Sequence[str] = (),
    categorical: Sequence[str] = (),
    ids: Sequence[str] = (),
    drop: Sequence[str] = (),
) -> dict[str, str]:
    """The role given to each named column; TableError for a column given two roles.

    Needs no data, so that ``mlplab train`` refuses such flags before reading the table.

    Parameters
    ----------
    target : str or None
        The target column, which no list may name.
    numeric, categorical, ids, drop : sequence of str
        The columns of ``--numeric``, ``--categorical``, ``--id`` and ``--drop``.

    Returns
    -------
    dict of str to str
        Column name to role ('numeric', 'categorical', 'id' or 'dropped').
    """
    forced: dict[str, str] = {}
    for role, names in (
        ("numeric", numeric),
        ("categorical", categorical),
        ("id", ids),
        ("dropped", drop),
    ):
        for name in names:
            if name == target:
                raise TableError(f"{_FLAGS[role]} {name}: that is the target column")
            if name in forced and forced[name] != role:
                raise TableError(
                    f"column {name!r} is given two roles: {_FLAGS[forced[name]]} and {_FLAGS[role]}"
                )
            forced[name] = role
    return forced


def _force(role: ColumnRole, given: str, values: np.ndarray) -> None:
    """Give `role` the role named on the command line; TableError if it cannot hold."""
    flag = _FLAGS[given]
    missing = _missing(values)
    present = values[~missing]
    if given in ("numeric", "categorical") and present.size == 0:
        raise TableError(f"{flag} {role.name}: the column is empty (every value is missing)")
    if given == "numeric":
        parsed = to_float32(pd.DataFrame({role.name: present}))[:, 0]
        text = _as_text_values(present)
        if np.isfinite(parsed).sum() < 0.9 * present.size and not _decimal_commas(text):
            found = _formatted(text, present)
            if found is not None:
                (role.seen, parsed), role.formatted = found, True
        bad = present[~np.isfinite(parsed)]
        if bad.size == present.size:
            raise TableError(
                f"{flag} {role.name}: no value is a number (e.g. {_value_text(bad[0])!r}); "
                "use --categorical for text"
            )
        role.missing = int(missing.sum()) + int(bad.size)
    if given == "categorical":
        role.n_categories = int(pd.unique(_as_text_values(present)).shape[0])
        role.missing = int(missing.sum())
    role.role, role.why, role.forced = given, "given on the command line", True


def _describe(values: np.ndarray) -> str:
    kind = values.dtype.kind
    if kind == "b":
        return "true/false"
    if kind in "iu":
        return "integers"
    if kind == "f":
        return "numbers"
    return "text"


def _describe_target(values: np.ndarray) -> str:
    """:func:`_describe`, naming the formatted numbers :func:`target_numbers` reads."""
    present = values[~_missing(values)]
    if (
        values.dtype.kind == "O"
        and present.size
        and not np.isfinite(_parse_numbers(present)).all()
        and np.isfinite(target_numbers(present)).all()
    ):
        return _formatted_marks(_as_text_values(present))
    return _describe(values)


def _guess(name: str, values: np.ndarray) -> ColumnRole:
    missing = _missing(values)
    if values.dtype.kind == "f":
        missing |= np.isinf(values)  # imputed like a blank cell (to_float32), so counted
    n_missing = int(missing.sum())
    present = values[~missing]
    seen = _describe(values)
    if present.shape[0] == 0:
        return ColumnRole(name, "dropped", seen, "empty: every value is missing", n_missing)
    if _ID_NAME.search(name) or _CAMEL_ID.search(name):
        return ColumnRole(name, "id", seen, "its name says it is an ID", n_missing)
    if _dates(values, present):
        # Parquet dates and times: as numbers they would pass for a row number
        why = "dates and times are not used as features"
        return ColumnRole(name, "dropped", "dates or times", why, n_missing)
    kind, formatted = values.dtype.kind, False
    if kind == "O":
        guessed = _guess_text(name, present, seen, n_missing)
        if isinstance(guessed, ColumnRole):
            return guessed
        (present, seen, n_missing, formatted), kind = guessed, "f"
    return _guess_numbers(name, present, kind, seen, n_missing, formatted)


def _guess_text(
    name: str, present: np.ndarray, seen: str, n_missing: int
) -> ColumnRole | tuple[np.ndarray, str, int, bool]:
    """A text column's role; or, when it holds numbers, what :func:`_guess_numbers` needs.

    That is (the numbers, what the column holds, its missing values counting the text
    that is not a number, whether the numbers are formatted).
    """
    n = present.shape[0]
    text = _as_text_values(present)
    parsed = _parse_numbers(present)
    n_numbers = int(np.isfinite(parsed).sum())
    if n_numbers >= 0.9 * n and n_numbers > 0:
        seen = _mostly_numbers(text, parsed, present)
        return parsed[np.isfinite(parsed)], seen, n_missing + n - n_numbers, False
    if _decimal_commas(text):
        why = "numbers with a decimal comma: read with --decimal ,"
        return ColumnRole(name, "dropped", seen, why, n_missing)
    found = _formatted(text, present)
    if found is not None:
        seen, parsed = found
        numbers = parsed[np.isfinite(parsed)]
        return numbers, seen, n_missing + n - numbers.shape[0], True
    if _text_dates(text):
        # As text they would pass for IDs (a distinct date per row) or for categories
        # that no later date belongs to.
        why = "dates and times are not used as features"
        return ColumnRole(name, "dropped", "dates or times (text)", why, n_missing)
    distinct = pd.unique(text).shape[0]
    if distinct <= 1:
        return ColumnRole(name, "dropped", seen, f"constant: always {text[0]!r}", n_missing)
    if distinct == n and n >= 10:
        return ColumnRole(name, "id", seen, "an ID: a distinct value in every row", n_missing)
    if distinct > MAX_TEXT_CATEGORIES and distinct > n / 2:
        why = f"free text ({distinct} distinct values)"
        return ColumnRole(name, "dropped", seen, why, n_missing)
    return ColumnRole(name, "categorical", seen, "text", n_missing, n_categories=distinct)


def _guess_numbers(
    name: str, present: np.ndarray, kind: str, seen: str, n_missing: int, formatted: bool
) -> ColumnRole:
    """The role of a column of numbers or booleans (`present`: its values, none missing)."""
    n = present.shape[0]
    distinct_values = np.unique(present)
    distinct = distinct_values.shape[0]
    if distinct <= 1:
        shown = _value_text(distinct_values[0]) if distinct else None
        return ColumnRole(name, "dropped", seen, f"constant: always {shown!r}", n_missing)
    if kind == "b":
        return ColumnRole(name, "categorical", seen, "true/false", n_missing, n_categories=2)
    floats = present.astype(np.float64)
    integral = bool(np.all(floats == np.floor(floats)))
    if integral and distinct == n and n >= 10:
        if bool(np.all(np.diff(floats) > 0)):
            why = "a row number (distinct increasing integers)"
            return ColumnRole(name, "id", seen, why, n_missing)
        if _UNNAMED_NAME.fullmatch(name):
            # pandas' to_csv writes the index under an empty header; shuffled, it is no
            # longer increasing. An empty header over other values is a data column.
            why = "no header, a distinct integer in every row: a saved row index"
            return ColumnRole(name, "id", seen, why, n_missing)
    if integral and distinct <= MAX_INTEGER_CATEGORIES:
        why = f"integers with {distinct} values"
        return ColumnRole(name, "categorical", seen, why, n_missing, n_categories=distinct)
    return ColumnRole(name, "numeric", seen, "numbers", n_missing, formatted=formatted)


def _dates(values: np.ndarray, present: np.ndarray) -> bool:
    """Whether a column holds dates, times or durations (datetime64, or such objects)."""
    if values.dtype.kind in "mM":
        return True
    return values.dtype.kind == "O" and isinstance(present[0], (datetime.date, datetime.timedelta))


def _formatted(text: np.ndarray, present: np.ndarray) -> tuple[str, np.ndarray] | None:
    """(what the column holds, its numbers) when 90 % of it are formatted numbers, else None.

    Formatted as :func:`parse_formatted_numbers` reads them: ``1,234.5``, ``$1,385``,
    ``12.5%``. Called after the decimal-comma test: a column of ``1,500`` alone (1.5 or
    1 500?) keeps that test's hint rather than being read as thousands.
    """
    parsed = parse_formatted_numbers(present)
    if not np.isfinite(parsed).sum() >= 0.9 * present.shape[0]:
        return None
    return _formatted_marks(text), parsed


def _formatted_marks(text: np.ndarray) -> str:
    """What a column of formatted numbers holds, say ``"formatted numbers: 1,234 $"``."""
    sample = [v for v in text[:1000] if isinstance(v, str)]
    marks = [
        shown
        for shown, signs in (("1,234", ","), ("$", "$€£¥"), ("%", "%"))
        if any(c in v for v in sample for c in signs)
    ]
    return f"formatted numbers: {' '.join(marks)}"


def _text_dates(text: np.ndarray) -> bool:
    """Whether nearly all values (90 % of the first 1 000) are written dates or times.

    A value counts when it has the shape of :data:`_DATE_TEXT` and pandas reads it as a
    real date or time (not ``2024-13-45``).
    """
    sample = [v.strip() for v in text[:1000] if isinstance(v, str)]
    shaped = [v for v in sample if _DATE_TEXT.fullmatch(v)]
    if not sample or len(shaped) < 0.9 * len(sample):
        return False
    read = pd.to_datetime(pd.Series(shaped), errors="coerce", format="mixed")
    return bool(read.notna().sum() >= 0.9 * len(sample))


def _mostly_numbers(text: np.ndarray, parsed: np.ndarray, present: np.ndarray) -> str:
    """What a text column of numbers holds, naming its few other values ('?', 'n/a')."""
    bad = sorted({str(v) for v, p in zip(text, parsed, strict=True) if not np.isfinite(p)})
    if bad:
        n_other = int((~np.isfinite(parsed)).sum())
        return f"numbers with {n_other} other values ({', '.join(repr(b) for b in bad[:3])})"
    if all(isinstance(v, (bool, np.bool_)) for v in present[:1000]):
        return "true/false"  # a nullable boolean column (Parquet) with blanks
    return "numbers"  # a nullable integer column (Parquet) with blanks


def _decimal_commas(text: np.ndarray) -> bool:
    """Whether most values are numbers written with a decimal comma ("1,5")."""
    sample = text[:1000]
    commas = np.asarray([isinstance(v, str) and "," in v for v in sample])
    if not commas.any():
        return False
    swapped = np.asarray([v.replace(",", ".") if isinstance(v, str) else v for v in sample])
    parsed = _parse_numbers(swapped.astype(object))
    return bool(np.isfinite(parsed).mean() >= 0.9)


# -- preprocessing --------------------------------------------------------------------------
def _numeric_pipeline(formatted: Sequence[bool] | None = None) -> Pipeline:
    """Numbers (formatted ones where `formatted` says), median imputation, standardization."""
    args = {"formatted": list(formatted)} if formatted is not None and any(formatted) else None
    return Pipeline(
        [
            (
                "to_float",
                FunctionTransformer(to_float32, kw_args=args, feature_names_out="one-to-one"),
            ),
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler(copy=False)),
        ]
    )


def group_others(X: np.ndarray, kept: Sequence[Sequence[str]], others: Sequence[str]) -> np.ndarray:
    """Text values, shape (n_rows, n_columns), with those of column j not in ``kept[j]``
    replaced by ``others[j]`` (a column whose ``others[j]`` is ``""`` is left as it is)."""
    out = np.array(X, dtype=object, copy=True)
    for j, other in enumerate(others):
        if other:
            column = pd.Series(out[:, j], dtype=object)
            out[:, j] = column.where(column.isin(kept[j]), other).to_numpy(dtype=object)
    return out


def _categorical_pipeline(
    categories: Sequence[Sequence[str]] | None = None, others: Sequence[str] | None = None
) -> Pipeline:
    """Text, most-frequent imputation, one-hot; fitted state given, or learnt by fit.

    With `others` (per column: the category that stands for all the rest, or ``""``), a
    value outside a column's other categories (rare in training, or new) is counted as
    that column's `other` category before the one-hot encoding.
    """
    steps: list[tuple[str, Any]] = [
        ("to_text", FunctionTransformer(to_text, feature_names_out="one-to-one")),
        ("impute", SimpleImputer(strategy="most_frequent", missing_values=np.nan)),
    ]
    if categories is not None and others is not None and any(others):
        kept = [
            [c for c in cats if c != other] for cats, other in zip(categories, others, strict=True)
        ]
        args = {"kept": kept, "others": list(others)}
        group = FunctionTransformer(group_others, kw_args=args, feature_names_out="one-to-one")
        steps.append(("group", group))
    encoder = OneHotEncoder(
        categories="auto"
        if categories is None
        else [np.asarray(c, dtype=object) for c in categories],
        handle_unknown="ignore",
        sparse_output=False,
        dtype=np.float32,
    )
    return Pipeline([*steps, ("one_hot", encoder)])


def build_column_transformer(
    numeric: Sequence[str],
    categorical: Sequence[str],
    categories: Sequence[Sequence[str]] | None = None,
    others: Sequence[str] | None = None,
    formatted: Sequence[bool] | None = None,
) -> ColumnTransformer:
    """The unfitted ColumnTransformer of the given columns (numeric block first).

    `categories` and `others` (per categorical column) and `formatted` (per numeric
    column) are a fitted :class:`Preprocessor`'s; None: the pipelines learn their
    categories in fit, and read plain numbers.
    """
    parts = []
    if numeric:
        parts.append(("numeric", _numeric_pipeline(formatted), list(numeric)))
    if categorical:
        pipe = _categorical_pipeline(categories, others)
        parts.append(("categorical", pipe, list(categorical)))
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)


@dataclass
class Preprocessor:
    """Fitted preprocessing of a table: numeric and categorical columns to a float32 matrix.

    Attributes
    ----------
    numeric, categorical : list of str
        The feature columns, in the order of the output (one-hot blocks after numbers).
    state : dict
        The fitted statistics: ``median``, ``mean``, ``var``, ``scale`` (arrays over the
        numeric columns), ``n_samples_seen``, ``most_frequent`` and ``categories``
        (per categorical column).
    transformer : ColumnTransformer
        The scikit-learn transformer rebuilt from `state`.
    """

    numeric: list[str]
    categorical: list[str]
    state: dict[str, Any]
    transformer: ColumnTransformer = field(repr=False)

    @classmethod
    def fit(
        cls,
        table: pd.DataFrame,
        numeric: Sequence[str],
        categorical: Sequence[str],
        rows: np.ndarray | None = None,
        max_categories: int = MAX_ONE_HOT,
        formatted: Sequence[str] = (),
    ) -> Preprocessor:
        """Fit on `table`'s training rows (`rows`, default all), one column at a time.

        Each column gets its own scikit-learn pipeline, fitted on that column only, so
        the temporaries stay the size of one column; the statistics are those of the
        ColumnTransformer fitted on the whole table (medians, means, variances and
        categories are per column). A categorical column with more than
        `max_categories` categories keeps the ``max_categories - 1`` most frequent (ties:
        the first in sorted order) and counts the others as one, :data:`OTHER`. The
        numeric columns named in `formatted` read text numbers with thousands
        separators, currency and percent signs (:func:`parse_formatted_numbers`).
        """
        if not numeric and not categorical:
            raise TableError("no feature columns are left to train on")
        state: dict[str, Any] = {
            "median": [],
            "mean": [],
            "var": [],
            "scale": [],
            "n_samples_seen": int(table.shape[0] if rows is None else rows.shape[0]),
            "most_frequent": [],
            "categories": [],
            "others": [],
            "formatted": [name in formatted for name in numeric],
        }
        for name in numeric:
            pipe = _numeric_pipeline([name in formatted]).fit(_rows_of(table, name, rows))
            state["median"].append(pipe["impute"].statistics_[0])
            state["mean"].append(pipe["scale"].mean_[0])
            state["var"].append(pipe["scale"].var_[0])
            state["scale"].append(pipe["scale"].scale_[0])
        for name in categorical:
            column = _rows_of(table, name, rows)
            pipe = _categorical_pipeline().fit(column)
            categories = [str(c) for c in pipe["one_hot"].categories_[0]]
            other = ""
            if len(categories) > max_categories:
                counts = pd.Series(pipe[:-1].transform(column)[:, 0]).value_counts(sort=False)
                categories, other = _most_frequent(counts, max_categories - 1)
            state["most_frequent"].append(str(pipe["impute"].statistics_[0]))
            state["categories"].append(categories)
            state["others"].append(other)
        for key in ("median", "mean", "var", "scale"):
            state[key] = np.asarray(state[key], dtype=np.float64)
        return cls.from_state(list(numeric), list(categorical), state)

    @classmethod
    def from_state(
        cls, numeric: list[str], categorical: list[str], state: dict[str, Any]
    ) -> Preprocessor:
        """Rebuild the fitted ColumnTransformer from its statistics.

        It is fitted on one made-up row (the medians and the most frequent values), which
        sets every attribute scikit-learn's transform needs: the imputers' statistics are
        that row, the one-hot encoder's categories are given explicitly; then the scaler's
        documented fitted attributes (``mean_``, ``var_``, ``scale_``,
        ``n_samples_seen_``) are set to the saved ones.
        """
        others = state.get("others") or [""] * len(categorical)
        formatted = state.get("formatted") or [False] * len(numeric)
        ct = build_column_transformer(numeric, categorical, state["categories"], others, formatted)
        row: dict[str, Any] = {}
        for j, name in enumerate(numeric):
            row[name] = np.asarray([state["median"][j]], dtype=np.float64)
        for j, name in enumerate(categorical):
            row[name] = np.asarray([state["most_frequent"][j]], dtype=object)
        frame = pd.DataFrame(row, columns=[*numeric, *categorical])
        for name in categorical:
            frame[name] = frame[name].astype(object)
        ct.fit(frame)
        if numeric:
            scaler = ct.named_transformers_["numeric"]["scale"]
            scaler.mean_ = np.asarray(state["mean"], dtype=np.float64).copy()
            scaler.var_ = np.asarray(state["var"], dtype=np.float64).copy()
            scaler.scale_ = np.asarray(state["scale"], dtype=np.float64).copy()
            scaler.n_samples_seen_ = int(state["n_samples_seen"])
        return cls(list(numeric), list(categorical), state, ct)

    @property
    def formatted(self) -> list[bool]:
        """Per numeric column, whether it reads formatted text numbers (``$1,385``)."""
        return [bool(f) for f in self.state.get("formatted") or [False] * len(self.numeric)]

    @property
    def others(self) -> list[str]:
        """Per categorical column, the category that counts the rare ones, or ``""``."""
        return list(self.state.get("others") or [""] * len(self.categorical))

    @property
    def columns(self) -> list[str]:
        """The input columns it needs."""
        return [*self.numeric, *self.categorical]

    @property
    def n_outputs(self) -> int:
        """Width of the output matrix."""
        return len(self.numeric) + sum(len(c) for c in self.state["categories"])

    def output_names(self) -> list[str]:
        """Names of the output columns: numeric names, then ``column=category``."""
        names = list(self.numeric)
        for name, cats in zip(self.categorical, self.state["categories"], strict=True):
            names += [f"{name}={c}" for c in cats]
        return names

    def transform(self, table: pd.DataFrame) -> np.ndarray:
        """The float32 feature matrix, shape (n_rows, n_outputs), of `table`'s rows."""
        out = self.transformer.transform(table[self.columns])
        return np.ascontiguousarray(out, dtype=np.float32)

    def transform_into(
        self, table: pd.DataFrame, rows: np.ndarray, out: np.ndarray, block: int = 2048
    ) -> None:
        """``out[k] = transform(table.iloc[rows[k]])``, a block of rows at a time."""
        for start in range(0, rows.shape[0], block):
            part = table.iloc[rows[start : start + block]]
            out[start : start + part.shape[0]] = self.transform(part)

    def to_tree(self) -> dict[str, Any]:
        """The fitted preprocessing as a tree of plain values and arrays (a model file's)."""
        s = self.state
        return {
            "numeric": list(self.numeric),
            "categorical": list(self.categorical),
            "median": np.asarray(s["median"], dtype=np.float64),
            "mean": np.asarray(s["mean"], dtype=np.float64),
            "var": np.asarray(s["var"], dtype=np.float64),
            "scale": np.asarray(s["scale"], dtype=np.float64),
            "n_samples_seen": int(s["n_samples_seen"]),
            "most_frequent": list(s["most_frequent"]),
            "categories": [list(c) for c in s["categories"]],
            "others": self.others,
            "formatted": self.formatted,
        }

    @classmethod
    def from_tree(cls, tree: Any) -> Preprocessor:
        """Validate a stored tree and rebuild; ModelFileError if anything is off."""
        if not isinstance(tree, dict):
            raise ModelFileError("the preprocessing entry is malformed")
        numeric = _str_list(tree.get("numeric"), "numeric")
        categorical = _str_list(tree.get("categorical"), "categorical")
        state: dict[str, Any] = {}
        for key in ("median", "mean", "var", "scale"):
            value = tree.get(key)
            if (
                not isinstance(value, np.ndarray)
                or value.dtype.kind != "f"
                or value.shape != (len(numeric),)
            ):
                raise ModelFileError(f"the preprocessing entry {key!r} is malformed")
            state[key] = value
        if not (np.isfinite(state["median"]).all() and np.isfinite(state["mean"]).all()):
            raise ModelFileError("the preprocessing statistics are not finite")
        if not (np.all(state["scale"] > 0) and np.all(np.isfinite(state["scale"]))):
            raise ModelFileError("the preprocessing scales must be positive")
        seen = tree.get("n_samples_seen")
        if not isinstance(seen, int) or isinstance(seen, bool) or seen < 1:
            raise ModelFileError("the preprocessing entry 'n_samples_seen' is malformed")
        state["n_samples_seen"] = seen
        state["most_frequent"] = _str_list(tree.get("most_frequent"), "most_frequent")
        cats = tree.get("categories")
        if not isinstance(cats, list) or len(cats) != len(categorical):
            raise ModelFileError("the preprocessing entry 'categories' is malformed")
        state["categories"] = [_str_list(c, "categories") for c in cats]
        if len(state["most_frequent"]) != len(categorical) or any(
            not c or m not in c
            for m, c in zip(state["most_frequent"], state["categories"], strict=True)
        ):
            raise ModelFileError("the preprocessing's categories are malformed")
        if any(c != sorted(c) or len(set(c)) != len(c) for c in state["categories"]):
            raise ModelFileError("the preprocessing's categories must be sorted and unique")
        others = tree.get("others", [""] * len(categorical))  # absent from older models
        state["others"] = _str_list(others, "others")
        if len(state["others"]) != len(categorical) or any(
            o and o not in c for o, c in zip(state["others"], state["categories"], strict=True)
        ):
            raise ModelFileError("the preprocessing entry 'others' is malformed")
        formatted = tree.get("formatted", [False] * len(numeric))  # absent from older models
        if (
            not isinstance(formatted, list)
            or len(formatted) != len(numeric)
            or not all(isinstance(f, bool) for f in formatted)
        ):
            raise ModelFileError("the preprocessing entry 'formatted' is malformed")
        state["formatted"] = formatted
        if len(set(numeric + categorical)) != len(numeric) + len(categorical):
            raise ModelFileError("the preprocessing names a column twice")
        return cls.from_state(numeric, categorical, state)


def _most_frequent(counts: pd.Series, keep: int) -> tuple[list[str], str]:
    """A one-hot block of the `keep` most frequent categories and one for the others.

    Parameters
    ----------
    counts : Series
        Rows per category (the index) of the imputed training column.
    keep : int
        Categories that keep a column; ties go in sorted order.

    Returns
    -------
    categories : list of str
        The block's categories, sorted: the kept ones and the others' name.
    other : str
        That name: :data:`OTHER`, with ``*`` added while a real category has it.
    """
    ranked = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    kept = [str(c) for c, _ in ranked[:keep]]
    other = OTHER
    while other in counts.index:  # a real category of that name keeps its own
        other += "*"
    return sorted([*kept, other]), other


def _rows_of(table: pd.DataFrame, name: str, rows: np.ndarray | None) -> pd.DataFrame:
    """One column, on `rows` only: a copy the size of one column, not of the table."""
    values = table[name].to_numpy()
    return pd.DataFrame({name: values if rows is None else values[rows]}, copy=False)


def _str_list(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ModelFileError(f"the preprocessing entry {what!r} is malformed")
    return list(value)


# -- the saved model ------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class TabularModel:
    """A trained table model: preprocessing, network and what the target is.

    Attributes
    ----------
    preprocessor : Preprocessor
    estimator : MLPClassifier or MLPRegressor
        Trained on the preprocessor's output (for regression, on the standardized target).
    task : {'classification', 'regression'}
    target : str
        Name of the predicted column.
    roles : list of ColumnRole
        Every column of the training table and what was done with it.
    target_mean, target_scale : float
        Regression: predictions are ``network output * target_scale + target_mean``.
    decimal : str
        Decimal mark of the training CSV; the default for predicting.
    """

    preprocessor: Preprocessor
    estimator: Any
    task: str
    target: str
    roles: list[ColumnRole]
    target_mean: float = 0.0
    target_scale: float = 1.0
    decimal: str = "."

    @property
    def id_columns(self) -> list[str]:
        """ID columns: carried from the input into the predictions."""
        return [r.name for r in self.roles if r.role == "id"]

    @property
    def classes(self) -> list[Any]:
        """Class labels, in the order of :meth:`predict_proba`'s columns."""
        return [c.item() if hasattr(c, "item") else c for c in self.estimator.classes_]

    @property
    def pipeline(self) -> Pipeline:
        """The scikit-learn Pipeline ``columns → network`` (regression: standardized units)."""
        return Pipeline([("columns", self.preprocessor.transformer), ("network", self.estimator)])

    def predict(self, table: pd.DataFrame) -> np.ndarray:
        """Labels, or values in the target's units, of shape (n_rows,)."""
        X = self.preprocessor.transform(table)
        out = self.estimator.predict(X)
        if self.task == "regression":
            return np.asarray(out, dtype=np.float64) * self.target_scale + self.target_mean
        return np.asarray(out)

    def predict_proba(self, table: pd.DataFrame) -> np.ndarray:
        """Class probabilities of shape (n_rows, n_classes), columns in :attr:`classes`."""
        if self.task != "classification":
            raise TableError("probabilities exist for classification models only")
        return self.estimator.predict_proba(self.preprocessor.transform(table))

    def save(self, folder: str | Path) -> Path:
        """Write ``network.npz`` and ``preprocessing.npz`` into `folder` (created)."""
        folder = Path(folder)
        folder.mkdir(exist_ok=True)
        network = self.estimator.save(folder / "network.npz")
        tree = {
            "format": _MODEL_FORMAT,
            "task": self.task,
            "target": self.target,
            "roles": [r.to_dict() for r in self.roles],
            "preprocessing": self.preprocessor.to_tree(),
            "target_mean": float(self.target_mean),
            "target_scale": float(self.target_scale),
            "decimal": self.decimal,
            "network_sha256": _sha256(network),
        }
        save_tree(folder / "preprocessing.npz", tree, kind=_MODEL_KIND)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> TabularModel:
        """Load a model folder; ModelFileError for a tampered, truncated or mixed-up one."""
        from .estimators import load as load_estimator

        folder = Path(folder)
        prep_path, net_path = folder / "preprocessing.npz", folder / "network.npz"
        if not (prep_path.is_file() and net_path.is_file()):
            raise ModelFileError(
                f"{folder} is not an mlplab model folder (it needs preprocessing.npz and "
                "network.npz, as written by mlplab train)"
            )
        _, tree = load_tree(prep_path, kind=_MODEL_KIND)
        if not isinstance(tree, dict):
            raise ModelFileError(f"{prep_path}: the content is malformed")
        version = tree.get("format")
        if not isinstance(version, int) or version > _MODEL_FORMAT:
            raise ModelFileError(
                f"{prep_path} was written by a newer mlplab (model format {version}): upgrade"
            )
        if tree.get("network_sha256") != _sha256(net_path):
            raise ModelFileError(
                f"{net_path} is not the network saved with {prep_path} (its checksum differs): "
                "the folder was modified or files were mixed up"
            )
        try:
            prep = Preprocessor.from_tree(tree.get("preprocessing"))
            task = tree["task"]
            if task not in ("classification", "regression"):
                raise ModelFileError(f"unknown task {task!r}")
            target = tree["target"]
            roles = [_role_from_dict(r) for r in tree["roles"]]
            mean, scale = float(tree["target_mean"]), float(tree["target_scale"])
            decimal = tree["decimal"]
            if not (isinstance(target, str) and isinstance(decimal, str) and len(decimal) == 1):
                raise ModelFileError("the target name or decimal mark is malformed")
            if not (math.isfinite(mean) and math.isfinite(scale) and scale > 0):
                raise ModelFileError("the target scaling is malformed")
        except ModelFileError as exc:
            raise ModelFileError(f"{prep_path}: {exc}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{prep_path}: the content is malformed ({exc!r})") from None
        estimator = load_estimator(net_path)
        expected = "MLPClassifier" if task == "classification" else "MLPRegressor"
        if type(estimator).__name__ != expected or estimator.n_features_in_ != prep.n_outputs:
            raise ModelFileError(f"{net_path} does not match the preprocessing in {prep_path}")
        return cls(prep, estimator, task, target, roles, mean, scale, decimal)


def _role_from_dict(d: Any) -> ColumnRole:
    if not isinstance(d, dict) or d.get("role") not in _ROLES:
        raise ModelFileError("a column role is malformed")
    name, seen, why = d.get("name"), d.get("seen"), d.get("why")
    if not all(isinstance(v, str) for v in (name, seen, why)):
        raise ModelFileError("a column role is malformed")
    k, most = d.get("n_categories"), d.get("max_categories")
    return ColumnRole(
        name,
        d["role"],
        seen,
        why,
        int(d.get("missing", 0)),
        None if k is None else int(k),
        bool(d.get("forced", False)),
        None if most is None else int(most),
        bool(d.get("formatted", False)),
    )


def csv_bytes(frame: pd.DataFrame, header: bool) -> bytes:
    """`frame` as UTF-8 CSV text (used for streamed prediction output)."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False, header=header, lineterminator="\n")
    return buf.getvalue().encode("utf-8")
