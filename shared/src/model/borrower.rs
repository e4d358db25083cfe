//! Borrowers as the domain holds them, and their Payitoff-shaped JSON view.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use super::client::ClientMode;
use crate::api::openapi::derived::named_string_enum;
use crate::money;

/// Payitoff `Address` (`{street1, street2, street3, city, state, zipcode}`): borrowers,
/// servicers and the MyStudentData student section all use it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[schemars(
    deny_unknown_fields,
    description = "Payitoff's Address: `{street1, street2, street3, city, state, zipcode}`."
)]
pub struct Address {
    pub street1: Option<String>,
    pub street2: Option<String>,
    pub street3: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zipcode: Option<String>,
}

impl Address {
    pub fn is_empty(&self) -> bool {
        [
            &self.street1,
            &self.street2,
            &self.street3,
            &self.city,
            &self.state,
            &self.zipcode,
        ]
        .iter()
        .all(|f| f.is_none())
    }
}

/// Federal income-tax filing status (also the rules engine's input).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum FilingStatus {
    #[default]
    Single,
    MarriedFilingJointly,
    MarriedFilingSeparately,
    HeadOfHousehold,
}

impl FilingStatus {
    pub const ALL: [(&'static str, FilingStatus); 4] = [
        ("single", FilingStatus::Single),
        ("married_filing_jointly", FilingStatus::MarriedFilingJointly),
        (
            "married_filing_separately",
            FilingStatus::MarriedFilingSeparately,
        ),
        ("head_of_household", FilingStatus::HeadOfHousehold),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(s, _)| *s)
            .unwrap_or("single")
    }

    pub fn parse(s: &str) -> Option<Self> {
        let norm = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Self::ALL
            .iter()
            .find(|(name, _)| *name == norm)
            .map(|(_, f)| *f)
    }

    pub fn is_married(self) -> bool {
        matches!(
            self,
            FilingStatus::MarriedFilingJointly | FilingStatus::MarriedFilingSeparately
        )
    }
}

/// Assessment inputs. Written flat in a BorrowerPayload, returned under `financial_details`.
/// `None` means "not given"; defaults are applied when read (see the accessors).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FinancialDetails {
    pub agi: Option<Decimal>,
    pub spouse_agi: Option<Decimal>,
    pub filing_status: Option<FilingStatus>,
    pub family_size: Option<u32>,
    pub children: Option<u32>,
    pub dependents: Option<u32>,
    pub state_of_residence: Option<String>,
    pub employer_state: Option<String>,
    pub extra_monthly_payment: Option<Decimal>,
    /// Percent per year.
    pub income_growth: Option<Decimal>,
    pub new_borrower_date: Option<NaiveDate>,
    pub pslf: Option<bool>,
    pub refinance_rate: Option<Decimal>,
    pub refinance_term: Option<u32>,
    pub related_to_major: Option<bool>,
    pub tcli_enabled: Option<bool>,
    pub tcli_start_year: Option<i32>,
    pub tcli_end_year: Option<i32>,
    pub teaching_level: Option<String>,
    pub teaching_state: Option<String>,
    pub teaching_subject: Option<String>,
}

pub const DEFAULT_INCOME_GROWTH: Decimal = Decimal::from_parts(50, 0, 0, false, 1); // 5.0

