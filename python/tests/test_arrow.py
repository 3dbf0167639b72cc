"""eval_arrow: Arrow in, Arrow out, the same answers as eval_many row for
row, from pyarrow, pandas and Polars, with bad rows kept in place."""

import random

import onus
import pyarrow as pa
import pytest


def rows_from_arrow(table, policy, fields):
    """The Arrow answer as eval_many's records (decisions only)."""
    data = table.to_pylist()
    out = []
    for row in data:
        if row["error"] is not None:
            out.append(("error", row["error_code"]))
            continue
        decisions = []
        for zone in policy.zones:
            decision = {"zone": zone}
            for field in fields:
                value = row[f"{zone}.{field}"]
                if field == "rules":
                    value = [dict(r) for r in value]
                decision[field] = value
            decisions.append(decision)
        out.append(decisions)
    return out


def rows_from_many(policy, scenarios, fields):
    out = []
    for record in policy.eval_many(scenarios, fields=fields, errors="yield"):
        if isinstance(record, onus.BatchError):
            out.append(("error", record.errors[0]["code"]))
            continue
        decisions = []
        for d in record.to_json()["decisions"]:
            d.pop("enabled_by_default", None)
            decisions.append(d)
        out.append(decisions)
    return out


@pytest.mark.parametrize("name", [b.name for b in onus.builtins()])
def test_arrow_equals_eval_many_row_for_row(name):
    policy = onus.Policy.builtin(name)
    rng = random.Random(7)
    (dimension, values), *others = policy.dimensions.items()
    assert not others, "the built-ins have one dimension each"
    column = [rng.choice(values) for _ in range(2000)]
    column[5] = "no such value"
    column[9] = None
    scenarios = [{dimension: v} for v in column]
    table = pa.table({"id": list(range(len(column))), dimension: column})
    for fields in (["party", "status"], ["label", "party", "status", "rules", "because"]):
        answer = policy.eval_arrow(table, fields=fields)
        assert answer.num_rows == len(column)
        assert answer.column("id").to_pylist() == list(range(len(column)))
        assert rows_from_arrow(answer, policy, fields) == rows_from_many(policy, scenarios, fields)
    errors = answer.column("error").to_pylist()
    assert errors[5].startswith("`no such value` is not a value of dimension")
    assert errors[9] == f"field `{dimension}` must be a string, found null"
    assert sum(e is not None for e in errors) == 2


def test_every_arrow_input_gives_the_same_table():
    policy = onus.Policy.builtin("azure")
    models = ["iaas", "paas", "saas", "on-prem"] * 250
    table = pa.table({"model": models})
    expected = policy.eval_arrow(table)
    assert "id" not in expected.column_names
    dictionary = pa.table({"model": pa.array(models).dictionary_encode()})
    large = pa.table({"model": pa.array(models, type=pa.large_string())})
    view = pa.table({"model": pa.array(models, type=pa.string_view())})
    batches = table.to_batches(max_chunksize=64)
    assert len(batches) > 1
    for data in (dictionary, large, view, batches, batches[0], pa.RecordBatchReader.from_batches(table.schema, batches)):
        got = policy.eval_arrow(data)
        rows = got.num_rows
        assert got.equals(expected.slice(0, rows)), type(data)


def test_pandas_and_polars_go_through_arrow():
    import pandas as pd
    import polars as pl

    policy = onus.Policy.builtin("gcp")
    services = list(policy.dimensions["service"])
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(len(services))], "service": services})
    from_pandas = policy.eval_arrow(frame)
    polars = pl.DataFrame({"id": frame["id"].tolist(), "service": services})
    from_polars = policy.eval_arrow(polars)
    assert from_pandas.column("id").to_pylist() == from_polars.column("id").to_pylist()
    for zone in policy.zones:
        assert (
            from_pandas.column(f"{zone}.party").to_pylist()
            == from_polars.column(f"{zone}.party").to_pylist()
        )
    back = from_pandas.to_pandas()
    for i, service in enumerate(services):
        assert back["data.party"][i] == policy.eval(service=service).decision("data").party
    assert pl.from_arrow(from_polars).height == len(services)
    # A filtered frame keeps its index, which is no column of a scenario.
    filtered = frame[frame.service != services[0]]
    assert policy.eval_arrow(filtered).column("id").to_pylist() == frame["id"].tolist()[1:]


