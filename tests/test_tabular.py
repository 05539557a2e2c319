"""mlplab.tabular: reading messy tables, column roles, preprocessing and its safe storage."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlplab import tabular
from mlplab.io import ModelFileError, load_tree, save_tree
from mlplab.tabular import (
    Preprocessor,
    TableError,
    TableReader,
    TabularModel,
    build_column_transformer,
    guess_roles,
    read_table,
)


def messy_frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "Patient ID": [f"P-{i:04d}" for i in range(n)],
            "age": rng.integers(20, 80, n).astype(float),
            "sex": rng.choice(["F", "M"], n),
            "bmi": rng.normal(25, 4, n).round(2),
            "grade": rng.integers(1, 4, n),
            "smoker": rng.choice([True, False], n),
            "city": rng.choice(["Lisboa", "Porto", "Braga"], n).astype(object),
            "constant": 7,
            "y": rng.normal(size=n),
        }
    )
    frame.loc[[3, 10], "bmi"] = np.nan
    frame.loc[[5], "age"] = np.nan
    frame.loc[[7, 8], "city"] = None
    return frame


def read(path: Path, **kwargs) -> pd.DataFrame:
    with TableReader(path, **kwargs) as reader:
        return read_table(reader)


# -- reading -------------------------------------------------------------------------------
def test_semicolons_decimal_comma_and_bom(tmp_path):
    frame = messy_frame()
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False, sep=";", decimal=",", encoding="utf-8-sig")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    with TableReader(path, decimal=",") as reader:
        assert reader.sep == ";"
        assert reader.columns[0] == "Patient ID"  # no BOM glued to the first name
        table = read_table(reader)
    np.testing.assert_allclose(table["bmi"], frame["bmi"].astype(np.float32), equal_nan=True)
    assert table["bmi"].dtype == np.float32  # numbers are kept compact
    assert list(table["sex"]) == list(frame["sex"])


@pytest.mark.parametrize("name", ["t.csv.gz", "t.tsv", "t.txt"])
def test_gzip_tabs_and_quoted_separators(tmp_path, name):
    text = 'a\tb\tnote\n1\t2\t"x, y; z"\n3\t4\t"q"\n'
    if name.endswith(".csv.gz"):
        text = text.replace("\t", ",")
        with gzip.open(tmp_path / name, "wt") as fh:
            fh.write(text)
    else:
        (tmp_path / name).write_text(text)
    table = read(tmp_path / name)
    assert list(table.columns) == ["a", "b", "note"]
    assert table["note"].iloc[0] == "x, y; z"
    assert list(table["a"]) == [1, 3]


def test_parquet(tmp_path):
    pytest.importorskip("pyarrow", reason="Parquet needs pyarrow (mlplab[parquet])")
    frame = messy_frame()
    frame.to_parquet(tmp_path / "t.parquet")
    with TableReader(tmp_path / "t.parquet") as reader:
        assert reader.estimated_rows == len(frame)
        table = read_table(reader)
        chunks = list(reader.chunks(["age", "sex"], rows=50))
    assert [len(c) for c in chunks] == [50, 50, 20]
    np.testing.assert_allclose(table["age"], frame["age"], equal_nan=True)


def test_duplicate_headers_are_refused_by_name(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x,x,label\n1,2,a\n3,4,b\n")
    with pytest.raises(TableError, match=r"duplicate column names: 'x' \(columns 1, 2\)"):
        TableReader(path)
    path.write_text("a, b ,b\n1,2,3\n")  # equal once the spaces are stripped
    with pytest.raises(TableError, match="'b'"):
        TableReader(path)


def test_duplicate_parquet_columns_are_refused(tmp_path):
    pa = pytest.importorskip("pyarrow", reason="Parquet needs pyarrow (mlplab[parquet])")
    import pyarrow.parquet as pq

    table = pa.Table.from_arrays([pa.array([1, 2]), pa.array([3, 4])], names=["x", "x"])
    pq.write_table(table, tmp_path / "d.parquet")
    with pytest.raises(TableError, match="duplicate column names: 'x'"):
        TableReader(tmp_path / "d.parquet")


def test_missing_column_message_suggests_the_close_name():
    error = tabular.column_not_found("Diagnosis", ["id", "diagnosis", "x"], "data.csv")
    assert str(error) == "no column 'Diagnosis' in data.csv; did you mean 'diagnosis'?"
    error = tabular.column_not_found("nope", ["a", "b"], "data.csv")
    assert str(error) == "no column 'nope' in data.csv; its columns are 'a', 'b'"


def test_bad_files(tmp_path):
    with pytest.raises(TableError, match="no such file"):
        TableReader(tmp_path / "missing.csv")
    (tmp_path / "x.xlsx").write_text("a")
    with pytest.raises(TableError, match="unknown table format"):
        TableReader(tmp_path / "x.xlsx")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(TableError, match="empty"):
        TableReader(tmp_path / "empty.csv")
    (tmp_path / "head.csv").write_text("a,b\n")
    with pytest.raises(TableError, match="no data rows"):
        read(tmp_path / "head.csv")
    (tmp_path / "latin.csv").write_bytes("name,v\nJosé,1\n".encode("latin-1") + b"x,2\n" * 10)
    with pytest.raises(TableError, match="--encoding"):
        TableReader(tmp_path / "latin.csv")
    assert read(tmp_path / "latin.csv", encoding="latin-1")["name"].iloc[0] == "José"
    (tmp_path / "same.csv").write_text("a;b\n1,5;2\n")
    with pytest.raises(TableError, match="--sep"):
        TableReader(tmp_path / "same.csv", sep=",", decimal=",")


def test_a_column_that_turns_to_text_later_is_text(tmp_path, monkeypatch):
    rows = [f"{i},{i % 3}" for i in range(2000)] + ["x,1"]
    (tmp_path / "m.csv").write_text("a,b\n" + "\n".join(rows) + "\n")
    with TableReader(tmp_path / "m.csv") as reader:
        reader.estimated_rows = 10
        chunks = list(reader.chunks(rows=500))
        assert len(chunks) > 1
    with TableReader(tmp_path / "m.csv") as reader:
        reader.estimated_rows = 10
        monkeypatch.setattr(tabular, "CHUNK_VALUES", 1000)  # numbers first, then text
        table = read_table(reader)
    assert table.shape == (2001, 2)
    assert table["a"].iloc[5] == "5" and table["a"].iloc[-1] == "x"
    assert (
        table["b"].dtype == np.int64
        and int(table["b"].sum()) == sum(i % 3 for i in range(2000)) + 1
    )


# -- column roles --------------------------------------------------------------------------
def test_roles_are_guessed_with_reasons():
    frame = messy_frame()
    frame["row"] = np.arange(len(frame))
    frame["customerId"] = np.arange(len(frame)) * 7 + 3
    frame["code"] = [f"c{i}" for i in range(len(frame))]
    frame["note"] = [f"text {i % 70}" for i in range(len(frame))]
    frame["empty"] = np.nan
    frame["measure"] = ["?" if i % 25 == 0 else str(i / 10) for i in range(len(frame))]
    roles = {r.name: r for r in guess_roles(frame, "y")}
    expected = {
        "Patient ID": "id",
        "age": "numeric",
        "sex": "categorical",
        "bmi": "numeric",
        "grade": "categorical",  # integers with 3 values
        "smoker": "categorical",
        "city": "categorical",
        "constant": "dropped",
        "y": "target",
        "row": "id",  # a name that says ID
        "customerId": "id",
        "code": "id",  # a distinct string per row
        "empty": "dropped",
        "measure": "numeric",  # numbers with '?' for missing
    }
    assert {k: roles[k].role for k in expected} == expected
    assert roles["constant"].why == "constant: always '7'"
    assert roles["bmi"].missing == 2 and "2 missing" in roles["bmi"].action()
    assert roles["measure"].missing == 5 and "'?'" in roles["measure"].seen
    assert roles["city"].n_categories == 3


def test_numeric_row_numbers_and_free_text():
    n = 300
    frame = pd.DataFrame(
        {
            "n": np.arange(10, 10 + n),  # distinct increasing integers: a row number
            "v": np.arange(n) % 50,  # integers with 50 values: a number
            "words": [f"w{i % 200}" for i in range(n)],
            "y": np.arange(n) % 2,
        }
    )
    roles = {r.name: r for r in guess_roles(frame, "y")}
    assert roles["n"].role == "id" and "row number" in roles["n"].why
    assert roles["v"].role == "numeric"
    assert roles["words"].role == "dropped" and "free text" in roles["words"].why


@pytest.mark.parametrize(
    "written",
    [
        "2024-01-{day:02d}",  # ISO 8601
        "2024-01-{day:02d}T08:30:00Z",
        "{day:02d}/01/2024",  # day/month/year
        "01/{day:02d}/2024",  # month/day/year
        "{day}.3.24",
        "08:{day:02d}",  # clock times
    ],
)
def test_dates_written_as_text_are_not_ids_or_categories(written):
    """As text, a date per row passed for an ID, and repeated dates for categories."""
    n = 120
    frame = pd.DataFrame(
        {
            "once": [written.format(day=i % 28 + 1) for i in range(n)],
            "x": np.arange(n) * 0.5 % 7,
            "y": np.arange(n) % 2,
        }
    )
    frame.loc[[4, 9], "once"] = ["", "n/a"]  # a few blanks or markers still leave dates
    roles = {r.name: r for r in guess_roles(frame, "y")}
    assert roles["once"].role == "dropped"
    assert roles["once"].why == "dates and times are not used as features"
    assert roles["once"].seen == "dates or times (text)"


def test_text_that_only_looks_like_dates_keeps_its_role():
    n = 60
    frame = pd.DataFrame(
        {
            "phone": [f"12-34-{5600 + i}" for i in range(n)],  # no such month or day
            "size": ["10/20/30", "13/14/15"] * (n // 2),  # a shape, not a date
            "version": [f"v1.{i % 3}" for i in range(n)],
            "y": np.arange(n) % 2,
        }
    )
    roles = {r.name: r for r in guess_roles(frame, "y")}
    assert roles["phone"].role == "id"
    assert roles["size"].role == "categorical"
    assert roles["version"].role == "categorical"


def test_numbers_as_spreadsheets_export_them():
    values = np.array(
        ["1,234.50", "1,234,567", "$1,385", "-$5", "12 €", "£7.25", "12.5%", " 42 ", 7, 2.5,
         None, "1,23", "12,34,567", "1.234,5", "abc", "$", "5%%"],
        dtype=object,
    )  # fmt: skip
    expected = [1234.5, 1234567, 1385, -5, 12, 7.25, 12.5, 42, 7, 2.5] + [np.nan] * 7
    np.testing.assert_array_equal(
        tabular.parse_formatted_numbers(values), np.asarray(expected, dtype=np.float32)
    )


def test_formatted_number_columns_are_numeric_and_transform_alike():
    """A spreadsheet's "32,029.60", "$3,203" and "32.0%" were an ID and free text."""
    rng = np.random.default_rng(0)
    v = rng.uniform(500, 50_000, 200)
    frame = pd.DataFrame(
        {
            "income": [f"{x:,.2f}" for x in v],
            "price": [f"${x:,.0f}" for x in v / 10],
            "share": [f"{x:.1f}%" for x in v / 500],
            "ambiguous": [f"{i % 9 + 1},{i % 7}00" for i in range(200)],  # 1,500: 1.5 or 1500?
            "y": (v > 20_000).astype(int),
        }
    )
    frame.loc[5, "income"] = "n/a"
    roles = {r.name: r for r in guess_roles(frame, "y")}
    assert roles["income"].role == "numeric" and roles["income"].missing == 1
    assert roles["income"].seen == "formatted numbers: 1,234"
    assert roles["price"].seen == "formatted numbers: 1,234 $"
    assert roles["share"].seen == "formatted numbers: %" and roles["share"].role == "numeric"
    # a decimal comma is as likely as a thousands separator there: the old hint stands
    assert roles["ambiguous"].role == "dropped" and "--decimal ," in roles["ambiguous"].why
    assert [roles[c].formatted for c in ("income", "price", "share")] == [True] * 3
    prep = Preprocessor.fit(
        frame, ["income", "price", "share"], [], formatted=["income", "price", "share"]
    )
    X = prep.transform(frame)
    expected = np.c_[v, np.round(v / 10), np.round(v / 500, 1)].astype(np.float32)
    expected[5, 0] = np.median(np.delete(expected[:, 0], 5))
    expected = (expected - prep.state["mean"]) / prep.state["scale"]
    np.testing.assert_allclose(X, expected, rtol=1e-5, atol=1e-5)
    loaded = Preprocessor.from_tree(prep.to_tree())
    assert loaded.formatted == [True] * 3
    np.testing.assert_array_equal(loaded.transform(frame), X)
    # a plain numeric column keeps reading "1,234" as not a number: in a file written
    # with a decimal comma it is 1.234
    plain = Preprocessor.fit(frame.assign(n=np.arange(200.0)), ["n"], [])
    assert plain.formatted == [False]
    assert np.isnan(tabular.to_float32(pd.DataFrame({"n": ["1,234"]}), plain.formatted)).all()
    assert tabular.infer_task(frame["price"].to_numpy()) == "regression"
    assert tabular.infer_task(frame["ambiguous"].to_numpy()) == "classification"