impl FinancialDetails {
    pub fn filing_status(&self) -> FilingStatus {
        self.filing_status.unwrap_or_default()
    }
    pub fn family_size(&self) -> u32 {
        self.family_size.unwrap_or(1)
    }
    pub fn income_growth(&self) -> Decimal {
        self.income_growth.unwrap_or(DEFAULT_INCOME_GROWTH)
    }
    /// RAP's dependents: children plus other dependents.
    pub fn rap_dependents(&self) -> u32 {
        self.children.unwrap_or(0) + self.dependents.unwrap_or(0)
    }
    /// `spouse_agi` only counts for a joint return.
    pub fn spouse_agi_applies(&self) -> bool {
        // Only a joint return adds the spouse's income; a separate one uses the borrower's own
        // (the engine ignores spouse_agi otherwise, docs/rules.md).
        self.filing_status() == FilingStatus::MarriedFilingJointly
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SpouseLink {
    pub id: i64,
    pub uuid: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IncomeCertification {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: String,
    /// Payitoff's format: `2021-02-18 21:33:29` (not ISO-8601 with a `T`).
    pub inserted_at: String,
    pub size_bytes: usize,
    /// `application/pdf`, `image/png` or `image/jpeg`, from the content.
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub sha256: Option<String>,
    /// Where the (sealed) document is in the object store.
    #[serde(default)]
    pub object_key: Option<String>,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// NSLDS school enrollment status codes and their payload names.
pub const SCHOOL_ENROLLMENT: &[(&str, &str)] = &[
    ("full_time", "F"),
    ("three_quarter_time", "Q"),
    ("half_time", "H"),
    ("less_than_half_time", "L"),
    ("leave_of_absence", "A"),
    ("graduated", "G"),
    ("withdrawn", "W"),
    ("never_attended", "X"),
];

pub fn school_enrollment_name(code: &str) -> Option<&'static str> {
    SCHOOL_ENROLLMENT
        .iter()
        .find(|(_, c)| c.eq_ignore_ascii_case(code.trim()))
        .map(|(n, _)| *n)
}

pub fn school_enrollment_code(name: &str) -> Option<&'static str> {
    SCHOOL_ENROLLMENT
        .iter()
        .find(|(n, _)| *n == name.trim())
        .map(|(_, c)| *c)
}

impl Borrower {
    /// Enrolled full time or three-quarter time (payitoff-v1-surface 1.7).
    pub fn is_active_student(&self) -> bool {
        matches!(self.school_enrollment.as_deref(), Some("F" | "Q"))
    }

    /// The days a sandbox client's borrower is moved ahead (`POST /sandbox/.../advance`); a
    /// live client's borrowers are on the real date, whatever clock they kept from a sandbox
    /// past.
    fn clock_days(&self, mode: ClientMode) -> i64 {
        match mode {
            ClientMode::Sandbox => self.sandbox_clock_days,
            ClientMode::Live => 0,
        }
    }

    /// The borrower's clock: now, moved by the sandbox clock (sandbox clients only).
    pub fn clock_in(&self, mode: ClientMode) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now() + chrono::Duration::days(self.clock_days(mode))
    }

    /// The borrower's date: today, moved by the sandbox clock (sandbox clients only).
    pub fn today_in(&self, mode: ClientMode) -> NaiveDate {
        self.clock_in(mode).date_naive()
    }

    /// The borrower's time, as records stamp it (`model::now`'s format), moved by the sandbox
    /// clock (sandbox clients only), so an enrollment's times follow the same clock as its
    /// dates.
    pub fn now_in(&self, mode: ClientMode) -> String {
        stamp_of(self.clock_in(mode))
    }
}

/// A time as records stamp it: RFC 3339, UTC, microseconds.
pub fn stamp_of(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl Borrower {}

/// A borrower as stored. Identity (`id`, `uuid`, `client_id`) never changes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Borrower {
    pub id: i64,
    pub uuid: Uuid,
    pub client_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<Address>,
    pub date_of_birth: Option<NaiveDate>,
    pub collecting_unemployment: Option<bool>,
    pub employer: Option<String>,
    pub employer_start_date: Option<NaiveDate>,
    /// The employer's EIN (9 digits), matched against the IRS list in Forgiveness Options.
    #[serde(default)]
    pub employer_ein: Option<String>,
    pub external_id: Option<String>,
    pub spouse: Option<SpouseLink>,
    #[serde(default)]
    pub financial: FinancialDetails,
    #[serde(default)]
    pub income_certifications: Vec<IncomeCertification>,
    /// AES-256-GCM sealed SSN (see `crypto`). Never rendered, never logged.
    pub ssn_sealed: Option<String>,
    pub version: u64,
    pub created_at: String,
    pub updated_at: String,
    /// The borrower's NSLDS school enrollment status code (`F` full time, `Q` three-quarter
    /// time, `H` half time, `L` less than half time, `A` leave of absence, `G` graduated, `W`
    /// withdrawn, `X` never attended): from a MyStudentData.txt import or the payload's
    /// `school_enrollment_status`. `F` and `Q` are active students, who cannot enroll.
    #[serde(default)]
    pub school_enrollment: Option<String>,
    /// The sandbox clock: how many days this borrower's sandbox time runs ahead of real time
    /// (`POST /api/v1/sandbox/borrowers/{id}/advance`). Always 0 for live clients.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub sandbox_clock_days: i64,
    /// Set while a large borrower is being deleted in steps: every read treats it as gone,
    /// and a repeated DELETE finishes the job.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleting: bool,
}

impl Borrower {
    pub fn new(id: i64, uuid: Uuid, client_id: &str, now: &str) -> Self {
        Borrower {
            id,
            uuid,
            client_id: client_id.to_string(),
            first_name: None,
            last_name: None,
            email: None,
            phone: None,
            address: None,
            date_of_birth: None,
            collecting_unemployment: None,
            employer: None,
            employer_start_date: None,
            employer_ein: None,
            external_id: None,
            spouse: None,
            financial: FinancialDetails::default(),
            income_certifications: Vec::new(),
            school_enrollment: None,
            sandbox_clock_days: 0,
            ssn_sealed: None,
            deleting: false,
            version: 0,
            created_at: now.to_string(),
            updated_at: now.to_string(),
        }
    }

