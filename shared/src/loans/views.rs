//! Wire views.
//!
//! * v1 `Loan` ([`loan_view`]): money as JSON numbers with 2 decimals
//!   (`20000.00`), rates as JSON numbers keeping their digits (`7.08`).
//! * `PortfolioLoan` and the Portfolio ([`portfolio_view`]): every money value is a decimal string with 2
//!   decimals (`"696.19"`, v1.0.1 rule). Rates are decimal strings with at
//!   least 2 decimals and no digit dropped (`"3.54"`, `"6.875"`), since
//!   rounding a 6.875 % rate to "6.88" would misstate it.
//! * The canonical objects (`interest_rate`, `monthly_payment`,
//!   `origination`, `payoff`, `pslf`, `repayment_plan`, `servicer`,
//!   `status`, `type`) are always objects; their fields may be `null`.
//! * `payoff.quote` is a decimal string like every other Portfolio money
//!   value (the docs' example shows a bare number, which contradicts the
//!   v1.0.1 rule); `payoff.quote_date` is written `MM/DD/YYYY` as in the docs'
//!   example (see [`PAYOFF_QUOTE_DATE_FORMAT`]).

use crate::money::Overflow;

use super::{payoff_quote, Loan, LoanData};
use crate::money::{MoneyText, RateText};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

/// chrono format of `PortfolioLoan.payoff.quote_date` (docs example: `"05/28/2021"`).
pub const PAYOFF_QUOTE_DATE_FORMAT: &str = "%m/%d/%Y";

/// PSLF needs 120 qualifying payments (34 CFR 685.219).
const PSLF_PAYMENTS: u32 = 120;

/// The v1 `Loan` object.
///
/// `borrower_id` is `null`: the integer borrower id is not part of [`Loan`];
/// the caller should set it (`v["borrower_id"] = json!(id)`). `loan_type` and
/// `loan_status` are the canonical descriptions (as in the docs' payload
/// example); `loan_type_code` / `loan_status_code` carry the codes.
pub fn loan_view(loan: &Loan, borrower_id: i64) -> Value {
    serde_json::to_value(LoanView::of(loan, borrower_id)).expect("a Loan view is JSON")
}

crate::rules::money::inline_schema!(
    /// A rate written as a number (a percent, `7.08`).
    RateNumber,
    {"type": "number", "description": "A percent (7.08 is 7.08%)."}
);

type Money = crate::rules::money::Money2;

