//! `onus compare`: a policy's answers, control by control of a mapping in
//! one scenario, against a provider's published responsibility.

use super::*;

/// `onus compare POLICY FILE`: every control the file publishes, against
/// the policy's answer in the scenario `settings` give, through `mapping`
/// (the built-in mapping of the file's framework when `None`: CCM for a
/// CAIQ, NIST SP 800-53 otherwise, through its HIGH baseline, which holds
/// every control of the smaller ones); a disagreement is a finding.
pub fn compare(
    policy: &Policy,
    file: &str,
    mapping: Option<&str>,
    settings: &[String],
    format: Format,
) -> Result<Output, Report> {
    let (name, bytes) = crate::io::read_bytes(file)?;
    let published = crate::compliance::published::read_published(name, &bytes)?;
    let framework = published.framework();
    let default = match framework {
        crate::compliance::mapping::FrameworkKind::CsaCcm => "csa-ccm-v4",
        crate::compliance::mapping::FrameworkKind::Nist80053 => "nist-sp-800-53-rev5",
    };
    let mapping = crate::api::load_mapping(mapping.unwrap_or(default))?;
    if mapping.framework.kind != framework {
        let diagnostic = Diagnostic::new(
            Code::FrameworkMismatch,
            format!(
                "mapping `{}` maps to {}, but `{name}` publishes {} controls",
                mapping.name,
                mapping.framework.title,
                match framework {
                    crate::compliance::mapping::FrameworkKind::CsaCcm => "CSA CCM",
                    crate::compliance::mapping::FrameworkKind::Nist80053 => "NIST SP 800-53",
                }
            ),
        )
        .with_help(Some(format!(
            "give a mapping to the file's framework, such as `--map {default}`"
        )));
        return Err(Report::new(
            Source::new(&mapping.name, ""),
            vec![diagnostic],
        ));
    }
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
