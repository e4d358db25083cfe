//! Loans and the Portfolio: create (JSON or a MyStudentData.txt file), list, delete, and the
//! Portfolio view. Every write is one transaction that moves the borrower's version, so a batch
//! is all-or-nothing, a retried batch can't duplicate loans, and a borrower deleted meanwhile is
//! never given orphan loans.

use serde::Serialize;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::borrowers::now;
use crate::context::AppContext;
use crate::error::ApiError;
use crate::loans::{self, find_match, merge_into_at, Loan, LoanSource, NewLoan, ProfileFill};
use crate::model::{payload::BorrowerRef, Address, Borrower, Tenant};
use crate::mystudentdata;
use crate::store::{borrowers as borrower_items, keys, loans as loan_items, Tx, TxError};

/// Most loans one request may write (a transaction holds 100 items; one is the borrower).
pub const MAX_BATCH: usize = 99;
/// Most loans a borrower may hold, however they came (API, file, linked servicers): every read
/// of the collection and every assessment stays bounded in memory and time.
pub const MAX_LOANS_PER_BORROWER: usize = 200;

/// A Create Loans body: `{"loans": [LoanPayload, ...]}` or `{"loans": "<base64 MyStudentData.txt>"}`.
pub enum LoansBody {
    /// The loans, and a warning for each field no LoanPayload has.
    Json(Vec<NewLoan>, Vec<String>),
    File(Box<mystudentdata::ParsedFile>),
    /// A linked servicer account (Nexus): its loans, the profile fields the servicer knows,
    /// and the link record, written in the same transaction.
    Linked(Box<LinkedAccount>),
}

pub struct LinkedAccount {
    pub loans: Vec<NewLoan>,
    pub profile: ProfileFill,
    pub date_of_birth: Option<chrono::NaiveDate>,
    pub link: crate::nexus::ServicerLink,
}

pub fn parse_loans_body(body: &Map<String, Value>) -> Result<LoansBody, ApiError> {
    match body.get("loans") {
        None | Some(Value::Null) => Err(ApiError::field(
            "loans",
            "is required: an array of LoanPayload objects, or a base64-encoded MyStudentData.txt file",
        )),
        Some(Value::Array(_)) => {
            let (parsed, warnings) = loans::parse_loans_payload_with_warnings(&body["loans"])
                .map_err(|fields| {
                    ApiError::fields(fields).expect_err("a parse failure always names a field")
                })?;
            if parsed.len() > MAX_BATCH {
                return Err(ApiError::field("loans", format!("must hold at most {MAX_BATCH} loans per request")));
            }
            Ok(LoansBody::Json(parsed, warnings))
        }
        Some(Value::String(text)) => {
            let bytes = crate::http::decode_base64_upload(text).ok_or_else(|| {
                ApiError::field("loans", "must be an array of loans, or a MyStudentData.txt file encoded as base64")
            })?;
            let file = mystudentdata::parse(&bytes).map_err(|e| {
                let mut fields = std::collections::BTreeMap::new();
                fields.insert("loans".to_string(), format!("line {}: {}", e.line, e.message));
                ApiError::Validation {
                    detail: format!("The MyStudentData.txt file could not be imported: line {}: {}", e.line, e.message),
                    fields,
                }
            })?;
            Ok(LoansBody::File(Box::new(file)))
        }
        Some(_) => Err(ApiError::field(
            "loans",
            "must be an array of LoanPayload objects, or a base64-encoded MyStudentData.txt file",
        )),
    }
}

/// The v1 Loan object with its borrower's integer id.
pub fn loan_view(l: &Loan, b: &Borrower) -> Value {
    let mut v = loans::loan_view(l, b.id);
    v["borrower_uuid"] = json!(b.uuid);
    v
}

