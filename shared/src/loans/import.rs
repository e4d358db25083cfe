//! MyStudentData.txt → [`NewLoan`] (payitoff-v1-surface §3.1 mapping).
//!
//! | File | LoanData |
//! |---|---|
//! | Loan Type Code (or resolved description) | `loan_type` (canonical code) |
//! | Parent PLUS consolidation indicators | `parent_plus_consolidation` (→ family) |
//! | Current Loan Status | `loan_status` (code) |
//! | Loan Status / Description / Effective Date triplets | `loan_status_history` (date → description) |
//! | Loan Repayment Plan Type Code Description | `repayment_plan_type` |
//! | Most relevant servicer contact: name, address | `servicer_name` (canonical if known), `servicer_address` |
//! | Guaranty-agency contact name | `guarantor` |
//! | Loan Interest Rate / Statutory Interest Rate | `interest_rate` / `original_interest_rate` |
//! | Loan Disbursed Amount (else Σ disbursements, else Loan Amount) | `original_principal` |
//! | Loan Date | `origination_date` |
//! | Outstanding Principal / Interest Balance (+ as of Date) | `outstanding_*`, `balance_as_of` (interest's date, else principal's) |
//! | Loan Disbursement Date (repeating) | `disbursement_dates` |
//! | Repayment Plan Scheduled Amount | `monthly_payment` |
//! | Repayment Plan IDR Plan Anniversary Date | `idr_renewal_date` |
//! | Loan Next Payment Due Date | `due_date` |
//! | Loan Most Recent Payment Effective Date | `last_payment_date` |
//! | Capitalized Interest | `capitalized_amount` |
//! | Loan PSLF Cumulative Matched Months | `pslf_cumulative_periods` (PSLF qualifying payments) |
//! | Delinquency pairs | `is_overdue` (an open delinquency → true; all closed → false) |
//! | School name / OPEID, rate type, award id as written | `metadata` |
//!
//! Closed loans (paid in full, consolidated, ...) are kept with their closed
//! status; their balances are what the file says, and a missing balance on a
//! closed loan is 0 (nothing is owed). Missing values on open loans stay
//! `None` (never invented). `award_id` is `ParsedLoan::import_key()`.

use super::{Address, LoanData, LoanSource, NewLoan};
use crate::mystudentdata::{ParsedFile, ParsedLoan, PostalAddress};
use crate::reference::StatusGroup;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Borrower profile fields found in the file (apply only to empty fields).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileFill {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Lower-cased.
    pub email: Option<String>,
    /// Preferred phone (else cell, home, work), digits as written.
    pub phone: Option<String>,
    /// `None` if the file has no address line at all.
    pub address: Option<Address>,
    /// The student's NSLDS school enrollment status code (`F`, `Q`, `H`, `G`, ...). Unlike the
    /// other fields it is current data: the latest import replaces it.
    #[serde(default)]
    pub school_enrollment: Option<String>,
}

fn address(a: &PostalAddress) -> Option<Address> {
    (!a.is_empty()).then(|| a.clone())
}

/// The student section as a [`ProfileFill`].
pub fn profile_fill(file: &ParsedFile) -> ProfileFill {
    let s = &file.student;
    ProfileFill {
        first_name: s.first_name.clone(),
        last_name: s.last_name.clone(),
        email: s.email.as_ref().map(|e| e.to_lowercase()),
        phone: s.phone.clone(),
        address: address(&s.address),
        school_enrollment: s
            .enrollment_status_code
            .as_ref()
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| crate::model::school_enrollment_name(c).is_some()),
    }
}

