//! PSLF employer search: the public employer lists (IRS, NCES, the low-income school
//! directory, government agencies), loaded by `scripts/admin load-employers`, searched by name
//! prefix (`GET /api/v1/pslf/employers`) and matched against a borrower's employer in
//! Forgiveness Options. See docs/employers.md.
//!
//! - `names`: the normalised name both the index and the query use;
//! - `sources`: streaming readers of the four file layouts;
//! - `load`: the idempotent, batched loader;
//! - `pages`: the result pages of dense prefixes, built after a load (at most two DynamoDB
//!   requests per search);
//! - `search`: the query parameters and the grouped search;
//! - `matching`: a borrower's employer against the same data.
//!
//! Employer data is shared reference data: it belongs to no client, and no API route writes it.

pub mod load;
pub mod matching;
pub mod names;
pub mod pages;
pub mod search;
pub mod sources;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The four result types of the search, as Payitoff documents them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EmployerType {
    LowIncomeSchool,
    PublicSchool,
    NonProfit,
    GovernmentAgency,
}

impl EmployerType {
    pub const ALL: [EmployerType; 4] = [
        EmployerType::LowIncomeSchool,
        EmployerType::PublicSchool,
        EmployerType::NonProfit,
        EmployerType::GovernmentAgency,
    ];

    /// Its position in [`EmployerType::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The short code used in keys.
    pub fn code(self) -> &'static str {
        match self {
            EmployerType::LowIncomeSchool => "LIS",
            EmployerType::PublicSchool => "PS",
            EmployerType::NonProfit => "NP",
            EmployerType::GovernmentAgency => "GOV",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The response group: `low_income_schools`, `public_schools`, `non_profits`,
    /// `government_agencies`.
    pub fn group(self) -> &'static str {
        match self {
            EmployerType::LowIncomeSchool => "low_income_schools",
            EmployerType::PublicSchool => "public_schools",
            EmployerType::NonProfit => "non_profits",
            EmployerType::GovernmentAgency => "government_agencies",
        }
    }

    pub fn from_group(group: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.group() == group)
    }

    /// The `type` of one result: the group's singular.
    pub fn item_type(self) -> &'static str {
        match self {
            EmployerType::LowIncomeSchool => "low_income_school",
            EmployerType::PublicSchool => "public_school",
            EmployerType::NonProfit => "non_profit",
            EmployerType::GovernmentAgency => "government_agency",
        }
    }

    /// The type in words: "low-income school", "public school", "non-profit", "government
    /// agency".
    pub fn label(self) -> &'static str {
        match self {
            EmployerType::LowIncomeSchool => "low-income school",
            EmployerType::PublicSchool => "public school",
            EmployerType::NonProfit => "non-profit",
            EmployerType::GovernmentAgency => "government agency",
        }
    }

    pub fn is_school(self) -> bool {
        matches!(
            self,
            EmployerType::LowIncomeSchool | EmployerType::PublicSchool
        )
    }
}

/// One employer record, as loaded from a public list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employer {
    pub kind: EmployerType,
    /// The record's id in its list: the EIN (IRS), `NCESSCH` (NCES), or the list's own id.
    pub source_id: String,
    pub name: String,
    /// `names::normalise_name(name)`: the search key.
    pub normalised: String,
    pub ein: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub pslf_eligible: bool,
    /// Why it qualifies or not: "501(c)(3) organization", "Government agency (federal)", ...
    pub reason: String,
    /// IRS subsection code (non-profits): "03" is 501(c)(3).
    pub subsection: Option<String>,
    /// Government level (federal, state, local, tribal, territorial).
    pub level: Option<String>,
    /// The school years a low-income school is listed for ("2023-24;2024-25").
    pub school_years: Option<String>,
    /// The file this version of the record came from (its base name).
    pub source: String,
    /// The day this version of the record was loaded.
    pub loaded_on: NaiveDate,
}