/// The profile fields a file or a servicer gives, each through the BorrowerPayload validators
/// (the same rules as `POST /borrowers`). A value they refuse is not filled; the warnings say
/// which and why.
pub(crate) fn validated_fill(fill: &ProfileFill) -> (ProfileFill, Vec<String>) {
    let mut out = fill.clone();
    let mut warnings = Vec::new();
    let check = |field: &str, value: Value| -> Result<(), String> {
        let mut body = Map::new();
        body.insert(field.to_string(), value);
        match crate::model::payload::parse_borrower_payload(&body) {
            Ok(_) => Ok(()),
            Err(ApiError::Validation { fields, .. }) => Err(fields
                .into_iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join("; ")),
            Err(e) => Err(e.to_string()),
        }
    };
    let texts: [(&str, &mut Option<String>); 4] = [
        ("first_name", &mut out.first_name),
        ("last_name", &mut out.last_name),
        ("email", &mut out.email),
        ("phone", &mut out.phone),
    ];
    for (field, slot) in texts {
        if let Some(v) = slot.clone() {
            if let Err(why) = check(field, Value::String(v)) {
                warnings.push(format!("{field} was not filled from the file: {why}"));
                *slot = None;
            }
        }
    }
    if let Some(a) = out.address.clone() {
        let value = serde_json::to_value(&a).unwrap_or(Value::Null);
        if let Err(why) = check("address", value) {
            warnings.push(format!("address was not filled from the file: {why}"));
            out.address = None;
        }
    }
    (out, warnings)
}

/// Fills only the profile fields that are empty. Returns the names of the fields it set.
pub(crate) fn fill_profile(b: &mut Borrower, fill: &ProfileFill) -> Vec<&'static str> {
    let mut set = Vec::new();
    let mut take = |name: &'static str, slot: &mut Option<String>, v: &Option<String>| {
        if slot.as_deref().is_none_or(str::is_empty) {
            if let Some(v) = v.as_ref().filter(|v| !v.trim().is_empty()) {
                *slot = Some(v.trim().to_string());
                set.push(name);
            }
        }
    };
    take("first_name", &mut b.first_name, &fill.first_name);
    take("last_name", &mut b.last_name, &fill.last_name);
    take("email", &mut b.email, &fill.email);
    take("phone", &mut b.phone, &fill.phone);
    let empty = b.address.as_ref().is_none_or(Address::is_empty);
    if let (true, Some(a)) = (empty, fill.address.as_ref().filter(|a| !a.is_empty())) {
        b.address = Some(a.clone());
        set.push("address");
    }
    set
}

