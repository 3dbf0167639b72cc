"""Bad input raises an OnusError subclass with the located diagnostics the
CLI shows, and str() is the CLI's rendering."""

import json

import onus
import pytest

TYPO = "x: customer when iaas\nx: provider when iaas or paas\nhost: provider unless on-prme\n"


def test_a_policy_that_does_not_load_says_where_and_what_to_write(run_cli, tmp_path):
    path = tmp_path / "typo.onus"
    path.write_text(TYPO)
    with pytest.raises(onus.PolicyError) as raised:
        onus.Policy.load(path)
    error = raised.value
    assert isinstance(error, onus.OnusError)
    [diagnostic] = error.diagnostics
    assert diagnostic.code == "unknown-name"
    assert (diagnostic.line, diagnostic.column, diagnostic.end_column) == (3, 23, 30)
    assert diagnostic.replacement == "on-prem"
    assert diagnostic.help == "did you mean `on-prem`?"
    assert diagnostic.path == str(path)
    # str() is what `onus check` prints for the file, without the summary.
    code, out, err = run_cli("check", str(path))
    assert code == 1  # check reports the error as its finding
    printed = (out + err.encode()).decode()
    assert str(error) in printed
    assert "^^^^^^^ no such value" in str(error)


def test_from_text_names_the_source_it_was_given():
    with pytest.raises(onus.PolicyError) as raised:
        onus.Policy.from_text("data customer always\n", name="draft.onus")
    [diagnostic] = raised.value.diagnostics
    assert diagnostic.code == "syntax-error"
    assert diagnostic.path == "draft.onus"
    assert diagnostic.line == 1
    assert str(raised.value).startswith("error[syntax-error]")


def test_a_bad_scenario_is_located_in_it():
    azure = onus.Policy.builtin("azure")
    with pytest.raises(onus.ScenarioError) as raised:
        azure.eval(model="pass")
    [diagnostic] = raised.value.diagnostics
    assert (diagnostic.code, diagnostic.replacement) == ("unknown-name", "paas")
    with pytest.raises(onus.ScenarioError) as raised:
        azure.eval({})
    assert raised.value.diagnostics[0].code == "missing-dimension"
    with pytest.raises(onus.ScenarioError) as raised:
        azure.eval(model="iaas", modle="iaas")
    assert raised.value.diagnostics[0].code == "unknown-field"
    with pytest.raises(TypeError, match="a value is a str"):
        azure.matrix(model=3)
    with pytest.raises(onus.ScenarioError):
        azure.matrix(over="nope")
    with pytest.raises(onus.PolicyError) as raised:
        onus.Policy.builtin("azur")
    assert "azure" in str(raised.value)


def test_eval_many_raises_at_the_record_or_yields_it():
    azure = onus.Policy.builtin("azure")
    records = [{"model": "iaas"}, {"model": "saas"}, {"model": "cloud"}, {"model": "paas"}]
    answers = azure.eval_many(records)
    assert next(answers).scenario["model"] == "iaas"
    assert next(answers).scenario["model"] == "saas"
    with pytest.raises(onus.ScenarioError, match="record 3: `cloud` is not a value") as raised:
        next(answers)
    assert raised.value.diagnostics[0].path == "record 3"
    kept = list(azure.eval_many(records, errors="yield"))
    assert [type(r).__name__ for r in kept] == ["Evaluation", "Evaluation", "BatchError", "Evaluation"]
    assert kept[2].line == 3 and kept[2].diagnostics[0].code == "unknown-name"
    with pytest.raises(ValueError):
        list(azure.eval_many(records, errors="ignore"))
    with pytest.raises(ValueError, match="fields are among"):
        list(azure.eval_many(records, fields=["colour"]))


def test_inventories_exports_and_published_files(tmp_path):
    bad = tmp_path / "inventory.json"
    bad.write_text('{"resources": ')
    with pytest.raises(onus.InventoryError) as raised:
        onus.estate(bad)
    assert raised.value.diagnostics[0].line == 1
    azure = onus.Policy.builtin("azure")
    with pytest.raises(onus.ExportError) as raised:
        azure.export("oscal-ssp", model="iaas", baseline="medium")
    assert "medium" in str(raised.value)
    with pytest.raises(onus.ExportError):
        azure.export("oscal-ssp", model="iaas", date="2026-02-30")
    with pytest.raises(ValueError, match="oscal-ssp"):
        azure.export("pdf", model="iaas")
    with pytest.raises(onus.InputError):
        azure.compare(tmp_path / "missing.csv", model="iaas")


def test_objects_are_immutable():
    azure = onus.Policy.builtin("azure")
    with pytest.raises(AttributeError):
        azure.name = "other"
    answer = azure.eval(model="iaas")
    with pytest.raises(AttributeError):
        answer.scenario = {}
    with pytest.raises(TypeError):
        answer.decisions[0]["party"] = "provider"  # type: ignore[index]
    copy = answer.to_json()
    copy["decisions"].clear()
    assert len(answer.decisions) == len(azure.zones)
    assert json.loads(json.dumps(answer.to_json())) == answer.to_json()


def test_check_text_reports_the_typo_and_the_conflict_together():
    """Issue 29: one misspelt name hides no other finding."""
    found = onus.check_text(TYPO, name="typo.onus")
    assert [(d.code, d.line) for d in found] == [
        ("unknown-name", 3),
        ("not-analysed", 3),
        ("conflict", 2),
    ]
    assert found[0].replacement == "on-prem"
    assert dict(found[2].scenario) == {"model": "iaas"}
