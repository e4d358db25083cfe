//! Parser for the studentaid.gov "Download My Aid Data" file (`MyStudentData.txt`).
//!
//! Layout (payitoff-v1-surface.md §3.1): one `Key:Value` per line, split on the
//! first colon; a new loan starts at `Loan Type Code` (older upper-case files:
//! `LOAN TYPE`, whose value is a description); inside a loan, `Loan Status` /
//! `Loan Status Description` / `Loan Status Effective Date` triplets,
//! `Loan Disbursement Date` / `Loan Disbursement Amount` pairs and
//! `Loan Contact Type ... Most Relevant` blocks repeat.
//!
//! Decisions worth knowing:
//! * Keys are matched case-insensitively with whitespace collapsed, so the
//!   older upper-case layout uses the same key table (plus a few legacy
//!   aliases such as `LOAN INTEREST RATE TYPE`).
//! * The loan opener is whichever of `Loan Type Code`, `Loan Type`,
//!   `Loan Award ID` appears first in the file (award-first files exist).
//!   One of those keys repeating inside a loan also starts a new loan, so a
//!   loan missing its opener line is not merged into the previous one.
//! * A single-valued loan key that appears twice in one loan keeps its first
//!   non-blank value (a later blank line never erases it); a different later
//!   value is validated and reported as a warning, never taken silently.
//! * Non-`Key:Value` lines before the first recognized key are a preamble and
//!   skipped (old uploads carried ~8 metadata lines before `File Source`);
//!   after it they are errors. Unknown keys are ignored.
//! * Current status: `Current Loan Status` if present, else the history entry
//!   with the latest effective date (first listed if none is dated).
//! * Current servicer: the first contact block with `Most Relevant:Yes`; else
//!   the first whose type says "Current" and "Servicer"; else the first that is
//!   not a guaranty agency; else the first.
//! * Input bytes may carry a UTF-8 BOM, CRLF or CR line ends, or be UTF-16
//!   (BOM) or Latin-1 (not valid UTF-8): all are decoded.
//! * `original_principal`: `Loan Disbursed Amount`, else the sum of the
//!   disbursements, else `Loan Amount`.

mod values;

/// The years any date may carry, in a file or a JSON payload.
pub use values::YEARS as DATE_YEARS;

/// How often a loan may repeat a field (status history, disbursements, delinquencies,
/// contacts): the JSON routes' list limit.
const MAX_LIST: usize = 200;

#[cfg(test)]
mod tests;

use crate::reference::{
    self, LoanFamily, LoanStatusRow, LoanTypeRow, RepaymentPlanRow, ServicerRow, StatusGroup,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// A fatal problem with the file, naming the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// A non-fatal oddity (unknown loan type code, unrecognized plan description,
/// two `Most Relevant:Yes` contacts, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseWarning {
    pub line: usize,
    pub message: String,
}

/// Which variant of the file layout was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// studentaid.gov era: `Loan Type Code` + `Loan Type Description`, mixed-case keys.
    Modern,
    /// nslds.ed.gov era: upper-case keys and/or `Loan Type:` descriptions without codes.
    Legacy,
}

/// The student's postal address.
pub type PostalAddress = crate::model::Address;

/// The borrower's own section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StudentProfile {
    pub first_name: Option<String>,
    pub middle_initial: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    /// The preferred phone (`... Phone Preferred:Y`), else cell, home, work.
    pub phone: Option<String>,
    pub address: PostalAddress,
    pub country_code: Option<String>,
    pub enrollment_status_code: Option<String>,
    pub enrollment_status_description: Option<String>,
    pub total_outstanding_principal: Option<Decimal>,
    pub total_outstanding_interest: Option<Decimal>,
}

/// One `Loan Status` / `Loan Status Description` / `Loan Status Effective Date` triplet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusHistoryEntry {
    pub code: Option<String>,
    pub description: Option<String>,
    pub effective_date: Option<NaiveDate>,
    pub line: usize,
}

/// One `Loan Disbursement Date` / `Loan Disbursement Amount` pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disbursement {
    pub date: Option<NaiveDate>,
    pub amount: Option<Decimal>,
}

/// One `Loan Delinquency Date` / `Loan Delinquency End Date` pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delinquency {
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
}

/// One `Loan Contact Type` block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoanContact {
    /// e.g. "Current ED Servicer", "Previous Servicer", "Current Guaranty Agency".
    pub contact_type: Option<String>,
    pub code: Option<String>,
    pub name: Option<String>,
    pub address: PostalAddress,
    pub phone: Option<String>,
    pub phone_extension: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub most_relevant: Option<bool>,
    pub line: usize,
}