impl Employer {
    /// A fingerprint of what the record says (not where or when it was loaded), so that a
    /// reload of the same data changes nothing.
    pub fn content_hash(&self) -> String {
        let mut h = Sha256::new();
        // The index layout: a new one rewrites every record on the next load.
        h.update(INDEX_LAYOUT.as_bytes());
        for part in [
            self.kind.code(),
            &self.source_id,
            &self.name,
            // The index keys come from it: a change in the name rules rewrites every record.
            &self.normalised,
            self.ein.as_deref().unwrap_or(""),
            self.city.as_deref().unwrap_or(""),
            self.state.as_deref().unwrap_or(""),
            if self.pslf_eligible { "1" } else { "0" },
            &self.reason,
            self.subsection.as_deref().unwrap_or(""),
            self.level.as_deref().unwrap_or(""),
            self.school_years.as_deref().unwrap_or(""),
        ] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        h.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The response object of one search result or matching institution.
    pub fn view(&self) -> EmployerView<'_> {
        EmployerView {
            kind: self.kind.item_type(),
            name: &self.name,
            ein: self.ein.as_deref(),
            city: self.city.as_deref(),
            state: self.state.as_deref(),
            state_code: self.state.as_deref(),
            is_school: self.kind.is_school(),
            pslf_eligible: self.pslf_eligible,
            reason: &self.reason,
            source: EmployerSource {
                file: &self.source,
                loaded_on: self.loaded_on,
            },
            irs_subsection: self.subsection.as_deref(),
            government_level: self.level.as_deref(),
            school_years: self.school_years.as_deref(),
        }
    }
}

/// One employer record, as a search result or a forgiveness option's matching institution.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "Institution")]
pub struct EmployerView<'a> {
    /// Which list the record comes from.
    #[serde(rename = "type")]
    #[schemars(with = "InstitutionTypeName")]
    pub kind: &'static str,
    pub name: &'a str,
    pub ein: Option<&'a str>,
    pub city: Option<&'a str>,
    /// The state's two-letter code (also in `state_code`).
    pub state: Option<&'a str>,
    pub state_code: Option<&'a str>,
    pub is_school: bool,
    /// Whether the record is a PSLF-qualifying employer (a low-income school, for Teacher
    /// Loan Forgiveness).
    pub pslf_eligible: bool,
    /// Why it qualifies or not, e.g. "501(c)(3) organization".
    pub reason: &'a str,
    pub source: EmployerSource<'a>,
    /// IRS subsection code (non-profits only): "03" is 501(c)(3).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub irs_subsection: Option<&'a str>,
    /// federal, state, local, tribal or territorial (government agencies only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub government_level: Option<&'a str>,
    /// The school years a low-income school is listed for ("2023-24;2024-25").
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub school_years: Option<&'a str>,
}

/// The list file a record was loaded from, and when.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "InstitutionSource")]
pub struct EmployerSource<'a> {
    pub file: &'a str,
    pub loaded_on: NaiveDate,
}

crate::api::openapi::derived::named_string_enum!(
    /// An institution's `type` as one named component.
    InstitutionTypeName,
    "InstitutionType",
    EmployerType::ALL.map(EmployerType::item_type).to_vec(),
    "Which list an institution record comes from."
);

/// The version of the name-index layout (`store::keys::employer_name_sort`, every type in
/// one range). It is part of every record's content hash, so a load after a layout change
/// rewrites every record, and the result pages follow.
pub const INDEX_LAYOUT: &str = "names-v2";

/// What studentaid.gov itself says about a search that finds nothing.
pub const NOT_FOUND_CAVEAT: &str = "Not finding an employer here does not mean it does not \
     qualify: the lists are incomplete, and the Department of Education decides on each \
     Employment Certification. Check the PSLF Help Tool (studentaid.gov/pslf) or submit the \
     PSLF form with the employer's EIN.";
