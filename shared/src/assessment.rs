//! Repayment Options and Forgiveness Options for a stored borrower: reads the borrower's
//! collection (and the spouse's, for joint filers), maps it onto the engine's input, and runs
//! the pure engine in `crate::rules` under the law in force on `as_of`.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};

use crate::context::AppContext;
use crate::error::ApiError;
use crate::loans::Loan;
use crate::model::{payload::BorrowerRef, Borrower, FilingStatus, Tenant};
use crate::reference::StatusGroup;
use crate::rules::{
    self, AssessmentInput, Assumption, Household, LoanInput, LoanStatusClass, RulesError,
};
use crate::store::loans::BorrowerCollection;

/// A stored loan as the engine sees it. The id is the loan's uuid (PortfolioLoan.id).
pub fn loan_input(l: &Loan) -> LoanInput {
    let d = &l.data;
    LoanInput {
        id: l.uuid.to_string(),
        program: l.family(),
        status: match l.status_group() {
            StatusGroup::Active => LoanStatusClass::Active,
            StatusGroup::InDefault => LoanStatusClass::InDefault,
            StatusGroup::Closed => LoanStatusClass::Closed,
        },
        interest_rate: d.interest_rate.unwrap_or_default(),
        outstanding_principal: d.outstanding_principal.unwrap_or_default(),
        outstanding_interest: d.outstanding_interest.unwrap_or_default(),
        original_principal: d.original_principal,
        origination_date: d.origination_date,
        disbursement_dates: d.disbursement_dates.clone(),
        repayment_plan: d.repayment_plan_type.clone(),
        monthly_payment: d.monthly_payment,
        repayment_begin_date: d.repayment_begin_date,
        pslf_qualifying_payments: d.pslf_cumulative_periods,
        idr_qualifying_payments: None,
    }
}

/// The engine's error as a 422 naming the field. A loan is named by its id (the PortfolioLoan
/// uuid), not by its position in the engine's input, so the caller can find and fix it.
pub(crate) fn rules_error(input: &AssessmentInput, e: RulesError) -> ApiError {
    let reason = match &e {
        RulesError::Missing { reason, .. } | RulesError::Invalid { reason, .. } => reason.clone(),
    };
    let field = e.field().trim_start_matches("household.");
    let named = [
        ("loans[", &input.loans),
        ("spouse_loans[", &input.spouse_loans),
    ]
    .into_iter()
    .find_map(|(prefix, list)| {
        let rest = field.strip_prefix(prefix)?;
        let (index, tail) = rest.split_once(']')?;
        let loan = list.get(index.parse::<usize>().ok()?)?;
        let owner = if prefix == "loans[" {
            "loan"
        } else {
            "spouse's loan"
        };
        Some(format!("{owner} {}{tail}", loan.id))
    });
    ApiError::field(named.unwrap_or_else(|| field.to_string()), reason)
}

/// Parses `as_of`; `None` when absent: the borrower's own today (moved by the sandbox clock)
/// is used, once the borrower is read.
pub fn as_of(raw: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    match raw {
        None => Ok(None),
        Some(s) => {
            let d = crate::loans::payload::parse_date(s)
                .ok_or_else(|| ApiError::field("as_of", "must be a date written YYYY-MM-DD"))?;
            // The engine's own range, so a date outside it gets one message, here.
            let (first, last) = (rules::limits::AS_OF_EARLIEST, rules::limits::AS_OF_LATEST);
            if d < first || d > last {
                return Err(ApiError::field(
                    "as_of",
                    format!(
                        "must be from {first} to {last} (the rules tables start in 2024); got {d}"
                    ),
                ));
            }
            Ok(Some(d))
        }
    }
}

/// The borrower's collection, and the spouse's when they file jointly (one Query each, no
/// Scan).
async fn collections(
    ctx: &AppContext,
    tenant: &Tenant,
    r: &BorrowerRef,
) -> Result<(BorrowerCollection, Option<BorrowerCollection>), ApiError> {
    let coll = ctx.store.borrower_collection_by_ref(tenant, r).await?;
    let spouse = match (
        &coll.borrower.spouse,
        coll.borrower.financial.filing_status().is_married(),
    ) {
        (Some(link), true) => Some(ctx.store.borrower_collection(tenant, &link.uuid).await?),
        _ => None,
    };
    Ok((coll, spouse))
}