/// The v1 Loan (Payitoff Loan): money as JSON numbers with two decimals, rates as numbers
/// keeping their digits, `null` for what is not known.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "Loan")]
pub struct LoanView<'a> {
    pub account_number: Option<&'a str>,
    /// Not kept (Payitoff's field; always `null`).
    #[schemars(with = "Option<Money>")]
    pub balance_entering_repayment: Option<Decimal>,
    /// The borrower's integer id.
    pub borrower_id: i64,
    pub borrower_uuid: Uuid,
    #[serde(serialize_with = "crate::money::ser_opt_number")]
    #[schemars(with = "Option<Money>")]
    pub capitalized_amount: Option<Decimal>,
    #[schemars(with = "chrono::DateTime<chrono::Utc>")]
    pub created_at: &'a str,
    pub disbursement_dates: &'a [NaiveDate],
    pub due_date: Option<NaiveDate>,
    /// Your id for the loan; loans are idempotent by it.
    pub external_id: Option<&'a str>,
    /// Not kept (Payitoff's field; always `null`).
    #[schemars(with = "Option<Money>")]
    pub final_monthly_payment: Option<Decimal>,
    pub guarantor: Option<&'a str>,
    pub id: i64,
    pub idr_renewal_date: Option<NaiveDate>,
    #[serde(serialize_with = "crate::money::ser_opt_rate")]
    #[schemars(with = "Option<RateNumber>")]
    pub interest_rate: Option<Decimal>,
    pub is_overdue: Option<bool>,
    #[serde(serialize_with = "crate::money::ser_opt_number")]
    #[schemars(with = "Option<Money>")]
    pub last_payment: Option<Decimal>,
    pub last_payment_date: Option<NaiveDate>,
    #[serde(serialize_with = "crate::money::ser_opt_number")]
    #[schemars(with = "Option<Money>")]
    pub last_statement_balance: Option<Decimal>,
    pub last_statement_date: Option<NaiveDate>,
    /// The status in words (as in Payitoff's payload example); `loan_status_code` has the code.
    pub loan_status: Option<&'a str>,
    pub loan_status_code: Option<&'a str>,
    /// Each date a status began, and the status code.
    #[schemars(extend("propertyNames" = {"format": "date"}))]
    pub loan_status_history: &'a std::collections::BTreeMap<NaiveDate, String>,
    /// The type in words (the file's own words for a type our list does not know);
    /// `loan_type_code` has the code.
    pub loan_type: &'a str,
    pub loan_type_code: &'a str,
    pub maturity_date: Option<NaiveDate>,
    /// Free-form text values kept with the loan.
    pub metadata: &'a std::collections::BTreeMap<String, String>,
    #[serde(serialize_with = "crate::money::ser_opt_number")]
    #[schemars(with = "Option<Money>")]
    pub min_payment: Option<Decimal>,
    #[serde(serialize_with = "crate::money::ser_opt_number")]
    #[schemars(with = "Option<Money>")]
    pub monthly_payment: Option<Decimal>,
    /// Loanpath addition, only on a linked loan the servicer stopped reporting: the day the
    /// scheduled sync closed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "NaiveDate")]
    pub no_longer_reported_since: Option<NaiveDate>,
    #[serde(serialize_with = "crate::money::ser_opt_number")]
    #[schemars(with = "Option<Money>")]
    pub original_principal: Option<Decimal>,
    pub origination_date: Option<NaiveDate>,
    #[serde(serialize_with = "crate::money::ser_opt_number")]
    #[schemars(with = "Option<Money>")]
    pub outstanding_interest: Option<Decimal>,
    #[serde(serialize_with = "crate::money::ser_opt_number")]
    #[schemars(with = "Option<Money>")]
    pub outstanding_principal: Option<Decimal>,
    pub pslf_cumulative_periods: Option<u32>,
    pub repayment_begin_date: Option<NaiveDate>,
    pub repayment_plan: Option<LoanRepaymentPlan<'a>>,
    pub repayment_plan_begin_date: Option<NaiveDate>,
    pub repayment_plan_type: Option<&'a str>,
    pub servicer_name: Option<&'a str>,
    pub source: super::LoanSource,
    #[schemars(with = "chrono::DateTime<chrono::Utc>")]
    pub updated_at: &'a str,
    pub uuid: Uuid,
}

/// A Loan's repayment plan, from the plan list (`GET /repayment_plans`).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct LoanRepaymentPlan<'a> {
    pub description: &'a str,
    /// Whether it is an income-driven plan.
    pub idr: bool,
    pub name: &'a str,
    #[serde(rename = "type")]
    pub plan_type: &'a str,
}

impl<'a> LoanView<'a> {
    fn of(loan: &'a Loan, borrower_id: i64) -> Self {
        let d = &loan.data;
        LoanView {
            account_number: d.account_number.as_deref(),
            balance_entering_repayment: None,
            borrower_id,
            borrower_uuid: loan.borrower_uuid,
            capitalized_amount: d.capitalized_amount,
            created_at: &loan.created_at,
            disbursement_dates: &d.disbursement_dates,
            due_date: d.due_date,
            external_id: loan.external_id.as_deref(),
            final_monthly_payment: None,
            guarantor: d.guarantor.as_deref(),
            id: loan.id,
            idr_renewal_date: d.idr_renewal_date,
            interest_rate: d.interest_rate,
            is_overdue: d.is_overdue,
            last_payment: d.last_payment,
            last_payment_date: d.last_payment_date,
            last_statement_balance: d.last_statement_balance,
            last_statement_date: d.last_statement_date,
            loan_status: d
                .status_row()
                .map(|r| r.description)
                .or(d.loan_status.as_deref()),
            loan_status_code: d.loan_status.as_deref(),
            loan_status_history: &d.loan_status_history,
            loan_type: d.type_row().map(|r| r.description).unwrap_or(&d.loan_type),
            loan_type_code: &d.loan_type,
            maturity_date: d.maturity_date,
            metadata: &d.metadata,
            min_payment: d.min_payment,
            monthly_payment: d.monthly_payment,
            no_longer_reported_since: d.no_longer_reported_since,
            original_principal: d.original_principal,
            origination_date: d.origination_date,
            outstanding_interest: d.outstanding_interest,
            outstanding_principal: d.outstanding_principal,
            pslf_cumulative_periods: d.pslf_cumulative_periods,
            repayment_begin_date: d.repayment_begin_date,
            repayment_plan: d.plan_row().map(|p| LoanRepaymentPlan {
                description: p.description,
                idr: p.income_driven_repayment,
                name: p.name,
                plan_type: p.plan_type,
            }),
            repayment_plan_begin_date: d.repayment_plan_begin_date,
            repayment_plan_type: d.repayment_plan_type.as_deref(),
            servicer_name: d.servicer_name.as_deref(),
            source: loan.source,
            updated_at: &loan.updated_at,
            uuid: loan.uuid,
        }
    }
}

