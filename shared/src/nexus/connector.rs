//! The servicer connector: the one port every servicer sits behind.
//!
//! [`Connector::login`] takes typed credentials and answers linked, challenge or failed;
//! [`Connector::answer`] finishes a challenge; [`Connector::fetch`] re-reads a linked account
//! by its opaque connection reference (the scheduled sync uses it). Nothing outside this file
//! knows which adapter is in use: sandbox clients get the simulated servicers, and live clients
//! get the live adapter, which is not configured on this deployment and says so
//! (`no_connector`), never falling back to sandbox data.
//!
//! Credentials pass through as [`Secret`]s and are never stored: a link keeps only the
//! connection reference the adapter returns.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::sandbox::{self, DataProfile};
use super::Secret;
use crate::loans::{NewLoan, ProfileFill};
use crate::model::ClientMode;
use crate::reference::ServicerRow;

/// The servicers the picker offers: the current federal servicers, by their reference names.
pub const PICKER: &[&str] = &[
    "Aidvantage",
    "CRI",
    "EdFinancial",
    "MOHELA",
    "Nelnet",
    "ECSI",
];

/// A servicer the borrower may link, from the reference table (names and aliases match).
pub fn picker_servicer(name: &str) -> Option<&'static ServicerRow> {
    crate::reference::servicer(name).filter(|row| PICKER.contains(&row.name))
}

/// The reserved sandbox usernames and what each does (served to the widget's help text).
pub const SANDBOX_USERNAMES: &[(&str, &str)] = &[
    (
        "user_challenge",
        "a security question; the answer blue passes, anything else fails",
    ),
    ("user_mfa", "a one-time code sent by text; 123456 passes"),
    (
        "user_locked",
        "the servicer says the account is locked; no retry",
    ),
    (
        "user_bad_password",
        "invalid credentials; you may try again",
    ),
    (
        "user_servicer_down",
        "the servicer is unavailable; a retryable error",
    ),
    (
        "user_no_loans",
        "the login works and the portfolio is empty",
    ),
    ("user_delinquent", "one loan is 60 days past due"),
    (
        "user_pslf",
        "loans with PSLF history: qualifying and non-qualifying periods",
    ),
    (
        "user_ffel",
        "FFEL and Parent PLUS loans, to show the eligibility rules",
    ),
    ("user_large", "30 loans in several payment groups"),
    (
        "user_locks_later",
        "links; the servicer locks the account from the 3rd sandbox day after linking to the 10th (syncs then need attention, then recover)",
    ),
    (
        "user_flaky",
        "links; the servicer is down on the 1st and 2nd sandbox day after linking (syncs retry with backoff)",
    ),
];

/// Sandbox accounts that change behaviour after they are linked (the scheduled sync's cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Later {
    /// Locked from `linked + 3` days until `linked + 10` days.
    Locks,
    /// The servicer is unavailable from `linked + 1` to `linked + 3` days.
    Flaky,
}

impl Later {
    fn code(self) -> &'static str {
        match self {
            Later::Locks => "locks",
            Later::Flaky => "flaky",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "locks" => Some(Later::Locks),
            "flaky" => Some(Later::Flaky),
            _ => None,
        }
    }

    /// Days after linking, `[from, to)`, when the account misbehaves.
    fn window(self) -> (i64, i64) {
        match self {
            Later::Locks => (3, 10),
            Later::Flaky => (1, 3),
        }
    }
}

/// `question` (a security question) or `otp` (a one-time code sent by text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "NexusChallengeType")]
pub enum ChallengeKind {
    Question,
    Otp,
}