/// One loan block, with values parsed and reference data resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParsedLoan {
    /// Line of the key that opened this loan.
    pub line: usize,
    /// As written, possibly masked with `*` (see [`ParsedLoan::award_id_key`]).
    pub award_id: Option<String>,
    /// NSLDS loan type code (upper-case); for legacy files resolved from the description.
    pub type_code: Option<String>,
    pub type_description: Option<String>,
    pub loan_type: Option<&'static LoanTypeRow>,
    pub family: LoanFamily,
    /// OR of the Parent PLUS consolidation indicators (`None` if none present).
    pub parent_plus_consolidation: Option<bool>,
    pub school_name: Option<String>,
    pub school_opeid: Option<String>,
    /// `Loan Date` (origination / award date).
    pub loan_date: Option<NaiveDate>,
    pub repayment_begin_date: Option<NaiveDate>,
    pub period_begin_date: Option<NaiveDate>,
    pub period_end_date: Option<NaiveDate>,
    pub loan_amount: Option<Decimal>,
    /// `Loan Disbursed Amount`, else the sum of the disbursements.
    pub total_disbursed: Option<Decimal>,
    /// `Loan Disbursed Amount`, else the sum of disbursements, else `Loan Amount`.
    pub original_principal: Option<Decimal>,
    pub canceled_amount: Option<Decimal>,
    pub canceled_date: Option<NaiveDate>,
    pub outstanding_principal: Option<Decimal>,
    pub outstanding_principal_as_of: Option<NaiveDate>,
    pub outstanding_interest: Option<Decimal>,
    pub outstanding_interest_as_of: Option<NaiveDate>,
    /// Percent, e.g. `6.8` for `6.8%` (`Loan Interest Rate`, else `Loan Actual Interest Rate`).
    pub interest_rate: Option<Decimal>,
    pub statutory_interest_rate: Option<Decimal>,
    pub interest_rate_type: Option<String>,
    pub repayment_plan_code: Option<String>,
    pub repayment_plan_description: Option<String>,
    pub repayment_plan: Option<&'static RepaymentPlanRow>,
    pub repayment_plan_begin_date: Option<NaiveDate>,
    pub repayment_plan_scheduled_amount: Option<Decimal>,
    pub idr_anniversary_date: Option<NaiveDate>,
    pub last_payment_date: Option<NaiveDate>,
    pub next_payment_due_date: Option<NaiveDate>,
    pub cumulative_payment_amount: Option<Decimal>,
    pub capitalized_interest: Option<Decimal>,
    /// `Loan PSLF Cumulative Matched Months`.
    pub pslf_qualifying_payments: Option<u32>,
    /// Current status code (upper-case) and description.
    pub status_code: Option<String>,
    pub status_description: Option<String>,
    pub status: Option<&'static LoanStatusRow>,
    pub status_group: Option<StatusGroup>,
    pub status_history: Vec<StatusHistoryEntry>,
    pub disbursements: Vec<Disbursement>,
    pub delinquencies: Vec<Delinquency>,
    pub contacts: Vec<LoanContact>,
    /// Index into `contacts` of the current servicer (see module docs).
    pub servicer_contact: Option<usize>,
    /// Reference row for the current servicer's name, if we know it.
    pub servicer: Option<&'static ServicerRow>,
}

impl ParsedLoan {
    /// The contact block naming the current servicer.
    pub fn current_servicer(&self) -> Option<&LoanContact> {
        self.servicer_contact.and_then(|i| self.contacts.get(i))
    }

    /// Current servicer name as written in the file.
    pub fn servicer_name(&self) -> Option<&str> {
        self.current_servicer().and_then(|c| c.name.as_deref())
    }

    /// Disbursement dates in file order (Payitoff `disbursement_dates`).
    pub fn disbursement_dates(&self) -> Vec<NaiveDate> {
        self.disbursements.iter().filter_map(|d| d.date).collect()
    }

    /// Payitoff `LoanStatusHistory`: effective date → status description
    /// (code if there is no description). Undated entries are left out.
    pub fn status_history_map(&self) -> BTreeMap<NaiveDate, String> {
        self.status_history
            .iter()
            .filter_map(|e| {
                let label = e
                    .description
                    .clone()
                    .or_else(|| e.code.clone())
                    .unwrap_or_default();
                e.effective_date.map(|d| (d, label))
            })
            .collect()
    }

    /// The award id with mask characters and spaces removed, upper-cased
    /// (`*********S15G12345001` → `S15G12345001`); `None` if nothing is left.
    pub fn award_id_key(&self) -> Option<String> {
        let k: String = self
            .award_id
            .as_deref()?
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_uppercase();
        (!k.is_empty()).then_some(k)
    }

    /// Stable per-borrower key for idempotent import: `award:<award_id_key>`,
    /// or (files without award ids) `loan:<type>:<loan date>:<original principal>`.
    pub fn import_key(&self) -> String {
        match self.award_id_key() {
            Some(k) => format!("award:{k}"),
            None => format!(
                "loan:{}:{}:{}",
                self.type_code
                    .as_deref()
                    .or(self.type_description.as_deref())
                    .unwrap_or("?"),
                self.loan_date.map(|d| d.to_string()).unwrap_or_default(),
                self.original_principal
                    .map(|d| d.normalize().to_string())
                    .unwrap_or_default()
            ),
        }
    }

    /// True when the loan is still owed (status group not Closed; unknown status counts as owed).
    pub fn is_open(&self) -> bool {
        self.status_group != Some(StatusGroup::Closed)
    }
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParsedFile {
    pub layout: Layout,
    pub file_source: Option<String>,
    pub file_request_date: Option<NaiveDate>,
    pub student: StudentProfile,
    pub loans: Vec<ParsedLoan>,
    pub warnings: Vec<ParseWarning>,
}

/// Parses raw upload bytes (BOM, CRLF, UTF-16 and Latin-1 tolerated).
pub fn parse(input: &[u8]) -> Result<ParsedFile, ParseError> {
    parse_str(&decode(input))
}

/// Parses already-decoded text.
pub fn parse_str(text: &str) -> Result<ParsedFile, ParseError> {
    Parser::default().run(text)
}

fn decode(input: &[u8]) -> String {
    if let Some(rest) = input.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    let utf16 = |rest: &[u8], le: bool| {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    if let Some(rest) = input.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, true);
    }
    if let Some(rest) = input.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, false);
    }
    match std::str::from_utf8(input) {
        Ok(s) => s.to_owned(),
        // Latin-1: every byte is the code point of the same value.
        Err(_) => input.iter().map(|&b| char::from(b)).collect(),
    }
}