// ------------------------------------------------------------------ the Portfolio
//
// Typed views written straight to text (no `Value` tree: building one allocated a `String` per
// key of every object, then the servicer groups cloned each loan's tree). Fields are declared
// in alphabetical order, the order a `Value` object writes them, so the bytes are those of the
// earlier `json!` views (`the_wire_bytes_of_the_portfolio_and_the_loan_are_unchanged`).

/// A Portfolio money value: a decimal string with 2 decimals, or `null`.
fn money(d: Option<Decimal>) -> Option<String> {
    d.map(crate::money::string)
}

/// A rate: a decimal string with at least 2 decimals and no digit lost, or `null`.
fn rate(d: Option<Decimal>) -> Option<String> {
    d.map(crate::money::rate_string)
}

/// A servicer's mailing address (as the servicer gave it, else our servicer list's).
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "ServicerAddress")]
struct AddressView<'a> {
    city: Option<&'a str>,
    state: Option<&'a str>,
    street1: Option<&'a str>,
    street2: Option<&'a str>,
    street3: Option<&'a str>,
    zipcode: Option<&'a str>,
}

/// The loan's rates, as percents; `null` when unknown.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "PortfolioInterestRate")]
struct InterestRate {
    /// The rate charged now.
    #[schemars(with = "Option<RateText>")]
    effective: Option<String>,
    /// The rate the loan was made at (the current one when the source gives no other).
    #[schemars(with = "Option<RateText>")]
    original: Option<String>,
}

/// What is due each month.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "MonthlyPayment")]
struct MonthlyPayment {
    /// `true` when `scheduled_amount` is our estimate, not the servicer's figure.
    estimated: bool,
    next_payment_due: Option<NaiveDate>,
    /// The sum of the scheduled amounts; `null` when none is known.
    #[schemars(with = "Option<MoneyText>")]
    scheduled_amount: Option<String>,
}

/// A payment group's `MonthlyPayment`: the amounts due are unknown to us (`null`). Both
/// `current_amount` (schema) and `current_amount_due` (docs example) are written.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "PaymentGroupMonthlyPayment")]
struct GroupPayment {
    #[schemars(with = "Option<MoneyText>")]
    current_amount: Option<String>,
    #[schemars(with = "Option<MoneyText>")]
    current_amount_due: Option<String>,
    estimated: bool,
    next_payment_due: Option<NaiveDate>,
    #[schemars(with = "Option<MoneyText>")]
    past_due_amount: Option<String>,
    #[schemars(with = "Option<MoneyText>")]
    scheduled_amount: Option<String>,
}

/// Loans a servicer bills together, under one payment reference number.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
struct PaymentGroup<'a> {
    id: Uuid,
    monthly_payment: GroupPayment,
    name: Option<&'a str>,
    payment_reference_number: Option<&'a str>,
}

/// When the loan was made, and for how much.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "PortfolioOrigination")]
struct Origination {
    #[schemars(with = "Option<MoneyText>")]
    amount: Option<String>,
    date: Option<NaiveDate>,
}