/// Every loan in the file, in file order (see module docs for the mapping).
///
/// Import keys are unique within the result: when several loans share a
/// `ParsedLoan::import_key` (files without award ids holding two loans of the
/// same type, date and amount; a repeated award id), the second and later
/// ones get `#2`, `#3`, ... in file order. Without this, every loan with the
/// key would match the same stored loan on re-import and overwrite it.
pub fn loans_from_file(file: &ParsedFile) -> Vec<NewLoan> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    file.loans
        .iter()
        .map(|p| {
            let mut loan = new_loan(p);
            if let Some(key) = loan.award_id.take() {
                let n = seen.entry(key.clone()).or_insert(0);
                *n += 1;
                loan.award_id = Some(if *n == 1 { key } else { format!("{key}#{n}") });
            }
            loan
        })
        .collect()
}

fn new_loan(p: &ParsedLoan) -> NewLoan {
    let closed = p.status_group == Some(StatusGroup::Closed);
    let zero_if_closed = |v: Option<Decimal>| v.or(closed.then_some(Decimal::ZERO));
    let contact = p.current_servicer();
    let guarantor = p
        .contacts
        .iter()
        .filter(|c| {
            c.contact_type
                .as_deref()
                .is_some_and(|t| t.to_ascii_lowercase().contains("guarant"))
        })
        .find_map(|c| c.name.clone());
    let is_overdue = (!p.delinquencies.is_empty()).then(|| {
        p.delinquencies
            .iter()
            .any(|d| d.start.is_some() && d.end.is_none())
    });
    let mut metadata = std::collections::BTreeMap::new();
    for (k, v) in [
        ("school_name", &p.school_name),
        ("school_opeid", &p.school_opeid),
        ("interest_rate_type", &p.interest_rate_type),
        ("award_id", &p.award_id),
        ("loan_type_description", &p.type_description),
    ] {
        if let Some(v) = v {
            metadata.insert(k.to_owned(), v.clone());
        }
    }
    let data = LoanData {
        loan_type: p
            .loan_type
            .map(|r| r.code.to_owned())
            .or_else(|| p.type_code.clone())
            .unwrap_or_default(),
        parent_plus_consolidation: p.parent_plus_consolidation,
        loan_status: p
            .status
            .map(|r| r.code.to_owned())
            .or_else(|| p.status_code.clone()),
        loan_status_history: p.status_history_map(),
        repayment_plan_type: p.repayment_plan.map(|r| r.plan_type.to_owned()),
        servicer_name: p
            .servicer
            .map(|r| r.name.to_owned())
            .or_else(|| p.servicer_name().map(str::to_owned)),
        servicer_address: contact.and_then(|c| address(&c.address)),
        account_number: None,
        guarantor,
        interest_rate: p.interest_rate,
        original_interest_rate: p.statutory_interest_rate,
        original_principal: p.original_principal,
        origination_date: p.loan_date,
        outstanding_principal: zero_if_closed(p.outstanding_principal),
        outstanding_interest: zero_if_closed(p.outstanding_interest),
        // Interest has been counted up to the interest balance's date, so
        // accrual for a payoff quote starts there (principal's date as fallback).
        balance_as_of: p
            .outstanding_interest_as_of
            .or(p.outstanding_principal_as_of),
        capitalized_amount: p.capitalized_interest,
        disbursement_dates: p.disbursement_dates(),
        due_date: p.next_payment_due_date,
        idr_renewal_date: p.idr_anniversary_date,
        is_overdue,
        last_payment: None,
        last_payment_date: p.last_payment_date,
        last_statement_balance: None,
        last_statement_date: None,
        maturity_date: None,
        min_payment: None,
        monthly_payment: p.repayment_plan_scheduled_amount,
        pslf_cumulative_periods: p.pslf_qualifying_payments,
        pslf: Default::default(),
        repayment_begin_date: p.repayment_begin_date,
        repayment_plan_begin_date: p.repayment_plan_begin_date,
        payment_group_id: None,
        payment_reference_number: None,
        metadata,
        no_longer_reported_since: None,
    };
    NewLoan {
        source: LoanSource::MyStudentData,
        external_id: None,
        award_id: Some(p.import_key()),
        data,
    }
}
