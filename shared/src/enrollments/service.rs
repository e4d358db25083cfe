//! The enrollment use cases. Every write is one transaction: the enrollment under its version,
//! the loans it moves (on approval), the borrower's version, the webhook events (outbox) and the
//! idempotency record, all or nothing.

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::lifecycle::{self, estimated_approval_date, progress};
use super::preconditions;
use super::{Change, Enrollment, Status, Submission, SubmissionStatus};
use crate::context::AppContext;
use crate::error::ApiError;
use crate::loans::Loan;
use crate::model::payload::BorrowerRef;
use crate::model::{now, Borrower, ClientMode, Tenant};
use crate::rules::{self, PlanType};
use crate::store::loans::BorrowerCollection;
use crate::store::outbox::{self, IdempotentResponse};
use crate::store::{enrollments as items, keys, loans as loan_items, Tx, TxError};
use crate::webhooks::Event;

/// Plans that closed to everyone, with why (docs/rules.md).
const ENDED: &[(&str, &str)] = &[
    ("save", "The SAVE plan has ended: the court judgment of 2026-03-10 vacated it and P.L. 119-21 closed it. Choose rap or another plan the borrower is eligible for."),
    ("repaye", "The REPAYE plan has ended: it was replaced by SAVE in 2023, and SAVE has ended too (2026-03-10 judgment, P.L. 119-21). Choose rap or another plan the borrower is eligible for."),
];

const FIELDS: &[&str] = &["repayment_plan", "signature", "cursive_signature"];

/// A validated EnrollmentPayload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentRequest {
    pub plan: PlanType,
    pub cursive_signature: bool,
}

pub(crate) fn enrollable() -> Vec<&'static str> {
    PlanType::ALL
        .iter()
        .map(|p| p.as_str())
        .filter(|p| !ENDED.iter().any(|(e, _)| e == p))
        .collect()
}

/// `{"repayment_plan", "signature", "cursive_signature"}`, bare (as documented) or wrapped as
/// `{"enrollment": {...}}`.
pub fn parse_request(body: &Map<String, Value>) -> Result<EnrollmentRequest, ApiError> {
    let map =
        match body.get("enrollment") {
            Some(Value::Object(m)) if body.len() == 1 => m,
            Some(Value::Object(_)) => return Err(ApiError::field(
                "enrollment",
                "send the EnrollmentPayload bare or wrapped as {\"enrollment\": {...}}, not both",
            )),
            Some(_) => return Err(ApiError::field("enrollment", "must be a JSON object")),
            None => body,
        };
    let mut fields = BTreeMap::new();
    for k in map.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
        fields.insert(
            k.clone(),
            format!("is not an EnrollmentPayload field ({})", FIELDS.join(", ")),
        );
    }
    let accepted = enrollable().join(", ");
    let plan = match map.get("repayment_plan") {
        Some(Value::String(s)) => {
            let want = s.trim().to_ascii_lowercase();
            if let Some((_, why)) = ENDED.iter().find(|(e, _)| *e == want) {
                ApiError::fields(fields)?;
                return Err(refused((*why).to_string()));
            }
            let found = PlanType::ALL.into_iter().find(|p| p.as_str() == want);
            if found.is_none() {
                fields.insert(
                    "repayment_plan".into(),
                    format!("must be one of {accepted}; got {s:?}"),
                );
            }
            found
        }
        None | Some(Value::Null) => {
            fields.insert(
                "repayment_plan".into(),
                format!("is required: a repayment_plan.type from the borrower's repayment options ({accepted})"),
            );
            None
        }
        Some(_) => {
            fields.insert(
                "repayment_plan".into(),
                format!("must be a string: one of {accepted}"),
            );
            None
        }
    };
    if map.get("signature") != Some(&Value::Bool(true)) {
        fields.insert(
            "signature".into(),
            "must be true: the borrower's consent for you and Loanpath to file the request on their behalf".into(),
        );
    }
    let cursive_signature = match map.get("cursive_signature") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            fields.insert("cursive_signature".into(), "must be true or false".into());
            true
        }
    };
    ApiError::fields(fields)?;
    Ok(EnrollmentRequest {
        plan: plan.expect("a plan when no field failed"),
        cursive_signature,
    })
}