/// What it would take to pay the loan off on `quote_date`: principal, interest to date and
/// fees.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "PortfolioPayoff")]
struct PayoffView {
    #[schemars(with = "MoneyText")]
    quote: String,
    /// The quote's day, written `MM/DD/YYYY` (as in Payitoff's example).
    #[schemars(regex(pattern = r"^(0[1-9]|1[0-2])/(0[1-9]|[12][0-9]|3[01])/[0-9]{4}$"))]
    quote_date: String,
}

/// The loan's Public Service Loan Forgiveness counts; `null` where the source gives none.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "PortfolioPslf")]
struct PslfView<'a> {
    eligible_payments: Option<u32>,
    expected_forgiveness_date: Option<NaiveDate>,
    ineligible_payment_details: &'a [super::IneligiblePayment],
    ineligible_payments: Option<u32>,
    non_qualifying_payment_details: &'a [super::NonQualifyingPayment],
    non_qualifying_payments: Option<u32>,
    qualifying_payments: Option<u32>,
    remaining_payments: Option<u32>,
}

/// The plan the loan is repaid under; `null` fields when unknown.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "PortfolioRepaymentPlan")]
struct RepaymentPlan<'a> {
    description: Option<&'a str>,
    income_driven_repayment: Option<bool>,
    #[serde(rename = "type")]
    plan_type: Option<&'a str>,
}

/// A loan's servicer: its name, address and its full payment group list.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "PortfolioServicerInfo")]
struct ServicerView<'a> {
    address: Option<AddressView<'a>>,
    name: Option<&'a str>,
    payment_groups: &'a [PaymentGroup<'a>],
}

/// The loan's status: its NSLDS code and what it means; `null` when the loan was saved
/// without one.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "PortfolioLoanStatus")]
struct Status<'a> {
    code: Option<&'a str>,
    description: Option<&'a str>,
}

/// The loan's type: its NSLDS code and what our loan type list says of it; `null` fields for a
/// type the list does not know.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "PortfolioLoanType")]
struct LoanTypeView<'a> {
    code: Option<&'a str>,
    description: Option<&'a str>,
    federal: Option<bool>,
    guarantor: Option<&'a str>,
    lender: Option<&'a str>,
    subsidized: Option<bool>,
    sula_eligible: Option<bool>,
}

/// One loan in the Portfolio (Payitoff PortfolioLoan).
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
struct PortfolioLoan<'a> {
    account_number: Option<&'a str>,
    #[schemars(with = "chrono::DateTime<chrono::Utc>")]
    created_at: &'a str,
    disbursement_dates: &'a [NaiveDate],
    id: Uuid,
    interest_rate: InterestRate,
    monthly_payment: MonthlyPayment,
    /// Loanpath addition, only on a linked loan the servicer stopped reporting (so every other
    /// loan keeps the seed's exact shape): the day the scheduled sync closed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    no_longer_reported_since: Option<NaiveDate>,
    origination: Origination,
    #[schemars(with = "MoneyText")]
    outstanding_interest: String,
    #[schemars(with = "MoneyText")]
    outstanding_principal: String,
    payment_group_id: Option<Uuid>,
    payment_reference_number: Option<&'a str>,
    payoff: PayoffView,
    pslf: PslfView<'a>,
    repayment_plan: RepaymentPlan<'a>,
    servicer: ServicerView<'a>,
    status: Status<'a>,
    #[serde(rename = "type")]
    loan_type: LoanTypeView<'a>,
    #[schemars(with = "chrono::DateTime<chrono::Utc>")]
    updated_at: &'a str,
}

/// Open-loan totals of one servicer (the loans are written by [`Portfolio`]'s own
/// serialiser, from the indices in `loans`, so no loan view is copied).
struct ServicerEntry<'a> {
    totals: Totals,
    loans: Vec<usize>,
    monthly_payment: MonthlyPayment,
    /// The servicer's payment groups in [`Portfolio::groups`] (written `null` when empty).
    group: usize,
    servicer_of: &'a Loan,
}