/// Creates or updates a borrower's loans from either body form.
/// Creates or updates a borrower's loans from either body form (see [`LoansWritten`]).
pub async fn add_loans(
    ctx: &AppContext,
    tenant: &Tenant,
    r: &BorrowerRef,
    body: LoansBody,
) -> Result<LoansWritten, ApiError> {
    let coll = ctx.store.borrower_collection_by_ref(tenant, r).await?;
    let uuid = coll.borrower.uuid;
    let mut borrower = coll.borrower.clone();
    let mut link_item = None;
    let mut link_version = None;
    let mut written_link = None;
    let mut events: Vec<crate::webhooks::Event> = Vec::new();
    // Loans of a servicer account this link replaces (another login at the same servicer).
    let mut replaced: Vec<&Loan> = Vec::new();
    let (incoming, filled, file_warnings) = match body {
        LoansBody::Json(list, warnings) => (list, Vec::new(), warnings),
        LoansBody::Linked(acct) => {
            let acct = *acct;
            let (profile, _) = validated_fill(&acct.profile);
            let mut filled = fill_profile(&mut borrower, &profile);
            if let (None, Some(dob)) = (borrower.date_of_birth, acct.date_of_birth) {
                borrower.date_of_birth = Some(dob);
                filled.push("date_of_birth");
            }
            let mut link = acct.link;
            // A link that needed attention works again.
            if coll.links.iter().any(|l| {
                l.servicer == link.servicer
                    && l.status == crate::nexus::link::LinkStatus::NeedsAttention
            }) {
                events.push(crate::sync::worker::connectivity_event(
                    &tenant.client_id,
                    "connectivity.restored",
                    &uuid,
                    &link.servicer,
                    None,
                ));
            }
            // A linked loan that was not overdue and now is.
            if crate::sync::changes::newly_overdue(&coll.loans, &acct.loans) {
                events.push(crate::sync::worker::delinquent_event(
                    &tenant.client_id,
                    &borrower,
                    &link.servicer,
                ));
            }
            if let Some(old) = coll.links.iter().find(|l| l.servicer == link.servicer) {
                link.version = old.version + 1;
                if old.connection_ref == link.connection_ref {
                    // The same account again: it keeps when it was first linked.
                    link.linked_at = old.linked_at.clone();
                } else {
                    // Another account at this servicer replaces the old one: the old
                    // account's loans go, in this same transaction.
                    let incoming: std::collections::HashSet<&str> = acct
                        .loans
                        .iter()
                        .filter_map(|l| l.award_id.as_deref())
                        .collect();
                    replaced = coll
                        .loans
                        .iter()
                        .filter(|l| {
                            l.source == LoanSource::Nexus
                                && l.data.servicer_name.as_deref() == Some(link.servicer.as_str())
                                && l.award_id.as_deref().is_none_or(|a| !incoming.contains(a))
                        })
                        .collect();
                }
            }
            link_version = coll
                .links
                .iter()
                .find(|l| l.servicer == link.servicer)
                .map(|l| l.version);
            link_item = Some(crate::store::nexus::link_to_item(&link)?);
            written_link = Some(link);
            (acct.loans, filled, Vec::new())
        }
        LoansBody::File(file) => {
            let (fill, refused) = validated_fill(&loans::profile_fill(&file));
            let mut filled = fill_profile(&mut borrower, &fill);
            // Enrollment status is current data: the latest file replaces it.
            if fill.school_enrollment.is_some()
                && fill.school_enrollment != borrower.school_enrollment
            {
                borrower.school_enrollment = fill.school_enrollment.clone();
                filled.push("school_enrollment_status");
            }
            let warnings: Vec<String> = file
                .warnings
                .iter()
                .map(|w| format!("line {}: {}", w.line, w.message))
                .chain(refused)
                .collect();
            (loans::loans_from_file(&file), filled, warnings)
        }
    };
    // A transaction holds 100 items: the loans, the ones a re-link replaces, the events, the
    // borrower and the link (MAX_BATCH already leaves one for the borrower).
    let limit = if link_item.is_some() {
        let fixed = 1 + events.len() + replaced.len();
        MAX_BATCH - fixed.min(MAX_BATCH)
    } else {
        MAX_BATCH
    };
    if incoming.len() > limit {
        return Err(ApiError::field(
            "loans",
            format!(
                "holds {} loans; at most {limit} per request",
                incoming.len()
            ),
        ));
    }

    let stamp = now();
    let mut tx = Tx::new();
    let (mut created, mut updated, mut unchanged) = (0, 0, 0);
    let mut result: Vec<Loan> = Vec::new();
    // One counter update for all the new loans' ids.
    // Each incoming loan is matched once against the stored ones.
    let matched: Vec<(NewLoan, Option<&Loan>)> = incoming
        .into_iter()
        .map(|n| {
            let m = find_match(&coll.loans, &n);
            (n, m)
        })
        .collect();
    let fresh = matched.iter().filter(|(_, m)| m.is_none()).count();
    let after = coll.loans.len() - replaced.len() + fresh;
    if after > MAX_LOANS_PER_BORROWER {
        return Err(ApiError::field(
            "loans",
            format!(
                "a borrower may hold at most {MAX_LOANS_PER_BORROWER} loans; this one has {} and the request adds {fresh}",
                coll.loans.len()
            ),
        ));
    }
    let mut ids = ctx.store.next_ids("loan", fresh).await?;
    for (new, found) in matched {
        match found {
            Some(existing) if loans::same_data(existing, &new) => {
                unchanged += 1;
                result.push(existing.clone());
            }
            Some(existing) => {
                let merged = merge_into_at(existing, &new, &stamp);
                tx.put_versioned(
                    &ctx.store,
                    "loan",
                    loan_items::to_item(&merged)?,
                    existing.version,
                );
                updated += 1;
                result.push(merged);
            }
            None => {
                let id = ids
                    .next()
                    .ok_or_else(|| ApiError::Internal("loan ids ran out".into()))?;
                // Linked loans get a key derived from the servicer's loan id, so a scheduled sync
                // creating the same loan at the same moment cannot duplicate it.
                let key = new.stable_uuid(&uuid).unwrap_or_else(Uuid::new_v4);
                let loan = new.into_loan(id, key, uuid, &stamp);
                tx.put_new(&ctx.store, "loan", loan_items::to_item(&loan)?);
                created += 1;
                result.push(loan);
            }
        }
    }
    let pk = keys::borrower(&uuid);
    for old in &replaced {
        tx.delete(
            &ctx.store,
            "replaced loan",
            &pk,
            &keys::loan(&old.uuid),
            Some(old.version),
        );
    }
    // The link is versioned too: a scheduled sync that committed meanwhile (it moves the
    // link's version) makes this re-link retry instead of duplicating the loans it created.
    match (link_item, link_version) {
        (Some(item), Some(v)) => tx.put_versioned(&ctx.store, "servicer link", item, v),
        (Some(item), None) => tx.put_new(&ctx.store, "servicer link", item),
        _ => {}
    }
    for ev in &events {
        tx.put_new(&ctx.store, "event", crate::store::outbox::event_item(ev)?);
    }
    // Every loan write moves the borrower's version, so a retry of the same request (or a
    // delete of the borrower) that read the same collection cannot also commit: no duplicate
    // loans, no loans orphaned under a deleted borrower.
    if filled.is_empty() {
        if !tx.is_empty() {
            tx.bump_version(
                &ctx.store,
                "borrower",
                &pk,
                keys::PROFILE_SK,
                coll.borrower.version,
            );
            borrower.version += 1;
        }
    } else {
        borrower.version += 1;
        borrower.updated_at = stamp.clone();
        tx.put_versioned(
            &ctx.store,
            "borrower",
            borrower_items::to_item(&borrower)?,
            coll.borrower.version,
        );
    }
    match tx.commit(&ctx.store).await {
        Ok(()) => {}
        Err(TxError::Conflict(_)) => {
            return Err(ApiError::Conflict(
                "The borrower or its loans changed while this request ran. Nothing was written; please retry.".into(),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    crate::webhooks::publish(ctx, &events).await;
    Ok(LoansWritten {
        loans: result.iter().map(|l| loan_view(l, &borrower)).collect(),
        created,
        updated,
        unchanged,
        profile_fields_filled: filled,
        warnings: file_warnings,
        link: written_link,
        removed: replaced.len(),
    })
}

/// What a Create Loans request did.
pub struct LoansWritten {
    /// The v1 Loan objects, in request order: Payitoff's response body.
    pub loans: Vec<Value>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub profile_fields_filled: Vec<&'static str>,
    pub warnings: Vec<String>,
    /// The servicer link as written (Nexus links only).
    pub link: Option<crate::nexus::ServicerLink>,
    /// Loans removed because a re-link replaced the servicer account they came from.
    pub removed: usize,
}

impl LoansWritten {
    /// The `?summary=true` body: the loans plus what happened to them.
    pub fn summary(&self) -> LoanImport<'_> {
        LoanImport {
            loans: &self.loans,
            created: self.created,
            updated: self.updated,
            unchanged: self.unchanged,
            profile_fields_filled: &self.profile_fields_filled,
            warnings: &self.warnings,
        }
    }
}

/// `POST /borrowers/{id}/loans?summary=true`: the loans, plus what the request did to them.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct LoanImport<'a> {
    /// The v1 Loan objects, in request order.
    #[schemars(with = "Vec<crate::loans::views::LoanView<'static>>")]
    pub loans: &'a [Value],
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// The borrower's empty profile fields that the file filled in.
    pub profile_fields_filled: &'a [&'static str],
    /// What in the file was skipped or needs a look, in words.
    pub warnings: &'a [String],
}

/// `GET /borrowers/{id}/loans`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct LoanList {
    // Each written through the Loan's typed view.
    #[schemars(with = "Vec<crate::loans::views::LoanView<'static>>")]
    pub loans: Vec<Value>,
}

