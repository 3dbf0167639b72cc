//! CSA's CAIQ SSRM ownership and FedRAMP's customer responsibility matrix
//! as rows of cells; `render` writes them as CSV or XLSX.
//!
//! The CRM columns and `Yes`/`Partial`/`No` follow FedRAMP's SSP Appendix
//! J CIS and CRM Workbook (GSA/fedramp-gov,
//! `assets/resources/templates/SSP-Appendix-J-CSO-CIS-and-CRM-Workbook.xlsx`);
//! the CAIQ v4 column names and SSRM ownership values, CSA's CAIQ v4.0.x
//! spreadsheet.

use crate::compliance::responsibility::{ControlAnswer, Export, Ownership, Side};

impl Export<'_> {
    /// The CAIQ's SSRM columns, one row a CCM control: the first row
    /// says what produced it, the second names the columns.
    pub fn caiq_grid(&self) -> Vec<Vec<String>> {
        let mut rows = vec![
            self.provenance_row(),
            CAIQ_COLUMNS.map(String::from).to_vec(),
        ];
        for answer in &self.answers {
            let control = self.control(answer);
            let provider = match answer.ownership {
                Ownership::NotApplicable => self.not_applicable_text(answer),
                Ownership::Uncovered => self.uncovered_text(),
                _ => self.side_text(answer, Side::Provider),
            };
            rows.push(vec![
                control.id.clone(),
                control.title.clone(),
                caiq_ownership(answer.ownership).to_string(),
                provider,
                self.side_text(answer, Side::Customer),
                self.side_text(answer, Side::ThirdParty),
            ]);
        }
        rows
    }

    /// FedRAMP's CRM columns, one row a control of the baseline, then what
    /// the provider implements and what the customer must do.
    pub fn crm_grid(&self) -> Vec<Vec<String>> {
        let mut rows = vec![
            self.provenance_row(),
            CRM_COLUMNS.map(String::from).to_vec(),
        ];
        for answer in &self.answers {
            let control = self.control(answer);
            let provider = self.side_text(answer, Side::Provider);
            let customer = self.side_text(answer, Side::Customer);
            let (inherited, responsibilities) = match answer.ownership {
                Ownership::Provider | Ownership::ProviderAndThirdParty | Ownership::ThirdParty => {
                    ("Yes", String::new())
                }
                Ownership::Shared => (
                    "Partial",
                    format!(
                        "Inherited from {}: {provider}\nCustomer responsibility: {customer}",
                        self.provider_name()
                    ),
                ),
                Ownership::Customer => (
                    "No",
                    format!("Not inherited: no zone carrying it is the provider's.\nCustomer responsibility: {customer}"),
                ),
                // The CRM's list has no value for these: left blank, said why.
                Ownership::NotApplicable => ("", self.not_applicable_text(answer)),
                Ownership::Uncovered => ("", self.uncovered_text()),
            };
            rows.push(vec![
                fedramp_control_id(&control.id),
                inherited.to_string(),
                responsibilities,
                provider,
                customer,
            ]);
        }
        rows
    }

    fn not_applicable_text(&self, answer: &ControlAnswer) -> String {
        let zones: Vec<String> = (answer.holdings.iter())
            .map(|h| self.describe_holding(h))
            .collect();
        format!("Not applicable in this scenario:\n{}", zones.join("\n"))
    }

    fn uncovered_text(&self) -> String {
        format!(
            "Not covered: no zone of policy `{}` carries this control in mapping `{}`; Onus says nothing of who implements it.",
            self.policy_id(),
            self.mapping.name
        )
    }

    fn side_text(&self, answer: &ControlAnswer, side: Side) -> String {
        self.describe(answer, side).join("\n")
    }

    fn provenance_row(&self) -> Vec<String> {
        vec![self.provenance()]
    }
}

/// The CAIQ v4 columns Onus fills, named as CSA's CAIQ v4.0.x names them
/// where it has them (the control's title is Onus's own short one).
pub const CAIQ_COLUMNS: [&str; 6] = [
    "CCM Control ID",
    "Control Title (Onus)",
    "SSRM Control Ownership",
    "CSP Implementation Description (Optional/Recommended)",
    "CSC Responsibilities (Optional/Recommended)",
    "Third-party Responsibilities (Onus)",
];

/// The three columns of FedRAMP's CRM worksheet, then Onus's own two.
pub const CRM_COLUMNS: [&str; 5] = [
    "Control ID",
    "Can Be Inherited from CSP",
    "Specific Inheritance and Customer Agency/CSP Responsibilities",
    "CSP Implements (Onus)",
    "Customer Must Do (Onus)",
];

/// CSA's SSRM Control Ownership vocabulary.
fn caiq_ownership(ownership: Ownership) -> &'static str {
    match ownership {
        Ownership::Provider => "CSP-owned",
        Ownership::Customer => "CSC-owned",
        Ownership::Shared => "Shared CSP and CSC",
        Ownership::ThirdParty => "3rd-party outsourced",
        Ownership::ProviderAndThirdParty => "Shared CSP and 3rd-party",
        // CSA's STA-04 guidance names a sixth case, N/A.
        Ownership::NotApplicable => "N/A",
        // Onus has no answer: the cell is left for the provider to fill.
        Ownership::Uncovered => "",
    }
}

pub(crate) fn ownership_words(ownership: Ownership) -> &'static str {
    match ownership {
        Ownership::Provider => "implemented by the provider",
        Ownership::Customer => "implemented by the customer",
        Ownership::Shared => "shared by the provider's side and the customer",
        Ownership::ThirdParty => "outsourced by the provider to a third party",
        Ownership::ProviderAndThirdParty => "shared by the provider and a third party",
        Ownership::NotApplicable => "not applicable in this scenario",
        Ownership::Uncovered => "not covered by the mapping: no zone of the policy carries it",
    }
}

/// `ac-2` to `AC-2`, `ac-2.1` to `AC-2(1)`: the CRM's spelling.
pub fn fedramp_control_id(id: &str) -> String {
    let mut parts = id.split('.');
    let mut out = parts.next().unwrap_or("").to_ascii_uppercase();
    for part in parts {
        out.push_str(&format!("({part})"));
    }
    out
}
