//! `LoanPayload` validation (POST loans, JSON form).
//!
//! Rules:
//! * Required: `interest_rate`, `loan_type`, `original_principal`,
//!   `origination_date`, `outstanding_interest`, `outstanding_principal`,
//!   `servicer_name`. A JSON `null` counts as absent.
//! * Money and rates: a JSON number or a decimal string (`"20000.00"`), read
//!   exactly from its digits (never through `f64`); negative values are
//!   rejected; money is at most 1,000,000,000 and `interest_rate` is a percent
//!   under 100: the engine's bounds (`crate::rules::limits`), so any stored loan
//!   can be assessed.
//! * Dates: `YYYY-MM-DD`.
//! * `loan_type`, `loan_status`, `repayment_plan_type` are coerced through
//!   `crate::reference`; a value that can't be mapped (unknown or ambiguous)
//!   is an error whose message lists the accepted values. `servicer_name` is
//!   free text; a known alias becomes the canonical name (`"NELNET"` → `"Nelnet"`).
//! * Unknown fields are ignored. Duplicate `external_id`s in one batch are errors.
//! * The batch is atomic: all errors are collected, keyed `loans[i].field`
//!   (`loans[i].disbursement_dates[j]`, `loans[i].loan_status_history.<date>`).

use super::{LoanData, LoanSource, NewLoan};
use crate::reference::{loan_status, loan_type, repayment_plan, servicer};
use crate::rules::limits;

/// Longest text field (names, account numbers, ...), so a loan always fits one DynamoDB item
/// and a full batch one transaction.
const MAX_TEXT: usize = 500;
/// Most disbursement dates or status-history entries on one loan.
const MAX_ENTRIES: usize = 200;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

type Errors = BTreeMap<String, String>;

/// Validates `[LoanPayload, ...]` (the array under `"loans"`; an object
/// `{"loans": [...]}` is unwrapped). Returns every loan, or every error.
pub fn parse_loans_payload(value: &Value) -> Result<Vec<NewLoan>, BTreeMap<String, String>> {
    parse_loans_payload_with_warnings(value).map(|(loans, _)| loans)
}

/// [`parse_loans_payload`], with a warning for each field no LoanPayload has (it is ignored,
/// and said so, as for borrowers).
pub fn parse_loans_payload_with_warnings(
    value: &Value,
) -> Result<(Vec<NewLoan>, Vec<String>), BTreeMap<String, String>> {
    let mut errors = Errors::new();
    let mut warnings = Vec::new();
    let value = match value {
        Value::Object(o) if o.contains_key("loans") => &o["loans"],
        v => v,
    };
    let Value::Array(items) = value else {
        errors.insert(
            "loans".into(),
            "must be an array of LoanPayload objects".into(),
        );
        return Err(errors);
    };
    if items.is_empty() {
        errors.insert("loans".into(), "must contain at least one loan".into());
        return Err(errors);
    }
    let mut loans = Vec::with_capacity(items.len());
    let mut seen_external: HashMap<String, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let prefix = format!("loans[{i}]");
        match parse_loan_payload_noting(item, &prefix, &mut errors, &mut warnings) {
            Some(loan) => {
                if let Some(ext) = &loan.external_id {
                    if let Some(first) = seen_external.get(ext) {
                        errors.insert(
                            format!("{prefix}.external_id"),
                            format!("duplicate external_id {ext:?} (also used by loans[{first}])"),
                        );
                    } else {
                        seen_external.insert(ext.clone(), i);
                    }
                }
                loans.push(loan);
            }
            None => continue,
        }
    }
    if errors.is_empty() {
        Ok((loans, warnings))
    } else {
        Err(errors)
    }
}

/// Validates one `LoanPayload`, adding errors keyed `<prefix>.<field>` to
/// `errors`. Returns `None` if it added any error.
pub fn parse_loan_payload(item: &Value, prefix: &str, errors: &mut Errors) -> Option<NewLoan> {
    parse_loan_payload_noting(item, prefix, errors, &mut Vec::new())
}

/// Every field a LoanPayload has: the fields the parser reads (it reads each one on every
/// call, so parsing an empty object lists them all). The OpenAPI document's LoanPayload must
/// list the same (a test checks it).
#[cfg(test)]
pub fn loan_payload_fields() -> Vec<&'static str> {
    let mut read = Vec::new();
    parse_loan_payload_reading(
        &Value::Object(Map::new()),
        "",
        &mut Errors::new(),
        &mut Vec::new(),
        &mut read,
    );
    read.sort_unstable();
    read.dedup();
    read
}

