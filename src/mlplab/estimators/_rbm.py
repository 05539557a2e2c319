r"""Bernoulli restricted Boltzmann machine, a drop-in for scikit-learn's ``BernoulliRBM``.

A restricted Boltzmann machine has a layer of binary visible units v (the features) and
a layer of binary hidden units h, with no connections within a layer. Its energy is

.. math:: E(v, h) = -b^\top v - c^\top h - h^\top W v,

so that, given one layer, the units of the other are independent Bernoulli variables:
``P(h = 1 | v) = sigmoid(W v + c)`` and ``P(v = 1 | h) = sigmoid(W^T h + b)``. Training
follows the log-likelihood gradient by persistent contrastive divergence (PCD, Tieleman
2008): the "negative" statistics come from Gibbs chains, one per row of ``h_samples_``,
that carry over from one mini-batch to the next instead of restarting at the data.
:meth:`BernoulliRBM.transform` gives ``P(h = 1 | v)``, features learned without labels
(the course: "usada para extração de características de forma não supervisionada").

Same random_state, same numbers as scikit-learn
-----------------------------------------------
Given the same ``random_state``, :class:`BernoulliRBM` draws the same random numbers in
the same order and from the same distributions as ``sklearn.neural_network.BernoulliRBM``
(the legacy ``RandomState``: ``normal(0, 0.01)`` for the weights, one uniform per unit
for every Bernoulli sample, ``randint`` for the corrupted feature of the
pseudo-likelihood) and computes every sampled probability with the same operations, so
``components_``, the intercepts, ``h_samples_``, ``transform`` and ``score_samples`` agree
with scikit-learn's to the last bit on one machine, dense or sparse, float64 or float32.
That rules out three engine pieces that would otherwise fit:

- :func:`mlplab.activations.sigmoid` (``exp(-|x|)`` form) differs from SciPy's ``expit``,
  which scikit-learn uses, in the last bit for about a quarter of all inputs (NumPy's
  SIMD ``exp`` against the C library's). Every Bernoulli draw ``u < p`` compares with a
  probability, and once a draw lands between the two roundings, the persistent chains
  fork. Measured with mlplab's sigmoid in its place: float32 fits of the digits (256
  components, seeds 0-2) ended 5e-6 away from scikit-learn's weights after 10 passes,
  and 0.3 to 1.3 away (different models) after 60. So ``expit`` is used; the ONNX
  export (:mod:`mlplab.onnx`) uses mlplab's sigmoid translation, which agrees with
  ``transform`` to float rounding.
- :mod:`mlplab.initializers` and mlplab's seed sequence (``SeedSequence`` spawning
  ``numpy.random.Generator`` streams, as the MLP estimators do) draw normals with the
  ziggurat method, not the legacy polar method of ``RandomState.normal``: the same seed
  would give other weights. The RBM therefore uses ``check_random_state`` directly, as
  scikit-learn's does (the same ``random_state`` argument the MLP estimators accept).
- The free energy uses ``np.logaddexp(0, x)`` rather than
  :func:`mlplab.activations.softplus`, for the same last-bit reason.

What differs from scikit-learn: ``partial_fit`` keeps float32 data in float32 (scikit-learn
converts it to float64) and returns ``self``; ``gibbs`` validates its input; and the
uniforms of a fit are drawn in blocks (the same numbers, fewer calls), with sparse batches
cut once per fit rather than at every step. The model can also be saved in mlplab's safe
file format (:meth:`BernoulliRBM.save`, :func:`mlplab.load`) and exported to ONNX
(:func:`mlplab.export_onnx`).
"""

from __future__ import annotations

import time
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from scipy.special import expit  # not mlplab's sigmoid: see the module docstring
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ..io import ModelFileError
from . import _persistence

__all__ = ["BernoulliRBM"]

#: Version of the RBM's layout inside an mlplab file (the container has its own).
_RBM_FORMAT = 1
#: Most uniforms drawn by one RandomState call during a fit (2 MiB of float64).
_DRAW_BLOCK = 1 << 18

_DTYPES = (np.float64, np.float32)


