//! `onus estate`: inventories answered resource by resource, whole or
//! streamed.

use super::*;

choice! {
    /// How `estate` prints.
    EstateFormat {
        /// Each resource's holders, then the summary, for people.
        Table => "table",
        /// One JSON document: resources and summary.
        Json => "json",
        /// One JSON record a resource.
        Ndjson => "ndjson",
        /// One row a resource and zone.
        Csv => "csv",
        /// One self-contained page: the summary and every resource's zones.
        Html => "html",
    }
}

choice! {
    /// What kind of file an inventory is.
    InventoryChoice {
        /// Detected from the content.
        Auto => "auto",
        /// `terraform show -json` of a plan.
        TerraformPlan => "terraform-plan",
        /// `terraform show -json` of a state.
        TerraformState => "terraform-state",
        /// `az resource list` or Azure Resource Graph output.
        Azure => "azure",
        /// An AWS Config inventory.
        AwsConfig => "aws-config",
        /// A CloudFormation template, JSON or YAML.
        Cloudformation => "cloudformation",
        /// Google Cloud Asset Inventory: `gcloud asset search-all-resources`
        /// or `list` as JSON, or `gcloud asset export`'s lines.
        CloudAssetInventory => "cloud-asset-inventory",
        /// One resource a line (`type` or `resourceType`, and an address or
        /// id), streamed: with `--format ndjson`, in bounded memory.
        Ndjson => "ndjson",
    }
}

impl InventoryChoice {
    /// The format forced, if any.
    pub fn forced(self) -> Option<crate::estate::InventoryFormat> {
        use crate::estate::InventoryFormat as F;
        match self {
            InventoryChoice::Auto => None,
            InventoryChoice::TerraformPlan => Some(F::TerraformPlan),
            InventoryChoice::TerraformState => Some(F::TerraformState),
            InventoryChoice::Azure => Some(F::Azure),
            InventoryChoice::AwsConfig => Some(F::AwsConfig),
            InventoryChoice::Cloudformation => Some(F::CloudFormation),
            InventoryChoice::CloudAssetInventory => Some(F::CloudAssetInventory),
            InventoryChoice::Ndjson => None,
        }
    }
}

/// Whether an unmapped resource fails `estate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unmapped {
    /// Listed and counted only.
    Allowed,
    /// Also a finding (exit 1): `--deny unmapped`.
    Denied,
}

/// `onus estate --input-format ndjson --format ndjson`: the inventories
/// streamed, one record a line to `output`, in memory bounded by the number
/// of resource types; the counts go to the caller (for stderr). A line
/// that is not a resource is an error record and bad input (exit 2); a
/// conflict, or with [`Unmapped::Denied`] an unmapped resource, a finding.
pub fn estate_stream(
    policy: &Policy,
    maps: &[String],
    inventories: &[String],
    unmapped: Unmapped,
    output: impl std::io::Write,
) -> Result<(crate::estate::StreamSummary, Outcome), Report> {
    let maps = crate::api::resource_maps(policy, maps)?;
    let summary = crate::api::stream_estate_files(policy, &maps, inventories, output)?;
    let denied = unmapped == Unmapped::Denied && summary.mapped < summary.resources;
    let outcome = match (summary.errors, summary.conflicts > 0 || denied) {
        (0, findings) => Outcome::findings_if(findings),
        _ => Outcome::BadInput,
    };
    Ok((summary, outcome))
}

/// `onus estate`: every resource of the inventories through the policy's
/// resource maps (the files given, then the built-in one); a conflict, or
/// with [`Unmapped::Denied`] an unmapped resource, is a finding.
pub fn estate(
    policy: &Policy,
    maps: &[String],
    inventories: &[String],
    forced: InventoryChoice,
    format: EstateFormat,
    unmapped: Unmapped,
) -> Result<Output, Report> {
    if forced == InventoryChoice::Ndjson {
        let diagnostic = Diagnostic::new(
            Code::InvalidSetting,
            "an NDJSON inventory streams to NDJSON records only",
        )
        .with_help(Some("add `--format ndjson`".into()));
        return Err(Report::new(
            Source::new("--input-format", ""),
            vec![diagnostic],
        ));
    }
    let maps = crate::api::resource_maps(policy, maps)?;
    let wanted = crate::estate::wanted_attributes(&maps);
    let inventories = inventories
        .iter()
        .map(|path| crate::api::read_inventory(path, forced.forced(), &wanted))
        .collect::<Result<Vec<_>, _>>()?;
    let answers = crate::estate::evaluate(policy, &maps, &inventories);
    // Only the formats with a summary need the analysis.
    let somewhere = || crate::estate::provider_somewhere(policy);
    let text = match format {
        EstateFormat::Table => safe(render::estate_table(
            policy,
            &inventories,
            &answers,
            &somewhere(),
        )),
        EstateFormat::Json => render::estate_json(policy, &inventories, &answers, &somewhere()),
        EstateFormat::Html => render::estate_html(policy, &inventories, &answers, &somewhere()),
        EstateFormat::Ndjson => render::estate_ndjson(policy, &answers),
        EstateFormat::Csv => render::estate_csv(policy, &answers),
    };
    let conflict = (answers.iter()).any(|a| a.answer.as_ref().is_ok_and(|(_, e)| e.has_conflict()));
    let denied = unmapped == Unmapped::Denied && answers.iter().any(|a| a.answer.is_err());
    Ok(Output::result(text, conflict || denied))
}

