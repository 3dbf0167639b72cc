#!/usr/bin/env python3
"""Writes the family maps (`policies/resources/*-families.onus`): for every
type of a catalog in this folder that no line of the hand-written map
covers, a pattern for its family (`aws_glue_*`, `AWS::Glue::*`,
`Microsoft.Batch/*`), placed where a source places the family and left
open where none does. Offline and deterministic:

    python3 policies/catalogs/resource-types/families.py

Edit the placements below, not the generated maps. `tests/catalogs.rs`
checks that the maps, hand-written and generated, cover every catalog type.
"""

import os
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CATALOGS = ROOT / "policies/catalogs/resource-types"
RESOURCES = ROOT / "policies/resources"

# Family prefixes a source places, longest match first; each with the
# block and the reason of its line. Every other family is left open.
WP16 = "[WP16 p. 4]"
AWS_PLACED = [
    # Terraform
    ("aws_elastic_beanstalk_", "{ service: container }", f"AWS Elastic Beanstalk is a container service {WP16}"),
    ("aws_ec2_", "{ service: infrastructure }", f"Amazon EC2 is an infrastructure service {WP16}"),
    ("aws_ebs_", "{ service: infrastructure }", f"Amazon EBS is an infrastructure service {WP16}"),
    ("aws_autoscaling_", "{ service: infrastructure }", f"Auto Scaling is an infrastructure service {WP16}"),
    ("aws_vpc_", "{ service: infrastructure }", f"Amazon VPC is an infrastructure service {WP16}"),
    ("aws_default_", "{ service: infrastructure }", f"A default VPC, subnet, security group, network ACL or route table: Amazon VPC is an infrastructure service {WP16}"),
    ("aws_network_", "{ service: infrastructure }", f"A VPC network ACL or an EC2 network interface: EC2 and VPC are infrastructure services {WP16}"),
    ("aws_db_", "{ service: container }", f"Amazon RDS is a container service {WP16}"),
    ("aws_rds_", "{ service: container }", f"Amazon RDS is a container service {WP16}"),
    ("aws_emr_", "{ service: container }", f"Amazon EMR is a container service {WP16}"),
    ("aws_s3_", "{ service: abstracted }", f"Amazon S3 is an abstracted service {WP16}"),
    ("aws_s3control_", "{ service: abstracted }", f"S3 Control configures Amazon S3 (access points, account settings), an abstracted service {WP16}"),
    ("aws_glacier_", "{ service: abstracted }", f"Amazon Glacier is an abstracted service {WP16}"),
    ("aws_dynamodb_", "{ service: abstracted }", f"Amazon DynamoDB is an abstracted service {WP16}"),
    ("aws_sqs_", "{ service: abstracted }", f"Amazon SQS is an abstracted service {WP16}"),
    ("aws_ses_", "{ service: abstracted }", f"Amazon SES is an abstracted service {WP16}"),
    ("aws_sesv2_", "{ service: abstracted }", f"Amazon SES (its v2 API) is an abstracted service {WP16}"),
    ("aws_ecs_", "{ service: [ecs-ec2, ecs-fargate] }", "Open: an Amazon ECS resource whose launch type it does not give [ECS]"),
    ("aws_lambda_", "{ service: [lambda, lambda-function-update, lambda-manual-runtime, lambda-container-image] }", "Open: an AWS Lambda resource whose package type and runtime update mode it does not give [LRM]"),
    ("aws_iam_", "{}", "Open: IAM serves every category, and access management is the customer's in all of them; the service is left open [WP16 p. 4]"),
    # CloudFormation (also AWS Config's types)
    ("AWS::EC2::", "{ service: infrastructure }", f"Amazon EC2 and Amazon VPC (whose types are EC2's) are infrastructure services {WP16}"),
    ("AWS::AutoScaling::", "{ service: infrastructure }", f"Auto Scaling is an infrastructure service {WP16}"),
    ("AWS::RDS::", "{ service: container }", f"Amazon RDS is a container service {WP16}"),
    ("AWS::EMR::", "{ service: container }", f"Amazon EMR is a container service {WP16}"),
    ("AWS::ElasticBeanstalk::", "{ service: container }", f"AWS Elastic Beanstalk is a container service {WP16}"),
    ("AWS::S3::", "{ service: abstracted }", f"Amazon S3 is an abstracted service {WP16}"),
    ("AWS::DynamoDB::", "{ service: abstracted }", f"Amazon DynamoDB is an abstracted service {WP16}"),
    ("AWS::SQS::", "{ service: abstracted }", f"Amazon SQS is an abstracted service {WP16}"),
    ("AWS::SES::", "{ service: abstracted }", f"Amazon SES is an abstracted service {WP16}"),
    ("AWS::ECS::", "{ service: [ecs-ec2, ecs-fargate] }", "Open: an Amazon ECS resource whose launch type it does not give [ECS]"),
    ("AWS::Lambda::", "{ service: [lambda, lambda-function-update, lambda-manual-runtime, lambda-container-image] }", "Open: an AWS Lambda resource whose package type and runtime update mode it does not give [LRM]"),
    ("AWS::IAM::", "{}", "Open: IAM serves every category, and access management is the customer's in all of them; the service is left open [WP16 p. 4]"),
]
L26 = "[L26]"
AZURE_PLACED = [
    # Terraform
    ("azurerm_linux_virtual_machine", "{ model: iaas }", f"Virtual machines are one of the page's IaaS examples {L26}"),
    ("azurerm_windows_virtual_machine", "{ model: iaas }", f"Virtual machines are one of the page's IaaS examples {L26}"),
    ("azurerm_virtual_machine", "{ model: iaas }", f"Virtual machines are one of the page's IaaS examples {L26}"),
    ("azurerm_managed_disk", "{ model: iaas }", f"Azure Disk Storage is one of the page's IaaS examples {L26}"),
    ("azurerm_virtual_network", "{ model: iaas }", f"Open: virtual networks are one of the page's IaaS examples; their gateways, peerings and links are read with them {L26}"),
    ("azurerm_subnet", "{ model: iaas }", f"A subnet of a virtual network, one of the page's IaaS examples {L26}"),
    ("azurerm_storage_", "{ model: paas }", f"Azure Storage is one of the page's PaaS examples {L26}"),
    ("azurerm_mssql_database", "{ model: paas }", f"Azure SQL Database is one of the page's PaaS examples {L26}"),
    ("azurerm_mssql_server", "{ model: paas }", f"The logical server of Azure SQL Database, one of the page's PaaS examples {L26}"),
    ("azurerm_mssql_firewall_rule", "{ model: paas }", f"A firewall rule of Azure SQL Database's server, one of the page's PaaS examples {L26}"),
    ("azurerm_app_service", "{ model: paas }", f"App Service is one of the page's PaaS examples {L26}"),
    ("azurerm_linux_web_app", "{ model: paas }", f"App Service is one of the page's PaaS examples {L26}"),
    ("azurerm_windows_web_app", "{ model: paas }", f"App Service is one of the page's PaaS examples {L26}"),
    ("azurerm_linux_function_app", "{ model: paas }", f"Azure Functions is one of the page's PaaS examples {L26}"),
    ("azurerm_windows_function_app", "{ model: paas }", f"Azure Functions is one of the page's PaaS examples {L26}"),
    ("azurerm_function_app", "{ model: paas }", f"Azure Functions is one of the page's PaaS examples {L26}"),
    ("azurerm_role_", "{}", "Open: role assignments and definitions serve every model, and access management is the customer's in all of them; the model is left open [L21]"),
    # ARM
    ("Microsoft.Storage/", "{ model: paas }", f"Azure Storage is one of the page's PaaS examples {L26}"),
    ("Microsoft.Web/", "{ model: paas }", f"Open: Microsoft.Web's sites are App Service and Azure Functions, the page's PaaS examples; its other types (static sites, connections, ...) are read with them {L26}"),
    ("Microsoft.Authorization/", "{}", "Open: role assignments, definitions and policies serve every model, and access management is the customer's in all of them; the model is left open [L21]"),
]
GCP_PLACED = [
    ("google_project_", "{}", "Open: projects, their IAM and their services serve every service; access policies are the customer's in all of them [SF]"),
    ("google_folder_", "{}", "Open: folders and their IAM serve every service; access policies are the customer's in all of them [SF]"),
    ("google_organization_", "{}", "Open: the organization and its IAM serve every service; access policies are the customer's in all of them [SF]"),
    ("google_billing_", "{}", "Open: billing accounts serve every service; the service is left open [SF]"),
    ("cloudbilling.googleapis.com/", "{}", "Open: billing accounts serve every service; the service is left open [SF]"),
]

