#!/usr/bin/env python3
"""Regenerates the resource-type catalogs in this folder from their
published sources, each pinned to a version. Needs network access to npm,
PyPI and GitHub, and `npm`, `pip` and `git` on PATH:

    python3 policies/catalogs/resource-types/regenerate.py

Each catalog is one type a line, sorted, after a header of `#` lines that
names its source, version and licence. `tests/catalogs.rs` checks that the
built-in resource maps cover every type of every catalog.
"""

import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Terraform providers: the CDK for Terraform bindings on npm, generated from
# `terraform providers schema -json` of the provider version they name.
TERRAFORM = {
    "terraform-aws": ("@cdktf/provider-aws", "21.22.1"),
    "terraform-azurerm": ("@cdktf/provider-azurerm", "14.23.1"),
    "terraform-google": ("@cdktf/provider-google", "16.12.1"),
    "terraform-kubernetes": ("@cdktf/provider-kubernetes", "12.1.1"),
}
# CloudFormation: the resource provider schemas of us-east-1 that cfn-lint
# ships (it downloads them from AWS's CloudFormation registry).
CFN_LINT = "1.58.0"
# ARM: Azure/bicep-types-az, the resource types Bicep knows, generated from
# the Azure REST API specifications.
BICEP_TYPES_AZ = "1f896de2db966ad91e8f7d7d981e11d32e4f5d8d"
# Cloud Asset Inventory: Google publishes its asset types as an HTML page
# only; GoogleCloudPlatform/terraform-google-conversion, which converts
# Terraform resources to assets, declares each asset type it produces.
TERRAFORM_GOOGLE_CONVERSION = "b9c00f88ea46984f1733f6d92107f8adaabe4bc9"


def write(name, header, types):
    lines = [f"# {line}" if line else "#" for line in header]
    lines += sorted(set(types), key=lambda t: (t.lower(), t))
    (HERE / f"{name}.txt").write_text("\n".join(lines) + "\n")
    print(f"{name}: {len(set(types))} types")


def terraform(work):
    for name, (package, version) in TERRAFORM.items():
        subprocess.run(["npm", "pack", f"{package}@{version}"], cwd=work, check=True, capture_output=True)
        tarball = next(work.glob(f"cdktf-provider-*-{version}.tgz"))
        types, provider = set(), None
        with tarfile.open(tarball) as archive:
            for member in archive.getmembers():
                parts = member.name.split("/")
                if member.name == "package/package.json":
                    meta = json.load(archive.extractfile(member))
                    provider = meta["cdktf"]["provider"]
                    licence = meta["license"]
                # package/lib/<resource>/index.js; data sources are
                # data-<provider>-*: not data-* alone, which would drop
                # resources such as azurerm's data-factory and data-share.
                if len(parts) == 4 and parts[1] == "lib" and parts[3] == "index.js":
                    data_source = "data-" + name.removeprefix("terraform-") + "-"
                    if parts[2].startswith(data_source) or parts[2] == "provider":
                        continue
                    text = archive.extractfile(member).read().decode()
                    found = re.search(r'tfResourceType = "([a-z0-9_]+)"', text)
                    if found:
                        types.add(found.group(1))
        tarball.unlink()
        write(
            name,
            [
                f"Resource types (not data sources) of the Terraform provider {provider['name']} {provider['version']},",
                f"as the npm package {package} {version} (generated from the provider's schema) lists them.",
                f"Licence: {licence} (the package and the provider).",
                "Regenerate: python3 policies/catalogs/resource-types/regenerate.py",
            ],
            types,
        )


def cloudformation(work):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", f"cfn-lint=={CFN_LINT}", "--no-deps", "-d", str(work), "-q"],
        check=True,
    )
    wheel = next(work.glob(f"cfn_lint-{CFN_LINT}-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        schemas = json.loads(archive.read("cfnlint/data/schemas/providers/us-east-1.json"))
    write(
        "cloudformation",
        [
            "CloudFormation resource types (AWS::...) of the registry schemas for us-east-1,",
            f"as cfn-lint {CFN_LINT} (PyPI cfn-lint, cfnlint/data/schemas/providers/us-east-1.json) ships them.",
            "Licence: MIT-0 (cfn-lint).",
            "Regenerate: python3 policies/catalogs/resource-types/regenerate.py",
        ],
        [t for t in schemas if t.startswith("AWS::")],
    )


def shallow(work, name, url, commit):
    repo = work / name
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "fetch", "-q", "--depth", "1", url, commit], check=True)
    return repo


def cloud_asset_inventory(work):
    repo = shallow(work, "tgc", "https://github.com/GoogleCloudPlatform/terraform-google-conversion",
                   TERRAFORM_GOOGLE_CONVERSION)
    found = subprocess.run(
        ["git", "-C", str(repo), "grep", "-h", "-o", "-E",
         r'AssetType *(string)? *= *"[a-z0-9.-]+\.googleapis\.com/[A-Za-z0-9/]+"', "FETCH_HEAD"],
        check=True, capture_output=True, text=True,
    ).stdout
    types = [line.split('"')[1] for line in found.splitlines()]
    write(
        "cloud-asset-inventory",
        [
            "Cloud Asset Inventory asset types (RESOURCE content), as Google's Terraform-to-CAI",
            f"converter declares them: GoogleCloudPlatform/terraform-google-conversion at commit",
            f"{TERRAFORM_GOOGLE_CONVERSION}, every `...AssetType = \"...\"` constant. Google's own list,",
            "cloud.google.com/asset-inventory/docs/asset-types, is an HTML page with no machine-readable copy.",
            "Licence: Apache-2.0 (terraform-google-conversion).",
            "Regenerate: python3 policies/catalogs/resource-types/regenerate.py",
        ],
        types,
    )


def arm(work):
    repo = work / "bicep-types-az"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "fetch", "-q", "--depth", "1",
         "https://github.com/Azure/bicep-types-az", BICEP_TYPES_AZ],
        check=True,
    )
    files = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "FETCH_HEAD", "generated/"],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    names = {}
    for path in (p for p in files if p.endswith("/types.json")):
        text = subprocess.run(
            ["git", "-C", str(repo), "show", f"FETCH_HEAD:{path}"],
            check=True, capture_output=True, text=True,
        ).stdout
        for item in json.loads(text):
            if isinstance(item, dict) and item.get("$type") == "ResourceType":
                name = item["name"].split("@")[0]
                names.setdefault(name.lower(), name)
    write(
        "arm",
        [
            "Azure Resource Manager resource types, top-level and child, as Bicep knows them:",
            f"Azure/bicep-types-az at commit {BICEP_TYPES_AZ}, every generated/**/types.json",
            "(generated from the Azure REST API specifications), each type's first spelling.",
            "Licence: MIT (Azure/bicep-types-az).",
            "Regenerate: python3 policies/catalogs/resource-types/regenerate.py",
        ],
        names.values(),
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        terraform(work)
        cloudformation(work)
        arm(work)
        cloud_asset_inventory(work)