/// [`parse_loan_payload`], adding to `warnings` each field it does not read.
pub(crate) fn parse_loan_payload_noting(
    item: &Value,
    prefix: &str,
    errors: &mut Errors,
    warnings: &mut Vec<String>,
) -> Option<NewLoan> {
    parse_loan_payload_reading(item, prefix, errors, warnings, &mut Vec::new())
}

/// [`parse_loan_payload_noting`], also giving back the fields it read.
fn parse_loan_payload_reading(
    item: &Value,
    prefix: &str,
    errors: &mut Errors,
    warnings: &mut Vec<String>,
    read: &mut Vec<&'static str>,
) -> Option<NewLoan> {
    let Value::Object(obj) = item else {
        errors.insert(prefix.to_owned(), "must be a LoanPayload object".into());
        return None;
    };
    let before = errors.len();
    let mut f = Fields {
        obj,
        prefix,
        errors,
        read: Vec::new(),
    };

    let mut data = LoanData::default();

    // Required.
    if let Some(s) = f.coercible("loan_type", true) {
        match loan_type(&s) {
            Ok(row) => data.loan_type = row.code.to_owned(),
            Err(e) => f.err("loan_type", e.to_string()),
        }
    }
    data.interest_rate = f.rate("interest_rate", true);
    data.original_principal = f.money("original_principal", true);
    data.origination_date = f.made_date("origination_date", true);
    data.outstanding_interest = f.money("outstanding_interest", true);
    data.outstanding_principal = f.money("outstanding_principal", true);
    data.servicer_name = f
        .text("servicer_name", true)
        .map(|s| servicer(&s).map(|r| r.name.to_owned()).unwrap_or(s));

    // Optional, coerced.
    if let Some(s) = f.coercible("loan_status", false) {
        match loan_status(&s) {
            Ok(row) => data.loan_status = Some(row.code.to_owned()),
            Err(e) => f.err("loan_status", e.to_string()),
        }
    }
    if let Some(s) = f.coercible("repayment_plan_type", false) {
        match repayment_plan(&s) {
            Ok(row) => data.repayment_plan_type = Some(row.plan_type.to_owned()),
            Err(e) => f.err("repayment_plan_type", e.to_string()),
        }
    }

    // Optional, plain.
    data.account_number = f.text("account_number", false);
    data.guarantor = f.text("guarantor", false);
    data.capitalized_amount = f.money("capitalized_amount", false);
    data.disbursement_dates = f.dates("disbursement_dates");
    f.made_in_range("disbursement_dates", &data.disbursement_dates);
    data.due_date = f.date("due_date", false);
    data.idr_renewal_date = f.date("idr_renewal_date", false);
    data.is_overdue = f.boolean("is_overdue");
    data.last_payment = f.money("last_payment", false);
    data.last_payment_date = f.date("last_payment_date", false);
    data.last_statement_balance = f.money("last_statement_balance", false);
    data.last_statement_date = f.date("last_statement_date", false);
    data.loan_status_history = f.status_history("loan_status_history");
    data.maturity_date = f.date("maturity_date", false);
    data.min_payment = f.money("min_payment", false);
    data.monthly_payment = f.money("monthly_payment", false);
    data.pslf_cumulative_periods = f.count("pslf_cumulative_periods");
    data.repayment_begin_date = f.date("repayment_begin_date", false);
    data.repayment_plan_begin_date = f.date("repayment_plan_begin_date", false);
    data.payment_group_id = f.uuid("payment_group_id");
    data.payment_reference_number = f.text("payment_reference_number", false);
    let external_id = f.text("external_id", false);

    // Every field was read above; what is left is no LoanPayload field.
    for k in obj.keys().filter(|k| !f.read.contains(&k.as_str())) {
        warnings.push(format!(
            "Unknown field {prefix}.{} was ignored.",
            k.chars().take(100).collect::<String>()
        ));
    }
    read.extend_from_slice(&f.read);
    if f.errors.len() != before {
        return None;
    }
    Some(NewLoan {
        source: LoanSource::Api,
        external_id,
        award_id: None,
        data,
    })
}

struct Fields<'a> {
    obj: &'a Map<String, Value>,
    prefix: &'a str,
    errors: &'a mut Errors,
    /// The fields read so far (the rest are unknown).
    read: Vec<&'static str>,
}

