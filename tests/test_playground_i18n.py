"""The playground's translations: the same keys in every language, a string for every key
the page uses, every option name and every error code the server can send."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlplab.playground.config import (
    OPTIMIZERS,
    REGULARIZATIONS,
    SCHEDULES,
    initializer_names,
)
from mlplab.playground.data import DATASETS

PLAYGROUND = Path(__file__).parents[1] / "src" / "mlplab" / "playground"
STATIC = PLAYGROUND / "static"
_STRING = r'"((?:[^"\\]|\\.)*)"'
_ENTRY = re.compile(
    r'^    ("[^"]+"|[A-Za-z_][A-Za-z0-9_]*): \{\s*'
    + r",\s*".join(f"{lang}: {_STRING}" for lang in ("en", "pt", "es"))
    + r",?\s*\},$",
    re.M,
)


def translations() -> dict[str, dict[str, str]]:
    """language -> key -> text, read from the table of messages (three languages each)."""
    text = (STATIC / "i18n.js").read_text()
    body = text[text.index("const MESSAGES = {") : text.index("\n  };")]
    entries = _ENTRY.findall(body)
    # Every entry of the table was read: as many as lines that open one.
    assert len(entries) == len(re.findall(r"^    \S.*: \{", body, re.M))
    out: dict[str, dict[str, str]] = {"en": {}, "pt": {}, "es": {}}
    for key, *texts in entries:
        for lang, value in zip(out, texts, strict=True):
            out[lang][key.strip('"')] = value
    return out


I18N = translations()


def test_three_languages_with_the_same_keys():
    assert set(I18N) == {"en", "pt", "es"}
    assert len(I18N["en"]) > 150  # the parse found them all (the page has about 200)
    for lang in ("pt", "es"):
        assert set(I18N[lang]) == set(I18N["en"]), lang
        assert all(v.strip() for v in I18N[lang].values())


def test_placeholders_match():
    for key, text in I18N["en"].items():
        wanted = set(re.findall(r"\{(\w+)\}", text))
        for lang in ("pt", "es"):
            assert set(re.findall(r"\{(\w+)\}", I18N[lang][key])) == wanted, (lang, key)


def test_every_key_the_page_uses_exists():
    js = (STATIC / "app.js").read_text()
    html = (STATIC / "index.html").read_text()
    used = set(re.findall(r'\bt\("([a-z_A-Z0-9-]+)"', js))
    used |= set(re.findall(r'data-i18n(?:-title)?="([^"]+)"', html))
    hide_labels = re.search(r"const HIDE_KEYS = \{(.*?)\};", js, re.S).group(1)
    used |= set(re.findall(r':\s*"([a-z_0-9]+)"', hide_labels))
    missing = sorted(k for k in used if k not in I18N["en"])
    assert missing == []


@pytest.mark.parametrize(
    ("prefix", "names"),
    [
        ("opt", OPTIMIZERS),
        ("sch", SCHEDULES),
        ("reg", REGULARIZATIONS),
        ("init", initializer_names()),
        ("ds", (*DATASETS, "upload")),
        ("loss", ("binary_crossentropy", "categorical_crossentropy", "squared_error")),
    ],
)  # fmt: skip
def test_every_option_name_is_translated(prefix, names):
    missing = [n for n in names if f"{prefix}-{n}" not in I18N["en"]]
    assert missing == []


def test_every_error_code_is_translated():
    files = ("app.py", "config.py", "data.py", "session.py")
    source = "".join((PLAYGROUND / f).read_text() for f in files)
    api = set(re.findall(r'ApiError\(\s*\d+,\s*(?:f?"[^"]*"|[a-z_]+),\s*"([a-z_]+)"', source, re.S))
    api |= set(re.findall(r'_error_response\(\s*\d+,\s*(?:f?"[^"]*"\s*)+,\s*"([a-z_]+)"', source))
    config = set(re.findall(r'ConfigError\(\s*(?:f?"[^"]*"\s*)+,\s*"([a-z_]+)"', source))
    config |= set(re.findall(r'_refused\(\s*key,\s*f?"[^"]*",\s*"([a-z_]+)"', source))
    csv = set(re.findall(r'CsvError\(\s*(?:f?"[^"]*"\s*)+,\s*"([a-z_]+)"', source))
    assert {"unknown_host", "cross_origin", "content_type", "bad_json", "unknown_session"} <= api
    assert {"out_of_range", "not_integer", "batch_norm_batch_size", "no_upload"} <= config
    assert {"not_number", "not_bool", "batch_norm_samples"} <= config
    assert {"columns", "not_number", "too_many"} <= csv
    codes = api | config | {"internal", "not_found", "method_not_allowed", "http_error"}
    assert sorted(c for c in codes if f"err-{c}" not in I18N["en"]) == []
    assert sorted(c for c in csv if f"csv-{c}" not in I18N["en"]) == []