/// The replayable result of a create.
pub struct Created {
    pub status: u16,
    pub body: String,
    /// An earlier identical request's response, returned again.
    pub replayed: bool,
}

fn status_event(e: &Enrollment, previous: Option<Status>) -> Event {
    Event::new(
        &e.client_id,
        "enrollment.status_changed",
        &json!(crate::webhooks::EnrollmentEvent {
            enrollment: e.view(),
            previous_status: previous,
            borrower: crate::webhooks::EventBorrower {
                uuid: e.borrower_uuid
            },
        }),
    )
}

/// The event for one change of several applied at once: the enrollment as it stood right
/// after that change (its status and the history up to it).
fn change_event(e: &Enrollment, change: &Change) -> Event {
    let mut view = e.view();
    view.status = super::StatusView::of(change.to, &change.at);
    if let Some(i) = e.history.iter().position(|c| c == change) {
        view.history.truncate(i + 1);
    }
    // The servicers' parts as they stood then too, not after the later changes.
    view.servicers = view
        .servicers
        .into_iter()
        .map(|s| s.as_of(&change.at, &e.created_at))
        .collect();
    Event::new(
        &e.client_id,
        "enrollment.status_changed",
        &json!(crate::webhooks::EnrollmentEvent {
            enrollment: view,
            previous_status: change.from,
            borrower: crate::webhooks::EventBorrower {
                uuid: e.borrower_uuid
            },
        }),
    )
}

pub use crate::idempotency::check_key as check_idempotency_key;

/// The most Enrollment Requests (open and finished) one borrower keeps.
pub const MAX_ENROLLMENTS_PER_BORROWER: usize = 100;

fn replay(stored: IdempotentResponse, fingerprint: &str) -> Result<Created, ApiError> {
    if stored.request_hash != fingerprint {
        return Err(crate::idempotency::different_request());
    }
    Ok(Created {
        status: stored.status,
        body: stored.body,
        replayed: true,
    })
}

async fn spouse_of(
    ctx: &AppContext,
    tenant: &Tenant,
    b: &Borrower,
) -> Result<Option<BorrowerCollection>, ApiError> {
    match (&b.spouse, b.financial.filing_status().is_married()) {
        (Some(link), true) => match ctx.store.borrower_collection(tenant, &link.uuid).await {
            Ok(c) => Ok(Some(c)),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        },
        _ => Ok(None),
    }
}