@_persistence.savable
class BernoulliRBM(
    _persistence.Savable, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Bernoulli restricted Boltzmann machine trained by persistent contrastive divergence.

    Binary visible and hidden units; the parameters are fitted by stochastic maximum
    likelihood (persistent contrastive divergence, Tieleman 2008). A drop-in for
    ``sklearn.neural_network.BernoulliRBM``: same parameters, methods and fitted
    attributes, and the same results for the same `random_state`.

    Parameters
    ----------
    n_components : int, default=256
        Number of binary hidden units.
    learning_rate : float, default=0.1
        Step size of the parameter updates (divided by the number of rows of each
        mini-batch). Worth tuning; values in [0.001, 1] are reasonable.
    batch_size : int, default=10
        Number of examples per mini-batch in :meth:`fit`, and number of persistent
        Gibbs chains at the start.
    n_iter : int, default=10
        Number of passes (epochs) over the training set in :meth:`fit`.
    verbose : int, default=0
        When nonzero, :meth:`fit` prints the mean pseudo-likelihood of the training set
        and the time taken after each pass, as scikit-learn does.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the Gibbs sampling of :meth:`fit`,
        :meth:`partial_fit` and :meth:`gibbs`, and the corruption in
        :meth:`score_samples`. An int gives reproducible results (scikit-learn's, for
        the same int).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Weight matrix W: row j holds hidden unit j's weights to the visible units.
    intercept_hidden_ : ndarray of shape (n_components,)
        Biases c of the hidden units.
    intercept_visible_ : ndarray of shape (n_features,)
        Biases b of the visible units.
    h_samples_ : ndarray of shape (batch_size, n_components)
        Hidden states of the persistent Gibbs chains, one chain per row.
    n_features_in_ : int
        Number of features seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during :meth:`fit`, when `X` has string column
        names.
    random_state_ : RandomState
        The generator of :meth:`partial_fit` and :meth:`gibbs`, made on their first call.

    See Also
    --------
    mlplab.MLPClassifier : Supervised network, often fitted on the RBM's features.

    References
    ----------
    G. E. Hinton, S. Osindero and Y.-W. Teh, "A fast learning algorithm for deep belief
    nets", Neural Computation 18, 2006.

    T. Tieleman, "Training restricted Boltzmann machines using approximations to the
    likelihood gradient", ICML 2008.

    Examples
    --------
    >>> import numpy as np
    >>> from mlplab import BernoulliRBM
    >>> X = np.array([[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    >>> model = BernoulliRBM(n_components=2, random_state=0).fit(X)
    >>> model.transform(X).shape
    (4, 2)
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_iter": [Interval(Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_components: int = 256,
        *,
        learning_rate: float = 0.1,
        batch_size: int = 10,
        n_iter: int = 10,
        verbose: int = 0,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.verbose = verbose
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> BernoulliRBM:
        """Fit the model to `X` by `n_iter` passes of persistent contrastive divergence.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, values in [0, 1] (probabilities of the visible units being
            on). Sparse CSR, CSC and LIL matrices are accepted; float32 stays float32,
            other dtypes become float64. `X` is not modified.
        y : None
            Ignored; present for the scikit-learn API.

        Returns
        -------
        self : BernoulliRBM
            The fitted model.
        """
        X = validate_data(self, X, accept_sparse="csr", dtype=_DTYPES)
        rng = check_random_state(self.random_state)
        self._initialize(X.shape[1], X.dtype, rng)
        n_samples = X.shape[0]
        # Consecutive mini-batches of batch_size rows in data order (no shuffling, as
        # scikit-learn); the last one holds the remainder. Sparse rows are cut once.
        batches = [X[i : i + self.batch_size] for i in range(0, n_samples, self.batch_size)]
        begin = time.time()
        for iteration in range(1, self.n_iter + 1):
            self._run_batches(batches, rng)
            if self.verbose:
                end = time.time()
                print(
                    f"[{type(self).__name__}] Iteration {iteration}, pseudo-likelihood = "
                    f"{self.score_samples(X).mean():.2f}, time = {end - begin:.2f}s"
                )
                begin = end
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: Any, y: Any = None) -> BernoulliRBM:
        """Take one persistent contrastive divergence step with all of `X` as the batch.

        The first call initializes the model (and ``random_state_``); later calls
        continue it, with the same Gibbs chains and generator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            One mini-batch. Float32 data stays float32 (scikit-learn converts it to
            float64); after the first call, data is converted to the model's dtype.
        y : None
            Ignored; present for the scikit-learn API.

        Returns
        -------
        self : BernoulliRBM
            The updated model.
        """
        first_pass = not hasattr(self, "components_")
        X = validate_data(self, X, accept_sparse="csr", dtype=_DTYPES, reset=first_pass)
        if not hasattr(self, "random_state_"):
            self.random_state_ = check_random_state(self.random_state)
        if first_pass:
            self._initialize(X.shape[1], X.dtype, self.random_state_)
        else:
            X = X.astype(self.components_.dtype, copy=False)
        self._run_batches([X], self.random_state_)
        return self

    def _initialize(self, n_features: int, dtype: np.dtype, rng: np.random.RandomState) -> None:
        """Weights from N(0, 0.01²) (drawn in float64, then cast), zero biases and chains."""
        weights = rng.normal(0, 0.01, (self.n_components, n_features))
        # Fortran order: components_.T, the (n_features, n_components) matrix of
        # v @ W.T, is then C-contiguous, as in scikit-learn (same BLAS calls).
        self.components_ = np.asarray(weights, dtype=dtype, order="F")
        self.intercept_hidden_ = np.zeros(self.n_components, dtype=dtype)
        self.intercept_visible_ = np.zeros(n_features, dtype=dtype)
        self.h_samples_ = np.zeros((self.batch_size, self.n_components), dtype=dtype)

    def _run_batches(self, batches: list[Any], rng: np.random.RandomState) -> None:
        """PCD steps over `batches`, drawing their uniforms a block of steps at a time.

        Each step needs ``n_chains × n_features`` uniforms for the chains' visible
        units, then ``n_chains × n_components`` for their hidden units.
        ``RandomState.random_sample(n)`` yields the very numbers that scikit-learn's
        successive ``uniform(size=...)`` calls yield, in one call.
        """
        n_chains = self.h_samples_.shape[0]
        n_hidden, n_visible = self.components_.shape
        per_step = n_chains * (n_visible + n_hidden)
        steps_per_block = max(1, _DRAW_BLOCK // per_step)
        for start in range(0, len(batches), steps_per_block):
            block = batches[start : start + steps_per_block]
            uniforms = rng.random_sample(len(block) * per_step).reshape(len(block), per_step)
            cut = n_chains * n_visible
            for batch, u in zip(block, uniforms, strict=True):
                u_visible = u[:cut].reshape(n_chains, n_visible)
                self._pcd_step(batch, u_visible, u[cut:].reshape(n_chains, n_hidden))

    def _pcd_step(self, v_data: Any, u_visible: np.ndarray, u_hidden: np.ndarray) -> None:
        """One stochastic maximum-likelihood step on the mini-batch `v_data`.

        The gradient of the mean log-likelihood is E_data[v hᵀ] - E_model[v hᵀ]: the
        data term uses P(h | v_data); the model term uses one Gibbs step of the
        persistent chains (visible samples from ``h_samples_``, then P(h | v)). Both
        sums are divided by the number of data rows, as in scikit-learn, so the chains'
        term is their mean only when the batch has as many rows as there are chains
        (``batch_size``; not for the short last batch of a fit, nor for a
        ``partial_fit`` batch of another size).

        Parameters
        ----------
        v_data : ndarray or sparse matrix of shape (batch, n_features)
        u_visible : ndarray of shape (n_chains, n_features)
            Uniforms in [0, 1) for sampling the chains' visible units.
        u_hidden : ndarray of shape (n_chains, n_components)
            Uniforms for sampling the chains' next hidden states.
        """
        W = self.components_
        h_data = self._mean_hiddens(v_data)
        v_model = u_visible < self._visible_probabilities(self.h_samples_)
        h_model = self._mean_hiddens(v_model)

        step = float(self.learning_rate) / v_data.shape[0]
        # (v_dataᵀ h_data)ᵀ - h_modelᵀ v_model, shape (n_components, n_features); the
        # products are grouped as scikit-learn groups them, to agree bit for bit.
        gradient = (v_data.T @ h_data).T
        gradient -= h_model.T @ v_model
        gradient *= step
        W += gradient
        self.intercept_hidden_ += step * (h_data.sum(axis=0) - h_model.sum(axis=0))
        # The count of visible units on is an integer array: the difference is taken
        # in float64 and rounded once into a float32 model, as in scikit-learn.
        on_data = np.asarray(v_data.sum(axis=0)).reshape(-1)
        self.intercept_visible_ += step * (on_data - np.count_nonzero(v_model, axis=0))
        # The chains move on: h ~ P(h | v_model).
        self.h_samples_ = (u_hidden < h_model).astype(h_model.dtype)

    # -- the conditional distributions -----------------------------------------------------
    def _mean_hiddens(self, v: Any) -> np.ndarray:
        """P(h = 1 | v) = sigmoid(v Wᵀ + c).

        Parameters
        ----------
        v : ndarray or sparse matrix of shape (n_samples, n_features), or (n_features,)

        Returns
        -------
        ndarray of shape (n_samples, n_components), or (n_components,)
        """
        p = v @ self.components_.T
        p = np.asarray(p)  # a sparse product may come back as np.matrix
        p += self.intercept_hidden_
        return expit(p, out=p)

    def _visible_probabilities(self, h: np.ndarray) -> np.ndarray:
        """P(v = 1 | h) = sigmoid(h W + b), shape (n_samples, n_features)."""
        p = h @ self.components_
        p += self.intercept_visible_
        return expit(p, out=p)

    def _sample_hiddens(self, v: Any, rng: np.random.RandomState) -> np.ndarray:
        """Binary hidden states drawn from P(h | v): bool array of shape (n, n_components)."""
        p = self._mean_hiddens(v)
        return rng.uniform(size=p.shape) < p

    def _sample_visibles(self, h: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
        """Binary visible states drawn from P(v | h): bool array of shape (n, n_features)."""
        p = self._visible_probabilities(h)
        return rng.uniform(size=p.shape) < p

    def _free_energy(self, v: Any) -> np.ndarray:
        """F(v) = -bᵀv - Σ_j log(1 + exp((v Wᵀ + c)_j)), shape (n_samples,).

        ``-log Σ_h exp(-E(v, h))``, summed over the hidden states in closed form.
        """
        visible = np.asarray(v @ self.intercept_visible_).reshape(-1)
        hidden = np.asarray(v @ self.components_.T) + self.intercept_hidden_
        return -visible - np.logaddexp(0, hidden).sum(axis=1)

    # -- using the model -------------------------------------------------------------------
    def transform(self, X: Any) -> np.ndarray:
        """The probabilities of the hidden units being on, P(h = 1 | v = X).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Visible units' values.

        Returns
        -------
        h : ndarray of shape (n_samples, n_components)
            The latent features, in (0, 1); float32 for float32 `X` and model.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=_DTYPES, reset=False)
        return self._mean_hiddens(X)

    def gibbs(self, v: Any) -> np.ndarray:
        """One Gibbs sampling step: h ~ P(h | v), then v' ~ P(v | h).

        Draws from ``random_state_`` (made from `random_state` on first use), so
        repeated calls give new samples.

        Parameters
        ----------
        v : {array-like, sparse matrix} of shape (n_samples, n_features)
            Visible units to start from.

        Returns
        -------
        v_new : ndarray of shape (n_samples, n_features), dtype bool
            The visible units after one Gibbs step.
        """
        check_is_fitted(self)
        v = validate_data(self, v, accept_sparse="csr", dtype=_DTYPES, reset=False)
        if not hasattr(self, "random_state_"):
            self.random_state_ = check_random_state(self.random_state)
        h = self._sample_hiddens(v, self.random_state_)
        return self._sample_visibles(h, self.random_state_)

    def score_samples(self, X: Any) -> np.ndarray:
        """The pseudo-likelihood of each row of `X`, a stochastic proxy for its likelihood.

        For each row, one feature i is picked at random and flipped (x_i → 1 - x_i);
        the score is ``n_features * log sigmoid(F(x̃) - F(x))``, with F the free energy,
        an estimate of ``Σ_i log P(x_i | x_{-i})``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Visible units' values; meant to be binary (not checked).

        Returns
        -------
        pseudo_likelihood : ndarray of shape (n_samples,)
            The (non-positive) pseudo-likelihoods.

        Notes
        -----
        The flipped features are drawn from a new ``check_random_state(random_state)``
        at each call: with an int `random_state` the same rows get the same flips.
        """
        check_is_fitted(self)
        v = validate_data(self, X, accept_sparse="csr", dtype=_DTYPES, reset=False)
        rng = check_random_state(self.random_state)
        n_samples, n_features = v.shape
        rows = np.arange(n_samples)
        cols = rng.randint(0, n_features, n_samples)
        if sp.issparse(v):
            # add (1 - 2 x) at each flipped position: x becomes 1 - x
            flip = 1 - 2 * np.asarray(v[rows, cols]).reshape(-1)
            v_flipped = v + sp.csr_matrix((flip, (rows, cols)), shape=v.shape)
        else:
            v_flipped = v.copy()
            v_flipped[rows, cols] = 1 - v_flipped[rows, cols]
        gap = self._free_energy(v_flipped) - self._free_energy(v)
        # n * log(sigmoid(gap)) = -n * log(1 + exp(-gap)), without overflow
        return -n_features * np.logaddexp(0, -gap)

    @property
    def _n_features_out(self) -> int:
        """Number of output features, for ``get_feature_names_out``."""
        if "components_" not in self.__dict__:
            raise AttributeError("_n_features_out exists once the model is fitted")
        return self.components_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # -- saving ----------------------------------------------------------------------------
    def _to_tree(self) -> dict[str, Any]:
        """The model as a file's tree; ``random_state_``'s state goes in too, so a loaded
        model continues :meth:`partial_fit` and :meth:`gibbs` exactly where it was."""
        params = _persistence.encode_params(self)
        fitted: dict[str, Any] = {
            name: np.array(getattr(self, name))
            for name in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_")
        }
        fitted["n_features_in_"] = int(self.n_features_in_)
        if hasattr(self, "feature_names_in_"):
            fitted["feature_names_in_"] = [str(name) for name in self.feature_names_in_]
        if hasattr(self, "random_state_"):
            kind, keys, pos, has_gauss, gauss = self.random_state_.get_state(legacy=True)
            fitted["random_state_"] = {
                "bit_generator": kind,
                "keys": np.asarray(keys),
                "pos": int(pos),
                "has_gauss": int(has_gauss),
                "cached_gaussian": float(gauss),
            }
        return {"estimator_format": _RBM_FORMAT, "params": params, "fitted": fitted}

    @classmethod
    def _from_tree(cls, tree: dict[str, Any]) -> BernoulliRBM:
        """Rebuild a model from the tree :meth:`save` wrote, checking its consistency."""
        try:
            _persistence.check_layout_version(tree, _RBM_FORMAT)
            rbm = cls(**{k: _persistence.decode(v) for k, v in tree["params"].items()})
            fitted = tree["fitted"]
            W = np.asarray(fitted["components_"])
            c = np.asarray(fitted["intercept_hidden_"])
            b = np.asarray(fitted["intercept_visible_"])
            h = np.asarray(fitted["h_samples_"])
            n_features = int(fitted["n_features_in_"])
            if W.dtype not in _DTYPES or any(a.dtype != W.dtype for a in (c, b, h)):
                raise ModelFileError("the saved arrays must all be float32 or all float64")
            k = W.shape[0] if W.ndim == 2 else -1
            if (
                W.shape != (rbm.n_components, n_features)
                or c.shape != (k,)
                or b.shape != (n_features,)
                or h.ndim != 2
                or h.shape[1] != k
            ):
                raise ModelFileError("the saved arrays' shapes do not fit together")
            rbm.components_ = np.asarray(W, order="F")
            rbm.intercept_hidden_ = c.copy()
            rbm.intercept_visible_ = b.copy()
            rbm.h_samples_ = h.copy()
            rbm.n_features_in_ = n_features
            if "feature_names_in_" in fitted:
                names = np.asarray(fitted["feature_names_in_"], dtype=object)
                if names.shape != (n_features,):
                    raise ModelFileError("feature_names_in_ does not match n_features_in_")
                rbm.feature_names_in_ = names
            if "random_state_" in fitted:
                state = fitted["random_state_"]
                rng = np.random.RandomState()
                rng.set_state(
                    (
                        str(state["bit_generator"]),
                        np.asarray(state["keys"], dtype=np.uint32),
                        int(state["pos"]),
                        int(state["has_gauss"]),
                        float(state["cached_gaussian"]),
                    )
                )
                rbm.random_state_ = rng
        except ModelFileError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelFileError(f"the model file's content is malformed: {exc!r}") from exc
        return rbm
