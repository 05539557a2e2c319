"""Run scikit-learn's own MLP and RBM tests against mlplab, with only the import changed.

The drop-in promise is "change one import, keep every line". This script takes the
test files that ship inside the installed scikit-learn
(``sklearn/neural_network/tests/test_mlp.py`` and ``test_rbm.py``), copies them to a
temporary folder with their import of ``MLPClassifier``, ``MLPRegressor`` and
``BernoulliRBM`` pointed at mlplab, and runs pytest on them. It then prints pytest's
summary. Nothing of scikit-learn's is kept in this repository.

``global_random_seed``, a fixture that scikit-learn's own ``conftest.py`` provides, is
given here as the seeds 0 and 42. docs/estimators.md lists the tests that differ by
design, and why.

Usage::

    python scripts/sklearn_suite.py [extra pytest arguments, e.g. -k gradient]
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import sklearn

SUITES = {
    "test_mlp.py": (
        r"^from sklearn\.neural_network import MLPClassifier, MLPRegressor$",
        "from mlplab import MLPClassifier, MLPRegressor",
    ),
    "test_rbm.py": (
        r"^from sklearn\.neural_network import BernoulliRBM$",
        "from mlplab import BernoulliRBM",
    ),
}

CONFTEST = """import pytest


@pytest.fixture(params=[0, 42])
def global_random_seed(request):
    return request.param
"""


def main(argv: list[str]) -> int:
    tests = Path(sklearn.__file__).parent / "neural_network" / "tests"
    with tempfile.TemporaryDirectory() as folder:
        for name, (pattern, replacement) in SUITES.items():
            text = (tests / name).read_text()
            text, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
            if count != 1:
                print(f"{name}: its import line changed in scikit-learn {sklearn.__version__}")
                return 2
            (Path(folder) / name).write_text(text)
        (Path(folder) / "conftest.py").write_text(CONFTEST)
        print(f"scikit-learn {sklearn.__version__}'s tests, run on mlplab:", flush=True)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *argv]
        return subprocess.run(command, cwd=folder, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
