"""The package answers what the CLI answers: every built-in policy, every
scenario, and each command's JSON."""

import itertools
import json

import onus
import pytest


def scenarios(policy):
    names = list(policy.dimensions)
    for values in itertools.product(*policy.dimensions.values()):
        yield dict(zip(names, values))


BUILTINS = [b.name for b in onus.builtins()]


def test_the_builtins_are_the_clis(run_cli):
    code, out, _ = run_cli("policies")
    assert code == 0
    listed = [line.split(None, 1) for line in out.decode().splitlines()]
    assert [(b.name, b.title) for b in onus.builtins()] == [(n, t.strip()) for n, t in listed]
    assert len(BUILTINS) == 8


@pytest.mark.parametrize("name", BUILTINS)
def test_every_scenario_of_every_builtin_equals_the_clis_json(name, cli_json):
    policy = onus.Policy.builtin(name)
    count = 0
    for scenario in scenarios(policy):
        settings = [a for k, v in scenario.items() for a in ("--set", f"{k}={v}")]
        expected = cli_json("eval", name, *settings, "--format", "json")
        answer = policy.eval(scenario)
        assert answer.to_json() == expected, scenario
        # The objects say the same as their JSON.
        for decision, data in zip(answer.decisions, expected["decisions"]):
            assert (decision.zone, decision.party, decision.status) == (
                data["zone"],
                data["party"],
                data["status"],
            )
            assert [r.line for r in decision.rules] == [r["line"] for r in data["rules"]]
            assert decision.because == data.get("because")
        count += 1
    assert count == len(list(itertools.product(*policy.dimensions.values())))


@pytest.mark.parametrize("name", BUILTINS)
def test_eval_many_equals_the_clis_batch(name, run_cli):
    policy = onus.Policy.builtin(name)
    records = [dict(s, id=i) for i, s in enumerate(scenarios(policy))]
    records.append({"no such dimension": "x"})
    ndjson = "".join(json.dumps(r) + "\n" for r in records).encode()
    for fields in ([], ["party"], ["party", "status", "rules"]):
        args = ["eval", name, "--batch", "-"] + (["--fields", ",".join(fields)] if fields else [])
        code, out, err = run_cli(*args, stdin=ndjson)
        assert code == 2, err  # the last record is an error
        expected = [json.loads(line) for line in out.splitlines()]
        got = [r.to_json() for r in policy.eval_many(records, fields=fields, errors="yield")]
        assert got == expected
        # Chunks do not change the records, nor their line numbers.
        small = [r.to_json() for r in policy.eval_many(records, fields=fields, errors="yield", chunk_size=3)]
        assert small == expected


def test_explain_matrix_partial_diff_and_test_equal_the_cli(cli_json, repo):
    azure = onus.Policy.builtin("azure")
    assert azure.eval(model="iaas", explain=True).to_json() == cli_json(
        "eval", "azure", "--set", "model=iaas", "--explain", "--format", "json"
    )
    assert azure.matrix().to_json() == cli_json("matrix", "azure", "--format", "json")
    aws = onus.Policy.builtin("aws")
    assert aws.eval_partial().to_json() == cli_json("eval", "aws", "--partial", "--format", "json")
    only = azure.matrix(only=["iaas", "saas"], format="json")
    assert only.columns == ("iaas", "saas")
    new = onus.Policy.builtin("azure-2026")
    assert azure.diff(new).to_json() == cli_json("diff", "azure", "azure-2026", "--format", "json")
    moved = azure.diff_scenarios({"model": "iaas"}, {"model": "paas"})
    assert moved.to_json() == cli_json(
        "diff", "azure", "--from", "model=iaas", "--to", "model=paas", "--format", "json"
    )
    gcp = onus.Policy.load(repo / "policies" / "gcp.onus")
    assert gcp.test().to_json() == cli_json("test", str(repo / "policies" / "gcp.onus"), "--format", "json")
    assert onus.test(repo / "policies" / "gcp.onus").to_json() == gcp.test().to_json()


def test_matrix_text_formats_are_the_clis(run_cli):
    azure = onus.Policy.builtin("azure")
    for form in ("markdown", "csv", "svg", "html", "table"):
        code, out, _ = run_cli("matrix", "azure", "--format", form)
        assert code == 0
        assert azure.matrix(format=form) == out.decode()


def test_check_gives_every_finding_with_its_witness(cli_json, repo, tmp_path):
    text = "x: customer when iaas\nx: provider when iaas or paas\n"
    path = tmp_path / "conflict.onus"
    path.write_text(text)
    policy = onus.Policy.from_text(text, name=str(path))
    findings = policy.check()
    expected = cli_json("check", str(path), "--format", "json")["diagnostics"]
    assert [f.code for f in findings] == [d["code"] for d in expected] == ["conflict"]
    conflict = findings[0]
    assert dict(conflict.scenario) == {"model": "iaas"}
    assert (conflict.line, conflict.column) == (2, 1)
    assert conflict.related[0].line == 1
    assert {k: v for k, v in conflict.to_json().items() if k in expected[0]} == expected[0]