/// Totals over the open loans.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "PortfolioSummary")]
struct Summary {
    #[schemars(with = "MoneyText")]
    accrued_interest: String,
    #[schemars(with = "MoneyText")]
    current_principal: String,
    /// The sum of the open loans' scheduled monthly payments.
    #[schemars(with = "MoneyText")]
    monthly_payment: String,
    /// `accrued_interest` plus `current_principal`.
    #[schemars(with = "MoneyText")]
    outstanding_balance: String,
}

/// The Portfolio: `{"loans": [PortfolioLoan], "servicers": [PortfolioServicer], "summary":
/// PortfolioSummary}`, plus `links` (Loanpath addition) when given.
struct Portfolio<'a> {
    links: Option<&'a [crate::nexus::LinkView]>,
    groups: &'a [Vec<PaymentGroup<'a>>],
    loans: Vec<PortfolioLoan<'a>>,
    servicers: Vec<ServicerEntry<'a>>,
    summary: Summary,
}

impl serde::Serialize for Portfolio<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Portfolio", 4)?;
        if let Some(links) = self.links {
            st.serialize_field("links", links)?;
        }
        st.serialize_field("loans", &self.loans)?;
        let servicers: Vec<ServicerOut<'_, '_>> = self
            .servicers
            .iter()
            .map(|e| ServicerOut { p: self, e })
            .collect();
        st.serialize_field("servicers", &servicers)?;
        st.serialize_field("summary", &self.summary)?;
        st.end()
    }
}

/// `PortfolioServicer`, written from its entry and the Portfolio's loan views.
struct ServicerOut<'p, 'a> {
    p: &'p Portfolio<'a>,
    e: &'p ServicerEntry<'a>,
}

impl serde::Serialize for ServicerOut<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let (p, e) = (self.p, self.e);
        let t = &e.totals;
        let groups = &p.groups[e.group];
        let loans: Vec<&PortfolioLoan<'_>> = e.loans.iter().map(|i| &p.loans[*i]).collect();
        let mut st = s.serialize_struct("PortfolioServicer", 8)?;
        st.serialize_field(
            "accrued_interest",
            &crate::money::string(t.accrued_interest),
        )?;
        st.serialize_field(
            "capitalized_interest",
            &crate::money::string(t.capitalized_interest),
        )?;
        st.serialize_field(
            "current_principal",
            &crate::money::string(t.current_principal),
        )?;
        st.serialize_field("loans", &loans)?;
        st.serialize_field("monthly_payment", &e.monthly_payment)?;
        st.serialize_field(
            "outstanding_balance",
            &crate::money::string(t.outstanding_balance),
        )?;
        st.serialize_field("payment_groups", &(!groups.is_empty()).then_some(groups))?;
        st.serialize_field("servicer", &servicer(&e.servicer_of.data, groups))?;
        st.end()
    }
}

// The schemas of the two hand-written serialisers above, kept beside them; the
// integration tests validate every Portfolio they receive against these.

impl JsonSchema for Portfolio<'_> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Portfolio".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "description": "The borrower's loans, grouped by servicer, with open-loan totals (Payitoff Portfolio).",
            "properties": {
                "links": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Link"},
                    "description": "Loanpath addition, only when the borrower has linked servicer accounts: each account and its sync state.",
                },
                "loans": {
                    "type": "array",
                    "items": g.subschema_for::<PortfolioLoan<'static>>(),
                    "description": "Every loan, closed ones included.",
                },
                "servicers": {
                    "type": "array",
                    "items": g.subschema_for::<ServicerOut<'static, 'static>>(),
                    "description": "The loans grouped by servicer name, in first-seen order (loans with no servicer name form one group).",
                },
                "summary": g.subschema_for::<Summary>(),
            },
            "required": ["loans", "servicers", "summary"],
            "additionalProperties": false,
        })
    }
}

