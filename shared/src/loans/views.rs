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

use super::{
    money_number, money_string, payoff_quote, rate_number, rate_string, Address, Loan, LoanData,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use uuid::Uuid;

/// chrono format of `PortfolioLoan.payoff.quote_date` (docs example: `"05/28/2021"`).
pub const PAYOFF_QUOTE_DATE_FORMAT: &str = "%m/%d/%Y";

/// PSLF needs 120 qualifying payments (34 CFR 685.219).
const PSLF_PAYMENTS: u32 = 120;

fn date(d: Option<NaiveDate>) -> Value {
    d.map(|d| Value::String(d.to_string()))
        .unwrap_or(Value::Null)
}

fn text(s: Option<&str>) -> Value {
    s.map(|s| Value::String(s.to_owned()))
        .unwrap_or(Value::Null)
}

fn dates(ds: &[NaiveDate]) -> Value {
    Value::Array(ds.iter().map(|d| Value::String(d.to_string())).collect())
}

fn address(a: &Address) -> Value {
    json!({
        "street1": a.street1, "street2": a.street2, "street3": a.street3,
        "city": a.city, "state": a.state, "zipcode": a.zipcode,
    })
}

/// The v1 `Loan` object.
///
/// `borrower_id` is `null`: the integer borrower id is not part of [`Loan`];
/// the caller should set it (`v["borrower_id"] = json!(id)`). `loan_type` and
/// `loan_status` are the canonical descriptions (as in the docs' payload
/// example); `loan_type_code` / `loan_status_code` carry the codes.
pub fn loan_view(loan: &Loan) -> Value {
    let d = &loan.data;
    let type_row = d.type_row();
    let status_row = d.status_row();
    let plan = d.plan_row().map(|p| {
        json!({"description": p.description, "idr": p.income_driven_repayment,
               "name": p.name, "type": p.plan_type})
    });
    let history: serde_json::Map<String, Value> = d
        .loan_status_history
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.clone())))
        .collect();
    let mut v = json!({
        "id": loan.id,
        "uuid": loan.uuid,
        "borrower_id": Value::Null,
        "borrower_uuid": loan.borrower_uuid,
        "external_id": loan.external_id,
        "account_number": d.account_number,
        "balance_entering_repayment": Value::Null,
        "capitalized_amount": money_number(d.capitalized_amount),
        "created_at": loan.created_at,
        "updated_at": loan.updated_at,
        "disbursement_dates": dates(&d.disbursement_dates),
        "due_date": date(d.due_date),
        "final_monthly_payment": Value::Null,
        "guarantor": d.guarantor,
        "idr_renewal_date": date(d.idr_renewal_date),
        "interest_rate": rate_number(d.interest_rate),
        "is_overdue": d.is_overdue,
        "last_payment": money_number(d.last_payment),
        "last_payment_date": date(d.last_payment_date),
        "last_statement_balance": money_number(d.last_statement_balance),
        "last_statement_date": date(d.last_statement_date),
        "loan_status": status_row.map(|r| r.description).or(d.loan_status.as_deref()),
        "loan_status_code": d.loan_status,
        "loan_status_history": history,
        "loan_type": type_row.map(|r| r.description).unwrap_or(&d.loan_type),
        "loan_type_code": d.loan_type,
        "maturity_date": date(d.maturity_date),
        "metadata": d.metadata,
        "min_payment": money_number(d.min_payment),
        "monthly_payment": money_number(d.monthly_payment),
        "original_principal": money_number(d.original_principal),
        "origination_date": date(d.origination_date),
        "outstanding_interest": money_number(d.outstanding_interest),
        "outstanding_principal": money_number(d.outstanding_principal),
        "pslf_cumulative_periods": d.pslf_cumulative_periods,
        "repayment_begin_date": date(d.repayment_begin_date),
        "repayment_plan": plan,
        "repayment_plan_begin_date": date(d.repayment_plan_begin_date),
        "repayment_plan_type": d.repayment_plan_type,
        "servicer_name": d.servicer_name,
        "source": loan.source,
    });
    closed_mark(&mut v, d);
    v
}

/// Loanpath addition, only on a linked loan the servicer stopped reporting (so every other
/// loan keeps the seed's exact shape): `no_longer_reported_since`, the day the scheduled sync
/// closed it.
fn closed_mark(v: &mut Value, d: &crate::loans::LoanData) {
    if let Some(day) = d.no_longer_reported_since {
        v["no_longer_reported_since"] = json!(day.to_string());
    }
}