/// Why a login or an answer was refused: `invalid_credentials`, `locked` (the servicer locked
/// the account), `servicer_unavailable`, `challenge_failed` (a wrong answer),
/// `challenge_expired` (the challenge is not open: expired, already answered, never given, or
/// another session's), or `no_connector` (no live connector on this deployment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "NexusFailureReason")]
pub enum FailureReason {
    InvalidCredentials,
    Locked,
    ServicerUnavailable,
    ChallengeFailed,
    ChallengeExpired,
    NoConnector,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkFailure {
    pub reason: FailureReason,
    pub message: String,
    pub retryable: bool,
}

impl LinkFailure {
    fn new(reason: FailureReason, retryable: bool, message: impl Into<String>) -> Self {
        LinkFailure {
            reason,
            message: message.into(),
            retryable,
        }
    }
}

/// What a servicer account holds, as the connector read it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServicerAccount {
    /// Opaque; lets [`Connector::fetch`] read the account again without credentials.
    pub connection_ref: String,
    pub profile: ProfileFill,
    pub date_of_birth: Option<NaiveDate>,
    pub loans: Vec<NewLoan>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LoginOutcome {
    Linked(Box<ServicerAccount>),
    /// The servicer wants more: `connection_ref` is the adapter's own state for the answer.
    Challenge {
        kind: ChallengeKind,
        prompt: String,
        connection_ref: String,
    },
    Failed(LinkFailure),
}

/// The connector in use for a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connector {
    /// Simulated servicers: deterministic dummy data, nothing sent anywhere.
    Sandbox,
    /// A live client on a deployment without a live aggregator configured.
    Unconfigured,
}

enum Behaviour {
    Data(DataProfile),
    DataThen(DataProfile, Later),
    Challenge(ChallengeKind),
    Fail(FailureReason),
}

fn behaviour(username: &str) -> Behaviour {
    match username.trim().to_ascii_lowercase().as_str() {
        "user_challenge" => Behaviour::Challenge(ChallengeKind::Question),
        "user_mfa" => Behaviour::Challenge(ChallengeKind::Otp),
        "user_locked" => Behaviour::Fail(FailureReason::Locked),
        "user_bad_password" => Behaviour::Fail(FailureReason::InvalidCredentials),
        "user_servicer_down" => Behaviour::Fail(FailureReason::ServicerUnavailable),
        "user_no_loans" => Behaviour::Data(DataProfile::NoLoans),
        "user_delinquent" => Behaviour::Data(DataProfile::Delinquent),
        "user_pslf" => Behaviour::Data(DataProfile::Pslf),
        "user_ffel" => Behaviour::Data(DataProfile::Ffel),
        "user_large" => Behaviour::Data(DataProfile::Large),
        "user_locks_later" => Behaviour::DataThen(DataProfile::Standard, Later::Locks),
        "user_flaky" => Behaviour::DataThen(DataProfile::Standard, Later::Flaky),
        _ => Behaviour::Data(DataProfile::Standard),
    }
}

fn profile_code(p: DataProfile) -> &'static str {
    match p {
        DataProfile::Standard => "standard",
        DataProfile::NoLoans => "no_loans",
        DataProfile::Delinquent => "delinquent",
        DataProfile::Pslf => "pslf",
        DataProfile::Ffel => "ffel",
        DataProfile::Large => "large",
    }
}

fn profile_from_code(s: &str) -> Option<DataProfile> {
    Some(match s {
        "standard" => DataProfile::Standard,
        "no_loans" => DataProfile::NoLoans,
        "delinquent" => DataProfile::Delinquent,
        "pslf" => DataProfile::Pslf,
        "ffel" => DataProfile::Ffel,
        "large" => DataProfile::Large,
        _ => return None,
    })
}

/// The sandbox account seed: a hash of the servicer and the username, so the same login
/// always finds the same account and different usernames differ. The username itself is not
/// kept.
fn seed(servicer: &str, username: &str) -> u64 {
    let digest = Sha256::digest(format!(
        "{servicer}\n{}",
        username.trim().to_ascii_lowercase()
    ));
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(bytes)
}

/// `sbx1:<profile>:<seed hex>[:<later>@<linked yyyy-mm-dd>]`: all the sandbox needs to read the
/// account again (and, for the accounts that change after linking, when they were linked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SandboxRef {
    profile: DataProfile,
    seed: u64,
    later: Option<(Later, NaiveDate)>,
}

impl SandboxRef {
    fn text(&self) -> String {
        let base = format!("sbx1:{}:{:016x}", profile_code(self.profile), self.seed);
        match self.later {
            Some((l, d)) => format!("{base}:{}@{d}", l.code()),
            None => base,
        }
    }