/// A stored loan outside the bounds the views compute within (written by an older version) is a
/// clear 422 naming it, never an overflow panic.
fn check_stored(loans: &[Loan]) -> Result<(), ApiError> {
    match loans.iter().find_map(Loan::out_of_bounds) {
        Some(why) => Err(ApiError::field(
            "loans",
            format!("{why}; delete the loan or import it again"),
        )),
        None => Ok(()),
    }
}

pub async fn list_loans(
    ctx: &AppContext,
    tenant: &Tenant,
    r: &BorrowerRef,
) -> Result<LoanList, ApiError> {
    let coll = ctx.store.borrower_collection_by_ref(tenant, r).await?;
    Ok(LoanList {
        loans: coll
            .loans
            .iter()
            .map(|l| loan_view(l, &coll.borrower))
            .collect(),
    })
}

/// Deletes a loan created through the API. Imported and linked loans stay: they would come
/// back at the next sync, so deleting them would only mislead.
pub async fn delete_loan(
    ctx: &AppContext,
    tenant: &Tenant,
    r: &BorrowerRef,
    loan_ref: &str,
) -> Result<(), ApiError> {
    let coll = ctx.store.borrower_collection_by_ref(tenant, r).await?;
    let uuid = coll.borrower.uuid;
    let wanted = loan_ref.trim();
    let loan = coll
        .loans
        .iter()
        .find(|l| l.id.to_string() == wanted || l.uuid.to_string().eq_ignore_ascii_case(wanted))
        .ok_or_else(|| ApiError::not_found("Loan"))?;
    if loan.source != LoanSource::Api {
        let from = match loan.source {
            LoanSource::MyStudentData => "a MyStudentData.txt import",
            LoanSource::Nexus => "a linked servicer account (Nexus)",
            LoanSource::Api => "the API",
        };
        return Err(ApiError::Conflict(format!(
            "Loan {} came from {from}; only loans created through the API can be deleted.",
            loan.id
        )));
    }
    let mut tx = Tx::new();
    let pk = keys::borrower(&uuid);
    tx.delete(
        &ctx.store,
        "loan",
        &pk,
        &keys::loan(&loan.uuid),
        Some(loan.version),
    );
    tx.bump_version(
        &ctx.store,
        "borrower",
        &pk,
        keys::PROFILE_SK,
        coll.borrower.version,
    );
    tx.commit(&ctx.store).await.map_err(ApiError::from)
}