/// `POST /borrowers/{id}/enrollments`.
pub async fn create(
    ctx: &AppContext,
    tenant: &Tenant,
    r: &BorrowerRef,
    body: &Map<String, Value>,
    idempotency: Option<(&str, String)>,
    via: &str,
) -> Result<Created, ApiError> {
    if let Some((key, fingerprint)) = &idempotency {
        check_idempotency_key(key)?;
        if let Some(stored) = ctx
            .store
            .idempotent_response(&tenant.client_id, key)
            .await?
        {
            return replay(stored, fingerprint);
        }
    }
    let req = parse_request(body)?;
    let mut coll = ctx.store.borrower_collection_by_ref(tenant, r).await?;
    let uuid = coll.borrower.uuid;
    let before = ctx.store.enrollments(&uuid).await?;
    // Finished requests are kept as the borrower's history; the history is bounded, so every
    // read of it stays bounded (issue 12 §1).
    if before.len() >= MAX_ENROLLMENTS_PER_BORROWER {
        return Err(refused(format!(
            "A borrower keeps at most {MAX_ENROLLMENTS_PER_BORROWER} Enrollment Requests; this one has reached it."
        )));
    }
    let existing = catch_up(ctx, tenant, &coll, before.clone()).await?;
    if existing != before {
        // The sandbox moved something (an approval moves loans and the borrower's version):
        // decide on what is stored now.
        coll = ctx.store.borrower_collection(tenant, &uuid).await?;
    }
    let b = &coll.borrower;
    // One reading of the borrower's clock for the request's date and its time.
    let clock = b.clock_in(tenant.mode);
    let stamp = crate::model::stamp_of(clock);
    let today = clock.date_naive();
    let spouse = spouse_of(ctx, tenant, b).await?;
    let spouse_view = spouse.as_ref().map(|s| (&s.borrower, s.loans.as_slice()));
    let reasons = preconditions::check(b, &coll.loans, spouse_view, req.plan, today);
    if let Some(first) = reasons.first() {
        return Err(ApiError::Precondition {
            detail: first.to_string(),
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
        });
    }
    if let Some(open) = existing.iter().find(|e| e.status.is_open()) {
        return Err(refused(format!(
            "Enrollment {} ({}) is still {}: a borrower has one open enrollment at a time. \
             Cancel it (POST /api/v1/borrowers/{}/enrollments/{}/cancel) or wait until it is approved.",
            open.id,
            open.uuid,
            open.status.as_str(),
            b.uuid,
            open.id
        )));
    }
    let (input, _) = crate::assessment::build_input(b, &coll.loans, spouse_view, today)?;
    let assessment =
        rules::assess(&input).map_err(|e| crate::assessment::rules_error(&input, e))?;
    let option = assessment
        .repayment_options
        .iter()
        .find(|o| o.repayment_plan.plan_type == req.plan)
        .ok_or_else(|| ApiError::Internal(format!("no {} option", req.plan.as_str())))?;
    if option.eligible_loans.is_empty() {
        let why = if option.ineligible_reasons.is_empty() {
            "none of their loans qualify".to_string()
        } else {
            option.ineligible_reasons.join(" ")
        };
        return Err(refused(format!(
            "The borrower is not eligible for the {} ({}) on {today}: {why}",
            option.repayment_plan.description,
            req.plan.as_str()
        )));
    }
    let eligible: HashSet<&str> = option.eligible_loans.iter().map(String::as_str).collect();
    let mut by_servicer: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    for l in preconditions::federal_open(&coll.loans) {
        if eligible.contains(l.uuid.to_string().as_str()) {
            let name = l
                .data
                .servicer_row()
                .map(|s| s.name.to_string())
                .unwrap_or_default();
            by_servicer.entry(name).or_default().push(l.uuid);
        }
    }
    let submissions: Vec<Submission> = by_servicer
        .into_iter()
        .map(|(servicer, loans)| Submission {
            servicer,
            loans,
            status: SubmissionStatus::Pending,
            submitted_at: None,
            updated_at: stamp.clone(),
        })
        .collect();
    let id = ctx.store.next_id("enrollment").await?;
    let e = Enrollment {
        id,
        uuid: Uuid::new_v4(),
        borrower_uuid: b.uuid,
        client_id: tenant.client_id.clone(),
        plan: req.plan.as_str().to_string(),
        plan_description: option.repayment_plan.description.clone(),
        signature: true,
        cursive_signature: req.cursive_signature,
        status: Status::Pending,
        status_updated_at: stamp.clone(),
        created_at: stamp.clone(),
        created_on: today,
        monthly_payment: Some(option.starting_monthly_payment),
        estimated_approval_date: estimated_approval_date(today, submissions.len()),
        submissions,
        history: vec![Change {
            from: None,
            to: Status::Pending,
            at: stamp.clone(),
            reason: format!("Requested through {via}."),
        }],
        version: 1,
    };
    let body_text = serde_json::to_string(&e.view()).expect("an Enrollment always serialises");
    let events = vec![status_event(&e, None)];
    let mut tx = Tx::new();
    tx.put_new(&ctx.store, "enrollment", items::to_item(&e)?);
    tx.bump_version(
        &ctx.store,
        "borrower",
        &keys::borrower(&b.uuid),
        keys::PROFILE_SK,
        b.version,
    );
    for ev in &events {
        tx.put_new(&ctx.store, "event", outbox::event_item(ev)?);
    }
    if let Some((key, fingerprint)) = &idempotency {
        let record = IdempotentResponse {
            request_hash: fingerprint.clone(),
            status: 201,
            body: body_text.clone(),
            // The wall clock: the key's 24 hours are real ones, whatever the sandbox clock.
            created_at: now(),
        };
        tx.put_new(
            &ctx.store,
            "idempotency key",
            outbox::idempotency_item(&tenant.client_id, key, &record)?,
        );
    }
    match tx.commit(&ctx.store).await {
        Ok(()) => {}
        Err(TxError::Conflict(_)) => {
            // A retry with the same key that raced the first: answer what the first answered.
            if let Some((key, fingerprint)) = &idempotency {
                if let Some(stored) = ctx
                    .store
                    .idempotent_response(&tenant.client_id, key)
                    .await?
                {
                    return replay(stored, fingerprint);
                }
            }
            return Err(ApiError::Conflict(
                "The borrower changed while this request ran (another enrollment or update). Nothing was written; please retry.".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    crate::webhooks::publish(ctx, &events).await;
    Ok(Created {
        status: 201,
        body: body_text,
        replayed: false,
    })
}

/// The loans an approval moves to the new plan.
/// A 409 that refuses an Enrollment Request for another reason than its preconditions (an
/// ended plan, one already open, not eligible, the limit): `detail` only. `reasons` is kept
/// for the preconditions, the things the borrower can fix (the widget lists them so).
fn refused(detail: String) -> ApiError {
    ApiError::Conflict(detail)
}

fn approved_loans(e: &Enrollment, loans: &[Loan], stamp: &str) -> Vec<(Loan, u64)> {
    let covered: HashSet<&Uuid> = e.loan_uuids().collect();
    let moved: Vec<&Loan> = loans.iter().filter(|l| covered.contains(&l.uuid)).collect();
    let payments = e.monthly_payment.map(|total| split_payment(total, &moved));
    moved
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut next = (*l).clone();
            next.data.repayment_plan_type = Some(e.plan.clone());
            next.data.repayment_plan_begin_date = Some(e.estimated_approval_date);
            if let Some(p) = &payments {
                next.data.monthly_payment = Some(p[i]);
            }
            next.version += 1;
            next.updated_at = stamp.to_string();
            (next, l.version)
        })
        .collect()
}

/// The plan's monthly payment, split over its loans by balance (principal and interest) to the
/// cent; the cents left by rounding go to the largest loan, so the parts add up to `total`.
/// Equal parts when no balance is known.
fn split_payment(total: rust_decimal::Decimal, loans: &[&Loan]) -> Vec<rust_decimal::Decimal> {
    use rust_decimal::Decimal;
    if loans.is_empty() {
        return Vec::new();
    }
    let balance = |l: &Loan| {
        l.data.outstanding_principal.unwrap_or_default()
            + l.data.outstanding_interest.unwrap_or_default()
    };
    let weights: Vec<Decimal> = loans
        .iter()
        .map(|l| balance(l).max(Decimal::ZERO))
        .collect();
    let sum: Decimal = weights.iter().copied().sum();
    let mut parts: Vec<Decimal> = weights
        .iter()
        .map(|w| {
            let share = if sum.is_zero() {
                total / Decimal::from(loans.len())
            } else {
                total * *w / sum
            };
            share.round_dp(2)
        })
        .collect();
    let left = total - parts.iter().copied().sum::<Decimal>();
    let largest = (0..loans.len())
        .max_by(|a, b| weights[*a].cmp(&weights[*b]))
        .unwrap_or(0);
    parts[largest] += left;
    parts
}

/// Writes the enrollments that moved (with their events, and the loans an approval moves) in
/// one transaction. `profile` is the borrower to write (the sandbox clock), else the borrower's
/// version is moved.
pub(super) async fn commit_moves(
    ctx: &AppContext,
    coll: &BorrowerCollection,
    moved: &[Moved],
    profile: Option<&Borrower>,
) -> Result<Vec<Event>, TxError> {
    // A record's own metadata (the moved loans' updated_at) is on the wall clock, as every
    // other loan write; the enrollments' times are on the borrower's clock.
    let stamp = now();
    let mut tx = Tx::new();
    let mut events = Vec::new();
    let mut loans_written = false;
    for (old_version, e, changes) in moved {
        let item = items::to_item(e).map_err(TxError::Other)?;
        tx.put_versioned(&ctx.store, "enrollment", item, *old_version);
        for c in changes {
            events.push(change_event(e, c));
        }
        if changes.iter().any(|c| c.to == Status::Approved) {
            for (loan, v) in approved_loans(e, &coll.loans, &stamp) {
                let item = loan_items::to_item(&loan).map_err(TxError::Other)?;
                tx.put_versioned(&ctx.store, "loan", item, v);
                loans_written = true;
            }
        }
    }
    for ev in &events {
        let item = outbox::event_item(ev).map_err(TxError::Other)?;
        tx.put_new(&ctx.store, "event", item);
    }
    match profile {
        Some(b) => {
            let item = crate::store::borrowers::to_item(b).map_err(TxError::Other)?;
            tx.put_versioned(&ctx.store, "borrower", item, coll.borrower.version);
        }
        None if loans_written => tx.bump_version(
            &ctx.store,
            "borrower",
            &keys::borrower(&coll.borrower.uuid),
            keys::PROFILE_SK,
            coll.borrower.version,
        ),
        // The times were read off the borrower's clock: if the borrower moved since (a
        // sandbox advance), they may be stale, so the write conflicts and is decided again.
        None if !moved.is_empty() => tx.check_version(
            &ctx.store,
            "borrower",
            (&keys::borrower(&coll.borrower.uuid), keys::PROFILE_SK),
            coll.borrower.version,
        ),
        None => {}
    }
    if tx.is_empty() {
        return Ok(events);
    }
    tx.commit(&ctx.store).await?;
    Ok(events)
}

/// One enrollment that moved: the version it was read at, what it is now, and its changes.
pub(super) type Moved = (u64, Enrollment, Vec<Change>);

/// Every enrollment as the sandbox schedule has it on `today`, and the ones that moved.
pub(super) fn progress_all(
    list: Vec<Enrollment>,
    today: chrono::NaiveDate,
) -> (Vec<Enrollment>, Vec<Moved>) {
    let mut moved = Vec::new();
    let mut out = Vec::with_capacity(list.len());
    for e in list {
        let mut next = e.clone();
        let changes = progress(&mut next, today);
        if next != e {
            moved.push((e.version, next.clone(), changes));
        }
        out.push(next);
    }
    (out, moved)
}

/// Applies the sandbox schedule up to the borrower's date (sandbox clients only) and returns
/// the enrollments as they now stand. A concurrent reader that moved them first wins; this
/// one reads their result.
async fn catch_up(
    ctx: &AppContext,
    tenant: &Tenant,
    coll: &BorrowerCollection,
    enrollments: Vec<Enrollment>,
) -> Result<Vec<Enrollment>, ApiError> {
    if tenant.mode != ClientMode::Sandbox {
        return Ok(enrollments);
    }
    let today = coll.borrower.today_in(tenant.mode);
    let (out, moved) = progress_all(enrollments, today);
    if moved.is_empty() {
        return Ok(out);
    }
    match commit_moves(ctx, coll, &moved, None).await {
        Ok(events) => {
            crate::webhooks::publish(ctx, &events).await;
            Ok(out)
        }
        Err(TxError::Conflict(_)) => ctx.store.enrollments(&coll.borrower.uuid).await,
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn read(
    ctx: &AppContext,
    tenant: &Tenant,
    r: &BorrowerRef,
) -> Result<(BorrowerCollection, Vec<Enrollment>), ApiError> {
    let coll = ctx.store.borrower_collection_by_ref(tenant, r).await?;
    let uuid = coll.borrower.uuid;
    let list = ctx.store.enrollments(&uuid).await?;
    let list = catch_up(ctx, tenant, &coll, list).await?;
    Ok((coll, list))
}

pub(super) fn find<'a>(list: &'a [Enrollment], wanted: &str) -> Result<&'a Enrollment, ApiError> {
    let w = wanted.trim();
    list.iter()
        .find(|e| e.id.to_string() == w || e.uuid.to_string().eq_ignore_ascii_case(w))
        .ok_or_else(|| ApiError::not_found("Enrollment"))
}

/// `GET /borrowers/{id}/enrollments` -> `{"enrollments": [Enrollment]}`, newest first.
pub async fn list(
    ctx: &AppContext,
    tenant: &Tenant,
    r: &BorrowerRef,
) -> Result<super::EnrollmentList, ApiError> {
    let (_, list) = read(ctx, tenant, r).await?;
    Ok(super::EnrollmentList {
        enrollments: list.iter().rev().map(Enrollment::view).collect(),
    })
}

/// `GET /borrowers/{id}/enrollments/{enrollment_id}` (integer id or uuid).
pub async fn get(
    ctx: &AppContext,
    tenant: &Tenant,
    r: &BorrowerRef,
    wanted: &str,
) -> Result<super::EnrollmentView, ApiError> {
    let (_, list) = read(ctx, tenant, r).await?;
    Ok(find(&list, wanted)?.view())
}

/// `POST /borrowers/{id}/enrollments/{enrollment_id}/cancel` `{"reason"?}`.
pub async fn cancel(
    ctx: &AppContext,
    tenant: &Tenant,
    r: &BorrowerRef,
    wanted: &str,
    body: &Map<String, Value>,
) -> Result<super::EnrollmentView, ApiError> {
    let reason = reason_field(body, "Cancelled through the API.")?;
    crate::http::body_only(body, &["reason"])?;
    let (coll, list) = read(ctx, tenant, r).await?;
    let current = find(&list, wanted)?;
    let mut next = current.clone();
    let change = lifecycle::transition(
        &mut next,
        Status::Cancelled,
        reason,
        &coll.borrower.now_in(tenant.mode),
    )
    .map_err(|_| {
        ApiError::Conflict(format!(
            "Enrollment {} is {}: only an open enrollment can be cancelled.",
            current.id,
            current.status.as_str()
        ))
    })?;
    commit_one(ctx, &coll, current.version, next, vec![change]).await
}

/// A request's optional `reason`: text of 1 to 500 characters (trimmed), else `default`. It
/// goes into the history and the webhooks, so it may not hide or disguise text (control
/// characters, bidirectional overrides) and must show something (not only spaces or
/// zero-width characters). The request schemas say the same with a pattern.
pub(super) fn reason_field(body: &Map<String, Value>, default: &str) -> Result<String, ApiError> {
    let invisible = |c: char| {
        c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
    };
    let problem = match body.get("reason") {
        None | Some(Value::Null) => return Ok(default.to_string()),
        Some(Value::String(s)) if s.chars().count() > 500 => "must be at most 500 characters",
        Some(Value::String(s)) if s.chars().any(crate::model::is_hidden_char) => {
            "must not contain control characters or bidirectional overrides"
        }
        Some(Value::String(s)) if s.chars().all(invisible) => {
            "must show some text: it is empty, or only spaces or zero-width characters"
        }
        Some(Value::String(s)) => return Ok(s.trim().to_string()),
        Some(_) => "must be text of 1 to 500 characters",
    };
    Err(ApiError::field("reason", problem))
}

/// Writes the changes of one enrollment (read at `version`) with their events, then sends
/// the events: a request that raced another write is a 409 and changes nothing.
pub(super) async fn commit_one(
    ctx: &AppContext,
    coll: &BorrowerCollection,
    version: u64,
    next: Enrollment,
    changes: Vec<Change>,
) -> Result<super::EnrollmentView, ApiError> {
    let moved = vec![(version, next, changes)];
    match commit_moves(ctx, coll, &moved, None).await {
        Ok(events) => crate::webhooks::publish(ctx, &events).await,
        Err(TxError::Conflict(_)) => {
            return Err(ApiError::Conflict(
                "The enrollment changed while this request ran; fetch it and retry.".into(),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    Ok(moved[0].1.view())
}