    /// The Payitoff `Borrower` response object. The SSN is reduced to `has_ssn`.
    pub fn view(&self) -> BorrowerView<'_> {
        BorrowerView::of(self)
    }

    /// [`Borrower::view`] as a JSON value, for a body that holds several borrowers.
    pub fn view_value(&self) -> Value {
        json!(self.view())
    }
}

/// The Borrower (Payitoff Borrower). The SSN itself is never returned: `has_ssn` says whether
/// one is on file.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields, rename = "Borrower")]
pub struct BorrowerView<'a> {
    pub id: i64,
    pub uuid: Uuid,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    /// The mailing address (every part `null` when none is on file).
    pub address: Address,
    pub date_of_birth: Option<NaiveDate>,
    pub collecting_unemployment: bool,
    pub employer: Option<&'a str>,
    pub employer_start_date: Option<NaiveDate>,
    pub employer_ein: Option<&'a str>,
    pub employer_state: Option<&'a str>,
    /// Your id for the borrower (unique per client).
    pub external_id: Option<&'a str>,
    /// The linked spouse's integer id.
    pub spouse_id: Option<i64>,
    /// The linked spouse's uuid.
    pub spouse_uuid: Option<Uuid>,
    pub has_ssn: bool,
    #[schemars(with = "Option<SchoolEnrollmentStatusName>")]
    pub school_enrollment_status: Option<&'static str>,
    pub financial_details: FinancialView<'a>,
    /// The income documents on file (their content is never returned).
    pub income_certifications: Vec<CertificationSummary<'a>>,
    #[schemars(with = "chrono::DateTime<chrono::Utc>")]
    pub created_at: &'a str,
    #[schemars(with = "chrono::DateTime<chrono::Utc>")]
    pub updated_at: &'a str,
    /// What in the request was ignored or will not count, on a create or update.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub warnings: Option<Vec<String>>,
}

/// The inputs an assessment reads: money as JSON numbers, rates as numbers keeping their
/// digits.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields, rename = "FinancialDetails")]
pub struct FinancialView<'a> {
    #[serde(serialize_with = "money::ser_opt_number")]
    #[schemars(with = "Option<crate::rules::money::Money2>")]
    pub agi: Option<Decimal>,
    pub children: u32,
    pub dependents: u32,
    pub employer_state: Option<&'a str>,
    #[serde(serialize_with = "money::ser_opt_number")]
    #[schemars(with = "Option<crate::rules::money::Money2>")]
    pub extra_monthly_payment: Option<Decimal>,
    #[schemars(range(min = 1))]
    pub family_size: u32,
    #[schemars(with = "FilingStatusName")]
    pub filing_status: &'static str,
    /// Percent per year (5.0 when not set).
    #[serde(serialize_with = "ser_rate_required")]
    #[schemars(with = "f64")]
    pub income_growth: Decimal,
    pub new_borrower_date: Option<NaiveDate>,
    pub pslf: Option<bool>,
    #[serde(serialize_with = "money::ser_opt_rate")]
    #[schemars(with = "Option<f64>")]
    pub refinance_rate: Option<Decimal>,
    pub refinance_term: Option<u32>,
    pub related_to_major: Option<bool>,
    /// What was set on this borrower (a joint return's assessment may use the linked
    /// spouse's own agi instead, and says so).
    #[serde(serialize_with = "money::ser_opt_number")]
    #[schemars(with = "Option<crate::rules::money::Money2>")]
    pub spouse_agi: Option<Decimal>,
    pub state_of_residence: Option<&'a str>,
    pub tcli_enabled: Option<bool>,
    pub tcli_end_year: Option<i32>,
    pub tcli_start_year: Option<i32>,
    pub teaching_level: Option<&'a str>,
    pub teaching_state: Option<&'a str>,
    pub teaching_subject: Option<&'a str>,
}