/// What a canonical (lower-case, single-spaced) key means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    FileSource,
    FileRequestDate,
    Student(StudentField),
    Loan(LoanField),
    /// Known key we deliberately do not keep (grants, aggregates, flags...).
    Ignored,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StudentField {
    FirstName,
    MiddleInitial,
    LastName,
    Street1,
    Street2,
    City,
    State,
    Country,
    Zip,
    Email,
    HomePhone,
    CellPhone,
    WorkPhone,
    HomePreferred,
    CellPreferred,
    WorkPreferred,
    EnrollmentCode,
    EnrollmentDescription,
    TotalPrincipal,
    TotalInterest,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoanField {
    TypeCode,
    /// Legacy `LOAN TYPE` (description or code).
    Type,
    TypeDescription,
    AwardId,
    SchoolName,
    SchoolOpeid,
    LoanDate,
    RepaymentBeginDate,
    PeriodBegin,
    PeriodEnd,
    Amount,
    DisbursedAmount,
    CanceledAmount,
    CanceledDate,
    Principal,
    PrincipalAsOf,
    Interest,
    InterestAsOf,
    RateTypeCode,
    RateType,
    Rate,
    ActualRate,
    StatutoryRate,
    PlanCode,
    PlanDescription,
    PlanBegin,
    PlanAmount,
    IdrAnniversary,
    LastPayment,
    NextDue,
    Cumulative,
    Capitalized,
    PslfMonths,
    CurrentStatus,
    CurrentStatusDescription,
    ParentPlusIndicator,
    Status,
    StatusDescription,
    StatusDate,
    DisbursementDate,
    DisbursementAmount,
    DelinquencyStart,
    DelinquencyEnd,
    ContactType,
    ContactCode,
    ContactName,
    ContactStreet1,
    ContactStreet2,
    ContactCity,
    ContactState,
    ContactZip,
    ContactPhone,
    ContactPhoneExt,
    ContactEmail,
    ContactWeb,
    MostRelevant,
    /// Known per-loan key we do not keep.
    Other,
}

fn canon_key(k: &str) -> String {
    k.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn classify(key: &str) -> Option<Field> {
    use LoanField as L;
    use StudentField as S;
    let f = match key {
        "file source" => Field::FileSource,
        "file request date" => Field::FileRequestDate,
        "student first name" => Field::Student(S::FirstName),
        "student middle initial" => Field::Student(S::MiddleInitial),
        "student last name" => Field::Student(S::LastName),
        "student street address 1"
        | "student street address line 1"
        | "student address 1"
        | "student address line 1" => Field::Student(S::Street1),
        "student street address 2"
        | "student street address line 2"
        | "student address 2"
        | "student address line 2" => Field::Student(S::Street2),
        "student city" => Field::Student(S::City),
        "student state code" | "student state" => Field::Student(S::State),
        "student country code" | "student country" => Field::Student(S::Country),
        "student zip code" | "student zip" | "student postal code" => Field::Student(S::Zip),
        "student email address" | "student email" | "student e-mail address" => {
            Field::Student(S::Email)
        }
        "student home phone number" | "student home phone" => Field::Student(S::HomePhone),
        "student cell phone number" | "student cell phone" => Field::Student(S::CellPhone),
        "student work phone number" | "student work phone" => Field::Student(S::WorkPhone),
        "student home phone preferred" => Field::Student(S::HomePreferred),
        "student cell phone preferred" => Field::Student(S::CellPreferred),
        "student work phone preferred" => Field::Student(S::WorkPreferred),
        "student enrollment status code" => Field::Student(S::EnrollmentCode),
        "student enrollment status code description" | "student enrollment status description" => {
            Field::Student(S::EnrollmentDescription)
        }
        "student total all loans outstanding principal" => Field::Student(S::TotalPrincipal),
        "student total all loans outstanding interest" => Field::Student(S::TotalInterest),
        "loan type code" => Field::Loan(L::TypeCode),
        "loan type" => Field::Loan(L::Type),
        "loan type description" | "loan type code description" => Field::Loan(L::TypeDescription),
        "loan award id" | "loan award identifier" => Field::Loan(L::AwardId),
        "loan attending school name" | "loan school name" => Field::Loan(L::SchoolName),
        "loan attending school opeid" | "loan school code" => Field::Loan(L::SchoolOpeid),
        "loan date" => Field::Loan(L::LoanDate),
        "loan repayment begin date" => Field::Loan(L::RepaymentBeginDate),
        "loan period begin date" => Field::Loan(L::PeriodBegin),
        "loan period end date" => Field::Loan(L::PeriodEnd),
        "loan amount" => Field::Loan(L::Amount),
        "loan disbursed amount" => Field::Loan(L::DisbursedAmount),
        "loan canceled amount" | "loan cancelled amount" => Field::Loan(L::CanceledAmount),
        "loan canceled date" | "loan cancelled date" => Field::Loan(L::CanceledDate),
        "loan outstanding principal balance" => Field::Loan(L::Principal),
        "loan outstanding principal balance as of date"
        | "loan outstanding principal balance date" => Field::Loan(L::PrincipalAsOf),
        "loan outstanding interest balance" => Field::Loan(L::Interest),
        "loan outstanding interest balance as of date"
        | "loan outstanding interest balance date" => Field::Loan(L::InterestAsOf),
        "loan interest rate type code" => Field::Loan(L::RateTypeCode),
        "loan interest rate type description" | "loan interest rate type" => {
            Field::Loan(L::RateType)
        }
        "loan interest rate" => Field::Loan(L::Rate),
        "loan actual interest rate" => Field::Loan(L::ActualRate),
        "loan statutory interest rate" => Field::Loan(L::StatutoryRate),
        "loan repayment plan type code" => Field::Loan(L::PlanCode),
        "loan repayment plan type code description"
        | "loan repayment plan type description"
        | "loan repayment plan type"
        | "loan repayment plan description"
        | "loan repayment plan" => Field::Loan(L::PlanDescription),
        "loan repayment plan begin date" => Field::Loan(L::PlanBegin),
        "loan repayment plan scheduled amount" => Field::Loan(L::PlanAmount),
        "loan repayment plan idr plan anniversary date" => Field::Loan(L::IdrAnniversary),
        "loan most recent payment effective date" => Field::Loan(L::LastPayment),
        "loan next payment due date" => Field::Loan(L::NextDue),
        "loan cumulative payment amount" => Field::Loan(L::Cumulative),
        "capitalized interest" | "loan capitalized interest" => Field::Loan(L::Capitalized),
        "loan pslf cumulative matched months"
        | "loan pslf matched months"
        | "pslf cumulative matched months" => Field::Loan(L::PslfMonths),
        "current loan status" | "loan current status" => Field::Loan(L::CurrentStatus),
        "current loan status description" | "loan current status description" => {
            Field::Loan(L::CurrentStatusDescription)
        }
        "parent plus consolidation indicator"
        | "parent plus first level consolidation indicator"
        | "consolidation loan with any parent plus indicator" => {
            Field::Loan(L::ParentPlusIndicator)
        }
        "loan status" | "loan status code" => Field::Loan(L::Status),
        "loan status description" => Field::Loan(L::StatusDescription),
        "loan status effective date" | "loan status date" => Field::Loan(L::StatusDate),
        "loan disbursement date" => Field::Loan(L::DisbursementDate),
        "loan disbursement amount" => Field::Loan(L::DisbursementAmount),
        "loan delinquency date" | "delinqdate" => Field::Loan(L::DelinquencyStart),
        "loan delinquency end date" => Field::Loan(L::DelinquencyEnd),
        "loan contact type" => Field::Loan(L::ContactType),
        "loan contact code" => Field::Loan(L::ContactCode),
        "loan contact name" => Field::Loan(L::ContactName),
        "loan contact street address 1" | "loan contact street address line 1" => {
            Field::Loan(L::ContactStreet1)
        }
        "loan contact street address 2" | "loan contact street address line 2" => {
            Field::Loan(L::ContactStreet2)
        }
        "loan contact city" => Field::Loan(L::ContactCity),
        "loan contact state code" | "loan contact state" => Field::Loan(L::ContactState),
        "loan contact zip code" | "loan contact zip" => Field::Loan(L::ContactZip),
        "loan contact phone number" | "loan contact phone" => Field::Loan(L::ContactPhone),
        "loan contact phone extension" => Field::Loan(L::ContactPhoneExt),
        "loan contact email address" | "loan contact email" => Field::Loan(L::ContactEmail),
        "loan contact web site address" | "loan contact website address" => {
            Field::Loan(L::ContactWeb)
        }
        "most relevant" | "loan contact most relevant" => Field::Loan(L::MostRelevant),
        "loan special contact reason"
        | "loan special contact"
        | "loan confirmed subsidy status"
        | "loan subsidized usage in years"
        | "loan reaffirmation date"
        | "reaffirmation flag"
        | "academic level"
        | "additional unsubsidized loan flag"
        | "award year"
        | "net loan amount"
        | "calculated subsidized aggregate opb"
        | "calculated unsubsidized aggregate opb"
        | "calculated combined aggregate opb"
        | "updtdt"
        | "loan updated date"
        | "highest historical outstanding principal balance"
        | "highest historical outstanding principal balance (opb)"
        | "current standard-standard schedule payment amount"
        | "permanent standard-standard schedule payment amount"
        | "joint consolidation loan indicator"
        | "joint consolidation loan separation indicator" => Field::Loan(L::Other),
        k if k.starts_with("student ") => Field::Student(S::Other),
        k if k.starts_with("grant ")
            || k.starts_with("undergraduate ")
            || k.starts_with("graduate ")
            || k.starts_with("aggregate ") =>
        {
            Field::Ignored
        }
        _ => return None,
    };
    Some(f)
}

/// One `Key:Value` line.
struct Entry<'a> {
    line: usize,
    raw_key: &'a str,
    value: &'a str,
    field: Option<Field>,
}

#[derive(Default)]
struct LoanBuilder {
    line: usize,
    /// Identity keys (`Loan Type Code`, `Loan Type`, `Loan Award ID`) seen in this loan.
    identity_seen: Vec<LoanField>,
    /// First non-blank value of each single-valued key seen in this loan.
    single_values: Vec<(LoanField, String)>,
    award_id: Option<String>,
    type_code: Option<String>,
    legacy_type: Option<String>,
    type_description: Option<String>,
    parent_plus: Option<bool>,
    school_name: Option<String>,
    school_opeid: Option<String>,
    loan_date: Option<NaiveDate>,
    repayment_begin_date: Option<NaiveDate>,
    period_begin_date: Option<NaiveDate>,
    period_end_date: Option<NaiveDate>,
    loan_amount: Option<Decimal>,
    disbursed_amount: Option<Decimal>,
    canceled_amount: Option<Decimal>,
    canceled_date: Option<NaiveDate>,
    principal: Option<Decimal>,
    principal_as_of: Option<NaiveDate>,
    interest: Option<Decimal>,
    interest_as_of: Option<NaiveDate>,
    rate: Option<Decimal>,
    actual_rate: Option<Decimal>,
    statutory_rate: Option<Decimal>,
    rate_type: Option<String>,
    rate_type_code: Option<String>,
    plan_code: Option<String>,
    plan_description: Option<String>,
    plan_begin: Option<NaiveDate>,
    plan_amount: Option<Decimal>,
    idr_anniversary: Option<NaiveDate>,
    last_payment: Option<NaiveDate>,
    next_due: Option<NaiveDate>,
    cumulative: Option<Decimal>,
    capitalized: Option<Decimal>,
    pslf_months: Option<u32>,
    current_status: Option<String>,
    current_status_description: Option<String>,
    history: Vec<StatusHistoryEntry>,
    disbursements: Vec<Disbursement>,
    delinquencies: Vec<Delinquency>,
    contacts: Vec<LoanContact>,
}

#[derive(Default)]
struct Parser {
    file_source: Option<String>,
    file_request_date: Option<NaiveDate>,
    student: StudentProfile,
    phones: [Option<String>; 3],
    preferred: [Option<bool>; 3],
    loans: Vec<LoanBuilder>,
    warnings: Vec<ParseWarning>,
}

fn err(line: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        line,
        message: message.into(),
    }
}

