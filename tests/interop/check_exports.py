"""Reads Onus's exports with the tools auditors use, for tests/interop.rs.

Usage: check_exports.py WORK FIXTURES

WORK holds provider.json and customer.json (the two OSCAL SSPs, made with
--profile trestle://catalogs/nist-high/catalog.json), component.json (the
component definition, with the same profile), and crm.csv/crm.xlsx,
caiq.csv/caiq.xlsx. FIXTURES is tests/fixtures/oscal (NIST's catalog and
example SSPs). Prints one `ok ...` line per check; any failure raises, so
the exit code is not 0.
"""

import copy
import csv
import json
import pathlib
import shutil
import subprocess
import sys

import openpyxl
from trestle.oscal.component import ComponentDefinition
from trestle.oscal.ssp import SystemSecurityPlan

CATALOG = "NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json"


def load(path):
    """The file as trestle's SystemSecurityPlan model (raises if invalid)."""
    return SystemSecurityPlan.oscal_read(pathlib.Path(path))


def trestle_validate(workspace, name, path, kind="system-security-plan"):
    """`trestle validate -f` on the document placed in the trestle workspace."""
    folder = workspace / f"{kind}s" / name
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{kind}.json"
    shutil.copy(path, target)
    trestle = pathlib.Path(sys.executable).parent / "trestle"
    run = subprocess.run(
        [str(trestle), "validate", "-f", str(target)],
        cwd=workspace,
        capture_output=True,
        text=True,
    )
    return run.returncode == 0 and "VALID:" in run.stdout, run.stdout + run.stderr


def by_components(ssp):
    for requirement in ssp.control_implementation.implemented_requirements:
        for by_component in requirement.by_components or []:
            yield requirement, by_component


def references(provider, customer):
    """Every reference between and within the two SSPs resolves; returns
    the counts (provided, responsibilities, inherited, satisfied)."""
    provided, responsibilities = set(), set()
    for _, component in by_components(provider):
        export = component.export
        if export is None:
            continue
        provided.update(str(p.uuid) for p in export.provided or [])
        responsibilities.update(str(r.uuid) for r in export.responsibilities or [])
    for _, component in by_components(provider):
        for responsibility in (component.export.responsibilities or []) if component.export else []:
            if responsibility.provided_uuid is not None:
                assert str(responsibility.provided_uuid) in provided, responsibility.provided_uuid
    inherited = satisfied = 0
    for _, component in by_components(customer):
        for item in component.inherited or []:
            assert str(item.provided_uuid) in provided, item.provided_uuid
            inherited += 1
        for item in component.satisfied or []:
            assert str(item.responsibility_uuid) in responsibilities, item.responsibility_uuid
            satisfied += 1
    assert inherited == len(provided), (inherited, len(provided))
    assert satisfied == len(responsibilities), (satisfied, len(responsibilities))
    provider_system = provider.system_implementation.components[0].uuid
    leveraged = customer.system_implementation.components[1]
    props = {p.name: p.value for p in leveraged.props or []}
    assert props["inherited-uuid"] == str(provider_system), props
    authorizations = customer.system_implementation.leveraged_authorizations
    assert props["leveraged-authorization-uuid"] == str(authorizations[0].uuid)
    return len(provided), len(responsibilities), inherited, satisfied


def sheet_equals_csv(xlsx, csv_path):
    """Every cell of the workbook's one sheet equals the CSV's."""
    workbook = openpyxl.load_workbook(xlsx, read_only=True)
    assert len(workbook.sheetnames) == 1, workbook.sheetnames
    cells = [
        ["" if value is None else str(value) for value in row]
        for row in workbook.active.iter_rows(values_only=True)
    ]
    with open(csv_path, newline="", encoding="utf-8") as handle:
        expected = list(csv.reader(handle))
    width = max(len(row) for row in expected)
    padded = [row + [""] * (width - len(row)) for row in expected]
    cells = [row + [""] * (width - len(row)) for row in cells]
    assert cells == padded, next(
        (i, a, b) for i, (a, b) in enumerate(zip(cells, padded)) if a != b
    ) if len(cells) == len(padded) else (len(cells), len(padded))
    return len(cells), workbook.active.title


def main(work, fixtures):
    work, fixtures = pathlib.Path(work), pathlib.Path(fixtures)

    # NIST's own examples load as the model: the control for the check.
    for name in ["oscal_leveraged-example_ssp.json", "oscal_leveraging-example_ssp.json"]:
        load(fixtures / name)
        print(f"ok trestle loads NIST's {name}")

    provider = load(work / "provider.json")
    customer = load(work / "customer.json")
    print("ok trestle loads the provider's and the customer's SSP")

    workspace = work / "trestle"
    trestle = pathlib.Path(sys.executable).parent / "trestle"
    subprocess.run([str(trestle), "init"], cwd=workspace.mkdir() or workspace, check=True,
                   capture_output=True)
    catalog = workspace / "catalogs" / "nist-high"
    catalog.mkdir(parents=True, exist_ok=True)
    shutil.copy(fixtures / CATALOG, catalog / "catalog.json")
    for name in ["provider", "customer"]:
        valid, output = trestle_validate(workspace, name, work / f"{name}.json")
        assert valid, output
        print(f"ok trestle validate: the {name}'s SSP is VALID")

    # Negative control: the same document without a required field fails.
    document = json.loads((work / "provider.json").read_text())
    del document["system-security-plan"]["metadata"]["title"]
    broken = work / "broken.json"
    broken.write_text(json.dumps(document))
    valid, _ = trestle_validate(workspace, "broken", broken)
    assert not valid, "trestle must refuse an SSP without metadata.title"
    print("ok trestle validate refuses the SSP without its title")

    # The component definition: trestle's model loads it, and it validates;
    # every control of the baseline is an implemented requirement, each role
    # one of the metadata's, each party one of its parties.
    definition = ComponentDefinition.oscal_read(work / "component.json")
    valid, output = trestle_validate(workspace, "onus", work / "component.json", "component-definition")
    assert valid, output
    roles = {role.id for role in definition.metadata.roles}
    parties = {party.uuid for party in definition.metadata.parties}
    requirements = definition.components[0].control_implementations[0].implemented_requirements
    for requirement in requirements:
        for role in requirement.responsible_roles or []:
            assert role.role_id in roles, role.role_id
            assert set(role.party_uuids or []) <= parties, role.party_uuids
    print(f"ok trestle validate: the component definition is VALID ({len(requirements)} controls)")

    counts = references(provider, customer)
    print("ok references resolve: %d provided, %d responsibilities, %d inherited, %d satisfied" % counts)

    # Negative control: a dangling provided-uuid is caught.
    dangling = copy.deepcopy(customer)
    for _, component in by_components(dangling):
        if component.inherited:
            component.inherited[0].provided_uuid = "00000000-0000-5000-8000-000000000000"
            break
    try:
        references(provider, dangling)
    except AssertionError:
        print("ok a dangling provided-uuid is caught")
    else:
        raise AssertionError("a dangling provided-uuid went unnoticed")

    for name in ["crm", "caiq"]:
        rows, title = sheet_equals_csv(work / f"{name}.xlsx", work / f"{name}.csv")
        print(f"ok openpyxl reads {name}.xlsx (sheet {title!r}): {rows} rows equal {name}.csv")


if __name__ == "__main__":
    main(*sys.argv[1:])