impl JsonSchema for ServicerOut<'_, '_> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PortfolioServicer".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let money = g.subschema_for::<MoneyText>();
        schemars::json_schema!({
            "type": "object",
            "description": "One servicer's loans and their open-loan totals (Payitoff PortfolioServicer).",
            "properties": {
                "accrued_interest": money,
                "capitalized_interest": money,
                "current_principal": money,
                "loans": {"type": "array", "items": g.subschema_for::<PortfolioLoan<'static>>()},
                "monthly_payment": g.subschema_for::<MonthlyPayment>(),
                "outstanding_balance": money,
                "payment_groups": {
                    "type": ["array", "null"],
                    "items": g.subschema_for::<PaymentGroup<'static>>(),
                    "description": "`null` when the servicer reports none.",
                },
                "servicer": g.subschema_for::<ServicerView<'static>>(),
            },
            "required": [
                "accrued_interest", "capitalized_interest", "current_principal", "loans",
                "monthly_payment", "outstanding_balance", "payment_groups", "servicer",
            ],
            "additionalProperties": false,
        })
    }
}

/// The derived schema of the v1 Loan (the OpenAPI document's `Loan` component).
pub fn add_loan_schema(g: &mut schemars::SchemaGenerator) {
    g.subschema_for::<LoanView<'static>>();
}

/// The derived schema of the Portfolio (the OpenAPI document's `Portfolio` component).
pub fn add_portfolio_schema(g: &mut schemars::SchemaGenerator) {
    g.subschema_for::<Portfolio<'static>>();
}

fn portfolio_loan<'a>(
    loan: &'a Loan,
    quote_date: NaiveDate,
    groups: &'a [PaymentGroup<'a>],
) -> Result<PortfolioLoan<'a>, Overflow> {
    let d = &loan.data;
    let payoff = payoff_quote(loan, quote_date)?;
    let status = d.status_row();
    let ty = d.type_row();
    let plan = d.plan_row();
    Ok(PortfolioLoan {
        account_number: d.account_number.as_deref(),
        created_at: &loan.created_at,
        disbursement_dates: &d.disbursement_dates,
        id: loan.uuid,
        interest_rate: InterestRate {
            effective: rate(d.interest_rate),
            original: rate(d.original_interest_rate.or(d.interest_rate)),
        },
        monthly_payment: monthly_payment(&[loan], false)?,
        no_longer_reported_since: d.no_longer_reported_since,
        origination: Origination {
            amount: money(d.original_principal),
            date: d.origination_date,
        },
        outstanding_interest: crate::money::string(d.outstanding_interest.unwrap_or_default()),
        outstanding_principal: crate::money::string(d.outstanding_principal.unwrap_or_default()),
        payment_group_id: d.payment_group_id,
        payment_reference_number: d.payment_reference_number.as_deref(),
        payoff: PayoffView {
            quote: crate::money::string(payoff.quote),
            quote_date: quote_date.format(PAYOFF_QUOTE_DATE_FORMAT).to_string(),
        },
        pslf: pslf(d),
        repayment_plan: RepaymentPlan {
            description: plan.map(|p| p.description),
            income_driven_repayment: plan.map(|p| p.income_driven_repayment),
            plan_type: plan
                .map(|p| p.plan_type)
                .or(d.repayment_plan_type.as_deref()),
        },
        servicer: servicer(d, groups),
        status: Status {
            code: d.loan_status.as_deref(),
            description: status.map(|s| s.description),
        },
        loan_type: LoanTypeView {
            code: Some(d.loan_type.as_str()).filter(|c| !c.is_empty()),
            // A type unknown to us (HEAL, an ambiguous legacy "PLUS") keeps the
            // file's own description rather than showing nothing.
            description: ty
                .map(|t| t.description)
                .or(d.metadata.get("loan_type_description").map(String::as_str)),
            federal: ty.map(|t| t.federal),
            guarantor: d.guarantor.as_deref().or(ty.map(|t| t.guarantor)),
            lender: ty.map(|t| t.lender),
            subsidized: ty.map(|t| t.subsidized),
            sula_eligible: ty.map(|t| t.sula_eligible),
        },
        updated_at: &loan.updated_at,
    })
}

fn pslf(d: &LoanData) -> PslfView<'_> {
    let p = &d.pslf;
    let qualifying = d.pslf_cumulative_periods;
    let direct = d.type_row().is_some_and(|t| t.is_direct());
    let remaining = p.remaining_payments.or_else(|| {
        qualifying
            .filter(|_| direct)
            .map(|q| PSLF_PAYMENTS.saturating_sub(q))
    });
    PslfView {
        eligible_payments: p.eligible_payments,
        expected_forgiveness_date: p.expected_forgiveness_date,
        ineligible_payment_details: &p.ineligible_payment_details,
        ineligible_payments: p.ineligible_payments,
        non_qualifying_payment_details: &p.non_qualifying_payment_details,
        non_qualifying_payments: p.non_qualifying_payments,
        qualifying_payments: qualifying,
        remaining_payments: remaining,
    }
}

