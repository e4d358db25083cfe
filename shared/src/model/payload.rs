//! BorrowerPayload parsing and validation.
//!
//! The payload is read field by field from the JSON object, so every problem is reported with
//! the field's name (`address.zipcode`, `agi`, ...) and all problems come back at once. Money
//! and rates accept JSON numbers or decimal strings and become `Decimal` without passing
//! through `f64`. `null` clears a field. Unknown fields are ignored and reported as warnings.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::borrower::{Address, FilingStatus};
use super::states::normalize_state;
use crate::error::ApiError;
use crate::rules::limits;

/// A field in a payload: not mentioned, explicitly `null`, or set.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Patch<T> {
    #[default]
    Absent,
    Clear,
    Set(T),
}

impl<T: Clone> Patch<T> {
    /// Merge semantics (POST and PATCH): absent keeps `current`.
    pub fn merge(&self, current: &mut Option<T>) {
        match self {
            Patch::Absent => {}
            Patch::Clear => *current = None,
            Patch::Set(v) => *current = Some(v.clone()),
        }
    }
}

/// A validated SSN (9 digits), held only until it is sealed. `Debug` never shows it, so no log
/// line or panic message can carry it.
#[derive(Clone, PartialEq, Eq)]
pub struct Ssn(String);

impl Ssn {
    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Ssn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ssn([redacted])")
    }
}

/// How a borrower is named in a request: the integer `id` or the `uuid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BorrowerRef {
    Id(i64),
    Uuid(uuid::Uuid),
}

impl BorrowerRef {
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if let Ok(id) = s.parse::<i64>() {
            return (id > 0).then_some(BorrowerRef::Id(id));
        }
        uuid::Uuid::parse_str(s).ok().map(BorrowerRef::Uuid)
    }
}

pub const INCOME_CERT_TYPES: &[&str] = &[
    "pay_stub",
    "tax_return",
    "determination_summary",
    "offer_letter",
];
/// Largest accepted income-certification document (decoded); see `documents`.
pub const MAX_INCOME_CERT_BYTES: usize = crate::documents::MAX_DOCUMENT_BYTES;

/// `Debug` is written by hand: a `{:?}` must never print a tax return.
#[derive(Clone, PartialEq)]
pub struct IncomeCertUpload {
    pub kind: String,
    /// The decoded document, held only until it is sealed.
    pub bytes: Vec<u8>,
    pub size_bytes: usize,
}