fn portfolio_loan(loan: &Loan, quote_date: NaiveDate, groups: &Value) -> Result<Value, Overflow> {
    let d = &loan.data;
    let payoff = payoff_quote(loan, quote_date)?;
    let status = d.status_row();
    let ty = d.type_row();
    let plan = d.plan_row();
    let mut v = json!({
        "id": loan.uuid,
        "account_number": d.account_number,
        "created_at": loan.created_at,
        "updated_at": loan.updated_at,
        "disbursement_dates": dates(&d.disbursement_dates),
        "interest_rate": {
            "effective": rate_string(d.interest_rate),
            "original": rate_string(d.original_interest_rate.or(d.interest_rate)),
        },
        "monthly_payment": monthly_payment(std::slice::from_ref(loan), false)?,
        "origination": {
            "amount": money_string(d.original_principal),
            "date": date(d.origination_date),
        },
        "outstanding_interest": money_string(Some(d.outstanding_interest.unwrap_or_default())),
        "outstanding_principal": money_string(Some(d.outstanding_principal.unwrap_or_default())),
        "payment_group_id": d.payment_group_id,
        "payment_reference_number": d.payment_reference_number,
        "payoff": {
            "quote": money_string(Some(payoff.quote)),
            "quote_date": quote_date.format(PAYOFF_QUOTE_DATE_FORMAT).to_string(),
        },
        "pslf": pslf(d),
        "repayment_plan": {
            "description": plan.map(|p| p.description),
            "income_driven_repayment": plan.map(|p| p.income_driven_repayment),
            "type": plan.map(|p| p.plan_type).or(d.repayment_plan_type.as_deref()),
        },
        "servicer": servicer(d, groups),
        "status": {
            "code": d.loan_status,
            "description": status.map(|s| s.description),
        },
        "type": {
            "code": text(Some(&d.loan_type).filter(|c| !c.is_empty()).map(String::as_str)),
            // A type unknown to us (HEAL, an ambiguous legacy "PLUS") keeps the
            // file's own description rather than showing nothing.
            "description": ty.map(|t| t.description)
                .or(d.metadata.get("loan_type_description").map(String::as_str)),
            "federal": ty.map(|t| t.federal),
            "guarantor": d.guarantor.as_deref().or(ty.map(|t| t.guarantor)),
            "lender": ty.map(|t| t.lender),
            "subsidized": ty.map(|t| t.subsidized),
            "sula_eligible": ty.map(|t| t.sula_eligible),
        },
    });
    closed_mark(&mut v, d);
    Ok(v)
}

fn pslf(d: &LoanData) -> Value {
    let p = &d.pslf;
    let qualifying = d.pslf_cumulative_periods;
    let direct = d.type_row().is_some_and(|t| t.is_direct());
    let remaining = p.remaining_payments.or_else(|| {
        qualifying
            .filter(|_| direct)
            .map(|q| PSLF_PAYMENTS.saturating_sub(q))
    });
    json!({
        "eligible_payments": p.eligible_payments,
        "expected_forgiveness_date": date(p.expected_forgiveness_date),
        "ineligible_payment_details": p.ineligible_payment_details,
        "ineligible_payments": p.ineligible_payments,
        "non_qualifying_payment_details": p.non_qualifying_payment_details,
        "non_qualifying_payments": p.non_qualifying_payments,
        "qualifying_payments": qualifying,
        "remaining_payments": remaining,
    })
}

/// Servicer `{name, address, payment_groups}`; address as given by the
/// source, else the reference table's.
fn servicer(d: &LoanData, groups: &Value) -> Value {
    let addr = d
        .servicer_address
        .as_ref()
        .filter(|a| !a.is_empty())
        .map(address)
        .or_else(|| {
            d.servicer_row().and_then(|r| r.address.as_ref()).map(|a| {
                json!({"street1": a.street1, "street2": a.street2, "street3": a.street3,
                       "city": a.city, "state": a.state, "zipcode": a.zipcode})
            })
        })
        .unwrap_or(Value::Null);
    json!({
        "name": d.servicer_name,
        "address": addr,
        "payment_groups": groups,
    })
}

fn sum(loans: &[&Loan], f: impl Fn(&LoanData) -> Option<Decimal>) -> Result<Decimal, Overflow> {
    crate::money::sum(loans.iter().filter_map(|l| f(&l.data)))
}

/// `MonthlyPayment {scheduled_amount, estimated, next_payment_due}`:
/// sums the scheduled amounts (`null` if none is known) and takes the
/// earliest due date, over open loans only when `open_only`.
fn monthly_payment(loans: &[Loan], open_only: bool) -> Result<Value, Overflow> {
    let refs: Vec<&Loan> = loans.iter().filter(|l| !open_only || l.is_open()).collect();
    let known = refs.iter().any(|l| l.data.monthly_payment.is_some());
    let scheduled = match known {
        true => Some(sum(&refs, |d| d.monthly_payment)?),
        false => None,
    };
    Ok(json!({
        "scheduled_amount": money_string(scheduled),
        "estimated": false,
        "next_payment_due": date(refs.iter().filter_map(|l| l.data.due_date).min()),
    }))
}