/// Servicer `{name, address, payment_groups}`; address as given by the
/// source, else the reference table's.
fn servicer<'a>(d: &'a LoanData, groups: &'a [PaymentGroup<'a>]) -> ServicerView<'a> {
    let address = d
        .servicer_address
        .as_ref()
        .filter(|a| !a.is_empty())
        .map(|a| AddressView {
            city: a.city.as_deref(),
            state: a.state.as_deref(),
            street1: a.street1.as_deref(),
            street2: a.street2.as_deref(),
            street3: a.street3.as_deref(),
            zipcode: a.zipcode.as_deref(),
        })
        .or_else(|| {
            d.servicer_row()
                .and_then(|r| r.address.as_ref())
                .map(|a| AddressView {
                    city: Some(a.city),
                    state: Some(a.state),
                    street1: Some(a.street1),
                    street2: a.street2,
                    street3: a.street3,
                    zipcode: Some(a.zipcode),
                })
        });
    ServicerView {
        address,
        name: d.servicer_name.as_deref(),
        payment_groups: groups,
    }
}

fn sum(loans: &[&Loan], f: impl Fn(&LoanData) -> Option<Decimal>) -> Result<Decimal, Overflow> {
    crate::money::sum(loans.iter().filter_map(|l| f(&l.data)))
}

/// `MonthlyPayment {scheduled_amount, estimated, next_payment_due}`:
/// sums the scheduled amounts (`null` if none is known) and takes the
/// earliest due date, over open loans only when `open_only`.
fn monthly_payment(loans: &[&Loan], open_only: bool) -> Result<MonthlyPayment, Overflow> {
    let refs: Vec<&Loan> = loans
        .iter()
        .copied()
        .filter(|l| !open_only || l.is_open())
        .collect();
    let known = refs.iter().any(|l| l.data.monthly_payment.is_some());
    let scheduled = match known {
        true => Some(sum(&refs, |d| d.monthly_payment)?),
        false => None,
    };
    Ok(MonthlyPayment {
        estimated: false,
        next_payment_due: refs.iter().filter_map(|l| l.data.due_date).min(),
        scheduled_amount: money(scheduled),
    })
}