impl Parser {
    fn run(mut self, text: &str) -> Result<ParsedFile, ParseError> {
        let lines: Vec<&str> = if text.contains('\n') {
            text.split('\n').collect()
        } else {
            text.split('\r').collect()
        };
        let mut entries = Vec::new();
        let mut non_kv = Vec::new();
        for (i, raw) in lines.iter().enumerate() {
            let line_no = i + 1;
            let l = raw.trim_end_matches('\r').trim();
            if l.is_empty() {
                continue;
            }
            match l.split_once(':') {
                Some((k, v)) if !k.trim().is_empty() => {
                    let field = classify(&canon_key(k));
                    entries.push(Entry {
                        line: line_no,
                        raw_key: k.trim(),
                        value: v.trim(),
                        field,
                    });
                }
                _ => non_kv.push((line_no, l)),
            }
        }
        let strong = entries.iter().any(|e| {
            matches!(
                e.field,
                Some(Field::FileSource | Field::Loan(LoanField::TypeCode | LoanField::Type))
            )
        }) || entries
            .iter()
            .filter(|e| matches!(e.field, Some(Field::Student(_))))
            .count()
            >= 2;
        let first_line = lines
            .iter()
            .position(|l| !l.trim().is_empty())
            .map_or(1, |i| i + 1);
        if !strong {
            return Err(err(
                first_line,
                "not a MyStudentData.txt file: no `File Source`, `Loan Type Code` or student keys found",
            ));
        }
        let first_recognized = entries
            .iter()
            .find(|e| e.field.is_some())
            .map_or(usize::MAX, |e| e.line);
        if let Some((line, text)) = non_kv.iter().find(|(l, _)| *l > first_recognized) {
            let shown: String = text.chars().take(60).collect();
            return Err(err(*line, format!("expected `Key:Value`, found {shown:?}")));
        }

        let opener = entries
            .iter()
            .find_map(|e| match e.field {
                Some(Field::Loan(
                    f @ (LoanField::TypeCode | LoanField::Type | LoanField::AwardId),
                )) => Some(f),
                _ => None,
            })
            .unwrap_or(LoanField::TypeCode);
        let with_letters: Vec<&Entry> = entries
            .iter()
            .filter(|e| e.field.is_some() && e.raw_key.chars().any(|c| c.is_ascii_alphabetic()))
            .collect();
        let upper = with_letters
            .iter()
            .filter(|e| !e.raw_key.chars().any(|c| c.is_ascii_lowercase()))
            .count();
        let layout = if opener == LoanField::Type || upper * 2 > with_letters.len() {
            Layout::Legacy
        } else {
            Layout::Modern
        };

        for e in &entries {
            self.apply(e, opener)?;
        }
        // Loan lines with no loan to hold them: importing "no loans" would
        // silently drop the borrower's debt, so the file is refused instead.
        if self.loans.is_empty() {
            if let Some(e) = entries
                .iter()
                .find(|e| matches!(e.field, Some(Field::Loan(f)) if f != LoanField::Other))
            {
                return Err(err(
                    e.line,
                    format!(
                        "`{}` appears but no `Loan Type Code` (or `Loan Award ID`) line starts a loan",
                        e.raw_key
                    ),
                ));
            }
        }
        if let Some(source) = &self.file_source {
            let s = source.to_lowercase();
            if ![
                "nslds",
                "national student loan data system",
                "department of education",
                "studentaid",
            ]
            .iter()
            .any(|m| s.contains(m))
            {
                let line = entries
                    .iter()
                    .find(|e| e.field == Some(Field::FileSource))
                    .map_or(1, |e| e.line);
                self.warnings.push(ParseWarning {
                    line,
                    message: format!("unexpected File Source {source:?}"),
                });
            }
        }
        self.finish(layout)
    }