/// `GET /borrowers/{uuid}/portfolio`: the uuid only, as the v1.0.1 changelog says. The
/// Portfolio comes back as its JSON text (written straight from typed views).
pub async fn portfolio(
    ctx: &AppContext,
    tenant: &Tenant,
    raw_id: &str,
) -> Result<String, ApiError> {
    let uuid = match BorrowerRef::parse(raw_id) {
        Some(BorrowerRef::Uuid(u)) => u,
        Some(BorrowerRef::Id(id)) => {
            return Err(ApiError::BadRequest(format!(
                "The Portfolio API identifies borrowers by uuid only (API v1.0.1); {id} is an integer id. \
                 Use the borrower's uuid, returned as `uuid` when the borrower was created."
            )))
        }
        None => return Err(ApiError::not_found("Borrower")),
    };
    let coll = ctx.store.borrower_collection(tenant, &uuid).await?;
    check_stored(&coll.loans)?;
    // The payoff quote is as of the borrower's today (the sandbox clock moves it).
    let today = coll.borrower.today_in(tenant.mode);
    // Each linked servicer account: its status and when it last synced (Loanpath addition).
    let links: Vec<crate::nexus::LinkView> = coll
        .links
        .iter()
        .map(crate::nexus::ServicerLink::view)
        .collect();
    Ok(loans::write_portfolio(&coll.loans, today, Some(&links))?)
}
