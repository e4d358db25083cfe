//! A borrower's employer against the employer lists, for the `matching_institutions` of the
//! PSLF and Teacher Loan Forgiveness options.
//!
//! - `employer_ein`, when set, is looked up directly (one GetItem): the IRS list is keyed by EIN.
//! - `employer` (the name) matches a record whose normalised name is the same, in
//!   `employer_state` when it is set (one Query per type); when nothing is found there, in
//!   every state (a federal agency's office is often in another state than its listing).
//!
//! No match is not a finding of ineligibility; the response says so.

use schemars::JsonSchema;
use serde::Serialize;

use super::pages::Partition;
use super::{names, Employer, EmployerType, EmployerView, NOT_FOUND_CAVEAT};
use crate::error::ApiError;
use crate::rules::ForgivenessType;
use crate::store::{keys, Store};

/// Records kept per type for one borrower's match.
const PER_TYPE: usize = 10;

/// What was searched for and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmployerMatch {
    pub employer: Option<String>,
    pub ein: Option<String>,
    pub state: Option<String>,
    pub institutions: Vec<Employer>,
    /// Found only outside `state` (federal agencies only).
    pub outside_state: bool,
    /// `employer_ein` was given and is not in the IRS list.
    pub ein_not_found: bool,
    /// The name matches an organisation other than the EIN's.
    pub name_differs_from_ein: Option<String>,
}

pub async fn match_employer(
    store: &Store,
    employer: Option<&str>,
    ein: Option<&str>,
    state: Option<&str>,
) -> Result<EmployerMatch, ApiError> {
    let mut m = EmployerMatch {
        employer: employer.map(str::to_string),
        ein: ein.map(str::to_string),
        state: state.map(str::to_string),
        ..EmployerMatch::default()
    };
    // The EIN names one organisation, as the PSLF form does: when it is found, it is the
    // match, and the name only checks it.
    let normalised = employer.map(names::normalise_name).unwrap_or_default();
    if let Some(ein) = ein {
        match store.employer(EmployerType::NonProfit, ein).await? {
            Some(e) => {
                if !normalised.is_empty() && normalised != e.normalised {
                    m.name_differs_from_ein = Some(e.name.clone());
                }
                m.institutions.push(e);
                return Ok(m);
            }
            None => m.ein_not_found = true,
        }
    }
    if !normalised.is_empty() {
        let mut found = by_name(store, &normalised, state).await?;
        if found.is_empty() && state.is_some() {
            // Only a federal agency is the same employer in another state (its office is
            // often elsewhere than its listing); a city or a non-profit of the same name in
            // another state is another employer.
            found = by_name(store, &normalised, None)
                .await?
                .into_iter()
                .filter(|e| e.level.as_deref() == Some("federal"))
                .collect();
            m.outside_state = !found.is_empty();
        }
        for e in found {
            if !m
                .institutions
                .iter()
                .any(|x| x.kind == e.kind && x.source_id == e.source_id)
            {
                m.institutions.push(e);
            }
        }
    }
    // Qualifying records first, then by type and name.
    m.institutions.sort_by(|a, b| {
        (!a.pslf_eligible, a.kind, &a.normalised).cmp(&(!b.pslf_eligible, b.kind, &b.normalised))
    });
    Ok(m)
}

/// The records of each type whose normalised name is `normalised`, at most [`PER_TYPE`] of
/// each: one Query per type, `begins_with(<name> #<type>#)`, concurrently.
async fn by_name(
    store: &Store,
    normalised: &str,
    state: Option<&str>,
) -> Result<Vec<Employer>, ApiError> {
    let Some(part) = Partition::of_query(state, normalised) else {
        return Ok(Vec::new());
    };
    let part = &part;
    let found = crate::concurrency::join_all(EmployerType::ALL.iter().map(|&t| async move {
        let exact = keys::employer_name_sort(normalised, t.code(), "");
        store.employer_range(part, &exact, PER_TYPE, None).await
    }))
    .await;
    let mut out = Vec::new();
    for r in found {
        out.extend(r?.0);
    }
    Ok(out)
}

/// A forgiveness option's `employer_match`: how the borrower's employer matched the lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "EmployerMatch")]
pub struct MatchSummary {
    #[schemars(with = "MatchStatusName")]
    pub status: &'static str,
    /// The status in a sentence, with what to do next.
    pub detail: String,
}

crate::api::openapi::derived::named_string_enum!(
    /// `employer_match.status` as one named component.
    MatchStatusName,
    "EmployerMatchStatus",
    MATCH_STATUSES.to_vec(),
    "How the borrower's employer matched the PSLF employer lists."
);

/// Every `employer_match.status` (the OpenAPI document lists them from here).
pub const MATCH_STATUSES: [&str; 7] = [
    "matched",
    "ambiguous",
    "matched_not_eligible",
    "not_low_income_school",
    "not_found",
    "no_employer",
    "unavailable",
];

impl EmployerMatch {
    /// The institutions that bear on one forgiveness option: every match for PSLF, the
    /// low-income schools for Teacher Loan Forgiveness.
    fn relevant(&self, t: ForgivenessType) -> Vec<&Employer> {
        self.institutions
            .iter()
            .filter(|e| t == ForgivenessType::Pslf || e.kind == EmployerType::LowIncomeSchool)
            .collect()
    }

