"""The bulk path against the CLI's batch, side by side, on the same
1,000,000 scenarios (issue 28: eval_arrow at least half the records per
second of `onus eval --batch --fields party`).

Not part of the tests: run it with the release CLI built,

    cargo build --release --bin onus
    .venv-python/bin/python -m pytest -p no:cacheprovider python/bench --benchmark-columns=min,mean,max,rounds

and record the figures in BENCHMARKS.md.
"""

import json
import os
import pathlib
import random
import subprocess

import onus
import pyarrow as pa
import pyarrow.json as pa_json
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
ROWS = 1_000_000
CLI = os.environ.get("ONUS_CLI") or str(REPO / "target" / "release" / "onus")


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    """1,000,000 azure scenarios: an Arrow table and the same as NDJSON."""
    models = onus.Policy.builtin("azure").dimensions["model"]
    rng = random.Random(28)
    column = [rng.choice(models) for _ in range(ROWS)]
    path = tmp_path_factory.mktemp("bulk") / "scenarios.ndjson"
    with open(path, "w") as out:
        for model in column:
            out.write(f'{{"model":"{model}"}}\n')
    return pa.table({"model": column}), path


def test_cli_batch_fields_party(benchmark, scenarios):
    if not os.access(CLI, os.X_OK):
        pytest.fail(f"no release CLI at {CLI}: run `cargo build --release --bin onus`")
    _, path = scenarios

    def run():
        with open(os.devnull, "wb") as sink:
            subprocess.run([CLI, "eval", "azure", "--batch", str(path), "--fields", "party"], stdout=sink, check=True)

    benchmark.pedantic(run, rounds=5, warmup_rounds=1)


def test_eval_arrow_fields_party(benchmark, scenarios):
    table, _ = scenarios
    policy = onus.Policy.builtin("azure")
    result = benchmark.pedantic(
        lambda: policy.eval_arrow(table, fields=["party"]), rounds=5, warmup_rounds=1
    )
    assert result.num_rows == ROWS


def test_eval_arrow_party_and_status(benchmark, scenarios):
    table, _ = scenarios
    policy = onus.Policy.builtin("azure")
    result = benchmark.pedantic(lambda: policy.eval_arrow(table), rounds=5, warmup_rounds=1)
    assert result.num_rows == ROWS


def test_ndjson_read_by_pyarrow_then_eval_arrow(benchmark, scenarios):
    """From the same file as the CLI: pyarrow's NDJSON reader, then Arrow."""
    _, path = scenarios
    policy = onus.Policy.builtin("azure")

    def run():
        return policy.eval_arrow(pa_json.read_json(path), fields=["party"])

    result = benchmark.pedantic(run, rounds=5, warmup_rounds=1)
    assert result.num_rows == ROWS


def test_eval_many_fields_party(benchmark, scenarios):
    """The iterator of dicts, for scale: 100,000 of the scenarios."""
    table, _ = scenarios
    policy = onus.Policy.builtin("azure")
    rows = [{"model": m} for m in table.column("model").to_pylist()[:100_000]]

    def run():
        return sum(1 for _ in policy.eval_many(rows, fields=["party"]))

    assert benchmark.pedantic(run, rounds=3, warmup_rounds=1) == 100_000