/// One income document on file.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields, rename = "IncomeCertificationSummary")]
pub struct CertificationSummary<'a> {
    pub id: i64,
    #[serde(rename = "type")]
    #[schemars(with = "IncomeDocumentTypeName")]
    pub kind: &'a str,
    /// UTC, `YYYY-MM-DD HH:MM:SS`, as Payitoff writes it.
    pub inserted_at: &'a str,
    pub content_type: Option<&'a str>,
    pub size_bytes: usize,
}

fn ser_rate_required<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    money::rate_number(*d).serialize(s)
}

named_string_enum!(
    /// The tax filing status (`FilingStatus`), in every response and request that holds one.
    FilingStatusName,
    "FilingStatus",
    FilingStatus::ALL.iter().map(|(s, _)| *s).collect(),
    "The tax filing status."
);

named_string_enum!(
    /// The school enrollment status (`SchoolEnrollmentStatus`), as written and as read.
    SchoolEnrollmentStatusName,
    "SchoolEnrollmentStatus",
    SCHOOL_ENROLLMENT.iter().map(|(n, _)| *n).collect(),
    "The NSLDS school enrollment status. full_time and three_quarter_time are active students, \
     who cannot enroll in a repayment plan."
);

named_string_enum!(
    /// What an income document is (`IncomeDocumentType`), as written and as read.
    IncomeDocumentTypeName,
    "IncomeDocumentType",
    crate::model::payload::INCOME_CERT_TYPES.to_vec(),
    "What the income document is."
);

impl<'a> BorrowerView<'a> {
    pub fn of(b: &'a Borrower) -> Self {
        let f = &b.financial;
        BorrowerView {
            id: b.id,
            uuid: b.uuid,
            first_name: b.first_name.as_deref(),
            last_name: b.last_name.as_deref(),
            email: b.email.as_deref(),
            phone: b.phone.as_deref(),
            address: b.address.clone().unwrap_or_default(),
            date_of_birth: b.date_of_birth,
            collecting_unemployment: b.collecting_unemployment.unwrap_or(false),
            employer: b.employer.as_deref(),
            employer_start_date: b.employer_start_date,
            employer_ein: b.employer_ein.as_deref(),
            employer_state: f.employer_state.as_deref(),
            external_id: b.external_id.as_deref(),
            spouse_id: b.spouse.as_ref().map(|s| s.id),
            spouse_uuid: b.spouse.as_ref().map(|s| s.uuid),
            has_ssn: b.ssn_sealed.is_some(),
            school_enrollment_status: b
                .school_enrollment
                .as_deref()
                .and_then(school_enrollment_name),
            financial_details: FinancialView {
                agi: f.agi,
                children: f.children.unwrap_or(0),
                dependents: f.dependents.unwrap_or(0),
                employer_state: f.employer_state.as_deref(),
                extra_monthly_payment: f.extra_monthly_payment,
                family_size: f.family_size(),
                filing_status: f.filing_status().as_str(),
                income_growth: f.income_growth(),
                new_borrower_date: f.new_borrower_date,
                pslf: f.pslf,
                refinance_rate: f.refinance_rate,
                refinance_term: f.refinance_term,
                related_to_major: f.related_to_major,
                spouse_agi: f.spouse_agi,
                state_of_residence: f.state_of_residence.as_deref(),
                tcli_enabled: f.tcli_enabled,
                tcli_end_year: f.tcli_end_year,
                tcli_start_year: f.tcli_start_year,
                teaching_level: f.teaching_level.as_deref(),
                teaching_state: f.teaching_state.as_deref(),
                teaching_subject: f.teaching_subject.as_deref(),
            },
            income_certifications: b
                .income_certifications
                .iter()
                .map(|c| CertificationSummary {
                    id: c.id,
                    kind: &c.kind,
                    inserted_at: &c.inserted_at,
                    content_type: c.content_type.as_deref(),
                    size_bytes: c.size_bytes,
                })
                .collect(),
            created_at: &b.created_at,
            updated_at: &b.updated_at,
            warnings: None,
        }
    }
}

/// A borrower's two ids.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BorrowerIds {
    pub id: i64,
    pub uuid: Uuid,
}