# How a type's family is named when no placement matches: its first token
# (`aws_glue_job` -> `aws_glue_`), two for the generic `cloud` (google), or
# its namespace (`AWS::Glue::`, `Microsoft.Batch/`).
def family(type_name):
    if type_name.startswith("AWS::"):
        return "::".join(type_name.split("::")[:2]) + "::"
    if "/" in type_name:
        return type_name.split("/")[0] + "/"
    parts = type_name.split("_")
    take = 3 if parts[0] == "google" and parts[1] in ("cloud", "app", "access", "api", "data") and len(parts) > 3 else 2
    return "_".join(parts[:take]) + "_"


def read_catalog(name):
    lines = (CATALOGS / f"{name}.txt").read_text().splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def hand_lines(policy):
    text = (RESOURCES / f"{policy}.onus").read_text()
    return [m.group(1) for m in re.finditer(r'^resource "([^"]+)"', text, re.M)]


def covered(type_name, lines):
    lower = type_name.lower()
    for line in lines:
        line = line.lower()
        if line == lower or (line.endswith("*") and lower.startswith(line[:-1])):
            return True
    return False


def generate(policy, header, catalogs, placed, also_covering=()):
    lines = hand_lines(policy)
    others = [l for p in also_covering for l in hand_lines(p)]
    families = defaultdict(list)
    spelling = {}
    for catalog in catalogs:
        for type_name in read_catalog(catalog):
            if covered(type_name, lines) or covered(type_name, others):
                continue
            prefix = next((p for p, _, _ in sorted(placed, key=lambda x: -len(x[0])) if type_name.startswith(p)), None)
            # Azure compares types without regard to case: one family each.
            prefix = prefix or family(type_name)
            prefix = spelling.setdefault(prefix.lower(), prefix)
            families[prefix].append(type_name)
    out = header + [f'resources for "{policy}"', ""]
    placements = {p: (block, because) for p, block, because in placed}
    for prefix in sorted(families, key=lambda p: (p.lower(), p)):
        members = families[prefix]
        block, because = placements.get(prefix, (None, None))
        if block is None:
            what = prefix.rstrip("_:/")
            block, because = "{}", f"Open: no source places the {what} family; the service is left open"
            if policy == "azure":
                because = because.replace("service is", "model is")
        # A bare type equal to the prefix (`aws_vpc`) is its own line; the
        # pattern covers the rest.
        stem = prefix.rstrip("_")
        bare = sorted({m.lower(): m for m in members if m.lower() == stem.lower()}.values())
        for m in bare:
            out.append(f'resource "{m}" {block} because "{because}"')
        if any(m.lower() != stem.lower() for m in members):
            out.append(f'resource "{prefix}*" {block} because "{because}"')
    # ONUS_FAMILIES_OUT: another folder to write to (the test compares).
    folder = Path(os.environ.get("ONUS_FAMILIES_OUT", RESOURCES))
    path = folder / f"{policy}-families.onus"
    path.write_text("\n".join(out) + "\n")
    print(f"{path}: {len(families)} families")


