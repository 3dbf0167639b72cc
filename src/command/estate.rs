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