impl std::fmt::Debug for IncomeCertUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncomeCertUpload")
            .field("kind", &self.kind)
            .field("size_bytes", &self.size_bytes)
            .field("bytes", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FinancialPatch {
    pub agi: Patch<Decimal>,
    pub spouse_agi: Patch<Decimal>,
    pub filing_status: Patch<FilingStatus>,
    pub family_size: Patch<u32>,
    pub children: Patch<u32>,
    pub dependents: Patch<u32>,
    pub state_of_residence: Patch<String>,
    pub employer_state: Patch<String>,
    pub extra_monthly_payment: Patch<Decimal>,
    pub income_growth: Patch<Decimal>,
    pub new_borrower_date: Patch<NaiveDate>,
    pub pslf: Patch<bool>,
    pub refinance_rate: Patch<Decimal>,
    pub refinance_term: Patch<u32>,
    pub related_to_major: Patch<bool>,
    pub tcli_enabled: Patch<bool>,
    pub tcli_start_year: Patch<i32>,
    pub tcli_end_year: Patch<i32>,
    pub teaching_level: Patch<String>,
    pub teaching_state: Patch<String>,
    pub teaching_subject: Patch<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BorrowerPatch {
    pub first_name: Patch<String>,
    pub last_name: Patch<String>,
    pub email: Patch<String>,
    pub phone: Patch<String>,
    /// Merged field by field: `{"address": {"city": "Dallas"}}` changes the city only.
    pub address: Patch<AddressPatch>,
    pub date_of_birth: Patch<NaiveDate>,
    pub collecting_unemployment: Patch<bool>,
    pub employer: Patch<String>,
    pub employer_start_date: Patch<NaiveDate>,
    pub employer_ein: Patch<String>,
    pub external_id: Patch<String>,
    /// NSLDS code (see `model::SCHOOL_ENROLLMENT`).
    pub school_enrollment: Patch<String>,
    pub spouse: Patch<BorrowerRef>,
    /// Normalised to 9 digits. Only ever held in memory until sealed.
    pub ssn: Patch<Ssn>,
    pub income_certification: Option<IncomeCertUpload>,
    pub financial: FinancialPatch,
    pub warnings: Vec<String>,
}

/// Every field a BorrowerPayload may carry.
pub const PAYLOAD_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "email",
    "phone",
    "address",
    "date_of_birth",
    "collecting_unemployment",
    "employer",
    "employer_start_date",
    "employer_ein",
    "employer_state",
    "external_id",
    "school_enrollment_status",
    "spouse_id",
    "ssn",
    "income_certification",
    "agi",
    "spouse_agi",
    "filing_status",
    "family_size",
    "children",
    "dependents",
    "state_of_residence",
    "extra_monthly_payment",
    "income_growth",
    "new_borrower_date",
    "pslf",
    "refinance_rate",
    "refinance_term",
    "related_to_major",
    "tcli_enabled",
    "tcli_start_year",
    "tcli_end_year",
    "teaching_level",
    "teaching_state",
    "teaching_subject",
];

/// An AddressPayload's fields (the rest are ignored, with a warning).
pub const ADDRESS_FIELDS: &[&str] = &["street1", "street2", "street3", "city", "state", "zipcode"];

/// Fields of the server's own, which a payload may echo back but cannot change.
const READ_ONLY: &[&str] = &[
    "id",
    "uuid",
    "created_at",
    "updated_at",
    "has_ssn",
    "spouse_uuid",
    "income_certifications",
    "financial_details",
];

struct Reader<'a> {
    map: &'a Map<String, Value>,
    prefix: &'a str,
    errors: BTreeMap<String, String>,
}

impl<'a> Reader<'a> {
    fn new(map: &'a Map<String, Value>, prefix: &'a str) -> Self {
        Reader {
            map,
            prefix,
            errors: BTreeMap::new(),
        }
    }

    fn err(&mut self, field: &str, problem: impl Into<String>) {
        self.errors
            .insert(format!("{}{field}", self.prefix), problem.into());
    }

