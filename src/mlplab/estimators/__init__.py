"""scikit-learn estimators: :class:`MLPClassifier`, :class:`MLPRegressor`, :class:`BernoulliRBM`.

The MLP estimators take every parameter of scikit-learn 1.9's ``sklearn.neural_network``
estimators with the same name, default and meaning, set the same fitted attributes and
follow the same training rules, so that changing the import is enough::

    from mlplab import MLPClassifier     # was: from sklearn.neural_network import ...

and then add what scikit-learn does not have: any activation of mlplab's catalog (one
per hidden layer if you like), more solvers and schedules, batch norm, dropout, L1,
weight decay, gradient clipping, restarts, class weights, robust regression losses, a
user-supplied validation set, callbacks, per-layer diagnostics and a safe file format
(:meth:`MLPClassifier.save`, :func:`load`).

The package's parts: ``_base`` (what the two MLP estimators share), ``_sklearn``
(scikit-learn's training rules), ``_persistence`` (the file format), ``_classifier``,
``_regressor`` and ``_rbm`` (the estimators).
"""

from ._classifier import MLPClassifier
from ._persistence import load
from ._rbm import BernoulliRBM
from ._regressor import MLPRegressor

__all__ = ["BernoulliRBM", "MLPClassifier", "MLPRegressor", "load"]