    fn apply(&mut self, e: &Entry, opener: LoanField) -> Result<(), ParseError> {
        let ctx = |m: String| err(e.line, format!("{}: {m}", e.raw_key));
        let v = e.value;
        match e.field {
            None | Some(Field::Ignored) => {}
            Some(Field::FileSource) => self.file_source = values::text(v),
            Some(Field::FileRequestDate) => {
                self.file_request_date = values::date(v).map_err(ctx)?
            }
            Some(Field::Student(f)) => self.apply_student(f, v).map_err(ctx)?,
            Some(Field::Loan(f)) => {
                // A loan opens at the opener key, and also when another
                // identity key (`Loan Type Code`, `Loan Type`, `Loan Award ID`)
                // repeats inside the current loan: a loan whose opener line is
                // missing must not be merged into the previous one.
                let repeated = matches!(
                    f,
                    LoanField::TypeCode | LoanField::Type | LoanField::AwardId
                ) && self
                    .loans
                    .last()
                    .is_some_and(|l| l.identity_seen.contains(&f));
                if f == opener || repeated {
                    self.loans.push(LoanBuilder {
                        line: e.line,
                        ..LoanBuilder::default()
                    });
                }
                let Some(loan) = self.loans.last_mut() else {
                    self.warnings.push(ParseWarning {
                        line: e.line,
                        message: format!("{} appears before the first loan; ignored", e.raw_key),
                    });
                    return Ok(());
                };
                // A single-valued key repeated inside one loan: the first
                // non-blank value is kept (a later blank never erases it); a
                // different later value is still validated, and warned about.
                if is_single_valued(f) {
                    let value = v.trim();
                    let first = loan
                        .single_values
                        .iter()
                        .find(|(g, _)| *g == f)
                        .map(|(_, first)| first.clone());
                    if let Some(first) = first {
                        apply_loan(&mut LoanBuilder::default(), f, v, e.line).map_err(ctx)?;
                        if !value.is_empty() && value != first {
                            self.warnings.push(ParseWarning {
                                line: e.line,
                                message: format!(
                                    "{} appears twice in one loan ({first:?}, then {value:?}); the first value is used",
                                    e.raw_key
                                ),
                            });
                        }
                        return Ok(());
                    }
                    if !value.is_empty() {
                        loan.single_values.push((f, value.to_owned()));
                    }
                }
                if matches!(
                    f,
                    LoanField::TypeCode | LoanField::Type | LoanField::AwardId
                ) {
                    loan.identity_seen.push(f);
                }
                apply_loan(loan, f, v, e.line).map_err(ctx)?;
            }
        }
        Ok(())
    }