/// Everything an assessment reads, as the engine's input.
pub async fn input_for(
    ctx: &AppContext,
    tenant: &Tenant,
    r: &BorrowerRef,
    as_of: Option<NaiveDate>,
) -> Result<(AssessmentInput, Vec<Assumption>), ApiError> {
    let (coll, spouse) = collections(ctx, tenant, r).await?;
    input_of(&coll, spouse.as_ref(), as_of, tenant)
}

fn input_of(
    coll: &BorrowerCollection,
    spouse: Option<&BorrowerCollection>,
    as_of: Option<NaiveDate>,
    tenant: &Tenant,
) -> Result<(AssessmentInput, Vec<Assumption>), ApiError> {
    build_input(
        &coll.borrower,
        &coll.loans,
        spouse.map(|s| (&s.borrower, s.loans.as_slice())),
        // The borrower's today: the sandbox clock moves it, as it moves enrollments.
        as_of.unwrap_or_else(|| coll.borrower.today_in(tenant.mode)),
    )
}

/// What the linked spouse's own record says against the borrower's: a married couple files
/// one way (one joint return, or two separate ones), so a spouse on file as `single`, or as
/// filing the other married way, contradicts the borrower. The borrower's own details are
/// used; each disagreement is said, never settled in silence.
fn spouse_disagreements(
    status: FilingStatus,
    spouse_agi: Option<rust_decimal::Decimal>,
    spouse: &Borrower,
) -> Vec<Assumption> {
    let mut notes = Vec::new();
    let source = "The borrower's spouse_id link (Payitoff Borrowers guide: Spouses).";
    if let Some(theirs) = spouse.financial.filing_status.filter(|s| *s != status) {
        notes.push(Assumption {
            code: "spouse_filing_status_differs".into(),
            description: format!(
                "The borrower files {}, but the linked spouse (borrower {}) is on file as {}; this assessment uses the borrower's filing status. Correct one of the two.",
                status.as_str(),
                spouse.id,
                theirs.as_str()
            ),
            source: source.into(),
        });
    }
    if status == FilingStatus::MarriedFilingJointly {
        if let (Some(ours), Some(theirs)) = (spouse_agi, spouse.financial.agi) {
            if ours != theirs {
                notes.push(Assumption {
                    code: "spouse_agi_differs".into(),
                    description: format!(
                        "spouse_agi is {}, but the linked spouse (borrower {}) has agi {} on file; this assessment uses spouse_agi.",
                        crate::money::string(ours),
                        spouse.id,
                        crate::money::string(theirs)
                    ),
                    source: source.into(),
                });
            }
        }
    }
    notes
}

/// The engine input from a borrower, their loans and (if linked and married) the spouse.
pub fn build_input(
    b: &Borrower,
    loans: &[Loan],
    spouse: Option<(&Borrower, &[Loan])>,
    as_of: NaiveDate,
) -> Result<(AssessmentInput, Vec<Assumption>), ApiError> {
    let f = &b.financial;
    let mut notes = Vec::new();
    let agi = f.agi.ok_or_else(|| {
        ApiError::field(
            "agi",
            "is required for an assessment: set it on the borrower (PATCH /borrowers/{id})",
        )
    })?;
    let status = f.filing_status();
    let mut spouse_agi = f.spouse_agi.filter(|_| status.is_married());
    if spouse_agi.is_none() && status == FilingStatus::MarriedFilingJointly {
        if let Some(agi) = spouse.and_then(|(s, _)| s.financial.agi) {
            spouse_agi = Some(agi);
            notes.push(Assumption {
                code: "spouse_agi_from_spouse".into(),
                description: format!(
                    "spouse_agi was not set, so the linked spouse's own agi ({agi}) was used for the joint return."
                ),
                source: "The borrower's spouse_id link (Payitoff Borrowers guide: Spouses).".into(),
            });
        } else {
            return Err(ApiError::field(
                "spouse_agi",
                "is required for married_filing_jointly: set spouse_agi, or link a spouse whose agi is set",
            ));
        }
    }
    if let Some((sb, _)) = spouse.filter(|_| status.is_married()) {
        notes.extend(spouse_disagreements(status, spouse_agi, sb));
    }
    let spouse_loans: Vec<LoanInput> = match (status, spouse) {
        (
            FilingStatus::MarriedFilingJointly | FilingStatus::MarriedFilingSeparately,
            Some((_, sl)),
        ) => sl.iter().map(loan_input).collect(),
        _ => Vec::new(),
    };
    let input = AssessmentInput {
        as_of,
        household: Household {
            agi,
            spouse_agi,
            filing_status: status,
            family_size: f.family_size(),
            dependents: f.rap_dependents(),
            state_of_residence: f
                .state_of_residence
                .clone()
                .or_else(|| b.address.as_ref().and_then(|a| a.state.clone())),
            income_growth: f.income_growth(),
            pslf: f.pslf.unwrap_or(false),
            new_borrower_date: f.new_borrower_date,
        },
        loans: loans.iter().map(loan_input).collect(),
        spouse_loans,
    };
    Ok((input, notes))
}