/// The built-in policies an estate with no policy named is answered by,
/// in the order a resource type that several of their maps know is given:
/// a Kubernetes cluster to `kubernetes`, an Azure AI resource to
/// `azure-ai`, an Azure service to `azure-services` (service by service)
/// before `azure` (the service models). `--prefer` moves a policy to the
/// front.
pub const ROUTING_ORDER: [&str; 6] = [
    "kubernetes",
    "azure-ai",
    "azure-services",
    "aws",
    "azure",
    "gcp",
];

/// `onus estate INVENTORY...` with no policy named: each resource answered
/// by the first built-in policy (in [`ROUTING_ORDER`], after those
/// `prefer` names) whose resource map knows its type; a user's map (`--map`)
/// comes before the built-in map of the policy it names. Printed policy by
/// policy, then the resources no map knows; a conflict, or with
/// [`Unmapped::Denied`] an unmapped resource, is a finding.
pub fn estate_routed(
    maps: &[String],
    inventories: &[String],
    forced: InventoryChoice,
    format: EstateFormat,
    unmapped: Unmapped,
    prefer: &[String],
) -> Result<Output, Report> {
    if forced == InventoryChoice::Ndjson {
        let diagnostic = Diagnostic::new(
            Code::InvalidSetting,
            "an NDJSON inventory streams through one policy",
        )
        .with_help(Some(
            "name the policy first: `onus estate aws --input-format ndjson ...`".into(),
        ));
        return Err(Report::new(
            Source::new("--input-format", ""),
            vec![diagnostic],
        ));
    }
    let order = routing_order(prefer)?;
    let policies = (order.iter())
        .map(|name| crate::api::load_builtin(name))
        .collect::<Result<Vec<_>, _>>()?;
    // Each user map, read once, joins the policy its `resources for` names.
    let mut own: Vec<Vec<crate::estate::ResourceMap>> = vec![Vec::new(); order.len()];
    for map in maps {
        let source = crate::io::read_source(map)?;
        let target = crate::api::resource_map_target(&source)?;
        let Some(at) = order.iter().position(|name| *name == target) else {
            let diagnostic = Diagnostic::new(
                Code::ResourceMapMismatch,
                format!("`{map}` is for `{target}`, which no estate is routed to"),
            )
            .with_help(Some(format!(
                "name its policy first: `onus estate {target} ...`; with no policy named, maps are for {}",
                ROUTING_ORDER.join(", ")
            )));
            return Err(Report::new(Source::new(map, ""), vec![diagnostic]));
        };
        let policy = &policies[at];
        own[at].push(crate::api::load_resource_map_text(
            &source.name,
            &source.text,
            policy,
        )?);
    }
    let mut maps = Vec::new();
    for (policy, own) in policies.iter().zip(&own) {
        let mut all = own.clone();
        all.extend(crate::api::resource_maps(policy, &[])?);
        maps.push(all);
    }
    let mut wanted: Vec<String> = Vec::new();
    for path in maps
        .iter()
        .flat_map(|m| crate::estate::wanted_attributes(m))
    {
        if !wanted.contains(&path) {
            wanted.push(path);
        }
    }
    let inventories = inventories
        .iter()
        .map(|path| crate::api::read_inventory(path, forced.forced(), &wanted))
        .collect::<Result<Vec<_>, _>>()?;
    // A user's maps come first, before any policy's built-in map, so a type
    // they name goes to their policy; then each policy's maps in order.
    // The policies `--prefer` names come first in `order`.
    let preferred = |p: usize| prefer.iter().any(|name| name == order[p]);
    let (mut candidates, mut owner): (Vec<(&[crate::estate::ResourceMap], bool)>, Vec<usize>) =
        (Vec::new(), Vec::new());
    for (p, own) in own.iter().enumerate().filter(|(_, own)| !own.is_empty()) {
        candidates.push((own, true));
        owner.push(p);
    }
    for (p, maps) in maps.iter().enumerate() {
        candidates.push((maps, preferred(p)));
        owner.push(p);
    }
    let routes: Vec<Option<usize>> = crate::estate::route(&candidates, &inventories)
        .into_iter()
        .map(|candidate| candidate.map(|c| owner[c]))
        .collect();
    // Each policy's resources, in their inventories, in written order.
    let mut parts: Vec<Vec<crate::estate::Inventory>> = (0..policies.len())
        .map(|_| {
            (inventories.iter())
                .map(|i| crate::estate::Inventory {
                    name: i.name.clone(),
                    format: i.format,
                    resources: Vec::new(),
                    data_sources: 0,
                })
                .collect()
        })
        .collect();
    let mut known_to_none = Vec::new();
    let resources = (inventories.iter().enumerate())
        .flat_map(|(i, inventory)| inventory.resources.iter().map(move |r| (i, r)));
    for ((inventory, resource), route) in resources.zip(&routes) {
        match route {
            Some(p) => parts[*p][inventory].resources.push(resource.clone()),
            None => known_to_none.push(resource.clone()),
        }
    }
    let answers: Vec<Vec<crate::estate::ResourceAnswer>> = (policies.iter().enumerate())
        .map(|(p, policy)| crate::estate::evaluate(policy, &maps[p], &parts[p]))
        .collect();
    let known_to_none = crate::estate::unmapped(&maps, known_to_none);
    let answering: Vec<usize> = (0..policies.len())
        .filter(|&p| !answers[p].is_empty())
        .collect();
    // Only the formats with a summary need the analysis.
    let somewhere: Vec<Vec<bool>> = match format {
        EstateFormat::Table | EstateFormat::Json | EstateFormat::Html => (policies.iter())
            .enumerate()
            .map(|(p, policy)| match answering.contains(&p) {
                true => crate::estate::provider_somewhere(policy),
                false => Vec::new(),
            })
            .collect(),
        EstateFormat::Ndjson | EstateFormat::Csv => vec![Vec::new(); policies.len()],
    };
    for inventories in &mut parts {
        inventories.retain(|i| !i.resources.is_empty());
    }
    let estate_parts: Vec<render::EstatePart> = (answering.iter())
        .map(|&p| render::EstatePart {
            policy: &policies[p],
            inventories: &parts[p],
            answers: &answers[p],
            provider_somewhere: &somewhere[p],
        })
        .collect();
    let estates = render::Estates {
        inventories: &inventories,
        parts: estate_parts,
        unmapped: &known_to_none,
    };
    let text = match format {
        EstateFormat::Table => safe(render::estates_table(&estates)),
        EstateFormat::Json => render::estates_json(&estates),
        EstateFormat::Html => render::estates_html(&estates),
        EstateFormat::Csv => render::estates_csv(&estates),
        EstateFormat::Ndjson => {
            // Back in the inventories' order, each with its policy.
            let mut next = vec![0; policies.len()];
            let mut unknown = known_to_none.iter();
            let records: Vec<_> = (routes.iter())
                .map(|route| match route {
                    Some(p) => {
                        next[*p] += 1;
                        (Some(&policies[*p]), &answers[*p][next[*p] - 1])
                    }
                    None => (None, unknown.next().expect("one answer a resource")),
                })
                .collect();
            render::estates_ndjson(&records)
        }
    };
    let conflict =
        (answers.iter().flatten()).any(|a| a.answer.as_ref().is_ok_and(|(_, e)| e.has_conflict()));
    let denied = unmapped == Unmapped::Denied && !known_to_none.is_empty();
    Ok(Output::result(text, conflict || denied))
}