def test_columns_that_are_not_a_scenario_are_refused_with_their_place():
    azure = onus.Policy.builtin("azure")
    with pytest.raises(onus.ScenarioError) as raised:
        azure.eval_arrow(pa.table({"id": [1], "modle": ["iaas"]}))
    codes = [d.code for d in raised.value.diagnostics]
    assert codes == ["missing-dimension", "unknown-field"]
    unknown = raised.value.diagnostics[1]
    assert unknown.help.startswith("did you mean `model`?")
    assert (unknown.line, unknown.column) == (1, 5)
    assert "modle" in str(raised.value)
    with pytest.raises(onus.ScenarioError, match="is Int64, not text"):
        azure.eval_arrow(pa.table({"model": [1, 2]}))
    with pytest.raises(onus.ScenarioError, match="no id column `key`"):
        azure.eval_arrow(pa.table({"model": ["iaas"]}), id="key")
    keyed = azure.eval_arrow(pa.table({"key": ["a"], "model": ["iaas"]}), id="key")
    assert keyed.column_names[0] == "key"
    with pytest.raises(ValueError, match="fields are among"):
        azure.eval_arrow(pa.table({"model": ["iaas"]}), fields=["colour"])
    with pytest.raises(TypeError, match="cannot read"):
        azure.eval_arrow({"model": ["iaas"]})


def test_an_empty_table_gives_an_empty_answer_with_the_schema():
    azure = onus.Policy.builtin("azure")
    empty = azure.eval_arrow(pa.table({"model": pa.array([], type=pa.string())}))
    assert empty.num_rows == 0
    assert "operating system.party" in empty.column_names


THREE_DIMENSIONS = """\
dimension model: on-prem, iaas, paas, saas
dimension region: public, sovereign
dimension tier: free, standard, premium
data: customer always because "always the customer's"
host: provider when model in [iaas, paas, saas] and region is public because "public cloud"
host: shared when model in [iaas, paas, saas] and region is sovereign because "a sovereign cloud shares it"
support: provider when tier is premium because "premium support"
support: customer when tier is free
os: provider when paas
os: customer when iaas and tier is free
"""


def test_several_dimensions_are_numbered_and_answered_row_for_row():
    policy = onus.Policy.from_text(THREE_DIMENSIONS, name="three.onus")
    rng = random.Random(3)
    dims = policy.dimensions
    rows = [{d: rng.choice(values) for d, values in dims.items()} for _ in range(3000)]
    columns = {d: [r[d] for r in rows] for d in dims}
    # Dictionary-encode one column, leave the others plain, in another order.
    table = pa.table({"tier": pa.array(columns["tier"]).dictionary_encode(), "model": columns["model"], "region": columns["region"]})
    fields = ["label", "party", "status", "rules", "because"]
    answer = policy.eval_arrow(table, fields=fields)
    assert rows_from_arrow(answer, policy, fields) == rows_from_many(policy, rows, fields)
    # In batches, the same table: the dictionaries are the policy's, shared.
    batches = table.to_batches(max_chunksize=100)
    assert len(batches) == 30
    assert policy.eval_arrow(batches, fields=fields).equals(answer)


def test_dictionary_columns_with_nulls_empty_or_bad_keys():
    azure = onus.Policy.builtin("azure")
    nulls = pa.DictionaryArray.from_arrays(pa.array([0, None, 1], pa.int8()), pa.array(["iaas", "nope"]))
    answer = azure.eval_arrow(pa.table({"model": nulls}))
    assert answer.column("error_code").to_pylist() == [None, "invalid-scenario", "unknown-name"]
    empty = pa.array([None, None], pa.string()).dictionary_encode()
    assert len(empty.dictionary) == 0
    answer = azure.eval_arrow(pa.table({"model": empty}))
    assert answer.column("error_code").to_pylist() == ["invalid-scenario"] * 2
    bad = pa.DictionaryArray.from_arrays(pa.array([0, 5, -1], pa.int32()), pa.array(["iaas", "saas"]), safe=False)
    with pytest.raises(ValueError, match="outside its 2 entries"):
        azure.eval_arrow(pa.table({"model": bad}))


def test_columns_given_twice_or_named_like_an_answer_are_refused():
    azure = onus.Policy.builtin("azure")
    twice = pa.Table.from_arrays([pa.array(["iaas"]), pa.array(["saas"])], names=["model", "model"])
    with pytest.raises(onus.ScenarioError, match="column `model` is given twice"):
        azure.eval_arrow(twice)
    with pytest.raises(onus.ScenarioError, match="has the name of an answer column"):
        azure.eval_arrow(pa.table({"error": [1], "model": ["iaas"]}), id="error")