pub async fn repayment_options(
    ctx: &AppContext,
    tenant: &Tenant,
    r: &BorrowerRef,
    as_of: Option<NaiveDate>,
) -> Result<rules::Assessment, ApiError> {
    let (input, notes) = input_for(ctx, tenant, r, as_of).await?;
    // Returned as the struct, so the response is written straight to text (no Value tree in
    // between: serialising dominates the cost of an assessment, see docs/benchmarks.md).
    assess(&input, notes)
}

/// Runs the engine and adds the assumptions the input mapping made to its own.
fn assess(input: &AssessmentInput, notes: Vec<Assumption>) -> Result<rules::Assessment, ApiError> {
    let mut assessment = rules::assess(input).map_err(|e| rules_error(input, e))?;
    assessment.assumptions.extend(notes);
    Ok(assessment)
}

/// Forgiveness Options, with `matching_institutions` and `employer_match` on each option
/// from the borrower's employer against the PSLF employer lists (`crate::employers`).
pub async fn forgiveness_options(
    ctx: &AppContext,
    tenant: &Tenant,
    r: &BorrowerRef,
    as_of: Option<NaiveDate>,
) -> Result<Value, ApiError> {
    let (coll, spouse) = collections(ctx, tenant, r).await?;
    let (input, _) = input_of(&coll, spouse.as_ref(), as_of, tenant)?;
    let as_of = input.as_of;
    let options = rules::forgiveness_options(&input).map_err(|e| rules_error(&input, e))?;
    let b = &coll.borrower;
    // The match is extra information: if the employer lists cannot be read, the options are
    // still answered, and say so.
    let found = crate::employers::matching::match_employer(
        &ctx.store,
        b.employer.as_deref(),
        b.employer_ein.as_deref(),
        b.financial.employer_state.as_deref(),
    )
    .await
    .map_err(|e| tracing::warn!(error = %e, "employer matching failed"))
    .ok();
    // Payitoff's ForgivenessOption lists its loans as Loan objects (`[Loan]`).
    let loan_views: std::collections::HashMap<String, Value> = std::iter::once(&coll)
        .chain(spouse.as_ref())
        .flat_map(|c| c.loans.iter().map(move |l| (c.borrower.id, l)))
        .map(|(owner, l)| (l.uuid.to_string(), crate::loans::loan_view(l, owner)))
        .collect();
    let forgiveness_options = options
        .iter()
        .map(|o| {
            let (matching_institutions, employer_match) = match &found {
                Some(m) => {
                    let mut employer_match = m.summary_for(o.forgiveness_type);
                    // The engine uses the borrower's own `pslf`; say so where the two disagree.
                    if o.forgiveness_type == rules::ForgivenessType::Pslf
                        && employer_match.status == "matched"
                        && !b.financial.pslf.unwrap_or(false)
                    {
                        employer_match.detail.push_str(
                            " The borrower's pslf is false, so this option lists \"Does not work \
                             for qualifying employer\": set pslf to true if they work there full time.",
                        );
                    }
                    (m.institutions_for(o.forgiveness_type), employer_match)
                }
                None => (
                    Vec::new(),
                    crate::employers::matching::EmployerMatch::unavailable(),
                ),
            };
            ForgivenessOptionView::of(o, &loan_views, matching_institutions, employer_match)
        })
        .collect::<Result<_, _>>()?;
    let body = ForgivenessOptions {
        forgiveness_options,
        as_of,
        rules_version: rules::RULES_VERSION,
    };
    serde_json::to_value(&body).map_err(|e| ApiError::Internal(format!("forgiveness options: {e}")))
}