/// [`ROUTING_ORDER`] with the policies `prefer` names first, in the order
/// given.
fn routing_order(prefer: &[String]) -> Result<Vec<&'static str>, Report> {
    let mut order: Vec<&'static str> = Vec::new();
    for name in prefer {
        let Some(known) = ROUTING_ORDER.iter().find(|p| **p == name.as_str()) else {
            let diagnostic = Diagnostic::new(
                Code::InvalidSetting,
                format!("`{name}` is not a policy an estate is routed to"),
            )
            .with_help(Some(
                crate::base::names::did_you_mean(name, ROUTING_ORDER)
                    .unwrap_or_else(|| format!("the policies are {}", ROUTING_ORDER.join(", "))),
            ));
            return Err(Report::new(
                Source::new("--prefer", name.as_str()),
                vec![diagnostic],
            ));
        };
        if !order.contains(known) {
            order.push(known);
        }
    }
    let rest: Vec<&'static str> = ROUTING_ORDER
        .into_iter()
        .filter(|p| !order.contains(p))
        .collect();
    order.extend(rest);
    Ok(order)
}

/// `onus estate`'s first argument: the policy when it is a built-in
/// policy's name, a `.onus` file, or a bare name no file has (a misspelt
/// policy, which loading then reports with a did-you-mean); else the first
/// inventory of an estate answered policy by policy ([`estate_routed`]).
pub fn estate_arguments(first: String, rest: Vec<String>) -> (Option<String>, Vec<String>) {
    let is_policy = first.ends_with(".onus")
        || crate::base::assets::builtin(&first).is_some()
        || crate::io::names_no_file(&first);
    match is_policy {
        true => (Some(first), rest),
        false => (None, std::iter::once(first).chain(rest).collect()),
    }
}
