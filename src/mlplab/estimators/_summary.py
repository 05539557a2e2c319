"""The network of an MLP estimator as a table: the fitted one, or the one a fit would build.

A fitted estimator shows ``network_`` (:func:`mlplab.summary.summarize`) with the loss,
the solver and the epochs trained. An unfitted one shows what its parameters already
say (hidden widths, activations, batch norm, dropout, and the parameter counts between
hidden layers); the input and output widths, and with them the first and last counts,
come from the data.
"""

from __future__ import annotations

from typing import Any

from sklearn.utils import estimator_html_repr

from .. import activations as _activations
from ..layers import Activation, BatchNorm, Dense, Dropout, Layer
from ..summary import LayerRow, NetworkSummary, layer_rows, summarize
from . import _network, _sklearn

__all__ = ["SummaryMixin", "estimator_summary"]


def estimator_summary(est: Any) -> NetworkSummary:
    """The :class:`~mlplab.summary.NetworkSummary` of an MLP estimator.

    Parameters
    ----------
    est : BaseMLP
        Fitted or not.

    Returns
    -------
    NetworkSummary

    Raises
    ------
    ValueError or TypeError
        For parameters that a fit would refuse (an unknown activation...).
    """
    name = type(est).__name__
    if "network_" in est.__dict__:
        return _fitted(est, name)
    return _planned(est, name)


def _fitted(est: Any, name: str) -> NetworkSummary:
    summary = summarize(est.network_, title=name)
    unit = "epoch" if est.solver in _sklearn.STOCHASTIC_SOLVERS else "L-BFGS iteration"
    n_iter = int(getattr(est, "n_iter_", 0))
    notes = (
        f"loss {est._make_loss().name}, solver {est.solver}; "
        f"trained {n_iter} {unit}{'' if n_iter == 1 else 's'}",
    )
    return NetworkSummary(
        title=name,
        rows=summary.rows,
        n_inputs=summary.n_inputs,
        n_outputs=summary.n_outputs,
        dtype=summary.dtype,
        notes=notes,
    )


def _planned(est: Any, name: str) -> NetworkSummary:
    hidden = _network.hidden_sizes(est)
    functions = [_activations.get(a) for a in _network.hidden_activations(est, len(hidden))]
    rates = est.dropout if isinstance(est.dropout, (list, tuple)) else [est.dropout] * len(hidden)
    if len(rates) != len(hidden):
        raise ValueError(
            f"dropout has {len(rates)} entries but there are {len(hidden)} hidden layers"
        )
    layers: list[Layer] = []
    for units, function, rate in zip(hidden, functions, rates, strict=True):
        layers.append(Dense(units))
        if est.batch_norm:
            layers.append(BatchNorm())
        layers.append(Activation(function))
        if rate:
            layers.append(Dropout(rate))
    rows = layer_rows(layers, None, complete=False)
    # The output layer's width is the number of classes or targets: the data says.
    rows.append(
        LayerRow(
            len(layers),
            f"dense_{len(hidden)}",
            "Dense",
            None,
            None,
            details=f"W ({hidden[-1] if hidden else '?'}, ?), b (?,); {_OUTPUT_UNITS[est._LABELS]}",
        )
    )
    output = _output_activation(est)
    if output is not None:
        rows.append(LayerRow(len(layers) + 1, output[0], "Activation", None, 0, 0, output[1]))
    else:
        rows[-1] = LayerRow(
            rows[-1].index,
            rows[-1].name,
            "Dense",
            None,
            None,
            details=rows[-1].details + "; output, no activation (identity)",
        )
    return NetworkSummary(
        title=f"{name} (not fitted)",
        rows=tuple(rows),
        n_inputs=None,
        n_outputs=None,
        dtype=None,
        notes=("fit sets the input width (features) and the output width (classes or targets)",),
        pending="fitted",
    )


_OUTPUT_UNITS = {
    True: "one unit per class (one for two classes), set by fit",
    False: "one unit per target, set by fit",
}


def _output_activation(est: Any) -> tuple[str, str] | None:
    """(name, details) of the planned output activation; None for identity."""
    chosen = est.output_activation
    if chosen == "auto":
        try:
            chosen = est._default_output_activation()
        except AttributeError:  # a classifier's depends on the targets it is fitted on
            what = "output activation, set by fit: softmax for one of several classes, else sigmoid"
            return "auto", what
    name = _activations.get(chosen).name
    return None if name == "identity" else (name, "output activation")


class SummaryMixin:
    """The estimators' ``summary()``, and their network under scikit-learn's diagram."""

    def summary(self) -> NetworkSummary:
        """The network as a table: layers, activations, widths, parameter counts, dtype.

        Fitted: ``network_``, with the loss, the solver and the epochs trained. Not
        fitted: the network the parameters describe, with ``?`` for the widths and
        counts that the data sets (input features, classes or targets).

        Returns
        -------
        NetworkSummary
            Text when printed, an HTML table in a notebook; see :mod:`mlplab.summary`.
        """
        return estimator_summary(self)

    def _html_repr(self) -> str:
        # scikit-learn's _repr_html_ and _repr_mimebundle_ call this: its diagram, and
        # the network's table under it.
        diagram = estimator_html_repr(self)
        try:
            table = self.summary().to_html()
        except (TypeError, ValueError):  # parameters a fit would refuse: the diagram alone
            return diagram
        return diagram + table