/// `PaymentGroup`s for the loans' `payment_group_id`s (first-seen order).
/// Name and amounts due are unknown to us (`null`); `scheduled_amount` sums
/// the group's open loans. Both `current_amount` (schema) and
/// `current_amount_due` (docs example) are written.
fn payment_groups(loans: &[Loan]) -> Result<Value, Overflow> {
    let mut ids: Vec<Uuid> = Vec::new();
    for l in loans {
        if let Some(id) = l.data.payment_group_id {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    Ok(Value::Array(
        ids.into_iter()
            .map(|id| {
                let members: Vec<Loan> = loans
                    .iter()
                    .filter(|l| l.data.payment_group_id == Some(id))
                    .cloned()
                    .collect();
                let mut mp = monthly_payment(&members, true)?;
                mp["current_amount"] = Value::Null;
                mp["current_amount_due"] = Value::Null;
                mp["past_due_amount"] = Value::Null;
                Ok(json!({
                    "id": id,
                    "monthly_payment": mp,
                    "name": Value::Null,
                    "payment_reference_number":
                        members.iter().find_map(|l| l.data.payment_reference_number.clone()),
                }))
            })
            .collect::<Result<_, Overflow>>()?,
    ))
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

fn totals(loans: &[Loan]) -> Result<Totals, Overflow> {
    let open: Vec<&Loan> = loans.iter().filter(|l| l.is_open()).collect();
    let accrued_interest = sum(&open, |d| d.outstanding_interest)?;
    let current_principal = sum(&open, |d| d.outstanding_principal)?;
    Ok(Totals {
        accrued_interest,
        capitalized_interest: sum(&open, |d| d.capitalized_amount)?,
        current_principal,
        outstanding_balance: crate::money::add(accrued_interest, current_principal)?,
    })
}

/// The Portfolio: `{"loans": [PortfolioLoan], "summary": PortfolioSummary,
/// "servicers": [PortfolioServicer]}`.
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
pub fn portfolio_view(loans: &[Loan], quote_date: NaiveDate) -> Result<Value, Overflow> {
    let mut names: Vec<Option<&str>> = Vec::new();
    for l in loans {
        let n = l.data.servicer_name.as_deref();
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let name_index = |l: &Loan| {
        let n = l.data.servicer_name.as_deref();
        names.iter().position(|m| *m == n).unwrap_or(0)
    };
    let members: Vec<Vec<Loan>> = (0..names.len())
        .map(|i| {
            loans
                .iter()
                .filter(|l| name_index(l) == i)
                .cloned()
                .collect()
        })
        .collect();
    let groups: Vec<Value> = members
        .iter()
        .map(|m| payment_groups(m))
        .collect::<Result<_, _>>()?;
    let views: Vec<Value> = loans
        .iter()
        .map(|l| portfolio_loan(l, quote_date, &groups[name_index(l)]))
        .collect::<Result<_, _>>()?;
    let servicers: Vec<Value> = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let t = totals(m)?;
            let g = &groups[i];
            let groups_or_null = if g.as_array().is_some_and(|g| g.is_empty()) {
                Value::Null
            } else {
                g.clone()
            };
            let loan_views: Vec<Value> = loans
                .iter()
                .zip(&views)
                .filter(|(l, _)| name_index(l) == i)
                .map(|(_, v)| v.clone())
                .collect();
            Ok(json!({
                "accrued_interest": money_string(Some(t.accrued_interest)),
                "capitalized_interest": money_string(Some(t.capitalized_interest)),
                "current_principal": money_string(Some(t.current_principal)),
                "outstanding_balance": money_string(Some(t.outstanding_balance)),
                "loans": loan_views,
                "monthly_payment": monthly_payment(m, true)?,
                "payment_groups": groups_or_null,
                "servicer": servicer(&m[0].data, g),
            }))
        })
        .collect::<Result<_, Overflow>>()?;
    let t = totals(loans)?;
    let open: Vec<&Loan> = loans.iter().filter(|l| l.is_open()).collect();
    Ok(json!({
        "loans": views,
        "summary": {
            "accrued_interest": money_string(Some(t.accrued_interest)),
            "current_principal": money_string(Some(t.current_principal)),
            "outstanding_balance": money_string(Some(t.outstanding_balance)),
            "monthly_payment": money_string(Some(sum(&open, |d| d.monthly_payment)?)),
        },
        "servicers": servicers,
    }))
}
