"""The Bernoulli RBM's former home: it lives in :mod:`mlplab.estimators` now.

``from mlplab.rbm import BernoulliRBM`` keeps working.
"""

from .estimators import BernoulliRBM

__all__ = ["BernoulliRBM"]
