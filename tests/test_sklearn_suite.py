"""scikit-learn's own MLP and RBM tests pass on mlplab, but for three differences by design.

``scripts/sklearn_suite.py`` runs the test files that ship with the installed
scikit-learn, with only their import pointed at mlplab. The three tests that fail on
mlplab are listed in docs/estimators.md:

* ``test_lbfgs_regression_maxfun``: mlplab draws its own initial weights, and from them
  L-BFGS on the identity network converges before ``max_fun``;
* ``test_early_stopping_stratified``: the too-rare class is named ``[1]``, as it is in
  the data, where scikit-learn's message says ``['True']``;
* ``test_mlp_diverging_loss``: the divergence guard stops before the score turns NaN.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "sklearn_suite.py"
BY_DESIGN = {
    "test_lbfgs_regression_maxfun",
    "test_early_stopping_stratified",
    "test_mlp_diverging_loss",
}


def test_scikit_learns_own_tests_pass_on_mlplab():
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "-rf"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    out = proc.stdout + proc.stderr
    failed = {m.group(1) for m in re.finditer(r"^FAILED \S+?::(\w+)", out, re.MULTILINE)}
    assert failed <= BY_DESIGN, f"scikit-learn's tests that fail on mlplab:\n{out[-3000:]}"
    assert not re.search(r"\d+ errors?\b", out), out[-3000:]  # a test that could not run
    passed = re.search(r"(\d+) passed", out)
    assert passed and int(passed.group(1)) >= 75, out[-3000:]  # 81 of 84 with scikit-learn 1.9