GENERATED = "# Generated by policies/catalogs/resource-types/families.py from the\n# catalogs beside it: edit the placements there, not this file.".split("\n")

if __name__ == "__main__":
    generate(
        "aws",
        [
            "# The families of AWS resource types that the hand-written `aws` map",
            "# (policies/resources/aws.onus) does not cover, one pattern a family, so",
            "# that every Terraform `aws_*` and CloudFormation type (also AWS",
            "# Config's) is answered. It comes after the hand-written map.",
            "#",
            "# [WP16] AWS, \"AWS Security Best Practices\", August 2016: the services",
            "#   of the three categories (p. 4).",
            "# [ECS] Amazon ECS Developer Guide, \"AWS shared responsibility model for",
            "#   Amazon ECS\".",
            "# [LRM] AWS Lambda Developer Guide, \"Understanding the shared",
            "#   responsibility model for Lambda runtime management\".",
            "#",
        ] + GENERATED,
        ["terraform-aws", "cloudformation"],
        AWS_PLACED,
        also_covering=("kubernetes",),
    )
    generate(
        "azure",
        [
            "# The families of Azure resource types that the hand-written `azure`,",
            "# `azure-ai` and `azure-services` maps do not cover, one pattern a",
            "# family, so that every Terraform `azurerm_*` and ARM type is answered.",
            "# It comes after the hand-written `azure` map.",
            "#",
            "# [L21] Microsoft Learn, \"Shared responsibility in the cloud\", the",
            "#   version of 2021: access management is always the customer's.",
            "# [L26] The same page as of January 2026: its service examples by model",
            "#   (virtual machines, disk storage and virtual networks are IaaS; App",
            "#   Service, Functions, SQL Database and Azure Storage are PaaS).",
            "#",
        ] + GENERATED,
        ["terraform-azurerm", "arm"],
        AZURE_PLACED,
        also_covering=("kubernetes", "azure-ai", "azure-services"),
    )
    generate(
        "gcp",
        [
            "# The families of Google Cloud resource types that the hand-written",
            "# `gcp` and `kubernetes` maps do not cover, one pattern a family, so",
            "# that every Terraform `google_*` type and Cloud Asset Inventory asset",
            "# type is answered. It comes after the hand-written `gcp` map.",
            "#",
            "# [SF] Google Cloud, \"Shared responsibilities and shared fate on Google",
            "#   Cloud\": customers always remain responsible for their access",
            "#   policies.",
            "#",
        ] + GENERATED,
        ["terraform-google", "cloud-asset-inventory"],
        GCP_PLACED,
        also_covering=("kubernetes",),
    )