def test_export_and_estate_equal_the_cli(run_cli, cli_json, repo):
    azure = onus.Policy.builtin("azure")
    ssp = azure.export("oscal-ssp", model="paas", baseline="moderate")
    code, out, _ = run_cli("export", "oscal-ssp", "azure", "--set", "model=paas", "--baseline", "moderate")
    assert code == 0 and ssp == json.loads(out)
    crm = azure.export("crm-csv", model="iaas")
    code, out, _ = run_cli("export", "crm-csv", "azure", "--set", "model=iaas")
    assert crm == out.decode()
    xlsx = azure.export("crm-xlsx", model="iaas")
    assert isinstance(xlsx, bytes) and xlsx[:2] == b"PK"
    plan = repo / "tests/fixtures/estate/inventories/tfplan-azure-vm-terracost.json"
    expected = cli_json("estate", "azure", str(plan), "--format", "json")
    assert onus.estate(plan, "azure").to_json() == expected


def test_estate_of_records_equals_the_clis_ndjson_stream(run_cli):
    records = [
        {"type": "Microsoft.Storage/storageAccounts", "id": "/subscriptions/s/storage/a"},
        {"type": "Microsoft.Compute/virtualMachines", "id": "/subscriptions/s/vm/b"},
        {"resourceType": "no such type", "id": "c"},
        {"no type": 1},
    ]
    ndjson = "".join(json.dumps(r) + "\n" for r in records).encode()
    code, out, _ = run_cli(
        "estate", "azure-services", "-", "--input-format", "ndjson", "--format", "ndjson", stdin=ndjson
    )
    assert code == 2  # the last line is no resource
    expected = [json.loads(line) for line in out.splitlines()]
    result = onus.estate(records, "azure-services")
    assert [r.to_json() for r in result.resources] == expected
    assert result.summary.to_json() == {"resources": 3, "mapped": 2, "conflicts": 0, "errors": 1}
    streamed = [r.to_json() for r in onus.estate_stream(iter(records), "azure-services", chunk_size=1)]
    assert streamed == expected


def test_schemas_are_the_clis(run_cli):
    assert "eval" in onus.schema_names()
    for name in onus.schema_names():
        code, out, _ = run_cli("schema", name)
        assert code == 0
        assert onus.schema(name) == json.loads(out)
    with pytest.raises(KeyError, match="no schema"):
        onus.schema("nope")


def test_compare_component_definition_and_caiq_equal_the_cli(run_cli, cli_json, repo):
    azure = onus.Policy.builtin("azure")
    published = repo / "tests/fixtures/compare/cloud.gov-CIS-Worksheet.xlsx"
    compared = azure.compare(published, model="paas")
    assert compared.to_json() == cli_json(
        "compare", "azure", str(published), "--set", "model=paas", "--format", "json"
    )
    assert compared.counts["all"]["controls"] == 325
    for form, args in (
        ("oscal-component-definition", ["--baseline", "low"]),
        ("oscal-ssp-customer", ["--profile", "https://example.org/profile.json"]),
        ("caiq-csv", []),
    ):
        code, out, err = run_cli("export", form, "azure", "--set", "model=saas", *args)
        assert code == 0, err
        keywords = {"baseline": "low"} if "--baseline" in args else {}
        if "--profile" in args:
            keywords["profile"] = args[1]
        got = azure.export(form, model="saas", **keywords)
        assert got == (json.loads(out) if form.startswith("oscal") else out.decode())
    ccm = azure.export("caiq-csv", mapping="csa-ccm-v4", model="saas")
    assert ccm.count("\n") > 197


def test_estate_without_a_policy_routes_as_the_cli_does(cli_json, repo):
    plan = repo / "tests/fixtures/estate/inventories/tfplan-aws-gcp-regula.json"
    routed = onus.estate(plan)
    assert routed.to_json() == cli_json("estate", str(plan), "--format", "json")
    assert [e.policy for e in routed.estates] == ["aws", "gcp"]


def test_a_policy_pickles_as_its_text_and_mappings_feed_back_in():
    import pickle

    azure = onus.Policy.builtin("azure")
    again = pickle.loads(pickle.dumps(azure))
    assert (again.name, again.text) == (azure.name, azure.text)
    assert again.eval(model="iaas") == azure.eval(model="iaas")
    # A scenario record, or a finding's witness, is a scenario again.
    answer = azure.eval(model="paas")
    [record] = list(azure.eval_many([answer.scenario]))
    assert record.decisions == answer.decisions
    moved = azure.diff_scenarios(from_={"model": "iaas"}, to={"model": "saas"})
    assert moved.to_json()["changes"]
    with pytest.raises(TypeError, match="a value is a str"):
        azure.eval(model=3)


def test_estate_batches_keep_columns_and_write_any_value(repo):
    import datetime

    import pyarrow as pa

    batch = pa.RecordBatch.from_pydict(
        {
            "resourceId": ["bucket-1", "no-type"],
            "resourceType": ["AWS::S3::Bucket", None],
            "captured": [datetime.datetime(2026, 12, 7), datetime.datetime(2026, 12, 8)],
        }
    )
    [out] = list(onus.estate_batches([batch], "aws", keep=["resourceId"]))
    assert out.column_names == ["resourceId", "record"]
    first, second = [json.loads(r) for r in out.column("record").to_pylist()]
    assert (first["address"], first["mapped"]) == ("bucket-1", True)
    assert second == {"line": 2, "error": "no `type`, `resourceType` or `asset_type`"}