    fn apply_student(&mut self, f: StudentField, v: &str) -> Result<(), String> {
        use StudentField as S;
        let s = &mut self.student;
        let t = values::bounded_text(v)?;
        match f {
            S::FirstName => s.first_name = t,
            S::MiddleInitial => s.middle_initial = t,
            S::LastName => s.last_name = t,
            S::Street1 => s.address.street1 = t,
            S::Street2 => s.address.street2 = t,
            S::City => s.address.city = t,
            S::State => s.address.state = t,
            S::Country => s.country_code = t,
            S::Zip => s.address.zipcode = t,
            S::Email => s.email = t,
            S::HomePhone => self.phones[0] = t,
            S::CellPhone => self.phones[1] = t,
            S::WorkPhone => self.phones[2] = t,
            // A malformed preference flag is not worth rejecting the file for.
            S::HomePreferred => self.preferred[0] = values::flag(v).ok().flatten(),
            S::CellPreferred => self.preferred[1] = values::flag(v).ok().flatten(),
            S::WorkPreferred => self.preferred[2] = values::flag(v).ok().flatten(),
            S::EnrollmentCode => s.enrollment_status_code = t,
            S::EnrollmentDescription => s.enrollment_status_description = t,
            S::TotalPrincipal => s.total_outstanding_principal = values::amount(v)?,
            S::TotalInterest => s.total_outstanding_interest = values::amount(v)?,
            S::Other => {}
        }
        Ok(())
    }

    fn finish(mut self, layout: Layout) -> Result<ParsedFile, ParseError> {
        // Phone: preferred one, else cell, home, work.
        let order = [1usize, 0, 2];
        self.student.phone = (0..3)
            .find(|&i| self.preferred[i] == Some(true) && self.phones[i].is_some())
            .or_else(|| order.into_iter().find(|&i| self.phones[i].is_some()))
            .and_then(|i| self.phones[i].clone());
        let mut warnings = std::mem::take(&mut self.warnings);
        let loans: Vec<ParsedLoan> = self
            .loans
            .into_iter()
            .map(|b| build_loan(b, &mut warnings))
            .collect();
        // A sum of disbursements is bounded like any other amount: a single disbursement
        // may be negative (a reversal), their sum may not.
        if let Some(l) = loans.iter().find(|l| {
            l.total_disbursed
                .is_some_and(|d| d.is_sign_negative() && !d.is_zero())
        }) {
            return Err(ParseError {
                line: l.line,
                message: "the loan's disbursements add up to less than zero".into(),
            });
        }
        if let Some(l) = loans.iter().find(|l| {
            l.total_disbursed
                .is_some_and(|d| d > crate::rules::limits::MAX_MONEY)
        }) {
            return Err(ParseError {
                line: l.line,
                message: format!(
                    "the loan's disbursements add up to more than {}",
                    crate::rules::limits::MAX_MONEY
                ),
            });
        }
        Ok(ParsedFile {
            layout,
            file_source: self.file_source,
            file_request_date: self.file_request_date,
            student: self.student,
            loans,
            warnings,
        })
    }
}