    fn raw(&self, field: &str) -> Patch<&'a Value> {
        match self.map.get(field) {
            None => Patch::Absent,
            Some(Value::Null) => Patch::Clear,
            Some(v) => Patch::Set(v),
        }
    }

    fn with<T>(&mut self, field: &str, f: impl FnOnce(&Value) -> Result<T, String>) -> Patch<T> {
        match self.raw(field) {
            Patch::Absent => Patch::Absent,
            Patch::Clear => Patch::Clear,
            Patch::Set(v) => match f(v) {
                Ok(t) => Patch::Set(t),
                Err(problem) => {
                    self.err(field, problem);
                    Patch::Absent
                }
            },
        }
    }

    /// A trimmed string; an empty string clears the field.
    fn string(&mut self, field: &str, max: usize) -> Patch<String> {
        let p = self.with(field, |v| match v {
            Value::String(s) if s.chars().count() > max => {
                Err(format!("must be at most {max} characters"))
            }
            Value::String(s) if s.chars().any(crate::model::is_hidden_char) => {
                Err("must not contain control characters (such as NUL, tab or escape)".into())
            }
            Value::String(s) => Ok(s.trim().to_string()),
            _ => Err("must be a string".into()),
        });
        match p {
            Patch::Set(s) if s.is_empty() => Patch::Clear,
            p => p,
        }
    }

    fn boolean(&mut self, field: &str) -> Patch<bool> {
        self.with(field, |v| {
            v.as_bool().ok_or_else(|| "must be true or false".into())
        })
    }

    fn int(&mut self, field: &str, min: i64, max: i64) -> Patch<i64> {
        self.with(field, |v| {
            // A JSON number with no fraction (`3`, or `3.0` as JSON Schema counts integers);
            // never a string, so that "3" is refused as the documented schema says.
            let range = || format!("must be between {min} and {max}");
            let n = match v {
                Value::Number(n) => match whole_number(n) {
                    Some(n) => n,
                    // A whole number too large for any count (`1e20`) is out of range, not
                    // "not a whole number"; so is one too large to hold at all (`1e400`).
                    None => {
                        let t = n.to_string();
                        let whole = t
                            .parse::<Decimal>()
                            .or_else(|_| Decimal::from_scientific(&t))
                            .map_or(true, |d| d.fract().is_zero());
                        return Err(if whole {
                            range()
                        } else {
                            "must be a whole number".to_string()
                        });
                    }
                },
                _ => return Err("must be a whole number".to_string()),
            };
            if n < min || n > max {
                return Err(range());
            }
            Ok(n)
        })
    }

    fn count(&mut self, field: &str, min: u32, max: u32) -> Patch<u32> {
        match self.int(field, min.into(), max.into()) {
            Patch::Set(n) => Patch::Set(n as u32),
            Patch::Clear => Patch::Clear,
            Patch::Absent => Patch::Absent,
        }
    }

    fn year(&mut self, field: &str) -> Patch<i32> {
        match self.int(field, 1900, 2200) {
            Patch::Set(n) => Patch::Set(n as i32),
            Patch::Clear => Patch::Clear,
            Patch::Absent => Patch::Absent,
        }
    }

    /// A decimal from a JSON number or a decimal string, within `[min, max]`.
    fn decimal(&mut self, field: &str, min: Decimal, max: Decimal) -> Patch<Decimal> {
        self.with(field, |v| {
            let d = parse_decimal(v)?;
            if d < min {
                return Err(if min.is_zero() {
                    "must not be negative".into()
                } else {
                    format!("must be at least {min}")
                });
            }
            if d > max {
                return Err(format!("must be at most {max}"));
            }
            Ok(d)
        })
    }

    /// Money: 0 to `MAX_MONEY`, in whole cents (a fraction of a cent is refused, never
    /// rounded in silence).
    fn money(&mut self, field: &str) -> Patch<Decimal> {
        match self.decimal(field, Decimal::ZERO, limits::MAX_MONEY) {
            Patch::Set(d) => match crate::money::whole_cents(d) {
                Ok(d) => Patch::Set(d),
                Err(problem) => {
                    self.err(field, problem);
                    Patch::Absent
                }
            },
            p => p,
        }
    }

    /// A date from `first` to `last`.
    fn date_within(&mut self, field: &str, first: NaiveDate, last: NaiveDate) -> Patch<NaiveDate> {
        match self.date(field) {
            Patch::Set(d) if d < first || d > last => {
                self.err(field, format!("must be from {first} to {last}; got {d}"));
                Patch::Absent
            }
            p => p,
        }
    }

    fn date(&mut self, field: &str) -> Patch<NaiveDate> {
        self.with(field, |v| {
            v.as_str()
                .and_then(crate::loans::payload::parse_date)
                .ok_or_else(|| "must be a date written YYYY-MM-DD".into())
        })
    }

    fn state(&mut self, field: &str) -> Patch<String> {
        self.with(field, |v| {
            v.as_str()
                .and_then(normalize_state)
                .map(str::to_string)
                .ok_or_else(|| "must be a 2-letter US state or territory code, e.g. NY".into())
        })
    }
}

/// A JSON number that is a whole number (`3`, `3.0`, `3e0`), as an `i64`.
pub fn whole_number(n: &serde_json::Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    // The exact digits, plain or with an exponent (`3e0`).
    let d = crate::money::parse_plain(&Value::Number(n.clone())).ok()?;
    if d.fract().is_zero() {
        i64::try_from(d.trunc()).ok()
    } else {
        None
    }
}

/// Reads a decimal from a JSON number (its exact digits) or a plain decimal string: the one
/// money parser (`crate::money::parse_plain`).
pub fn parse_decimal(v: &Value) -> Result<Decimal, String> {
    crate::money::parse_plain(v)
}

