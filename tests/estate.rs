//! `onus estate`, end to end: each `tests/fixtures/estate/*.args` is one
//! command line over real inventories (`inventories/`, each file's origin
//! in `inventories/SOURCES.md`) or bad ones (`bad/`). Key facts are
//! asserted plainly too.

mod common;

use common::{onus, relative, run_args_file};
use serde_json::Value;

#[test]
fn estate_fixtures() {
    insta::glob!("fixtures/estate/*.args", |path| {
        let (run, shown) = run_args_file(path);
        if run.code == 2 {
            assert!(
                run.stdout.is_empty() && run.stderr.contains("error["),
                "{}",
                run.stderr
            );
        }
        insta::assert_snapshot!(shown);
    });
}

/// Every bad inventory is refused with a located error, exit 2.
#[test]
fn bad_inventories_are_located() {
    for entry in std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/estate/bad"
    ))
    .unwrap()
    {
        let path = entry.unwrap().path();
        let file = relative(&path);
        let run = onus(&["estate", "aws", &file], b"");
        assert_eq!(run.code, 2, "{file}: {}", run.stderr);
        assert!(
            run.stderr.contains("error[invalid-inventory]"),
            "{file}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&format!("{file}:")),
            "located: {}",
            run.stderr
        );
    }
}

fn estate_json(args: &[&str]) -> Value {
    let run = onus(args, b"");
    assert!(run.code <= 1, "{args:?}: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

/// The records of NDJSON output, one a line.
fn records(stdout: &str) -> Vec<Value> {
    (stdout.lines())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn holder(resource: &Value, zone: &str) -> String {
    let decision = resource["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["zone"] == zone)
        .unwrap();
    decision["party"].as_str().unwrap_or("conflict").to_string()
}

/// Nothing is dropped, duplicated or reordered: the resources come out in
/// the inventory's order, data sources counted apart.
#[test]
fn every_resource_comes_out_once_in_order() {
    let file = "tests/fixtures/estate/inventories/tfplan-aws-checkov-multi.json";
    let plan: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap(),
    )
    .unwrap();
    fn walk(module: &Value, out: &mut Vec<String>, data: &mut usize) {
        for r in module["resources"].as_array().into_iter().flatten() {
            match r["mode"].as_str() {
                Some("data") => *data += 1,
                _ => out.push(r["address"].as_str().unwrap().to_string()),
            }
        }
        for child in module["child_modules"].as_array().into_iter().flatten() {
            walk(child, out, data);
        }
    }
    let (mut expected, mut data) = (Vec::new(), 0);
    walk(
        &plan["planned_values"]["root_module"],
        &mut expected,
        &mut data,
    );
    let document = estate_json(&["estate", "aws", file, "--format", "json"]);
    let addresses: Vec<String> = document["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(addresses, expected);
    assert_eq!(document["summary"]["data_sources"], data);
    let summary = &document["summary"];
    assert_eq!(summary["resources"], expected.len());
    assert_eq!(
        summary["mapped"].as_u64().unwrap() + summary["unmapped"].as_u64().unwrap(),
        expected.len() as u64
    );
    // NDJSON holds the same records, one a line.
    let run = onus(&["estate", "aws", file, "--format", "ndjson"], b"");
    let records: Vec<Value> = records(&run.stdout);
    assert_eq!(records.len(), expected.len());
    assert_eq!(
        &records[..],
        document["resources"].as_array().unwrap().as_slice()
    );
}

#[test]
fn the_os_of_a_vm_is_the_customers_and_of_an_app_the_providers() {
    let file = "tests/fixtures/estate/inventories/tfplan-azure-vm-terracost.json";
    let azure = estate_json(&["estate", "azure", file, "--format", "json"]);
    let vm = azure["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["type"] == "azurerm_linux_virtual_machine" || r["type"] == "azurerm_virtual_machine"
        })
        .expect("the plan has a VM");
    assert_eq!(vm["scenario"]["model"], "iaas");
    assert_eq!(holder(vm, "operating system"), "customer");
    assert_eq!(holder(vm, "physical datacenter"), "provider");
    // The summary lists it among resources whose OS the customer holds.
    let holds = azure["summary"]["customer_holds"].as_array().unwrap();
    let os = holds
        .iter()
        .find(|h| h["zone"] == "operating system")
        .unwrap();
    assert!(os["resources"].as_array().unwrap().contains(&vm["address"]));
}

/// A user's map wins over the built-in one for the same type, and adds
/// types; an unmapped type is listed with the closest known one and, under
/// `--deny unmapped`, fails.
#[test]
fn user_maps_override_and_unmapped_types_are_never_dropped() {
    let file = "tests/fixtures/estate/inventories/tfplan-aws-checkov-multi.json";
    let plain = estate_json(&["estate", "aws", file, "--format", "json"]);
    let unmapped: Vec<&Value> = plain["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["mapped"] == false)
        .collect();
    assert_eq!(
        unmapped.len(),
        plain["summary"]["unmapped"].as_u64().unwrap() as usize
    );
    assert!(!unmapped.is_empty());
    let run = onus(&["estate", "aws", file, "--deny", "unmapped"], b"");
    assert_eq!(run.code, 1, "{}", run.stderr);

    let cfn = "tests/fixtures/estate/inventories/cfn-ec2-s3-lambda-cloudfront.yaml";
    let builtin = estate_json(&["estate", "aws", cfn, "--format", "json"]);
    let mine = estate_json(&[
        "estate",
        "aws",
        cfn,
        "--format",
        "json",
        "--map",
        "tests/fixtures/estate/my-map.onus",
    ]);
    let lb = |document: &Value| {
        document["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == "AWS::ElasticLoadBalancingV2::LoadBalancer")
            .cloned()
    };
    let (before, after) = (lb(&builtin).unwrap(), lb(&mine).unwrap());
    let every_service = serde_json::json!({"service": [
        "infrastructure", "container", "abstracted", "ecs-ec2", "ecs-fargate", "lambda",
        "lambda-function-update", "lambda-manual-runtime", "lambda-container-image"
    ]});
    assert_eq!(before["open"], every_service);
    assert_eq!(after["scenario"]["service"], "infrastructure");
}

/// JSON and YAML of the same template give the same resources in the same
/// order.
#[test]
fn cloudformation_json_and_yaml_agree() {
    let base = "tests/fixtures/estate/inventories/cfn-ec2-s3-lambda-cloudfront";
    let from_json = estate_json(&["estate", "aws", &format!("{base}.json"), "--format", "json"]);
    let from_yaml = estate_json(&["estate", "aws", &format!("{base}.yaml"), "--format", "json"]);
    assert_eq!(from_json["resources"], from_yaml["resources"]);
    assert!(from_json["resources"].as_array().unwrap().len() >= 10);
}

/// An EKS cluster does not say which node model it runs: the map leaves the
/// service open among EKS's three, and the answer says what depends on it,
/// over those three only.
#[test]
fn an_open_dimension_is_answered_partially() {
    let file = "tests/fixtures/estate/inventories/tfplan-aws-eks-terracost.json";
    let document = estate_json(&["estate", "kubernetes", file, "--format", "json"]);
    let cluster = document["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "aws_eks_cluster")
        .expect("the plan has an EKS cluster");
    let eks = ["eks-managed-nodes", "eks-self-managed-nodes", "eks-fargate"];
    assert_eq!(cluster["open"], serde_json::json!({"service": eks}));
    let zones = cluster["partial"].as_array().unwrap();
    let control_plane = zones.iter().find(|z| z["zone"] == "control plane").unwrap();
    assert_eq!(control_plane["definite"], true);
    let nodes = zones
        .iter()
        .find(|z| z["zone"] == "node operating system")
        .unwrap();
    assert_eq!(nodes["definite"], false);
}

/// The built-in resource maps check clean against their policies, are in
/// canonical layout, and every reason cites a source key (`[WP16 p. 4]`)
/// or begins `Open:`, as the policies' cells do.
#[test]
fn the_builtin_resource_maps_check_and_cite() {
    for map in onus::unstable::BUILTIN_RESOURCE_MAPS {
        let file = format!("policies/resources/{}.onus", map.name);
        let run = onus(&["check", &file], b"");
        assert_eq!(run.code, 0, "{file}: {}{}", run.stdout, run.stderr);
        let run = onus(&["fmt", "--check", &file], b"");
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        let policy = onus::load_builtin(map.policy).unwrap();
        let resolved = onus::resource_maps(&policy, &[]).unwrap();
        let this = (resolved.iter())
            .find(|m| m.name == format!("{} resource map", map.name))
            .unwrap();
        assert!(this.entries.len() >= 10, "{file}");
        for entry in &this.entries {
            let because = entry
                .because
                .as_deref()
                .unwrap_or_else(|| panic!("{file}: {} gives no reason", entry.name));
            let open = because.starts_with("Open:");
            let cited = because.ends_with(']') && because.contains(" [");
            assert!(open || cited, "{file}: {}: {because}", entry.name);
            // An entry that gives a value is not open about it unless it
            // says so; one that gives none says why.
            let gives_all = entry.scenario().is_some();
            assert!(
                gives_all || open,
                "{file}: {} leaves a dimension open without saying so",
                entry.name
            );
        }
    }
}

/// An NDJSON inventory streams to the same records the whole-file path
/// writes for the same resources, in order; a bad line is an error record
/// and the stream goes on (exit 2).
#[test]
fn a_streamed_inventory_writes_the_same_records() {
    let file = "tests/fixtures/estate/inventories/azure-resource-list-custodian.json";
    let whole = onus(&["estate", "azure", file, "--format", "ndjson"], b"");
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    let listed: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap(),
    )
    .unwrap();
    let mut lines = String::new();
    for r in listed["value"].as_array().unwrap() {
        let line = serde_json::json!({"type": r["type"], "id": r["id"], "location": r["location"]});
        lines.push_str(&format!("{line}\n"));
    }
    let args = [
        "estate",
        "azure",
        "-",
        "--input-format",
        "ndjson",
        "--format",
        "ndjson",
    ];
    let streamed = onus(&args, lines.as_bytes());
    assert_eq!(streamed.code, 0, "{}", streamed.stderr);
    assert_eq!(streamed.stdout, whole.stdout);
    assert!(
        streamed
            .stderr
            .starts_with("onus: 78 resources, 78 mapped, 0 unmapped"),
        "{}",
        streamed.stderr
    );

    lines.push_str("{\"id\": \"no type\"}\nnot json\n");
    lines.push_str(
        "{\"type\": \"Microsoft.Compute/virtualMachines\", \"id\": \"after the errors\"}\n",
    );
    let streamed = onus(&args, lines.as_bytes());
    assert_eq!(streamed.code, 2, "{}", streamed.stderr);
    let records: Vec<Value> = records(&streamed.stdout);
    assert_eq!(records.len(), 81);
    assert_eq!(
        records[78],
        serde_json::json!({"line": 79, "error": "no `type`, `resourceType` or `asset_type`"})
    );
    assert_eq!(records[79]["line"], 80);
    assert_eq!(records[80]["address"], "after the errors");
}

/// An AWS Config inventory streams as NDJSON, one configuration item a
/// line, to the records of the whole file: items that write `ARN` (as a
/// snapshot delivered to S3 does) keep the ARN as their address.
#[test]
fn a_streamed_aws_config_inventory_writes_the_same_records() {
    let file = "tests/fixtures/estate/inventories/awsconfig-rdk-example-ci.json";
    let whole = onus(&["estate", "aws", file, "--format", "ndjson"], b"");
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    let text = std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let items: Value = serde_json::from_str(&text).unwrap();
    let mut lines = String::new();
    for item in items["configurationItems"].as_array().unwrap() {
        let kept: serde_json::Map<String, Value> = (item.as_object().unwrap().iter())
            .filter(|(key, _)| ["resourceType", "resourceId", "arn", "ARN"].contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        lines.push_str(&format!("{}\n", Value::Object(kept)));
    }
    let args = [
        "estate",
        "aws",
        "-",
        "--input-format",
        "ndjson",
        "--format",
        "ndjson",
    ];
    let streamed = onus(&args, lines.as_bytes());
    assert_eq!(streamed.code, 0, "{}", streamed.stderr);
    assert_eq!(streamed.stdout, whole.stdout);
    assert!(streamed
        .stdout
        .contains("\"address\":\"arn:aws:s3:::mborch-test-bucket-config-item\""));
    assert!(
        streamed.stderr.starts_with("onus: 78 resources, 76 mapped"),
        "{}",
        streamed.stderr
    );
}

/// The HTML page holds every resource, a cell for each of its zones that
/// says who holds it, and fetches nothing.
#[test]
fn the_html_page_shows_every_resource_and_zone() {
    let file = "tests/fixtures/estate/inventories/tfplan-azure-vm-terracost.json";
    let run = onus(&["estate", "azure", file, "--format", "html"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = estate_json(&["estate", "azure", file, "--format", "json"]);
    let resources = document["resources"].as_array().unwrap();
    let mapped = resources.iter().filter(|r| r["mapped"] == true).count();
    let azure = onus::load_builtin("azure").unwrap();
    assert_eq!(
        run.stdout.matches("<td class=\"holder").count(),
        mapped * azure.zones.len()
    );
    for resource in resources {
        let address = resource["address"].as_str().unwrap();
        assert!(
            run.stdout.contains(&format!("<code>{address}</code>")),
            "{address}"
        );
    }
    assert!(
        !run.stdout.contains("http://") && !run.stdout.contains("https://"),
        "fetches nothing"
    );
}

/// A map line may test an attribute: ARM's `kind` tells a function app
/// from a web app, Terraform's `enable_autopilot` an Autopilot cluster from
/// a Standard one; the first line that holds wins, and a type's line
/// without a test catches the rest.
#[test]
fn attributes_choose_the_line() {
    let list = "tests/fixtures/estate/inventories/azure-resource-list-custodian.json";
    let document = estate_json(&["estate", "azure-services", list, "--format", "json"]);
    let sites: Vec<&Value> = document["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "Microsoft.Web/sites")
        .collect();
    assert_eq!(sites.len(), 2);
    // `functionapp,linux`, then `api`.
    assert_eq!(sites[0]["scenario"]["service"], "functions");
    assert_eq!(sites[1]["scenario"]["service"], "app-service");

    let plan = "tests/fixtures/estate/shapes/gke-autopilot-plan.json";
    let document = estate_json(&["estate", "kubernetes", plan, "--format", "json"]);
    let clusters = document["resources"].as_array().unwrap();
    assert_eq!(clusters[0]["scenario"]["service"], "gke-autopilot");
    assert_eq!(clusters[1]["scenario"]["service"], "gke-standard");

    // The same through the stream.
    let mut lines = String::new();
    for (kind, id) in [("functionapp", "f"), ("app,linux", "w"), ("other", "o")] {
        lines.push_str(&format!(
            "{{\"type\": \"Microsoft.Web/sites\", \"id\": \"{id}\", \"kind\": \"{kind}\"}}\n"
        ));
    }
    let args = [
        "estate",
        "azure-services",
        "-",
        "--input-format",
        "ndjson",
        "--format",
        "ndjson",
    ];
    let run = onus(&args, lines.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let records: Vec<Value> = records(&run.stdout);
    assert_eq!(records[0]["scenario"]["service"], "functions");
    assert_eq!(records[1]["scenario"]["service"], "app-service");
    assert_eq!(
        records[2]["open"]["service"],
        serde_json::json!(["app-service", "functions"])
    );
}

/// An inventory past the 16 MiB a whole file may have is refused with a
/// located message, exit 2; the NDJSON stream reads any length.
#[test]
fn an_inventory_too_large_to_read_whole_is_refused_clearly() {
    let scratch = common::Scratch::new("estate-large");
    let mut state = String::from(
        "{\"format_version\": \"1.0\", \"values\": {\"root_module\": {\"resources\": [",
    );
    let resource =
        "{\"address\": \"aws_s3_bucket.b\", \"mode\": \"managed\", \"type\": \"aws_s3_bucket\"},";
    while state.len() < 17 * 1024 * 1024 {
        state.push_str(resource);
    }
    state.push_str("{\"address\": \"aws_s3_bucket.last\", \"mode\": \"managed\", \"type\": \"aws_s3_bucket\"}]}}}");
    let path = scratch.file("state.json", &state);
    let run = onus(&["estate", "aws", &path], b"");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[file-too-large]") && run.stderr.contains("state.json"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}

/// With no policy named, every resource is answered by the first built-in
/// policy whose map knows it, exactly as that policy alone answers it,
/// in the inventories' order; no resource is dropped or answered twice.
#[test]
fn an_estate_with_no_policy_is_answered_resource_by_resource() {
    let inventories = [
        "tests/fixtures/estate/inventories/tfplan-azure-vm-terracost.json",
        "tests/fixtures/estate/inventories/tfplan-gcp-gke-conftest.json",
        "tests/fixtures/estate/inventories/cfn-eks-cluster-nodegroup.yaml",
        "tests/fixtures/estate/inventories/tfplan-aws-modules-terracost.json",
        "tests/fixtures/estate/inventories/tfplan-aws-checkov-multi.json",
    ];
    let mut args = vec!["estate"];
    args.extend(inventories);
    args.extend(["--format", "ndjson"]);
    let run = onus(&args, b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let routed: Vec<Value> = records(&run.stdout);
    // Every resource, once, in order.
    let mut expected_addresses = Vec::new();
    for inventory in inventories {
        let one = onus(&["estate", "aws", inventory, "--format", "ndjson"], b"");
        for record in records(&one.stdout) {
            expected_addresses.push(record["address"].as_str().unwrap().to_string());
        }
    }
    let addresses: Vec<&str> = routed
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, expected_addresses);
    // Each routed record is the policy's own answer, with its name.
    for policy in onus::command::ROUTING_ORDER {
        let mut alone = Vec::new();
        for inventory in inventories {
            let one = onus(&["estate", policy, inventory, "--format", "ndjson"], b"");
            alone.extend(records(&one.stdout));
        }
        for record in routed.iter().filter(|r| r["policy"] == policy) {
            let mut own = record.clone();
            own.as_object_mut().unwrap().remove("policy");
            assert!(alone.contains(&own), "{policy}: {}", record["address"]);
        }
    }
    let policy_of = |address: &str| {
        let record = routed.iter().find(|r| r["address"] == address).unwrap();
        record["policy"].as_str().map(str::to_string)
    };
    assert_eq!(
        policy_of("google_container_cluster.primary").as_deref(),
        Some("kubernetes")
    );
    assert_eq!(policy_of("ControlPlane").as_deref(), Some("kubernetes"));
    assert_eq!(
        policy_of("module.vm.azurerm_virtual_machine.main").as_deref(),
        Some("azure-services")
    );
    assert_eq!(policy_of("VPC").as_deref(), Some("aws"));
    assert_eq!(policy_of("AttachGateway").as_deref(), Some("aws"));
    // Terraform's null provider is no cloud's: no map knows it.
    assert_eq!(policy_of("null_resource.push_image"), None);
}

#[test]
fn prefer_moves_a_type_known_to_several_policies() {
    let plan = "tests/fixtures/estate/inventories/tfplan-azure-vm-terracost.json";
    let preferring = |prefer: &[&str]| {
        let mut args = vec!["estate", plan, "--format", "ndjson"];
        for p in prefer {
            args.extend(["--prefer", p]);
        }
        let run = onus(&args, b"");
        assert_eq!(run.code, 0, "{}", run.stderr);
        let vm = (records(&run.stdout).into_iter())
            .find(|r| r["address"] == "module.vm.azurerm_virtual_machine.main")
            .unwrap();
        vm["policy"].as_str().unwrap().to_string()
    };
    assert_eq!(preferring(&[]), "azure-services");
    assert_eq!(preferring(&["azure"]), "azure");
    assert_eq!(preferring(&["aws", "azure"]), "azure");
}

#[test]
fn a_policy_without_inventories_is_a_usage_error() {
    let run = onus(&["estate", "aws"], b"");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("give the inventories to answer after the policy"),
        "{}",
        run.stderr
    );
    let run = onus(&["estate", "aws", "x.json", "--prefer", "azure"], b"");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("`--prefer`"), "{}", run.stderr);
}

/// EKS Auto Mode and AKS Automatic clusters are told from the others by
/// the attributes their inventories carry (issue 25: they used to be
/// answered as managed nodes or AKS Standard).
#[test]
fn auto_mode_and_automatic_clusters_are_their_own_service() {
    let service_of = |inventory: &str, address: &str| {
        let document = estate_json(&["estate", "kubernetes", inventory, "--format", "json"]);
        let resources = document["resources"].as_array().unwrap();
        let resource = resources.iter().find(|r| r["address"] == address).unwrap();
        match resource["scenario"]["service"].as_str() {
            Some(service) => service.to_string(),
            None => format!("open: {}", resource["open"]["service"]),
        }
    };
    let plan = "tests/fixtures/estate/shapes/eks-auto-mode-plan.json";
    assert_eq!(service_of(plan, "aws_eks_cluster.auto"), "eks-auto-mode");
    assert_eq!(
        service_of(plan, "aws_eks_cluster.classic"),
        r#"open: ["eks-managed-nodes","eks-self-managed-nodes","eks-fargate"]"#
    );
    assert_eq!(
        service_of(plan, "azurerm_kubernetes_automatic_cluster.web"),
        "aks-automatic"
    );
    let template = "tests/fixtures/estate/shapes/eks-auto-mode-cloudformation.yaml";
    assert_eq!(service_of(template, "AutoCluster"), "eks-auto-mode");
    let list = "tests/fixtures/estate/shapes/aks-automatic-list.json";
    let automatic = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/automatic";
    assert_eq!(service_of(list, automatic), "aks-automatic");
    assert_eq!(
        service_of(list, &automatic.replace("automatic", "standard")),
        "aks"
    );
}

/// With no policy named, a user's map comes before every built-in map: a
/// type it names goes to its policy, even one another policy's map knows;
/// a map read from stdin is read once.
#[test]
fn a_user_map_routes_its_types_to_its_policy() {
    let plan = "tests/fixtures/estate/shapes/eks-auto-mode-plan.json";
    let policy_of_eks = |args: &[&str], stdin: &[u8]| {
        let run = onus(args, stdin);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let record = (records(&run.stdout).into_iter())
            .find(|r| r["address"] == "aws_eks_cluster.auto")
            .unwrap();
        (
            record["policy"].clone(),
            record["scenario"]["service"].clone(),
        )
    };
    let routed = policy_of_eks(&["estate", plan, "--format", "ndjson"], b"");
    assert_eq!(
        routed,
        (Value::from("kubernetes"), Value::from("eks-auto-mode"))
    );
    let map = "tests/fixtures/estate/eks-as-container.onus";
    let mine = policy_of_eks(&["estate", plan, "--map", map, "--format", "ndjson"], b"");
    assert_eq!(mine, (Value::from("aws"), Value::from("container")));
    let text = std::fs::read(map).unwrap();
    let piped = policy_of_eks(&["estate", plan, "--map", "-", "--format", "ndjson"], &text);
    assert_eq!(piped, mine);
}

/// A map's attribute path steps into lists by position, in CloudFormation
/// YAML as in JSON and Terraform plans.
#[test]
fn attribute_paths_index_lists() {
    let template = "tests/fixtures/estate/shapes/eks-auto-mode-cloudformation.yaml";
    let map = "tests/fixtures/estate/list-path-map.onus";
    let document = estate_json(&[
        "estate",
        "kubernetes",
        template,
        "--map",
        map,
        "--format",
        "json",
    ]);
    let service = |address: &str| {
        let resources = document["resources"].as_array().unwrap();
        let resource = resources.iter().find(|r| r["address"] == address).unwrap();
        resource["scenario"]["service"].clone()
    };
    assert_eq!(service("AutoCluster"), "eks-fargate");
    assert_eq!(service("ClassicCluster"), Value::Null);
}

/// A folder given as an NDJSON inventory is an input that cannot be read,
/// never an output that cannot be written.
#[test]
fn an_unreadable_stream_is_an_input_error() {
    let args = [
        "estate",
        "aws",
        "tests/fixtures/estate",
        "--input-format",
        "ndjson",
        "--format",
        "ndjson",
    ];
    let run = onus(&args, b"");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("error[unreadable-file]: cannot read `tests/fixtures/estate`"),
        "{}",
        run.stderr
    );
}

/// Cloud Asset Inventory in its three shapes reads every asset once, in
/// order, with its full resource name and type.
#[test]
fn cloud_asset_inventory_is_read_in_every_shape() {
    let dir = "tests/fixtures/estate/inventories";
    // `gcloud asset export`: one asset a line.
    let export = std::fs::read_to_string(format!("{dir}/cai-export-forseti.ndjson")).unwrap();
    let expected: Vec<(String, String)> = (export.lines())
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let asset: Value = serde_json::from_str(l).unwrap();
            let name = asset["name"].as_str().unwrap().to_string();
            (name, asset["asset_type"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(expected.len(), 133);
    for args in [
        vec!["estate", "gcp", "--format", "ndjson"],
        vec![
            "estate",
            "gcp",
            "--input-format",
            "ndjson",
            "--format",
            "ndjson",
        ],
    ] {
        let mut args = args;
        let file = format!("{dir}/cai-export-forseti.ndjson");
        args.push(&file);
        let run = onus(&args, b"");
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        let read: Vec<(String, String)> = (records(&run.stdout).into_iter())
            .map(|record| {
                let address = record["address"].as_str().unwrap().to_string();
                (address, record["type"].as_str().unwrap().to_string())
            })
            .collect();
        assert_eq!(read, expected, "{args:?}");
    }
    // The REST searchAllResources response (camelCase) and an exported
    // JSON array (snake_case).
    let search = estate_json(&[
        "estate",
        "gcp",
        "--format",
        "json",
        &format!("{dir}/cai-search-all-resources-gcpdiag.json"),
    ]);
    assert_eq!(search["inventories"][0]["format"], "cloud-asset-inventory");
    let types: Vec<&str> = (search["resources"].as_array().unwrap().iter())
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "compute.googleapis.com/Subnetwork",
            "compute.googleapis.com/Address",
            "compute.googleapis.com/Autoscaler",
            "compute.googleapis.com/Disk"
        ]
    );
    let subnet = &search["resources"][0];
    assert_eq!(subnet["scenario"]["service"], "networking");
    assert_eq!(holder(subnet, "workloads"), "not-applicable");
    let disk = &search["resources"][3];
    assert_eq!(disk["scenario"]["service"], "compute-engine");
    assert_eq!(holder(disk, "operating system"), "customer");
    let array = estate_json(&[
        "estate",
        "gcp",
        "--format",
        "json",
        &format!("{dir}/cai-assets-policy-library.json"),
    ]);
    let sql = &array["resources"][4];
    assert_eq!(sql["type"], "sqladmin.googleapis.com/Instance");
    assert_eq!(holder(sql, "runtime"), "provider");
    assert_eq!(
        array["resources"][3]["mapped"], false,
        "Bigtable is not modelled"
    );
}

/// A type's own line beats a pattern, a longer prefix a shorter one, and
/// a user's map, patterns included, comes before the built-in one.
#[test]
fn the_most_specific_line_wins() {
    let run = onus(
        &[
            "estate",
            "aws",
            "--map",
            "tests/fixtures/estate/patterns.onus",
            "--input-format",
            "ndjson",
            "--format",
            "ndjson",
            "tests/fixtures/estate/shapes/patterns.ndjson",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let services: Vec<(String, Value)> = (records(&run.stdout).into_iter())
        .map(|record| {
            let service = record["scenario"]
                .get("service")
                .cloned()
                .unwrap_or(Value::Null);
            (record["type"].as_str().unwrap().to_string(), service)
        })
        .collect();
    let expected = [
        ("aws_s3_bucket", "abstracted"), // the user's aws_s3_*, before the built-in exact line
        ("aws_s3_bucket_policy", ""),    // the user's exact line: open
        ("aws_s3_bucket_versioning", "container"), // aws_s3_bucket_* is longer than aws_s3_*
        ("aws_s3_access_point", "abstracted"), // aws_s3_*
        ("aws_lambda_function", "abstracted"),
        ("aws_lambda_permission", "abstracted"),
        ("aws_instance", "infrastructure"), // the built-in map
        ("aws_sagemaker_domain", ""),       // the built-in families map: open
    ];
    for ((found, service), (ty, want)) in services.iter().zip(expected) {
        assert_eq!(found, ty);
        match want {
            "" => assert!(service.is_null(), "{ty}: {service}"),
            want => assert_eq!(service, want, "{ty}"),
        }
    }
    assert_eq!(services.len(), expected.len());
}

/// With no policy named, an Azure AI account goes to `azure-ai`, a virtual
/// machine to `azure-services`; the AI account's model layers in PaaS are
/// the model's provider's.
#[test]
fn azure_ai_resources_go_to_the_ai_model() {
    let run = onus(
        &[
            "estate",
            "--format",
            "ndjson",
            "tests/fixtures/estate/shapes/azure-ai-plan.json",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let records: Vec<Value> = records(&run.stdout);
    let policies: Vec<&str> = records
        .iter()
        .map(|r| r["policy"].as_str().unwrap())
        .collect();
    assert_eq!(
        policies,
        ["azure-ai", "azure-ai", "azure-ai", "azure-services"]
    );
    assert_eq!(holder(&records[0], "model tuning"), "model-provider");
    assert_eq!(holder(&records[0], "ai compute"), "provider");
    assert_eq!(holder(&records[0], "application safety"), "customer");
    assert_eq!(
        records[2]["open"]["deployment"],
        serde_json::json!(["iaas", "paas"])
    );
}

/// Two multi-cloud Terraform plans from public repositories (AWS and
/// Google Cloud, in `inventories/SOURCES.md`) answered in one run: every
/// resource by the policy of its provider, none unmapped.
#[test]
fn public_multi_cloud_plans_are_answered_resource_by_resource() {
    let run = onus(
        &[
            "estate",
            "--format",
            "ndjson",
            "--deny",
            "unmapped",
            "tests/fixtures/estate/inventories/tfplan-aws-gcp-regula.json",
            "tests/fixtures/estate/inventories/tfplan-aws-gcp-cnquery.json",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let records: Vec<Value> = records(&run.stdout);
    assert_eq!(records.len(), 5 + 56);
    for record in &records {
        let ty = record["type"].as_str().unwrap();
        let policy = record["policy"].as_str().unwrap_or("none");
        let expected = if ty.starts_with("google_") {
            "gcp"
        } else {
            "aws"
        };
        assert_eq!(policy, expected, "{ty}");
        assert_eq!(record["mapped"], true, "{ty}");
    }
    let instance = records
        .iter()
        .find(|r| r["type"] == "google_compute_instance")
        .unwrap();
    assert_eq!(instance["scenario"]["service"], "compute-engine");
    assert_eq!(holder(instance, "operating system"), "customer");
}

/// A generated families map answers a type only when no policy's
/// hand-written map knows it, unless its policy is preferred.
#[test]
fn family_maps_are_a_fallback_unless_preferred() {
    let policies = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["estate", "--format", "ndjson"];
        args.extend(extra);
        args.push("tests/fixtures/estate/shapes/eks-auto-mode-cloudformation.yaml");
        let run = onus(&args, b"");
        assert_eq!(run.code, 0, "{}", run.stderr);
        (records(&run.stdout).iter())
            .map(|r| r["policy"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(policies(&[]), ["kubernetes", "kubernetes"]);
    assert_eq!(policies(&["--prefer", "aws"]), ["aws", "aws"]);
}
