"""Cells of the notebook sources: the code once, the prose in English, Portuguese and Spanish.

Each ``NN_name.py`` next to this file defines ``TITLE`` (one title per language) and
``CELLS``, a list of :func:`md` and :func:`code` cells; ``notebooks/build.py`` turns them
into ``notebooks/<lang>/NN_name.ipynb``. Code cells are identical in every language; figure
labels come from the ``LABELS`` table of each notebook's :func:`setup` cell, looked up with
the notebook's language, which is the name of the folder it runs in.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass

LANGS = ("en", "pt", "es")


@dataclass(frozen=True)
class Cell:
    """One notebook cell: ``kind`` is "markdown" or "code"; ``text`` maps language to source."""

    kind: str
    text: dict[str, str]


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def md(en: str, pt: str, es: str) -> Cell:
    """A Markdown cell, written in the three languages."""
    return Cell("markdown", {"en": _clean(en), "pt": _clean(pt), "es": _clean(es)})


def code(source: str) -> Cell:
    """A code cell: the same source in every language."""
    text = _clean(source)
    return Cell("code", dict.fromkeys(LANGS, text))


# After the imports: inline figures kept small (they are stored in the file), one BLAS
# thread, and the language of the figure labels taken from the notebook's folder.
_SETTINGS = """
plt.rcParams.update({"figure.dpi": 72, "figure.figsize": (6.4, 3.4), "font.size": 9})
threadpool_limits(1, "blas")  # small networks: one BLAS thread is faster than several"""

_LANGUAGE = """

# Figure labels follow the notebook's folder (en, pt or es); set LANG to change them.
LANG = Path.cwd().name if Path.cwd().name in ("en", "pt", "es") else "en"
LABELS = {{  # English: (Português, Español)
{labels}
}}
T = {{en: {{"en": en, "pt": pt, "es": es}}[LANG] for en, (pt, es) in LABELS.items()}}"""

# Appended when a notebook draws with mlplab.plotting, whose figures are labelled in English.
_TRANSLATE = '''


def tr(fig):
    """Put the notebook's language on the English labels of an mlplab.plotting figure."""
    if LANG == "en":
        return fig
    phrases = "|".join(re.escape(en) for en in sorted(T, key=len, reverse=True))
    words = re.compile(rf"(?<!\\w)({phrases})(?!\\w)")  # whole words and phrases only

    def swap(text):
        return words.sub(lambda m: T[m.group(0)], text)

    for ax in fig.axes:
        ax.set_title(swap(ax.get_title()))
        ax.set_xlabel(swap(ax.get_xlabel()))
        ax.set_ylabel(swap(ax.get_ylabel()))
        legend = ax.get_legend()
        texts = [*ax.texts, *([*legend.get_texts(), legend.get_title()] if legend else [])]
        for text in texts:
            text.set_text(swap(text.get_text()))
    for text in fig.texts:  # the title above the panels
        text.set_text(swap(text.get_text()))
    return fig'''


def setup(imports: str, labels: dict[str, tuple[str, str]], translate: bool = False) -> Cell:
    """The first code cell: imports, small figures, the language and the figure labels.

    Parameters
    ----------
    imports : str
        The notebook's whole import block, sorted as ruff sorts it; it must import
        ``matplotlib.pyplot as plt`` and ``threadpool_limits``, and ``Path`` (and ``re``
        with `translate`) when there are labels.
    labels : dict of str to (str, str)
        English label -> (Portuguese, Spanish), for every text drawn in a figure.
    translate : bool
        Also define ``tr(fig)``, which translates an ``mlplab.plotting`` figure's labels.
    """
    body = "%matplotlib inline\n" + _clean(imports) + "\n" + _SETTINGS
    if labels:
        body += _LANGUAGE.format(labels="\n".join(_label_row(en, *t) for en, t in labels.items()))
    if translate:
        body += _TRANSLATE
    return code(body)


def _label_row(en: str, pt: str, es: str) -> str:
    """One entry of LABELS, split over lines the way ruff format would."""
    row = f"    {_quote(en)}: ({_quote(pt)}, {_quote(es)}),"
    if len(row) <= 100:
        return row
    return f"    {_quote(en)}: (\n        {_quote(pt)},\n        {_quote(es)},\n    ),"


def _quote(text: str) -> str:
    """A Python string literal in double quotes, as ruff format writes it."""
    return json.dumps(text, ensure_ascii=False)