/// The SSN's 9 digits, or the real reason it is not one. SSA never issues area 000, 666 or
/// 900–999 (the 9xx range is for ITINs), group 00 or serial 0000.
fn normalize_ssn(s: &str) -> Result<String, &'static str> {
    let t = s.trim();
    let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    let shape_ok = t.chars().all(|c| c.is_ascii_digit() || c == '-')
        && (t.len() == 9 || (t.len() == 11 && &t[3..4] == "-" && &t[6..7] == "-"));
    if digits.len() != 9 || !shape_ok {
        return Err("must be 9 digits, written 123456789 or 123-45-6789");
    }
    match (&digits[0..3], &digits[3..5], &digits[5..9]) {
        ("000", _, _) => Err("is not a valid SSN: area number 000 is never issued"),
        ("666", _, _) => Err("is not a valid SSN: area number 666 is never issued"),
        (a, _, _) if a.starts_with('9') => Err(
            "is not a valid SSN: area numbers 900-999 are never issued as SSNs (ITINs use them)",
        ),
        (_, "00", _) => Err("is not a valid SSN: group number 00 is never issued"),
        (_, _, "0000") => Err("is not a valid SSN: serial number 0000 is never issued"),
        _ => Ok(digits),
    }
}

fn valid_email(s: &str) -> bool {
    let mut parts = s.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            // Every label of the domain is non-empty (`a@b..c` has an empty one), as the
            // schema's pattern says.
            !local.is_empty()
                && domain.contains('.')
                && domain.split('.').all(|label| !label.is_empty())
                && !s.chars().any(char::is_whitespace)
        }
        _ => false,
    }
}

fn valid_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    (10..=15).contains(&digits)
        && s.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

fn valid_zip(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() == 5 && b.iter().all(u8::is_ascii_digit))
        || (b.len() == 10
            && b[5] == b'-'
            && b[..5].iter().all(u8::is_ascii_digit)
            && b[6..].iter().all(u8::is_ascii_digit))
}