def test_infinities_count_as_missing():
    """An inf cell (pandas reads "inf") is imputed like a blank one, so the report counts it."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=40), "y": np.arange(40) % 2})
    frame.loc[[3, 7], "x"] = [np.inf, -np.inf]
    frame.loc[9, "x"] = np.nan
    roles = {r.name: r for r in guess_roles(frame, "y")}
    assert roles["x"].role == "numeric" and roles["x"].missing == 3
    assert "3 missing" in roles["x"].action()
    frame["x"] = np.inf
    assert {r.name: r for r in guess_roles(frame, "y")}["x"].role == "dropped"


def test_flags_override_the_guesses():
    frame = messy_frame()
    roles = guess_roles(
        frame, "y", numeric=["grade"], categorical=["age"], ids=["bmi"], drop=["sex"]
    )
    by = {r.name: r.role for r in roles}
    assert (by["grade"], by["age"], by["bmi"], by["sex"]) == (
        "numeric",
        "categorical",
        "id",
        "dropped",
    )
    with pytest.raises(TableError, match="two roles"):
        guess_roles(frame, "y", numeric=["age"], drop=["age"])
    with pytest.raises(TableError, match="target"):
        guess_roles(frame, "y", drop=["y"])


# -- preprocessing -------------------------------------------------------------------------
def split_roles(frame, target="y"):
    roles = guess_roles(frame, target)
    numeric = [r.name for r in roles if r.role == "numeric"]
    categorical = [r.name for r in roles if r.role == "categorical"]
    return numeric, categorical


def test_preprocessor_equals_a_column_transformer_fitted_on_the_table():
    frame = messy_frame(400)
    numeric, categorical = split_roles(frame)
    train = np.arange(0, 400, 2)
    prep = Preprocessor.fit(frame, numeric, categorical, rows=train)
    reference = build_column_transformer(numeric, categorical).fit(frame.iloc[train])
    for part in (frame, frame.iloc[1::2]):
        ours, theirs = prep.transform(part), reference.transform(part)
        assert ours.dtype == np.float32 and ours.flags.c_contiguous
        np.testing.assert_array_equal(ours, theirs)
    X = prep.transform(frame.iloc[train])
    num = X[:, : len(numeric)]
    np.testing.assert_allclose(num.mean(axis=0), 0, atol=1e-5)  # standardized
    assert not np.isnan(X).any()  # imputed
    assert prep.output_names()[:2] == ["age", "bmi"] and "sex=F" in prep.output_names()
    assert prep.n_outputs == X.shape[1]


def test_stored_preprocessor_gives_identical_outputs(tmp_path):
    frame = messy_frame(300)
    numeric, categorical = split_roles(frame)
    prep = Preprocessor.fit(frame, numeric, categorical)
    save_tree(tmp_path / "p.npz", {"p": prep.to_tree()}, kind="test")
    loaded = Preprocessor.from_tree(load_tree(tmp_path / "p.npz")[1]["p"])
    new = frame.copy()
    new["bmi"] = new["bmi"].astype(object)
    new.loc[0, "city"] = "Faro"  # a category never seen in training
    new.loc[1, "sex"] = None
    new.loc[2, "bmi"] = "n/a"  # text in a numeric column: missing
    new.loc[3, "grade"] = 9
    new = new.sample(frac=1.0, random_state=0)  # order of rows does not matter
    np.testing.assert_array_equal(loaded.transform(new), prep.transform(new))
    out = prep.transform(new.loc[[0]])
    city = [j for j, n in enumerate(prep.output_names()) if n.startswith("city=")]
    assert np.all(out[0, city] == 0)  # unseen category: all zeros, no error
    # extra and reordered columns are ignored
    shuffled = new[list(reversed(new.columns))].assign(extra=1)
    np.testing.assert_array_equal(loaded.transform(shuffled), prep.transform(new))


def test_rare_categories_share_one_column():
    """A column of 3 000 cities used to make 3 000 dense columns (1.2 GB for 100 000 rows).

    Past `max_categories`, the most frequent keep a column each (ties in sorted order)
    and every other value, rare in training or new, counts as one more category.
    """
    rng = np.random.default_rng(0)
    counts = {"a": 9, "b": 7, "c": 7, "d": 5, "e": 2, "f": 2, "g": 1}
    city = np.array([c for c, k in counts.items() for _ in range(k)], dtype=object)
    city[3] = None  # imputed with the most frequent ("a"): one more "a"
    frame = pd.DataFrame({"x": rng.normal(size=city.size), "city": city}).sample(
        frac=1.0, random_state=0
    )
    prep = Preprocessor.fit(frame, ["x"], ["city"], max_categories=4)
    assert prep.state["categories"] == [["(other)", "a", "b", "c"]] and prep.others == ["(other)"]
    assert prep.output_names() == ["x", "city=(other)", "city=a", "city=b", "city=c"]
    new = pd.DataFrame({"x": [0.0] * 5, "city": ["a", "c", "d", "g", "Faro"]})
    one_hot = prep.transform(new)[:, 1:]
    expected = np.zeros((5, 4), dtype=np.float32)
    expected[[0, 1, 2, 3, 4], [1, 3, 0, 0, 0]] = 1  # d, g (rare) and Faro (new) are "other"
    np.testing.assert_array_equal(one_hot, expected)
    # stored and loaded: the same outputs; the whole fit equals scikit-learn's own
    # transformer given the grouped column
    loaded = Preprocessor.from_tree(prep.to_tree())
    np.testing.assert_array_equal(loaded.transform(new), prep.transform(new))
    imputed = frame["city"].fillna("a")
    grouped = frame.assign(city=imputed.where(imputed.isin(["a", "b", "c"]), "(other)"))
    reference = build_column_transformer(["x"], ["city"]).fit(grouped)
    np.testing.assert_array_equal(prep.transform(frame), reference.transform(grouped))
    # a column within the limit is not grouped: an unseen value is all zeros
    plain = Preprocessor.fit(frame, ["x"], ["city"], max_categories=7)
    assert plain.others == [""] and "(other)" not in plain.state["categories"][0]
    assert plain.transform(new.iloc[[4]])[0, 1:].sum() == 0


def test_the_other_category_never_takes_a_real_ones_name():
    frame = pd.DataFrame({"c": ["(other)", "(other)", "x", "y", "z", "w"]})
    prep = Preprocessor.fit(frame, [], ["c"], max_categories=2)
    assert prep.others == ["(other)*"] and prep.state["categories"] == [["(other)", "(other)*"]]
    out = prep.transform(pd.DataFrame({"c": ["(other)", "x"]}))
    np.testing.assert_array_equal(out, [[1, 0], [0, 1]])


def test_older_models_and_tampered_groups_or_formats(tmp_path):
    frame = messy_frame(200)
    numeric, categorical = split_roles(frame)
    tree = Preprocessor.fit(frame, numeric, categorical).to_tree()
    old = {k: v for k, v in tree.items() if k not in ("others", "formatted")}  # saved before
    np.testing.assert_array_equal(
        Preprocessor.from_tree(old).transform(frame), Preprocessor.from_tree(tree).transform(frame)
    )
    for bad in (["nowhere"] * len(categorical), [""], "x"):
        with pytest.raises(ModelFileError, match="others"):
            Preprocessor.from_tree({**tree, "others": bad})
    for bad in ([1] * len(numeric), [True], "x"):
        with pytest.raises(ModelFileError, match="formatted"):
            Preprocessor.from_tree({**tree, "formatted": bad})


def test_categories_are_canonical_across_types():
    # 3 read as int in one file and as 3.0 (with blanks) in another is the same category
    a = pd.DataFrame({"g": [1, 2, 3, 1, 2, 3], "y": 0})
    b = pd.DataFrame({"g": [1.0, np.nan, 3.0], "y": 0})
    prep = Preprocessor.fit(a, [], ["g"])
    np.testing.assert_array_equal(prep.transform(b)[[0, 2]], prep.transform(a)[[0, 2]])
    assert prep.state["categories"] == [["1", "2", "3"]]


# -- the saved model -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    from mlplab import MLPClassifier

    frame = messy_frame(200)
    frame["label"] = np.where(frame["bmi"].fillna(25) > 25, "high", "low")
    numeric, categorical = split_roles(frame.drop(columns="y"), "label")
    prep = Preprocessor.fit(frame, numeric, categorical)
    est = MLPClassifier((8,), max_iter=300, tol=1e-2, random_state=0).fit(
        prep.transform(frame), frame["label"].to_numpy(dtype=object)
    )
    roles = guess_roles(frame.drop(columns="y"), "label")
    model = TabularModel(prep, est, "classification", "label", roles)
    folder = model.save(tmp_path_factory.mktemp("m") / "model")
    return model, folder, frame


def test_model_round_trip(saved_model):
    model, folder, frame = saved_model
    loaded = TabularModel.load(folder)
    assert loaded.classes == ["high", "low"] and loaded.id_columns == ["Patient ID"]
    np.testing.assert_array_equal(loaded.predict_proba(frame), model.predict_proba(frame))
    assert list(loaded.predict(frame)) == list(model.predict(frame))
    assert list(loaded.pipeline.predict(frame)) == list(model.predict(frame))


def test_tampered_truncated_and_mixed_up_models_are_refused(saved_model, tmp_path):
    import shutil

    _, folder, _ = saved_model
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    prep = copy / "preprocessing.npz"
    data = bytearray(prep.read_bytes())
    data[len(data) // 2] ^= 0xFF
    prep.write_bytes(bytes(data))
    with pytest.raises(ModelFileError):
        TabularModel.load(copy)
    shutil.copy(folder / "preprocessing.npz", prep)
    net = copy / "network.npz"
    net.write_bytes(net.read_bytes()[:-100])  # truncated
    with pytest.raises(ModelFileError, match="checksum"):
        TabularModel.load(copy)
    net.unlink()
    with pytest.raises(ModelFileError, match="model folder"):
        TabularModel.load(copy)


def test_malformed_content_with_a_valid_checksum_is_refused(saved_model, tmp_path):
    import shutil

    _, folder, _ = saved_model
    for edit in (
        lambda t: t["preprocessing"].__setitem__("categories", [["b", "a"]] * 4),
        lambda t: t["preprocessing"].__setitem__("scale", -t["preprocessing"]["scale"]),
        lambda t: t.__setitem__("task", "os.system"),
        lambda t: t.__setitem__("roles", [{"name": 1}]),
        lambda t: t["preprocessing"].__setitem__("numeric", ["age"]),
    ):
        copy = tmp_path / f"c{id(edit)}"
        shutil.copytree(folder, copy)
        kind, tree = load_tree(copy / "preprocessing.npz")
        edit(tree)
        save_tree(copy / "preprocessing.npz", tree, kind=kind)
        with pytest.raises(ModelFileError):
            TabularModel.load(copy)


def test_release_memory_is_harmless():
    tabular.release_memory()