    /// `matching_institutions` for an option.
    pub fn institutions_for(&self, t: ForgivenessType) -> Vec<EmployerView<'_>> {
        self.relevant(t).into_iter().map(Employer::view).collect()
    }

    /// `employer_match` for an option: a status and a sentence that explains it.
    ///
    /// | status | when |
    /// |---|---|
    /// | `matched` | a qualifying record matches (PSLF: any type; TCLI: a low-income school) |
    /// | `matched_not_eligible` | records match, none qualifies (a 501(c)(6), say) |
    /// | `not_low_income_school` | TCLI: the employer matches, but not as a low-income school |
    /// | `not_found` | nothing matches |
    /// | `no_employer` | the borrower has no `employer` or `employer_ein` |
    pub fn summary_for(&self, t: ForgivenessType) -> MatchSummary {
        let who = self
            .employer
            .clone()
            .or_else(|| self.ein.as_ref().map(|e| format!("EIN {e}")));
        let Some(who) = who else {
            return MatchSummary {
                status: "no_employer",
                detail: "Set the borrower's employer (and employer_ein, employer_state) to match it against the PSLF employer lists.".into(),
            };
        };
        let relevant = self.relevant(t);
        let outside = match (&self.state, self.outside_state) {
            (Some(st), true) => format!(" (a federal agency, listed outside {st})"),
            _ => String::new(),
        };
        let mut notes = String::new();
        if let Some(other) = &self.name_differs_from_ein {
            notes.push_str(&format!(
                " The employer's EIN belongs to {other}, not to an organisation named {}: check both.",
                self.employer.as_deref().unwrap_or_default()
            ));
        }
        if self.ein_not_found {
            notes.push_str(&format!(
                " EIN {} is not in the IRS list of exempt organizations (only non-profits are \
                 looked up by EIN; a government employer is matched by its name).",
                self.ein.as_deref().unwrap_or_default()
            ));
        }
        // One school can be in both school lists under the same NCES id: count organisations.
        let mut ids: Vec<&str> = relevant.iter().map(|e| e.source_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() > 1 {
            notes.push_str(&format!(
                " {} listed organisations have this name; set employer_state or employer_ein \
                 to tell them apart.",
                ids.len()
            ));
        }
        let mixed =
            relevant.iter().any(|e| e.pslf_eligible) && relevant.iter().any(|e| !e.pslf_eligible);
        // For PSLF the employer's own kind says best why it qualifies: a public school or a
        // 501(c)(3) before its low-income school listing.
        let qualifying = relevant
            .iter()
            .filter(|e| e.pslf_eligible)
            .min_by_key(|e| e.kind == EmployerType::LowIncomeSchool);
        let (status, detail) = match (t, qualifying) {
            (ForgivenessType::Pslf, Some(_)) if mixed => (
                "ambiguous",
                format!(
                    "{who} matches several listed organisations, and not all of them qualify: {}.",
                    relevant
                        .iter()
                        .map(|e| format!("{} ({})", e.name, e.state.as_deref().unwrap_or("no state")))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            (ForgivenessType::Pslf, Some(e)) => (
                "matched",
                format!(
                    "{who} matches {}{outside}: {}. It appears to be a qualifying PSLF employer; \
                     full-time employment there still has to be certified.",
                    e.name, e.reason
                ),
            ),
            (ForgivenessType::Tcli, Some(e)) => (
                "matched",
                format!(
                    "{who} matches {}{outside}, a low-income school{}. Teacher Loan Forgiveness \
                     needs five complete and consecutive years of full-time teaching at \
                     low-income schools or educational service agencies.",
                    e.name,
                    // The years only when the school is known for sure.
                    e.school_years
                        .as_ref()
                        .filter(|_| ids.len() == 1)
                        .map(|y| format!(" listed for {}", y.replace(';', ", ")))
                        .unwrap_or_default()
                ),
            ),
            (_, None) if !relevant.is_empty() => (
                "matched_not_eligible",
                format!(
                    "{who} matches {}{outside}, which is listed as: {}. It does not qualify as \
                     listed; the Department of Education decides on each Employment \
                     Certification, so a borrower who believes it qualifies can still submit \
                     the PSLF form.",
                    relevant[0].name, relevant[0].reason
                ),
            ),
            (ForgivenessType::Tcli, None) if !self.institutions.is_empty() => (
                "not_low_income_school",
                format!(
                    "{who} matches {} ({}), which is not in the low-income school list. Check \
                     the Teacher Cancellation Low Income directory (studentaid.gov/app/tcli.action).",
                    self.institutions[0].name,
                    self.institutions[0].kind.label()
                ),
            ),
            _ => {
                let scope = match &self.state {
                    // Only a federal agency is looked for outside the borrower's state: a
                    // city or a non-profit of the same name elsewhere is another employer.
                    Some(st) => format!(
                        " in {st} (nor a federal agency of that name in another state; \
                         employer_state limits the match to {st})"
                    ),
                    None => String::new(),
                };
                (
                    "not_found",
                    format!("No employer matching {who} was found{scope}. {NOT_FOUND_CAVEAT}"),
                )
            }
        };
        debug_assert!(MATCH_STATUSES.contains(&status), "{status}");
        MatchSummary {
            status,
            detail: format!("{detail}{notes}"),
        }
    }

    /// `employer_match` when the employer lists could not be read: the options are still
    /// answered.
    pub fn unavailable() -> MatchSummary {
        MatchSummary {
            status: "unavailable",
            detail: "The employer lists could not be read just now; the forgiveness options are complete without them. Please retry for matching_institutions.".into(),
        }
    }
}
