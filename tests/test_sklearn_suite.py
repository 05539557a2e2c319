"""scikit-learn's own MLP and RBM tests pass on mlplab, but for one difference by design.

``scripts/sklearn_suite.py`` runs the test files that ship with the installed
scikit-learn, with only their import pointed at mlplab. The one test that fails on
mlplab is listed in docs/estimators.md: ``test_mlp_diverging_loss``, where the
divergence guard stops before the validation score turns NaN.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "sklearn_suite.py"
BY_DESIGN = {"test_mlp_diverging_loss"}


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
    assert passed and int(passed.group(1)) >= 75, out[-3000:]  # 83 of 84 with scikit-learn 1.9