    fn parse(r: &str) -> Option<Self> {
        let mut parts = r.split(':');
        let (Some("sbx1"), Some(p), Some(seed)) = (parts.next(), parts.next(), parts.next()) else {
            return None;
        };
        let later = match parts.next() {
            None => None,
            Some(l) => {
                let (code, day) = l.split_once('@')?;
                Some((Later::parse(code)?, day.parse().ok()?))
            }
        };
        if parts.next().is_some() {
            return None;
        }
        Some(SandboxRef {
            profile: profile_from_code(p)?,
            seed: u64::from_str_radix(seed, 16).ok()?,
            later,
        })
    }

    /// What the servicer says on `today` for an account that misbehaves after linking.
    fn failure_on(&self, servicer: &str, today: NaiveDate) -> Option<LinkFailure> {
        let (later, linked) = self.later?;
        let (from, to) = later.window();
        let days = (today - linked).num_days();
        if !(from..to).contains(&days) {
            return None;
        }
        Some(match later {
            Later::Locks => LinkFailure::new(
                FailureReason::Locked,
                false,
                format!(
                    "{servicer} says this account is locked. Contact the servicer to unlock it."
                ),
            ),
            Later::Flaky => LinkFailure::new(
                FailureReason::ServicerUnavailable,
                true,
                format!(
                    "{servicer} is not responding right now. Please try again in a few minutes."
                ),
            ),
        })
    }
}

fn sandbox_ref(profile: DataProfile, seed: u64) -> String {
    SandboxRef {
        profile,
        seed,
        later: None,
    }
    .text()
}

fn no_connector() -> LinkFailure {
    LinkFailure::new(
        FailureReason::NoConnector,
        false,
        "Live servicer linking is not configured for this deployment. No data was read.",
    )
}

impl Connector {
    pub fn for_mode(mode: ClientMode) -> Self {
        match mode {
            ClientMode::Sandbox => Connector::Sandbox,
            ClientMode::Live => Connector::Unconfigured,
        }
    }

    pub async fn login(
        &self,
        servicer: &ServicerRow,
        username: &str,
        password: &Secret,
        today: NaiveDate,
    ) -> LoginOutcome {
        match self {
            Connector::Unconfigured => LoginOutcome::Failed(no_connector()),
            Connector::Sandbox => {
                // The sandbox accepts any password; it is never kept.
                let _ = password.expose();
                let s = seed(servicer.name, username);
                match behaviour(username) {
                    Behaviour::Data(p) => LoginOutcome::Linked(Box::new(sandbox_account(
                        servicer.name,
                        SandboxRef {
                            profile: p,
                            seed: s,
                            later: None,
                        },
                        today,
                    ))),
                    Behaviour::DataThen(p, later) => {
                        LoginOutcome::Linked(Box::new(sandbox_account(
                            servicer.name,
                            SandboxRef {
                                profile: p,
                                seed: s,
                                later: Some((later, today)),
                            },
                            today,
                        )))
                    }
                    Behaviour::Challenge(kind) => LoginOutcome::Challenge {
                        kind,
                        prompt: match kind {
                            ChallengeKind::Question => format!(
                                "{} asks your security question: what is your favourite colour?",
                                servicer.name
                            ),
                            ChallengeKind::Otp => format!(
                                "{} sent a 6-digit code by text to the phone number on your account. Enter it here.",
                                servicer.name
                            ),
                        },
                        connection_ref: sandbox_ref(DataProfile::Standard, s),
                    },
                    Behaviour::Fail(reason) => LoginOutcome::Failed(match reason {
                        FailureReason::Locked => LinkFailure::new(
                            reason,
                            false,
                            format!("{} says this account is locked. Contact the servicer to unlock it.", servicer.name),
                        ),
                        FailureReason::InvalidCredentials => LinkFailure::new(
                            reason,
                            true,
                            format!("{} did not accept that username and password. Check them and try again.", servicer.name),
                        ),
                        _ => LinkFailure::new(
                            FailureReason::ServicerUnavailable,
                            true,
                            format!("{} is not responding right now. Please try again in a few minutes.", servicer.name),
                        ),
                    }),
                }
            }
        }
    }