/// The `ForgivenessOptions` response.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ForgivenessOptions<'a> {
    pub forgiveness_options: Vec<ForgivenessOptionView<'a>>,
    /// The date whose law the options follow.
    pub as_of: NaiveDate,
    pub rules_version: &'static str,
}

/// One forgiveness program (Payitoff ForgivenessOption), with its loans as Loan objects and
/// the borrower's employer matched against the PSLF lists.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "ForgivenessOptionWithMatch")]
pub struct ForgivenessOptionView<'a> {
    pub name: &'a str,
    #[serde(rename = "type")]
    pub forgiveness_type: rules::ForgivenessType,
    /// Plan assumed while earning credit (PSLF), if any.
    pub repayment_plan: Option<&'a rules::RepaymentPlanInfo>,
    #[serde(with = "rules::money::money2")]
    #[schemars(with = "rules::money::Money2")]
    pub monthly_payment: Decimal,
    pub number_of_payments: u32,
    /// Qualifying payments still needed (PSLF: 120 minus credit on file).
    pub remaining_qualifying_payments: u32,
    #[serde(with = "rules::money::money2")]
    #[schemars(with = "rules::money::Money2")]
    pub amount_forgiven: Decimal,
    #[serde(with = "rules::money::money2")]
    #[schemars(with = "rules::money::Money2")]
    pub total_paid: Decimal,
    #[serde(with = "rules::money::money2")]
    #[schemars(with = "rules::money::Money2")]
    pub estimated_tax_liability: Decimal,
    #[serde(with = "rules::money::money2")]
    #[schemars(with = "rules::money::Money2")]
    pub total_cost: Decimal,
    /// `original.total_cost` of the Repayment Options minus this option's `total_cost`.
    #[serde(with = "rules::money::money2")]
    #[schemars(with = "rules::money::Money2")]
    pub savings: Decimal,
    /// The loans this option covers, as Loan objects.
    #[schemars(schema_with = "loan_list")]
    pub eligible_loans: Vec<Value>,
    /// The loans it cannot cover, as Loan objects (`ineligible_reasons` says why).
    #[schemars(schema_with = "loan_list")]
    pub ineligible_loans: Vec<Value>,
    pub ineligible_reasons: &'a [String],
    pub action_items: &'a [String],
    pub metadata: &'a std::collections::BTreeMap<String, String>,
    /// The employer records that bear on this option: every match for PSLF, the low-income
    /// schools for Teacher Loan Forgiveness. Empty when nothing matched or the lists could not
    /// be read (`employer_match` says which).
    pub matching_institutions: Vec<crate::employers::EmployerView<'a>>,
    pub employer_match: crate::employers::matching::MatchSummary,
}

fn loan_list(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "array", "items": {"$ref": "#/components/schemas/Loan"}})
}

impl<'a> ForgivenessOptionView<'a> {
    fn of(
        o: &'a rules::ForgivenessOption,
        loans: &std::collections::HashMap<String, Value>,
        matching_institutions: Vec<crate::employers::EmployerView<'a>>,
        employer_match: crate::employers::matching::MatchSummary,
    ) -> Result<Self, ApiError> {
        let views = |ids: &[String]| -> Result<Vec<Value>, ApiError> {
            ids.iter()
                .map(|id| {
                    loans.get(id).cloned().ok_or_else(|| {
                        ApiError::Internal(format!("forgiveness option names an unknown loan {id}"))
                    })
                })
                .collect()
        };
        Ok(ForgivenessOptionView {
            name: &o.name,
            forgiveness_type: o.forgiveness_type,
            repayment_plan: o.repayment_plan.as_ref(),
            monthly_payment: o.monthly_payment,
            number_of_payments: o.number_of_payments,
            remaining_qualifying_payments: o.remaining_qualifying_payments,
            amount_forgiven: o.amount_forgiven,
            total_paid: o.total_paid,
            estimated_tax_liability: o.estimated_tax_liability,
            total_cost: o.total_cost,
            savings: o.savings,
            eligible_loans: views(&o.eligible_loans)?,
            ineligible_loans: views(&o.ineligible_loans)?,
            ineligible_reasons: &o.ineligible_reasons,
            action_items: &o.action_items,
            metadata: &o.metadata,
            matching_institutions,
            employer_match,
        })
    }
}