/// Parses a BorrowerPayload object. All field problems are returned together as one 422.
pub fn parse_borrower_payload(map: &Map<String, Value>) -> Result<BorrowerPatch, ApiError> {
    let mut r = Reader::new(map, "");
    let mut p = BorrowerPatch {
        first_name: r.string("first_name", 100),
        last_name: r.string("last_name", 100),
        email: r.string("email", 254),
        phone: r.string("phone", 32),
        date_of_birth: r.date("date_of_birth"),
        collecting_unemployment: r.boolean("collecting_unemployment"),
        employer: r.string("employer", 200),
        employer_start_date: r.date_within(
            "employer_start_date",
            NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default(),
            crate::loans::payload::latest_loan_date(),
        ),
        employer_ein: match r.with("employer_ein", |v| match v {
            Value::String(s) => {
                let t = s.trim();
                let digits: String = t.chars().filter(|c| *c != '-').collect();
                let dash_ok = !t.contains('-') || (t.len() == 10 && t.as_bytes()[2] == b'-');
                if digits.len() == 9
                    && digits.bytes().all(|b| b.is_ascii_digit())
                    && dash_ok
                    && !digits.starts_with("00")
                {
                    Ok(digits)
                } else if t.is_empty() {
                    Ok(String::new())
                } else {
                    Err("must be an EIN: 9 digits, as 123456789 or 12-3456789 (no EIN begins with 00)".into())
                }
            }
            _ => Err("must be a string (an EIN such as 12-3456789)".into()),
        }) {
            Patch::Set(s) if s.is_empty() => Patch::Clear,
            p => p,
        },
        // A key part: `#` would let one tenant's lookup key run into another's.
        external_id: match r.with("external_id", |v| match v {
            Value::String(s) if s.chars().count() > 200 => {
                Err("must be at most 200 characters".into())
            }
            Value::String(s) if s.contains('#') => Err("must not contain '#'".into()),
            Value::String(s) if s.chars().any(char::is_control) => {
                Err("must not contain control characters".into())
            }
            Value::String(s) => Ok(s.trim().to_string()),
            _ => Err("must be a string".into()),
        }) {
            Patch::Set(s) if s.is_empty() => Patch::Clear,
            p => p,
        },
        school_enrollment: r.with("school_enrollment_status", |v| {
            v.as_str()
                .and_then(crate::model::school_enrollment_code)
                .map(str::to_string)
                .ok_or_else(|| {
                    format!(
                        "must be one of {}",
                        crate::model::SCHOOL_ENROLLMENT
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
        }),
        ..Default::default()
    };
    if let Patch::Set(e) = &p.email {
        if !valid_email(e) {
            r.err("email", "must be an email address like name@example.com");
        }
    }
    if let Patch::Set(ph) = &p.phone {
        if !valid_phone(ph) {
            r.err("phone", "must be a phone number with 10 to 15 digits");
        }
    }
    if let Patch::Set(dob) = p.date_of_birth {
        let today = chrono::Utc::now().date_naive();
        if dob > today || dob < NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date") {
            r.err("date_of_birth", "must be a past date after 1900-01-01");
        }
    }
    p.ssn = r.with("ssn", |v| {
        v.as_str()
            .ok_or("must be a string: 9 digits, written 123456789 or 123-45-6789")
            .and_then(normalize_ssn)
            .map(Ssn)
            .map_err(str::to_string)
    });
    p.spouse = r.with("spouse_id", |v| {
        let text = match v {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => String::new(),
        };
        BorrowerRef::parse(&text).ok_or_else(|| "must be the id or uuid of another borrower".into())
    });
    if map.contains_key("spouse") {
        r.err(
            "spouse",
            "a spouse's details are updated through the spouse's own borrower; link them with spouse_id",
        );
    }

    // Address: an object of optional strings; state and zipcode are checked.
    p.address = match r.raw("address") {
        Patch::Absent => Patch::Absent,
        Patch::Clear => Patch::Clear,
        Patch::Set(Value::Object(a)) => {
            let mut ar = Reader::new(a, "address.");
            let addr = AddressPatch {
                street1: ar.string("street1", 200),
                street2: ar.string("street2", 200),
                street3: ar.string("street3", 200),
                city: ar.string("city", 100),
                state: ar.state("state"),
                zipcode: ar.string("zipcode", 10),
            };
            if let Patch::Set(z) = &addr.zipcode {
                if !valid_zip(z) {
                    ar.err("zipcode", "must be 5 digits or ZIP+4 (12345 or 12345-6789)");
                }
            }
            for k in a.keys() {
                if !ADDRESS_FIELDS.contains(&k.as_str()) {
                    p.warnings
                        .push(format!("Unknown field address.{k} was ignored."));
                }
            }
            r.errors.extend(ar.errors);
            Patch::Set(addr)
        }
        Patch::Set(_) => {
            r.err(
                "address",
                "must be an object with street1, street2, street3, city, state and zipcode",
            );
            Patch::Absent
        }
    };

    p.income_certification = match r.raw("income_certification") {
        Patch::Set(Value::Object(c)) => {
            let kind = c.get("type").and_then(Value::as_str).unwrap_or_default();
            let file = c.get("file").and_then(Value::as_str).unwrap_or_default();
            if !INCOME_CERT_TYPES.contains(&kind) {
                r.err(
                    "income_certification.type",
                    format!("must be one of {}", INCOME_CERT_TYPES.join(", ")),
                );
                None
            } else {
                match crate::http::decode_base64_upload(file).ok_or(()) {
                    Ok(bytes) if crate::documents::check(&bytes).is_err() => {
                        let why = crate::documents::check(&bytes).unwrap_err();
                        r.err("income_certification.file", why);
                        None
                    }
                    Ok(bytes) => Some(IncomeCertUpload {
                        kind: kind.to_string(),
                        size_bytes: bytes.len(),
                        bytes,
                    }),
                    Err(_) => {
                        r.err(
                            "income_certification.file",
                            "must be the document encoded as base64",
                        );
                        None
                    }
                }
            }
        }
        Patch::Set(_) => {
            r.err(
                "income_certification",
                "must be an object with file (base64) and type",
            );
            None
        }
        _ => None,
    };

    let hundred = Decimal::from(100);
    p.financial = FinancialPatch {
        agi: r.money("agi"),
        spouse_agi: r.money("spouse_agi"),
        filing_status: r.with("filing_status", |v| {
            v.as_str().and_then(FilingStatus::parse).ok_or_else(|| {
                "must be one of single, married_filing_jointly, married_filing_separately, head_of_household".into()
            })
        }),
        family_size: r.count("family_size", 1, limits::MAX_FAMILY),
        children: r.count("children", 0, limits::MAX_FAMILY),
        dependents: r.count("dependents", 0, limits::MAX_FAMILY),
        state_of_residence: r.state("state_of_residence"),
        employer_state: r.state("employer_state"),
        extra_monthly_payment: r.money("extra_monthly_payment"),
        income_growth: r.decimal(
            "income_growth",
            limits::MIN_INCOME_GROWTH,
            limits::MAX_INCOME_GROWTH,
        ),
        // The "new borrower" dates the rules test (2007-10-01, 2011-10-01, 2014-07-01) lie
        // between the first federal loans and today.
        new_borrower_date: r.date_within(
            "new_borrower_date",
            NaiveDate::from_ymd_opt(1965, 1, 1).unwrap_or_default(),
            crate::loans::payload::latest_loan_date(),
        ),
        pslf: r.boolean("pslf"),
        refinance_rate: match r.decimal("refinance_rate", Decimal::ZERO, hundred) {
            Patch::Set(d) if !d.is_zero() && d < Decimal::new(1, 1) => {
                r.err(
                    "refinance_rate",
                    format!("{d} looks like a fraction: send the percent (5.5 for 5.5%)"),
                );
                Patch::Absent
            }
            p => p,
        },
        refinance_term: r.count("refinance_term", 0, 600),
        related_to_major: r.boolean("related_to_major"),
        tcli_enabled: r.boolean("tcli_enabled"),
        tcli_start_year: r.year("tcli_start_year"),
        tcli_end_year: r.year("tcli_end_year"),
        teaching_level: r.string("teaching_level", 100),
        teaching_state: r.state("teaching_state"),
        teaching_subject: r.string("teaching_subject", 100),
    };

    for k in map.keys() {
        if READ_ONLY.contains(&k.as_str()) {
            p.warnings
                .push(format!("Field {k} is set by Loanpath and was ignored."));
        } else if !PAYLOAD_FIELDS.contains(&k.as_str()) && k != "spouse" {
            p.warnings.push(format!("Unknown field {k} was ignored."));
        }
    }
    ApiError::fields(r.errors)?;
    Ok(p)
}

/// An address as a request gives it: each part set, cleared (`null` or `""`) or left alone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AddressPatch {
    pub street1: Patch<String>,
    pub street2: Patch<String>,
    pub street3: Patch<String>,
    pub city: Patch<String>,
    pub state: Patch<String>,
    pub zipcode: Patch<String>,
}

impl AddressPatch {
    /// Merges into `current` part by part; an address left with no part is none.
    pub fn merge_into(&self, current: &mut Option<Address>) {
        let mut a = current.take().unwrap_or_default();
        self.street1.merge(&mut a.street1);
        self.street2.merge(&mut a.street2);
        self.street3.merge(&mut a.street3);
        self.city.merge(&mut a.city);
        self.state.merge(&mut a.state);
        self.zipcode.merge(&mut a.zipcode);
        *current = (!a.is_empty()).then_some(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;
    use serde_json::json;

    fn parse(v: Value) -> Result<BorrowerPatch, ApiError> {
        parse_borrower_payload(v.as_object().unwrap())
    }

    fn field_errors(v: Value) -> BTreeMap<String, String> {
        match parse(v) {
            Err(ApiError::Validation { fields, .. }) => fields,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn money_from_numbers_and_strings_is_exact() {
        let p = parse(json!({"agi": 35000.10, "spouse_agi": "999999999.99"})).unwrap();
        assert_eq!(p.financial.agi, Patch::Set(dec!(35000.10)));
        assert_eq!(p.financial.spouse_agi, Patch::Set(dec!(999999999.99)));
        // Above the engine's bound is refused on write, not at assessment time.
        assert!(field_errors(json!({"agi": "1000000000.01"})).contains_key("agi"));
    }

    #[test]
    fn every_bad_field_is_named() {
        let errs = field_errors(json!({
            "agi": -1, "family_size": 0, "filing_status": "married", "ssn": "12-345",
            "date_of_birth": "1990/01/01", "state_of_residence": "XX", "email": "nope",
            "address": {"zipcode": "123", "state": "ny"}, "pslf": "yes", "first_name": 7
        }));
        for f in [
            "agi",
            "family_size",
            "filing_status",
            "ssn",
            "date_of_birth",
            "state_of_residence",
            "email",
            "address.zipcode",
            "pslf",
            "first_name",
        ] {
            assert!(errs.contains_key(f), "{f} missing from {errs:?}");
        }
        assert_eq!(errs["agi"], "must not be negative");
        assert!(
            !errs.contains_key("address.state"),
            "lower-case ny is accepted"
        );
    }

    #[test]
    fn ssn_forms() {
        let p = parse(json!({"ssn": "123-45-6789"})).unwrap();
        assert!(
            !format!("{p:?}").contains("6789"),
            "Debug must not show the SSN"
        );
        assert_eq!(
            parse(json!({"ssn": "123-45-6789"})).unwrap().ssn,
            Patch::Set(Ssn("123456789".into()))
        );
        assert_eq!(
            parse(json!({"ssn": "123456789"})).unwrap().ssn,
            Patch::Set(Ssn("123456789".into()))
        );
        for bad in [
            "12345678",
            "1234567890",
            "123-456-789",
            "000-12-3456",
            "abc-de-fghi",
            "123 45 6789",
        ] {
            assert!(
                field_errors(json!({"ssn": bad})).contains_key("ssn"),
                "{bad}"
            );
        }
        assert!(field_errors(json!({"ssn": 123456789})).contains_key("ssn"));
    }

    #[test]
    fn null_clears_absent_keeps_and_unknown_warns() {
        let p = parse(json!({"first_name": null, "colour": "red", "id": 5})).unwrap();
        assert_eq!(p.first_name, Patch::Clear);
        assert_eq!(p.last_name, Patch::Absent);
        assert_eq!(p.warnings.len(), 2);
        let mut cur = Some("x".to_string());
        p.first_name.merge(&mut cur);
        assert_eq!(cur, None);
    }

    #[test]
    fn spouse_refs() {
        assert_eq!(
            parse(json!({"spouse_id": 12})).unwrap().spouse,
            Patch::Set(BorrowerRef::Id(12))
        );
        assert!(field_errors(json!({"spouse_id": "bob"})).contains_key("spouse_id"));
        assert!(field_errors(json!({"spouse": {"first_name": "x"}})).contains_key("spouse"));
    }

    #[test]
    fn an_uploaded_document_never_shows_in_debug() {
        let p = parse(json!({"income_certification": {"type": "tax_return", "file": "JVBERi0xLjQgU1NOIDEyMy00NS02Nzg5"}}))
            .unwrap();
        let shown = format!("{p:?}");
        assert!(
            !shown.contains("6789") && !shown.contains("37, 80, 68"),
            "{shown}"
        );
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn income_certification_checks_type_and_base64() {
        // "%PDF-x", MIME-wrapped.
        let ok = parse(json!({"income_certification": {"type": "pay_stub", "file": "JVBE\nRi14"}}))
            .unwrap();
        assert_eq!(ok.income_certification.unwrap().size_bytes, 6);
        // A document that is not a PDF, PNG or JPEG by its content.
        assert!(field_errors(
            json!({"income_certification": {"type": "pay_stub", "file": "aGVsbG8="}})
        )
        .contains_key("income_certification.file"));
        assert!(field_errors(
            json!({"income_certification": {"type": "selfie", "file": "aGVsbG8="}})
        )
        .contains_key("income_certification.type"));
        assert!(
            field_errors(json!({"income_certification": {"type": "pay_stub", "file": "%%%"}}))
                .contains_key("income_certification.file")
        );
    }
}