fn apply_loan(loan: &mut LoanBuilder, f: LoanField, v: &str, line: usize) -> Result<(), String> {
    use LoanField as L;
    // Errors carry only the reason; the caller adds the line and key.
    let t = values::bounded_text(v)?;
    // Lists a loan repeats (status history, disbursements, delinquencies, contacts) are bounded
    // like the JSON routes' lists.
    if [
        loan.history.len(),
        loan.disbursements.len(),
        loan.delinquencies.len(),
        loan.contacts.len(),
    ]
    .iter()
    .any(|n| *n >= MAX_LIST)
    {
        return Err(format!(
            "a loan may repeat a field at most {MAX_LIST} times"
        ));
    }
    match f {
        L::TypeCode => loan.type_code = t.map(|c| c.to_ascii_uppercase()),
        L::Type => loan.legacy_type = t,
        L::TypeDescription => loan.type_description = t,
        L::AwardId => loan.award_id = t,
        L::SchoolName => loan.school_name = t,
        L::SchoolOpeid => loan.school_opeid = t,
        L::LoanDate => loan.loan_date = values::date(v)?,
        L::RepaymentBeginDate => loan.repayment_begin_date = values::date(v)?,
        L::PeriodBegin => loan.period_begin_date = values::date(v)?,
        L::PeriodEnd => loan.period_end_date = values::date(v)?,
        L::Amount => loan.loan_amount = values::amount(v)?,
        L::DisbursedAmount => loan.disbursed_amount = values::amount(v)?,
        L::CanceledAmount => loan.canceled_amount = values::amount(v)?,
        L::CanceledDate => loan.canceled_date = values::date(v)?,
        L::Principal => loan.principal = values::amount(v)?,
        L::PrincipalAsOf => loan.principal_as_of = values::date(v)?,
        L::Interest => loan.interest = values::amount(v)?,
        L::InterestAsOf => loan.interest_as_of = values::date(v)?,
        L::RateTypeCode => loan.rate_type_code = t,
        L::RateType => loan.rate_type = t,
        L::Rate => loan.rate = values::percent(v)?,
        L::ActualRate => loan.actual_rate = values::percent(v)?,
        L::StatutoryRate => loan.statutory_rate = values::percent(v)?,
        L::PlanCode => loan.plan_code = t,
        L::PlanDescription => loan.plan_description = t,
        L::PlanBegin => loan.plan_begin = values::date(v)?,
        L::PlanAmount => loan.plan_amount = values::amount(v)?,
        L::IdrAnniversary => loan.idr_anniversary = values::date(v)?,
        L::LastPayment => loan.last_payment = values::date(v)?,
        L::NextDue => loan.next_due = values::date(v)?,
        L::Cumulative => loan.cumulative = values::amount(v)?,
        L::Capitalized => loan.capitalized = values::amount(v)?,
        L::PslfMonths => loan.pslf_months = values::count(v)?,
        L::CurrentStatus => loan.current_status = t.map(|c| c.to_ascii_uppercase()),
        L::CurrentStatusDescription => loan.current_status_description = t,
        L::ParentPlusIndicator => {
            if let Some(b) = values::flag(v)? {
                loan.parent_plus = Some(loan.parent_plus.unwrap_or(false) || b);
            }
        }
        L::Status => loan.history.push(StatusHistoryEntry {
            code: t.map(|c| c.to_ascii_uppercase()),
            description: None,
            effective_date: None,
            line,
        }),
        L::StatusDescription => {
            if loan.history.last().is_none_or(|h| h.description.is_some()) {
                loan.history.push(StatusHistoryEntry {
                    code: None,
                    description: None,
                    effective_date: None,
                    line,
                });
            }
            if let Some(h) = loan.history.last_mut() {
                h.description = t;
            }
        }
        L::StatusDate => {
            let d = values::date(v)?;
            if loan
                .history
                .last()
                .is_none_or(|h| h.effective_date.is_some())
            {
                loan.history.push(StatusHistoryEntry {
                    code: None,
                    description: None,
                    effective_date: None,
                    line,
                });
            }
            if let Some(h) = loan.history.last_mut() {
                h.effective_date = d;
            }
        }
        L::DisbursementDate => loan.disbursements.push(Disbursement {
            date: values::date(v)?,
            amount: None,
        }),
        L::DisbursementAmount => {
            let amount = values::money(v)?;
            match loan.disbursements.last_mut() {
                Some(d) if d.amount.is_none() => d.amount = amount,
                _ => loan.disbursements.push(Disbursement { date: None, amount }),
            }
        }
        L::DelinquencyStart => loan.delinquencies.push(Delinquency {
            start: values::date(v)?,
            end: None,
        }),
        L::DelinquencyEnd => {
            let end = values::date(v)?;
            match loan.delinquencies.last_mut() {
                Some(d) if d.end.is_none() => d.end = end,
                _ => loan.delinquencies.push(Delinquency { start: None, end }),
            }
        }
        L::ContactType => loan.contacts.push(LoanContact {
            contact_type: t,
            line,
            ..LoanContact::default()
        }),
        L::MostRelevant => {
            let b = values::flag(v)?;
            contact(loan, line).most_relevant = b;
        }
        L::ContactCode => contact(loan, line).code = t,
        L::ContactName => {
            // A second name without a new `Loan Contact Type` starts a new block.
            if loan.contacts.last().is_some_and(|c| c.name.is_some()) {
                loan.contacts.push(LoanContact {
                    line,
                    ..LoanContact::default()
                });
            }
            contact(loan, line).name = t;
        }
        L::ContactStreet1 => contact(loan, line).address.street1 = t,
        L::ContactStreet2 => contact(loan, line).address.street2 = t,
        L::ContactCity => contact(loan, line).address.city = t,
        L::ContactState => contact(loan, line).address.state = t,
        L::ContactZip => contact(loan, line).address.zipcode = t,
        L::ContactPhone => contact(loan, line).phone = t,
        L::ContactPhoneExt => contact(loan, line).phone_extension = t,
        L::ContactEmail => contact(loan, line).email = t,
        L::ContactWeb => contact(loan, line).website = t,
        L::Other => {}
    }
    Ok(())
}

/// Keys that hold one value per loan (not a repeating group, not an
/// identity key: those open a new loan when they repeat).
fn is_single_valued(f: LoanField) -> bool {
    use LoanField as L;
    !matches!(
        f,
        L::TypeCode
            | L::Type
            | L::AwardId
            | L::ParentPlusIndicator
            | L::Status
            | L::StatusDescription
            | L::StatusDate
            | L::DisbursementDate
            | L::DisbursementAmount
            | L::DelinquencyStart
            | L::DelinquencyEnd
            | L::ContactType
            | L::ContactCode
            | L::ContactName
            | L::ContactStreet1
            | L::ContactStreet2
            | L::ContactCity
            | L::ContactState
            | L::ContactZip
            | L::ContactPhone
            | L::ContactPhoneExt
            | L::ContactEmail
            | L::ContactWeb
            | L::MostRelevant
            | L::Other
    )
}

fn contact(loan: &mut LoanBuilder, line: usize) -> &mut LoanContact {
    if loan.contacts.is_empty() {
        loan.contacts.push(LoanContact {
            line,
            ..LoanContact::default()
        });
    }
    let last = loan.contacts.len() - 1;
    &mut loan.contacts[last]
}

