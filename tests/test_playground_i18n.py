"""The playground's translations (static/messages.json): every language for every key, the
same placeholders in each, a string for every key the page uses, every option name and every
error code the server can send."""

from __future__ import annotations

import json
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


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # json.loads keeps the last of two equal keys; a table with one would lose a message.
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})
    return dict(pairs)


def messages() -> dict[str, dict[str, str]]:
    """key -> language -> text, as the table messages.json holds them."""
    text = (STATIC / "messages.json").read_text(encoding="utf-8")
    return json.loads(text, object_pairs_hook=_no_duplicate_keys)


MESSAGES = messages()
# The table's languages are those "language_name" names (the page's menu lists them).
LANGUAGES = tuple(MESSAGES["language_name"])
# language -> key -> text; a missing text reads as "" here, for the first test to name it.
I18N = {
    lang: {key: dict(texts).get(lang, "") for key, texts in MESSAGES.items()} for lang in LANGUAGES
}


def test_every_key_has_every_language_non_empty():
    assert {"en", "pt", "es"} <= set(LANGUAGES)
    assert len(MESSAGES) > 150  # the whole table (the page has about 200 strings)
    for key, texts in MESSAGES.items():
        assert isinstance(texts, dict), key
        assert set(texts) == set(LANGUAGES), key
        for lang, value in texts.items():
            assert isinstance(value, str) and value.strip(), (key, lang)
            assert value == value.strip(), (key, lang)  # no stray spaces around a message


def test_each_language_is_named_in_itself():
    names = MESSAGES["language_name"]
    assert {k: names[k] for k in ("en", "pt", "es")} == {
        "en": "English",
        "pt": "Português",
        "es": "Español",
    }
    assert len(set(names.values())) == len(names)
    # The menu is the table's: index.html writes no language of its own.
    html = (STATIC / "index.html").read_text()
    assert re.search(r'<select id="lang"[^>]*></select>', html)


def test_i18n_js_loads_the_table_and_holds_none():
    js = (STATIC / "i18n.js").read_text()
    assert 'fetch("/static/messages.json"' in js and "I18N_READY" in js
    assert "XMLHttpRequest" not in js
    # No message is written in the script any more: no language key with a text.
    assert not re.search(r"\b(en|pt|es)\s*:\s*\"", js)
    app = (STATIC / "app.js").read_text()
    start = app[app.index("async function start()") :]
    # The page waits for the table before its first string.
    assert start.index("I18N_READY") < start.index("I18N[page.lang]")


def test_placeholders_match_in_every_language():
    for key, text in I18N["en"].items():
        wanted = set(re.findall(r"\{(\w+)\}", text))
        for lang in LANGUAGES:
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


def test_every_warning_is_translated():
    source = (PLAYGROUND / "rendering.py").read_text()
    codes = set(re.findall(r'warnings(?: = \[|\.append\()"([a-z_]+)"', source))
    assert codes == {"non_finite_output", "non_finite_loss"}
    assert sorted(c for c in codes if f"warn-{c}" not in I18N["en"]) == []
    # And no message for a warning nobody sends.
    assert sorted(k for k in I18N["en"] if k.startswith("warn-") and k[5:] not in codes) == []
