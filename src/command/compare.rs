//! `onus compare`: a policy's answers, control by control of a mapping in
//! one scenario, against a provider's published responsibility.

use super::*;

/// `onus compare POLICY FILE`: every control the file publishes, against
/// the policy's answer in the scenario `settings` give, through `mapping`
/// (the NIST SP 800-53 built-in mapping when `None`) and the HIGH baseline
/// (which holds every control of the smaller ones); a disagreement is a
/// finding.
pub fn compare(
    policy: &Policy,
    file: &str,
    mapping: Option<&str>,
    settings: &[String],
    format: Format,
) -> Result<Output, Report> {
    let (name, bytes) = crate::io::read_bytes(file)?;
    let published = crate::compliance::published::read_published(name, &bytes)?;
    let mapping = crate::api::load_mapping(mapping.unwrap_or("nist-sp-800-53-rev5"))?;
    let scenario = policy.scenario_from_settings("--set", settings)?;
    let baseline = mapping.framework.baseline(None);
    let export =
        crate::compliance::responsibility::Export::new(policy, &mapping, &scenario, baseline)?;
    let compared = crate::compliance::published::compare(&export, &published);
    let text = match format {
        Format::Table => safe(render::compare::text(
            policy, &scenario, &published, &compared,
        )),
        Format::Json => {
            render::compare::json(policy, &mapping.name, &scenario, &published, &compared)
        }
    };
    Ok(Output::result(
        text,
        compared.iter().any(|c| c.onus.is_some() && !c.agrees()),
    ))
}
