"""What a network is made of, as a table: layers, activations, widths and parameter counts.

:meth:`mlplab.network.Sequential.summary` and the estimators' ``summary()`` return a
:class:`NetworkSummary`. Printed (or left as the last value at a Python prompt) it is a
plain-text table; in a notebook it is an HTML table, and the estimators show it under
scikit-learn's own diagram. Nothing here imports matplotlib or scikit-learn.

A built network gives every count; an unbuilt one (no ``n_inputs`` yet) gives those that
do not depend on the input width, and ``?`` for the others.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from . import activations as _activations
from .layers import Activation, BatchNorm, Dense, Dropout, Layer


class _Network(Protocol):
    """What a summary reads of a :class:`~mlplab.network.Sequential` (built or not).

    A protocol, not the class: the network module imports this one (for
    :class:`SummaryMixin`), which must not import it back.
    """

    layers: Sequence[Layer]
    n_inputs: int | None
    n_outputs: int
    dtype: Any


__all__ = ["LayerRow", "NetworkSummary", "SummaryMixin", "layer_rows", "summarize"]


#: The summary table's columns, and which of them hold numbers (right-aligned).
_COLUMNS = ("#", "layer", "type", "output", "parameters", "details")
_NUMBER_COLUMNS = frozenset({0, 3, 4})


@dataclass(frozen=True)
class LayerRow:
    """One layer of a :class:`NetworkSummary`.

    Attributes
    ----------
    index : int or None
        Position in ``network.layers`` (None for a layer that only a fit will create).
    name : str
        ``dense_0``, ``dense_1``... for Dense layers (the names
        :class:`~mlplab.diagnostics.Diagnostics` uses); the activation's name for an
        Activation layer; the layer's kind otherwise (``batch_norm``, ``dropout``).
    kind : str
        The layer's class (``"Dense"``, ``"Activation"``...).
    output : int or None
        Output width (units); None where it is not known yet.
    n_params : int or None
        Trainable numbers of the layer; None where they are not known yet.
    n_buffers : int
        Non-trainable numbers it keeps (batch norm's running averages).
    details : str
        Parameter shapes, initializer, dropout rate, "output activation"...
    """

    index: int | None
    name: str
    kind: str
    output: int | None
    n_params: int | None
    n_buffers: int = 0
    details: str = ""

    def cells(self) -> tuple[str, ...]:
        """The row as the table's text cells, in the order of its columns."""
        return (
            "" if self.index is None else str(self.index),
            self.name,
            self.kind,
            _count(self.output),
            _count(self.n_params),
            self.details,
        )


@dataclass(frozen=True)
class NetworkSummary:
    """A network's layers as a table; ``str()`` is text, ``_repr_html_()`` HTML.

    Attributes
    ----------
    title : str
        What the table describes (``"Sequential"``, ``"MLPClassifier"``...).
    rows : tuple of LayerRow
        One per layer, input to output.
    n_inputs, n_outputs : int or None
        Input and output widths (None where not known yet).
    dtype : str or None
        The parameters' dtype (None before they exist).
    notes : tuple of str
        Lines shown under the table (loss, solver, "planned: ...").
    pending : str
        What makes the unknown counts known ("built", "fitted").
    """

    title: str
    rows: tuple[LayerRow, ...]
    n_inputs: int | None
    n_outputs: int | None
    dtype: str | None
    notes: tuple[str, ...] = field(default=())
    pending: str = "built"

    @property
    def n_params(self) -> int | None:
        """Trainable numbers of the whole network (None while some are unknown)."""
        counts = [r.n_params for r in self.rows]
        return None if any(c is None for c in counts) else sum(counts)

    @property
    def n_buffers(self) -> int:
        """Non-trainable numbers (running averages) of the whole network."""
        return sum(r.n_buffers for r in self.rows)

    @property
    def widths(self) -> list[int | None]:
        """The widths from input to output through the Dense (and recurrent) layers."""
        widths = [self.n_inputs]
        widths += [r.output for r in self.rows if r.kind not in _SAME_WIDTH]
        return widths

    def headline(self) -> str:
        """One line: the widths, the parameter count and the dtype."""
        shape = " → ".join(_count(w) for w in self.widths)
        total = self.n_params
        params = (
            f"parameters known once {self.pending}" if total is None else f"{total:,} parameters"
        )
        parts = [shape, params]
        if self.dtype is not None:
            parts.append(self.dtype)
        return " · ".join(parts)

    def to_text(self) -> str:
        """The table as plain text, for a terminal."""
        header = _COLUMNS
        body = [r.cells() for r in self.rows]
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
        right = _NUMBER_COLUMNS

        def line(cells: Sequence[str]) -> str:
            text = "  ".join(
                c.rjust(w) if i in right else c.ljust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
            return text.rstrip()

        rule = "-" * len(line(header))
        out = [f"{self.title}: {self.headline()}", rule, line(header), rule]
        out += [line(row) for row in body]
        out += [rule, self._totals()]
        out += list(self.notes)
        return "\n".join(out)

    def _totals(self) -> str:
        total = self.n_params
        text = (
            f"Total: parameters known once {self.pending}"
            if total is None
            else f"Total: {total:,} trainable parameters"
        )
        if self.n_buffers:
            text += f", {self.n_buffers:,} non-trainable values (running averages)"
        if self.dtype is not None:
            text += f", {self.dtype}"
        return text

    def to_html(self) -> str:
        """The table as an HTML fragment, for a notebook."""
        esc = html.escape
        head = "".join(
            f"<th{_RIGHT if i in _NUMBER_COLUMNS else _LEFT}>{esc(h)}</th>"
            for i, h in enumerate(_COLUMNS)
        )
        rows = []
        for r in self.rows:
            cells = r.cells()
            rows.append(
                "<tr>"
                + "".join(
                    f"<td{_RIGHT if i in _NUMBER_COLUMNS else _LEFT}>{esc(c)}</td>"
                    for i, c in enumerate(cells)
                )
                + "</tr>"
            )
        notes = "".join(f"<div>{esc(n)}</div>" for n in self.notes)
        return (
            '<div class="mlplab-network" style="margin-top:0.5em">'
            f"<div><strong>{esc(self.title)}</strong>: {esc(self.headline())}</div>"
            '<table style="border-collapse:collapse;margin:0.3em 0;font-size:0.9em">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
            f'<tfoot><tr><td colspan="6"{_LEFT}>{esc(self._totals())}</td></tr></tfoot>'
            f"</table>{notes}</div>"
        )

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        # At a Python prompt the summary reads as the table, not as a dataclass.
        return self.to_text()

    def _repr_html_(self) -> str:
        return self.to_html()


_CELL = "padding:0.15em 0.6em;border-bottom:1px solid rgba(127,127,127,0.3)"
_LEFT = f' style="text-align:left;{_CELL}"'
_RIGHT = f' style="text-align:right;{_CELL}"'
#: Layer kinds that keep the width of their input (not counted in the widths).
_SAME_WIDTH = ("Activation", "BatchNorm", "Dropout", "PReLU")


def _count(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def _shape(shape: Sequence[int | None]) -> str:
    inner = ", ".join("?" if s is None else str(s) for s in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def _activation_name(function: Any) -> str:
    """The activation's name, with the settings that differ from its defaults."""
    config = function.get_config()
    try:
        default = _activations.get(function.name).get_config()
    except (KeyError, ValueError, TypeError):  # not in the catalog: show every setting
        default = {}
    changed = {k: v for k, v in config.items() if default.get(k, object()) != v}
    if not changed:
        return function.name
    args = ", ".join(f"{k}={v!r}" for k, v in changed.items())
    return f"{function.name}({args})"


def layer_rows(
    layers: Sequence[Layer], n_inputs: int | None, *, complete: bool = True
) -> list[LayerRow]:
    """One :class:`LayerRow` per layer, built or not.

    Parameters
    ----------
    layers : sequence of Layer
        The layers, first to last.
    n_inputs : int or None
        The input width, when known: counts that depend on it are computed for
        unbuilt layers too.
    complete : bool
        The layers are the whole network: the last one is its output.

    Returns
    -------
    list of LayerRow
    """
    rows = []
    width = n_inputs
    n_dense = 0
    last = len(layers) - 1 if complete else -1
    for i, layer in enumerate(layers):
        built = layer.n_out is not None
        n_in = layer.n_in if built else width
        out = layer.n_out if built else getattr(layer, "units", width)
        n_params: int | None
        if built or not layer.param_names:
            n_params = sum(p.size for p in layer.params)
        elif isinstance(layer, Dense):
            n_params = None if n_in is None else (n_in + 1) * layer.units
        elif isinstance(layer, BatchNorm):
            n_params = None if n_in is None else 2 * n_in
        else:
            n_params = None
        buffers = sum(b.size for b in layer.buffers().values()) if built else 0
        if isinstance(layer, BatchNorm) and not built and n_in is not None:
            buffers = 2 * n_in
        kind = type(layer).__name__
        if isinstance(layer, Dense):
            name = f"dense_{n_dense}"
            n_dense += 1
            details = f"W {_shape((n_in, layer.units))}, b {_shape((layer.units,))}"
            if i == last:
                details += "; output, no activation (identity)"
        elif isinstance(layer, Activation):
            name = _activation_name(layer.function)
            details = "output activation" if i == last else ""
        elif isinstance(layer, BatchNorm):
            name = "batch_norm"
            details = "γ, β per unit; running mean and variance"
        elif isinstance(layer, Dropout):
            name = "dropout"
            details = f"rate {layer.rate:g}, training only"
        else:
            name = kind.lower()
            details = ", ".join(f"{k}={v!r}" for k, v in layer.get_config().items())
        rows.append(LayerRow(i, name, kind, out, n_params, buffers, details))
        width = out
    return rows


def summarize(network: _Network, title: str = "Sequential") -> NetworkSummary:
    """The :class:`NetworkSummary` of `network` (built or not).

    Parameters
    ----------
    network : Sequential
    title : str
        The name shown above the table.

    Returns
    -------
    NetworkSummary
    """
    built = network.n_inputs is not None
    rows = tuple(layer_rows(network.layers, network.n_inputs))
    notes = () if built else ("not built: build(n_inputs) creates the parameters",)
    return NetworkSummary(
        title=title,
        rows=rows,
        n_inputs=network.n_inputs,
        n_outputs=network.n_outputs if built else rows[-1].output,
        dtype=str(np.dtype(network.dtype)),
        notes=notes,
    )


class SummaryMixin:
    """``summary()`` and the notebook representation of :class:`~mlplab.network.Sequential`."""

    def summary(self) -> NetworkSummary:
        """The layers as a table: widths, activations, parameter counts, dtype.

        Returns
        -------
        NetworkSummary
            Text when printed (:meth:`~mlplab.summary.NetworkSummary.to_text`), an HTML table in a
            notebook; its ``rows`` and ``n_params`` are there to read.
        """
        return summarize(self)  # type: ignore[arg-type]  # a Sequential

    def _repr_html_(self) -> str:
        """A notebook shows the network as the table of :meth:`summary`."""
        return self.summary().to_html()