    pub async fn answer(
        &self,
        servicer: &ServicerRow,
        kind: ChallengeKind,
        connection_ref: &str,
        answer: &Secret,
        today: NaiveDate,
    ) -> LoginOutcome {
        match self {
            Connector::Unconfigured => LoginOutcome::Failed(no_connector()),
            Connector::Sandbox => {
                let right = match kind {
                    ChallengeKind::Question => answer.expose().trim().eq_ignore_ascii_case("blue"),
                    // People type codes with spaces ("123 456"): only the digits count.
                    ChallengeKind::Otp => {
                        answer
                            .expose()
                            .chars()
                            .filter(|c| !c.is_whitespace() && *c != '-')
                            .collect::<String>()
                            == "123456"
                    }
                };
                match (right, SandboxRef::parse(connection_ref)) {
                    (true, Some(r)) => {
                        LoginOutcome::Linked(Box::new(sandbox_account(servicer.name, r, today)))
                    }
                    _ => LoginOutcome::Failed(LinkFailure::new(
                        FailureReason::ChallengeFailed,
                        true,
                        match kind {
                            ChallengeKind::Question => {
                                "That answer is not right. Log in again to get a new question."
                            }
                            ChallengeKind::Otp => {
                                "That code is not right. Log in again to get a new code."
                            }
                        },
                    )),
                }
            }
        }
    }

    /// Reads a linked account again (the scheduled sync).
    pub async fn fetch(
        &self,
        servicer: &ServicerRow,
        connection_ref: &str,
        today: NaiveDate,
    ) -> Result<ServicerAccount, LinkFailure> {
        match self {
            Connector::Unconfigured => Err(no_connector()),
            Connector::Sandbox => {
                let r = SandboxRef::parse(connection_ref).ok_or_else(|| {
                    LinkFailure::new(
                        FailureReason::InvalidCredentials,
                        true,
                        "The link must be renewed: log in to the servicer again.",
                    )
                })?;
                match r.failure_on(servicer.name, today) {
                    Some(f) => Err(f),
                    None => Ok(sandbox_account(servicer.name, r, today)),
                }
            }
        }
    }
}