fn build_loan(b: LoanBuilder, warnings: &mut Vec<ParseWarning>) -> ParsedLoan {
    let mut warn = |message: String| {
        warnings.push(ParseWarning {
            line: b.line,
            message,
        })
    };

    // Loan type: code, else legacy `LOAN TYPE` value, else description.
    let mut type_code = b.type_code.clone();
    let mut type_description = b.type_description.clone();
    let mut loan_type = type_code.as_deref().and_then(reference::loan_type_by_code);
    if let Some(legacy) = &b.legacy_type {
        match reference::loan_type(legacy) {
            Ok(row) if loan_type.is_none() => loan_type = Some(row),
            Ok(_) => {}
            Err(e) if loan_type.is_none() => warn(format!("loan type {legacy:?}: {}", summary(&e))),
            Err(_) => {}
        }
        if reference::loan_type_by_code(legacy).is_none() && type_description.is_none() {
            type_description = Some(legacy.clone());
        }
    }
    if loan_type.is_none() {
        if let Some(desc) = &type_description {
            if let Ok(row) = reference::loan_type(desc) {
                loan_type = Some(row);
            }
        }
    }
    match (&type_code, loan_type) {
        (None, Some(row)) => type_code = Some(row.code.to_owned()),
        (Some(code), None) => warn(format!("unknown loan type code {code:?}")),
        (None, None) => warn("loan has no recognizable loan type".to_owned()),
        _ => {}
    }
    let family = loan_type.map_or(LoanFamily::Other, |r| {
        r.family_with_parent_plus(b.parent_plus)
    });

    // Current status.
    let newest = b
        .history
        .iter()
        .enumerate()
        .max_by_key(|(i, h)| (h.effective_date, std::cmp::Reverse(*i)))
        .map(|(_, h)| h);
    let (status_code, status_description) = match (&b.current_status, &b.current_status_description)
    {
        (None, None) => (
            newest.and_then(|h| h.code.clone()),
            newest.and_then(|h| h.description.clone()),
        ),
        (c, d) => (c.clone(), d.clone()),
    };
    let status = status_code
        .as_deref()
        .and_then(reference::loan_status_by_code)
        .or_else(|| {
            status_description
                .as_deref()
                .and_then(|d| reference::loan_status(d).ok())
        });
    if status.is_none() && (status_code.is_some() || status_description.is_some()) {
        warn(format!(
            "unknown loan status {:?} / {:?}",
            status_code.as_deref().unwrap_or(""),
            status_description.as_deref().unwrap_or("")
        ));
    }
    let status_code = status_code.or_else(|| status.map(|s| s.code.to_owned()));

    // Repayment plan (no NSLDS code table is public: use the description).
    let repayment_plan = b
        .plan_description
        .as_deref()
        .and_then(|d| reference::repayment_plan(d).ok())
        .or_else(|| {
            b.plan_code
                .as_deref()
                .and_then(|c| reference::repayment_plan(c).ok())
        });
    if repayment_plan.is_none() {
        if let Some(d) = &b.plan_description {
            warn(format!("unrecognized repayment plan {d:?}"));
        }
    }

    // Servicer.
    let relevant: Vec<usize> = (0..b.contacts.len())
        .filter(|&i| b.contacts[i].most_relevant == Some(true))
        .collect();
    if relevant.len() > 1 {
        warn(format!(
            "{} contacts are marked Most Relevant:Yes; using the first",
            relevant.len()
        ));
    }
    let type_has = |i: usize, words: &[&str]| {
        let t = b.contacts[i]
            .contact_type
            .as_deref()
            .unwrap_or("")
            .to_lowercase();
        words.iter().all(|w| t.contains(w))
    };
    let servicer_contact = relevant
        .first()
        .copied()
        .or_else(|| (0..b.contacts.len()).find(|&i| type_has(i, &["current", "servicer"])))
        .or_else(|| (0..b.contacts.len()).find(|&i| !type_has(i, &["guarant"])))
        .or_else(|| (!b.contacts.is_empty()).then_some(0));
    let servicer = servicer_contact
        .and_then(|i| b.contacts[i].name.as_deref())
        .and_then(reference::servicer);

    let disbursed_sum = b
        .disbursements
        .iter()
        .filter_map(|d| d.amount)
        // At most MAX_LIST disbursements of at most MAX_MONEY each: the sum cannot overflow, and
        // `finish` refuses one over MAX_MONEY. Saturating all the same: never a panic.
        .fold(None, |acc: Option<Decimal>, a| {
            Some(acc.unwrap_or_default().saturating_add(a))
        });
    let total_disbursed = b.disbursed_amount.or(disbursed_sum);

    ParsedLoan {
        line: b.line,
        award_id: b.award_id,
        type_code,
        type_description,
        loan_type,
        family,
        parent_plus_consolidation: b.parent_plus,
        school_name: b.school_name,
        school_opeid: b.school_opeid,
        loan_date: b.loan_date,
        repayment_begin_date: b.repayment_begin_date,
        period_begin_date: b.period_begin_date,
        period_end_date: b.period_end_date,
        loan_amount: b.loan_amount,
        total_disbursed,
        original_principal: total_disbursed.or(b.loan_amount),
        canceled_amount: b.canceled_amount,
        canceled_date: b.canceled_date,
        outstanding_principal: b.principal,
        outstanding_principal_as_of: b.principal_as_of,
        outstanding_interest: b.interest,
        outstanding_interest_as_of: b.interest_as_of,
        interest_rate: b.rate.or(b.actual_rate),
        statutory_interest_rate: b.statutory_rate,
        interest_rate_type: b.rate_type.or(b.rate_type_code),
        repayment_plan_code: b.plan_code,
        repayment_plan_description: b.plan_description,
        repayment_plan,
        repayment_plan_begin_date: b.plan_begin,
        repayment_plan_scheduled_amount: b.plan_amount,
        idr_anniversary_date: b.idr_anniversary,
        last_payment_date: b.last_payment,
        next_payment_due_date: b.next_due,
        cumulative_payment_amount: b.cumulative,
        capitalized_interest: b.capitalized,
        pslf_qualifying_payments: b.pslf_months,
        status_code,
        status_description,
        status,
        status_group: status.map(|s| s.group),
        status_history: b.history,
        disbursements: b.disbursements,
        delinquencies: b.delinquencies,
        contacts: b.contacts,
        servicer_contact,
        servicer,
    }
}

fn summary(e: &reference::CoercionError) -> String {
    match &e.failure {
        reference::CoercionFailure::Unknown => "not a known NSLDS loan type".to_owned(),
        reference::CoercionFailure::Ambiguous { candidates } => {
            format!("ambiguous (could be {})", candidates.join(", "))
        }
    }
}