/// A scenario as analysts write it: the `../shared/vectors/official.json` case format, or any
/// `{"borrower": BorrowerPayload, "loans": [LoanPayload], "spouse_loans": [...], "as_of"}`.
/// LoanPayload fields that don't change a payment may be left out (`servicer_name`,
/// `original_principal`, `outstanding_interest`).
pub fn scenario_input(case: &Value) -> Result<(AssessmentInput, Vec<Assumption>), ApiError> {
    use crate::borrowers::{apply_fields, Mode};
    use crate::model::payload::parse_borrower_payload;

    let as_of = as_of(case.get("as_of").and_then(Value::as_str))?
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let empty = serde_json::Map::new();
    let payload = case
        .get("borrower")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let patch = parse_borrower_payload(payload)?;
    let mut borrower = Borrower::new(1, uuid::Uuid::nil(), "scenario", "");
    apply_fields(&mut borrower, &patch, Mode::Merge);

    let loans_of = |key: &str, owner: uuid::Uuid| -> Result<Vec<Loan>, ApiError> {
        let list = match case.get(key).and_then(Value::as_array) {
            Some(list) if !list.is_empty() => list,
            _ => return Ok(Vec::new()),
        };
        let filled: Vec<Value> = list
            .iter()
            .map(|l| {
                let mut l = l.clone();
                if let Some(o) = l.as_object_mut() {
                    let principal = o.get("outstanding_principal").cloned().unwrap_or(json!(0));
                    o.entry("servicer_name")
                        .or_insert(json!("Unknown servicer"));
                    o.entry("original_principal").or_insert(principal);
                    o.entry("outstanding_interest").or_insert(json!(0));
                    o.entry("origination_date").or_insert(json!(as_of));
                }
                l
            })
            .collect();
        let parsed =
            crate::loans::parse_loans_payload(&Value::Array(filled)).map_err(|fields| {
                let fields = fields
                    .into_iter()
                    .map(|(k, v)| (k.replacen("loans", key, 1), v))
                    .collect();
                ApiError::fields(fields).expect_err("a parse failure names a field")
            })?;
        Ok(parsed
            .into_iter()
            .enumerate()
            .map(|(i, n)| n.into_loan(i as i64 + 1, uuid::Uuid::new_v4(), owner, ""))
            .collect())
    };
    let loans = loans_of("loans", borrower.uuid)?;
    let spouse_loans = loans_of("spouse_loans", uuid::Uuid::max())?;
    let spouse = Borrower::new(2, uuid::Uuid::max(), "scenario", "");
    let spouse_ref = (!spouse_loans.is_empty()).then_some((&spouse, spouse_loans.as_slice()));
    build_input(&borrower, &loans, spouse_ref, as_of)
}

/// Runs a scenario through the engine: the Repayment Options JSON.
pub fn assess_scenario(case: &Value) -> Result<Value, ApiError> {
    let (input, notes) = scenario_input(case)?;
    serde_json::to_value(assess(&input, notes)?).map_err(|e| {
        ApiError::Internal(format!(
            "serialising: {}",
            crate::error::redacted(&e.to_string())
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scenario path (CLI) and the engine agree on every official scenario case.
    #[test]
    fn official_scenarios_through_the_scenario_reader() {
        let cases: Value =
            serde_json::from_str(include_str!("../../../shared/vectors/official.json")).unwrap();
        let mut n = 0;
        for case in cases["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c.get("plan").is_some())
        {
            let out = assess_scenario(case).unwrap();
            let option = out["repayment_options"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["repayment_plan"]["type"] == case["plan"])
                .unwrap();
            assert_eq!(
                option["starting_monthly_payment"].to_string(),
                case["expect"]["starting_monthly_payment"].as_str().unwrap(),
                "{}",
                case["id"]
            );
            n += 1;
        }
        assert!(n >= 5);
    }

    #[test]
    fn scenario_errors_name_the_field() {
        let err =
            assess_scenario(&json!({"borrower": {"family_size": 1}, "loans": []})).unwrap_err();
        assert!(
            matches!(err, ApiError::Validation { ref fields, .. } if fields.contains_key("agi"))
        );
        let err = assess_scenario(
            &json!({"borrower": {"agi": 1}, "spouse_loans": [{"loan_type": "zz"}]}),
        )
        .unwrap_err();
        assert!(
            matches!(err, ApiError::Validation { ref fields, .. } if fields.keys().any(|k| k.starts_with("spouse_loans[0]")))
        );
    }
}