fn sandbox_account(servicer: &str, r: SandboxRef, today: NaiveDate) -> ServicerAccount {
    let data = sandbox::portfolio(servicer, r.seed, r.profile, today);
    ServicerAccount {
        connection_ref: r.text(),
        profile: data.profile,
        date_of_birth: data.date_of_birth,
        loans: data.loans,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nelnet() -> &'static ServicerRow {
        picker_servicer("Nelnet").unwrap()
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    fn block<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn picker_holds_the_current_servicers_only() {
        for name in PICKER {
            assert_eq!(picker_servicer(name).unwrap().name, *name);
        }
        assert!(picker_servicer("Navient").is_none());
        assert_eq!(
            picker_servicer("Maximus Education").unwrap().name,
            "Aidvantage"
        );
    }

    #[test]
    fn refs_round_trip_and_never_hold_the_username() {
        let r = sandbox_ref(DataProfile::Pslf, seed("Nelnet", "kirk"));
        assert!(!r.contains("kirk"));
        let parsed = SandboxRef::parse(&r).unwrap();
        assert_eq!(
            (parsed.profile, parsed.seed, parsed.later),
            (DataProfile::Pslf, seed("Nelnet", "kirk"), None)
        );
        assert_eq!(SandboxRef::parse("sbx1:nope:00"), None);
        assert_eq!(SandboxRef::parse("sbx1:standard:00:soon@2026-01-01"), None);
        assert_ne!(seed("Nelnet", "kirk"), seed("MOHELA", "kirk"));
        assert_eq!(seed("Nelnet", " Kirk "), seed("Nelnet", "kirk"));
    }

    #[test]
    fn every_reserved_username_behaves_as_documented() {
        let c = Connector::Sandbox;
        let pw = Secret::new("pw");
        let login = |u: &str| block(c.login(nelnet(), u, &pw, day()));
        match login("user_challenge") {
            LoginOutcome::Challenge {
                kind,
                connection_ref,
                ..
            } => {
                assert_eq!(kind, ChallengeKind::Question);
                let ok = block(c.answer(
                    nelnet(),
                    kind,
                    &connection_ref,
                    &Secret::new("Blue "),
                    day(),
                ));
                assert!(matches!(ok, LoginOutcome::Linked(_)));
                let bad =
                    block(c.answer(nelnet(), kind, &connection_ref, &Secret::new("red"), day()));
                assert!(matches!(
                    bad,
                    LoginOutcome::Failed(LinkFailure {
                        reason: FailureReason::ChallengeFailed,
                        retryable: true,
                        ..
                    })
                ));
            }
            other => panic!("{other:?}"),
        }
        match login("user_mfa") {
            LoginOutcome::Challenge {
                kind,
                connection_ref,
                ..
            } => {
                assert_eq!(kind, ChallengeKind::Otp);
                assert!(matches!(
                    block(c.answer(
                        nelnet(),
                        kind,
                        &connection_ref,
                        &Secret::new("123456"),
                        day()
                    )),
                    LoginOutcome::Linked(_)
                ));
                assert!(matches!(
                    block(c.answer(
                        nelnet(),
                        kind,
                        &connection_ref,
                        &Secret::new("654321"),
                        day()
                    )),
                    LoginOutcome::Failed(_)
                ));
            }
            other => panic!("{other:?}"),
        }
        let fail = |u: &str| match login(u) {
            LoginOutcome::Failed(f) => (f.reason, f.retryable),
            other => panic!("{u}: {other:?}"),
        };
        assert_eq!(fail("user_locked"), (FailureReason::Locked, false));
        assert_eq!(
            fail("user_bad_password"),
            (FailureReason::InvalidCredentials, true)
        );
        assert_eq!(
            fail("user_servicer_down"),
            (FailureReason::ServicerUnavailable, true)
        );
        let loans = |u: &str| match login(u) {
            LoginOutcome::Linked(a) => a.loans,
            other => panic!("{u}: {other:?}"),
        };
        assert!(loans("user_no_loans").is_empty());
        assert_eq!(loans("user_large").len(), 30);
        assert_eq!(
            loans("user_delinquent")
                .iter()
                .filter(|l| l.data.is_overdue == Some(true))
                .count(),
            1
        );
        assert!(loans("user_pslf")
            .iter()
            .any(|l| l.data.pslf_cumulative_periods.unwrap_or(0) > 0));
        assert!(loans("user_ffel")
            .iter()
            .any(|l| l.data.loan_type == "SF" || l.data.loan_type == "SU"));
        assert!(!loans("spock").is_empty());
        // Deterministic: the same login gives the same account.
        assert_eq!(loans("spock"), loans("spock"));
        assert_ne!(loans("spock"), loans("uhura"));
    }

    #[test]
    fn accounts_that_change_after_linking_follow_their_windows() {
        let c = Connector::Sandbox;
        let pw = Secret::new("pw");
        let linked = |u: &str| match block(c.login(nelnet(), u, &pw, day())) {
            LoginOutcome::Linked(a) => a.connection_ref,
            other => panic!("{u}: {other:?}"),
        };
        let on = |r: &str, d: i64| {
            block(c.fetch(nelnet(), r, day() + chrono::Duration::days(d))).map_err(|f| f.reason)
        };
        let locks = linked("user_locks_later");
        assert!(locks.ends_with(":locks@2026-12-01"), "{locks}");
        assert!(on(&locks, 2).is_ok());
        assert_eq!(on(&locks, 3).unwrap_err(), FailureReason::Locked);
        assert_eq!(on(&locks, 9).unwrap_err(), FailureReason::Locked);
        assert!(on(&locks, 10).is_ok());
        let flaky = linked("user_flaky");
        assert!(on(&flaky, 0).is_ok());
        assert_eq!(
            on(&flaky, 1).unwrap_err(),
            FailureReason::ServicerUnavailable
        );
        assert_eq!(
            on(&flaky, 2).unwrap_err(),
            FailureReason::ServicerUnavailable
        );
        assert!(on(&flaky, 3).is_ok());
        // The data is the standard account's, moving with the date.
        let a = on(&flaky, 0).unwrap();
        let b = on(&flaky, 40).unwrap();
        assert_eq!(a.loans.len(), b.loans.len());
        assert_ne!(a.loans, b.loans);
    }

    #[test]
    fn live_clients_never_get_sandbox_data() {
        let c = Connector::for_mode(ClientMode::Live);
        match block(c.login(nelnet(), "anyone", &Secret::new("pw"), day())) {
            LoginOutcome::Failed(f) => assert_eq!(f.reason, FailureReason::NoConnector),
            other => panic!("{other:?}"),
        }
        assert!(block(c.fetch(nelnet(), &sandbox_ref(DataProfile::Standard, 1), day())).is_err());
    }
}