/// `PaymentGroup`s for the loans' `payment_group_id`s (first-seen order).
/// Name and amounts due are unknown to us (`null`); `scheduled_amount` sums
/// the group's open loans.
fn payment_groups<'a>(loans: &[&'a Loan]) -> Result<Vec<PaymentGroup<'a>>, Overflow> {
    let mut ids: Vec<Uuid> = Vec::new();
    for l in loans {
        if let Some(id) = l.data.payment_group_id {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids.into_iter()
        .map(|id| {
            let members: Vec<&Loan> = loans
                .iter()
                .copied()
                .filter(|l| l.data.payment_group_id == Some(id))
                .collect();
            let mp = monthly_payment(&members, true)?;
            Ok(PaymentGroup {
                id,
                monthly_payment: GroupPayment {
                    current_amount: None,
                    current_amount_due: None,
                    estimated: mp.estimated,
                    next_payment_due: mp.next_payment_due,
                    past_due_amount: None,
                    scheduled_amount: mp.scheduled_amount,
                },
                name: None,
                payment_reference_number: members
                    .iter()
                    .find_map(|l| l.data.payment_reference_number.as_deref()),
            })
        })
        .collect()
}

/// Totals over **open** loans (status group not Closed): closed loans (paid
/// in full, consolidated, discharged) are listed but owe nothing, so they
/// are left out of `accrued_interest` (= stored outstanding interest, not the
/// payoff accrual), `current_principal`, `outstanding_balance` and
/// `capitalized_interest`.
struct Totals {
    accrued_interest: Decimal,
    capitalized_interest: Decimal,
    current_principal: Decimal,
    outstanding_balance: Decimal,
}

fn totals(loans: &[&Loan]) -> Result<Totals, Overflow> {
    let open: Vec<&Loan> = loans.iter().copied().filter(|l| l.is_open()).collect();
    let accrued_interest = sum(&open, |d| d.outstanding_interest)?;
    let current_principal = sum(&open, |d| d.outstanding_principal)?;
    Ok(Totals {
        accrued_interest,
        capitalized_interest: sum(&open, |d| d.capitalized_amount)?,
        current_principal,
        outstanding_balance: crate::money::add(accrued_interest, current_principal)?,
    })
}

/// The Portfolio of `loans` as a `Value` (tests, and callers that read it).
pub fn portfolio_view(loans: &[Loan], quote_date: NaiveDate) -> Result<Value, Overflow> {
    let text = write_portfolio(loans, quote_date, None)?;
    Ok(serde_json::from_str(&text).expect("the Portfolio's own text is JSON"))
}

/// The Portfolio of `loans`, as of `quote_date`, written as JSON text (the response body).
///
/// * `loans` lists every loan, closed ones included, in the given order.
/// * `summary` = `{accrued_interest, current_principal, outstanding_balance,
///   monthly_payment}` over open loans only (see `Totals`);
///   `outstanding_balance = accrued_interest + current_principal`;
///   `monthly_payment` sums open loans' scheduled amounts.
/// * `servicers` groups loans by servicer name (first-seen order; loans with
///   no servicer name form one group with `name: null`), each with the same
///   open-loan totals, `monthly_payment` as a MonthlyPayment object, its
///   `payment_groups` (`null` if none) and `servicer` object. Each loan's
///   `servicer.payment_groups` is its servicer's full group list.
/// * `links`, when given: each linked servicer account (Loanpath addition).
pub fn write_portfolio(
    loans: &[Loan],
    quote_date: NaiveDate,
    links: Option<&[crate::nexus::LinkView]>,
) -> Result<String, Overflow> {
    let mut names: Vec<Option<&str>> = Vec::new();
    let mut index: Vec<usize> = Vec::with_capacity(loans.len());
    for l in loans {
        let n = l.data.servicer_name.as_deref();
        let i = match names.iter().position(|m| *m == n) {
            Some(i) => i,
            None => {
                names.push(n);
                names.len() - 1
            }
        };
        index.push(i);
    }
    let members: Vec<Vec<usize>> = (0..names.len())
        .map(|i| (0..loans.len()).filter(|j| index[*j] == i).collect())
        .collect();
    let refs = |m: &[usize]| -> Vec<&Loan> { m.iter().map(|j| &loans[*j]).collect() };
    let groups: Vec<Vec<PaymentGroup<'_>>> = members
        .iter()
        .map(|m| payment_groups(&refs(m)))
        .collect::<Result<_, _>>()?;
    let views: Vec<PortfolioLoan<'_>> = loans
        .iter()
        .zip(&index)
        .map(|(l, i)| portfolio_loan(l, quote_date, &groups[*i]))
        .collect::<Result<_, _>>()?;
    let servicers: Vec<ServicerEntry<'_>> = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let r = refs(m);
            Ok(ServicerEntry {
                totals: totals(&r)?,
                monthly_payment: monthly_payment(&r, true)?,
                group: i,
                servicer_of: r[0],
                loans: m.clone(),
            })
        })
        .collect::<Result<_, Overflow>>()?;
    let all: Vec<&Loan> = loans.iter().collect();
    let t = totals(&all)?;
    let open: Vec<&Loan> = all.iter().copied().filter(|l| l.is_open()).collect();
    let portfolio = Portfolio {
        links,
        groups: &groups,
        loans: views,
        servicers,
        summary: Summary {
            accrued_interest: crate::money::string(t.accrued_interest),
            current_principal: crate::money::string(t.current_principal),
            monthly_payment: crate::money::string(sum(&open, |d| d.monthly_payment)?),
            outstanding_balance: crate::money::string(t.outstanding_balance),
        },
    };
    Ok(serde_json::to_string(&portfolio).expect("a Portfolio always serialises"))
}