impl Fields<'_> {
    fn err(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .insert(format!("{}.{field}", self.prefix), message.into());
    }

    /// The value, or `None` if absent/null (an error if `required`).
    fn get(&mut self, field: &'static str, required: bool) -> Option<&Value> {
        self.read.push(field);
        match self.obj.get(field) {
            None | Some(Value::Null) => {
                if required {
                    self.err(field, "is required");
                }
                None
            }
            Some(v) => Some(v),
        }
    }

    /// A non-blank string (trimmed). Numbers are accepted for identifiers
    /// like `account_number`. Blank strings are absent (an error if required).
    fn text(&mut self, field: &'static str, required: bool) -> Option<String> {
        let v = self.get(field, required)?.clone();
        match v {
            Value::String(s) if s.trim().chars().count() > MAX_TEXT => {
                self.err(field, format!("must be at most {MAX_TEXT} characters"));
                None
            }
            Value::String(s) if s.chars().any(crate::model::is_hidden_char) => {
                self.err(
                    field,
                    "must not contain control characters (such as NUL, tab or escape)",
                );
                None
            }
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Value::String(_) => {
                if required {
                    self.err(field, "must not be blank");
                }
                None
            }
            Value::Number(n) => Some(n.to_string()),
            _ => {
                self.err(field, "must be a string");
                None
            }
        }
    }

    /// A value to coerce: a string, or an object as returned by our views
    /// (`{"code": "D2", ...}`, `{"type": "paye", ...}`), read through its
    /// `code`, `type` or `description` (the v2 docs accept `{code, description}`).
    fn coercible(&mut self, field: &'static str, required: bool) -> Option<String> {
        self.read.push(field);
        if let Some(Value::Object(o)) = self.obj.get(field) {
            let picked = ["code", "type", "description"].iter().find_map(|k| {
                o.get(*k)
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
            });
            if picked.is_none() {
                self.err(
                    field,
                    "object form needs a non-blank \"code\" or \"description\"",
                );
            }
            return picked.map(str::to_owned);
        }
        self.text(field, required)
    }

    fn decimal(&mut self, field: &'static str, required: bool) -> Option<Decimal> {
        let v = self.get(field, required)?.clone();
        match crate::money::parse_plain(&v) {
            Ok(d) => Some(d),
            Err(why) => {
                self.err(field, why);
                None
            }
        }
    }

    fn money(&mut self, field: &'static str, required: bool) -> Option<Decimal> {
        let d = self.decimal(field, required)?;
        if d.is_sign_negative() && !d.is_zero() {
            self.err(field, format!("must not be negative; got {d}"));
            return None;
        }
        if d > limits::MAX_MONEY {
            self.err(
                field,
                format!("must be at most {}; got {d}", limits::MAX_MONEY),
            );
            return None;
        }
        match crate::money::whole_cents(d) {
            Ok(d) => Some(d),
            Err(problem) => {
                self.err(field, problem);
                None
            }
        }
    }

    /// Percent, from 0 to under 100.
    fn rate(&mut self, field: &'static str, required: bool) -> Option<Decimal> {
        let d = self.decimal(field, required)?;
        if (d.is_sign_negative() && !d.is_zero()) || d >= limits::MAX_RATE {
            self.err(
                field,
                format!("must be a percent from 0 to under 100 (e.g. 7.08 for 7.08%); got {d}"),
            );
            return None;
        }
        // 0.0708 is a fraction sent where a percent belongs (7.08): no federal rate is that low.
        if !d.is_zero() && d < rust_decimal::Decimal::new(1, 1) {
            self.err(
                field,
                format!("{d} looks like a fraction: send the percent (7.08 for 7.08%)"),
            );
            return None;
        }
        Some(d)
    }

    fn date(&mut self, field: &'static str, required: bool) -> Option<NaiveDate> {
        let v = self.get(field, required)?.clone();
        let parsed = v.as_str().and_then(parse_date);
        match parsed {
            None => self.err(
                field,
                format!("must be a date formatted YYYY-MM-DD; got {v}"),
            ),
            Some(d) if !crate::mystudentdata::DATE_YEARS.contains(&chrono::Datelike::year(&d)) => {
                self.err(
                    field,
                    format!(
                        "must be a year from {} to {}; got {d}",
                        crate::mystudentdata::DATE_YEARS.start(),
                        crate::mystudentdata::DATE_YEARS.end()
                    ),
                );
                return None;
            }
            Some(_) => {}
        }
        parsed
    }

    /// A date a loan was made: a date, then within [`Self::made_in_range`]'s bounds, with one
    /// message for every date outside them (1800 and 2030 were told two different ranges).
    fn made_date(&mut self, field: &'static str, required: bool) -> Option<NaiveDate> {
        let v = self.get(field, required)?.clone();
        let Some(d) = v.as_str().and_then(parse_date) else {
            self.err(
                field,
                format!("must be a date formatted YYYY-MM-DD; got {v}"),
            );
            return None;
        };
        self.made_in_range(field, &[d]);
        Some(d)
    }

    /// A loan is made (originated, disbursed) from 1965 (the Higher Education Act) to a year
    /// from today at the latest: an origination in 2999 would make every legacy plan
    /// ineligible.
    fn made_in_range(&mut self, field: &'static str, dates: &[NaiveDate]) {
        let first = NaiveDate::from_ymd_opt(1965, 1, 1).unwrap_or_default();
        let last = latest_loan_date();
        if let Some(d) = dates.iter().find(|d| **d < first || **d > last) {
            self.err(
                field,
                format!("must be from {first} to a year from today ({last}); got {d}"),
            );
        }
    }

    fn dates(&mut self, field: &'static str) -> Vec<NaiveDate> {
        let Some(v) = self.get(field, false).cloned() else {
            return Vec::new();
        };
        let Value::Array(items) = v else {
            self.err(field, "must be an array of dates formatted YYYY-MM-DD");
            return Vec::new();
        };
        if items.len() > MAX_ENTRIES {
            self.err(field, format!("must hold at most {MAX_ENTRIES} dates"));
            return Vec::new();
        }
        let mut out = Vec::new();
        for (j, item) in items.iter().enumerate() {
            match item.as_str().and_then(parse_date) {
                Some(d) => out.push(d),
                None => self.err(
                    &format!("{field}[{j}]"),
                    format!("must be a date formatted YYYY-MM-DD; got {item}"),
                ),
            }
        }
        out
    }

    fn status_history(&mut self, field: &'static str) -> BTreeMap<NaiveDate, String> {
        let Some(v) = self.get(field, false).cloned() else {
            return BTreeMap::new();
        };
        let Value::Object(map) = v else {
            self.err(
                field,
                "must be an object mapping YYYY-MM-DD dates to statuses, e.g. {\"2014-05-01\": \"In Repayment\"}",
            );
            return BTreeMap::new();
        };
        if map.len() > MAX_ENTRIES {
            self.err(field, format!("must hold at most {MAX_ENTRIES} entries"));
            return BTreeMap::new();
        }
        let mut out = BTreeMap::new();
        for (k, status) in &map {
            let key = format!("{field}.{k}");
            let Some(date) = parse_date(k) else {
                self.err(
                    &key,
                    format!("key must be a date formatted YYYY-MM-DD; got {k:?}"),
                );
                continue;
            };
            match status.as_str().map(str::trim) {
                Some(s) if !s.is_empty() => {
                    out.insert(date, s.to_owned());
                }
                _ => self.err(&key, "must be a non-blank status string"),
            }
        }
        out
    }

    fn boolean(&mut self, field: &'static str) -> Option<bool> {
        let v = self.get(field, false)?.clone();
        match &v {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
            _ => {
                self.err(field, format!("must be true or false; got {v}"));
                None
            }
        }
    }

    fn count(&mut self, field: &'static str) -> Option<u32> {
        let v = self.get(field, false)?.clone();
        let n = match &v {
            Value::Number(n) => crate::model::payload::whole_number(n),
            _ => None,
        };
        match n.and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Some(n),
            None => {
                self.err(field, format!("must be a non-negative integer; got {v}"));
                None
            }
        }
    }

    fn uuid(&mut self, field: &'static str) -> Option<Uuid> {
        let v = self.get(field, false)?.clone();
        match v.as_str().and_then(|s| Uuid::parse_str(s.trim()).ok()) {
            Some(u) => Some(u),
            None => {
                self.err(field, format!("must be a UUID; got {v}"));
                None
            }
        }
    }
}

/// Strict `YYYY-MM-DD`: four, two and two ASCII digits (the schema's pattern). chrono alone
/// also takes spaces before a number, one-digit months and days, and a sign.
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    shaped
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
}

/// The latest date a loan can be made (or a job start): a year from today.
pub fn latest_loan_date() -> NaiveDate {
    chrono::Utc::now().date_naive() + chrono::Duration::days(366)
}
