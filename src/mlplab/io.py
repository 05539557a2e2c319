"""mlplab's file format: arrays in ``.npz``, structure in JSON, a version and a checksum.

A file is a NumPy ``.npz`` archive holding

- ``__meta__``: a JSON document ``{"format": "mlplab", "version": N, "kind": ...,
  "tree": ..., "checksum": sha256}`` stored as a unicode string array;
- one entry per array of the tree, named ``a0``, ``a1``... and referenced from the JSON
  as ``{"__array__": "a0"}``.

It is read with ``allow_pickle=False``: nothing in a file can execute code. The checksum
covers the JSON tree and every array's dtype, shape and bytes, so a truncated, corrupted
or edited file is refused with a message saying which. Writes go to a temporary file in
the same folder, then ``os.replace`` it: an interrupted save never leaves a half-written
file behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import secrets
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

FORMAT_VERSION = 1
_ALLOWED_DTYPE_KINDS = "biuf"  # bool, integers and floats: no objects, no strings


class ModelFileError(ValueError):
    """A file is not a valid mlplab file (truncated, corrupted, tampered or too new)."""


def _flatten(tree: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(tree, np.ndarray):
        if tree.dtype.kind not in _ALLOWED_DTYPE_KINDS:
            raise TypeError(f"cannot store an array of dtype {tree.dtype}")
        key = f"a{len(arrays)}"
        arrays[key] = np.ascontiguousarray(tree)
        return {"__array__": key}
    if isinstance(tree, dict):
        for k in tree:
            if not isinstance(k, str):
                raise TypeError(f"dictionary keys must be strings, got {k!r}")
        return {k: _flatten(v, arrays) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [_flatten(v, arrays) for v in tree]
    if isinstance(tree, (np.integer, np.floating, np.bool_)):
        return tree.item()
    if tree is None or isinstance(tree, (str, int, float, bool)):
        return tree
    raise TypeError(f"cannot store a {type(tree).__name__} in an mlplab file")


def _unflatten(tree: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(tree, dict):
        if set(tree) == {"__array__"}:
            key = tree["__array__"]
            if key not in arrays:
                raise ModelFileError(f"the file refers to a missing array {key!r}")
            return arrays[key]
        return {k: _unflatten(v, arrays) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_unflatten(v, arrays) for v in tree]
    return tree


def _checksum(tree_json: str, arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256(tree_json.encode())
    for key in sorted(arrays):
        a = arrays[key]
        h.update(f"{key}:{a.dtype.str}:{a.shape}".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _create_temporary(folder: str | os.PathLike[str], name: str) -> tuple[Any, str]:
    """A new, uniquely named file in `folder` for an atomic write of `name`, opened "wb".

    Created with mode 0o666 so that the umask decides its permissions (0644 under umask
    022), as for any plainly opened file; ``tempfile.mkstemp`` would force 0600, and the
    renamed file would keep it.
    """
    for _ in range(100):
        tmp = os.path.join(os.fspath(folder), f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        return os.fdopen(fd, "wb"), tmp
    raise FileExistsError(f"could not create a temporary file in {os.fspath(folder)!r}")


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Write `path` all or nothing: the block writes a new file, renamed over `path` at the end.

    The file is made in `path`'s folder (:func:`_create_temporary`: the umask decides
    its permissions) and replaces `path` only when the block ends without an error;
    when it raises, the temporary file is deleted and `path` is left as it was.

    Parameters
    ----------
    path : str or path-like
        The file to write; its folder must exist.

    Yields
    ------
    file object
        Opened for binary writing.
    """
    path = Path(path)
    fh, tmp = _create_temporary(path.parent, path.name)
    try:
        with fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_tree(path: str | os.PathLike[str], tree: Any, kind: str) -> Path:
    """Write a tree of dicts, lists, arrays and JSON scalars to `path`, atomically.

    Parameters
    ----------
    path : str or path-like
        Destination; its folder must exist.
    tree : dict
        The content: nested dicts (string keys), lists, ndarrays (numeric or bool),
        str, int, float, bool and None.
    kind : str
        What the file holds (e.g. ``"MLPClassifier"`` or ``"checkpoint"``).

    Returns
    -------
    Path
        The path written.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"path's folder {str(path.parent)!r} does not exist")
    arrays: dict[str, np.ndarray] = {}
    tree_json = json.dumps(_flatten(tree, arrays), sort_keys=True, allow_nan=True)
    meta = {
        "format": "mlplab",
        "version": FORMAT_VERSION,
        "kind": kind,
        "tree": tree_json,
        "checksum": _checksum(tree_json, arrays),
    }
    with atomic_write(path) as fh:
        np.savez(fh, __meta__=np.array(json.dumps(meta)), **arrays)
        fh.flush()
        os.fsync(fh.fileno())
    return path


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file written by :func:`save_tree`, read defensively.

    Every entry must be an uncompressed ``.npy`` member (as ``np.savez`` writes them)
    whose header declares exactly as many bytes as the member holds, so nothing larger
    than the file itself is ever allocated, whatever the file claims. Only numeric and
    boolean arrays (and the unicode ``__meta__`` string) are accepted; object arrays,
    and so pickles, never are.
    """
    arrays: dict[str, np.ndarray] = {}
    file_size = path.stat().st_size
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename
            if not name.endswith(".npy") or name[:-4] in arrays:
                raise ModelFileError(f"{path} holds an unexpected entry {name!r}")
            if (
                info.compress_type != zipfile.ZIP_STORED
                or info.file_size != info.compress_size
                or info.file_size > file_size
            ):
                raise ModelFileError(
                    f"{path}: entry {name!r} declares {info.file_size} bytes in a file of "
                    f"{file_size} (or is compressed): the file is corrupted"
                )
            key = name[:-4]
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
                elif version == (2, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
                else:
                    raise ModelFileError(f"{path}: entry {name!r} has npy version {version}")
                allowed = "U" if key == "__meta__" else _ALLOWED_DTYPE_KINDS
                if dtype.hasobject or dtype.kind not in allowed:
                    raise ModelFileError(f"{path} holds array {key!r} of unsupported dtype {dtype}")
                if any(d < 0 for d in shape):
                    raise ModelFileError(f"{path}: array {key!r} has a negative size")
                nbytes = math.prod(shape) * dtype.itemsize
                held = info.file_size - member.tell()
                if nbytes != held:
                    raise ModelFileError(
                        f"{path}: array {key!r} declares shape {shape} ({nbytes} bytes) but "
                        f"its entry holds {held} bytes: the file is corrupted"
                    )
                data = member.read(nbytes)
                if len(data) != nbytes or member.read(1):  # the read also checks the CRC
                    raise ModelFileError(f"{path}: array {key!r} is truncated")
            flat = np.frombuffer(bytearray(data), dtype=dtype)
            arrays[key] = flat.reshape(shape, order="F" if fortran else "C")
    return arrays


def load_tree(path: str | os.PathLike[str], kind: str | None = None) -> tuple[str, Any]:
    """Read a file written by :func:`save_tree`; return ``(kind, tree)``.

    Raises
    ------
    FileNotFoundError
        If `path` does not exist.
    ModelFileError
        If the file is not an mlplab file, is truncated or corrupted, fails its checksum
        (edited), comes from a newer format version, or holds another `kind`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such model file: {str(path)!r}")
    try:
        arrays = _read_arrays(path)
        if "__meta__" not in arrays:
            raise ModelFileError(f"{path} is not an mlplab file (no __meta__ entry)")
        meta = json.loads(str(arrays.pop("__meta__")[()]))
    except ModelFileError:
        raise
    except Exception as exc:
        # A damaged archive or npy header fails in many ways (BadZipFile, EOFError,
        # NotImplementedError for an unknown compression, tokenize.TokenError from a
        # mangled header, UnicodeDecodeError, RecursionError...): all mean "corrupted".
        raise ModelFileError(
            f"{path} is truncated or corrupted: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(meta, dict) or meta.get("format") != "mlplab":
        raise ModelFileError(f"{path} is not an mlplab file")
    version = meta.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path} was written by a newer mlplab (format version {version}); this mlplab "
            f"reads versions up to {FORMAT_VERSION}: upgrade mlplab to load it"
        )
    tree_json = meta.get("tree")
    if not isinstance(tree_json, str) or meta.get("checksum") != _checksum(tree_json, arrays):
        raise ModelFileError(f"{path} failed its checksum: the file was modified or corrupted")
    if kind is not None and meta.get("kind") != kind:
        raise ModelFileError(f"{path} holds a {meta.get('kind')!r}, not a {kind!r}")
    try:
        return meta["kind"], _unflatten(json.loads(tree_json), arrays)
    except ModelFileError:
        raise
    except Exception as exc:  # a checksum is not a signature: the tree may still be odd
        raise ModelFileError(f"{path} holds a malformed tree: {type(exc).__name__}") from exc
