//! Borrower use cases: create, read, replace/merge, delete, list. Each write is one
//! transaction with conditions, so nothing is ever half-written and racing writers get a 409.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::context::AppContext;
use crate::error::ApiError;
use crate::model::payload::{BorrowerPatch, BorrowerRef, Patch};
use crate::model::{Borrower, FinancialDetails, IncomeCertification, SpouseLink, Tenant};
use crate::store::{borrowers as items, keys, s, Item, Tx, TxError};

/// Merge (POST, PATCH) keeps what the payload does not mention; Replace (PUT) resets every
/// payload field that the payload does not carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Merge,
    Replace,
}

pub use crate::model::now;

/// A written borrower and the warnings to show with it.
pub struct Outcome {
    pub borrower: Borrower,
    pub warnings: Vec<String>,
}

impl Outcome {
    pub fn view(&self) -> crate::model::BorrowerView<'_> {
        let mut v = self.borrower.view();
        v.warnings = Some(self.warnings.clone());
        v
    }
}

/// Applies the plain fields of a patch. Spouse, SSN and income certification need the store
/// or the cipher and are handled by the caller.
pub fn apply_fields(b: &mut Borrower, p: &BorrowerPatch, mode: Mode) {
    if mode == Mode::Replace {
        b.first_name = None;
        b.last_name = None;
        b.email = None;
        b.phone = None;
        b.address = None;
        b.date_of_birth = None;
        b.collecting_unemployment = None;
        b.employer = None;
        b.employer_start_date = None;
        b.employer_ein = None;
        b.external_id = None;
        b.school_enrollment = None;
        b.financial = FinancialDetails::default();
    }
    p.first_name.merge(&mut b.first_name);
    p.last_name.merge(&mut b.last_name);
    p.email.merge(&mut b.email);
    p.phone.merge(&mut b.phone);
    match &p.address {
        Patch::Absent => {}
        Patch::Clear => b.address = None,
        Patch::Set(a) => a.merge_into(&mut b.address),
    }
    p.date_of_birth.merge(&mut b.date_of_birth);
    p.collecting_unemployment
        .merge(&mut b.collecting_unemployment);
    p.employer.merge(&mut b.employer);
    p.employer_start_date.merge(&mut b.employer_start_date);
    p.employer_ein.merge(&mut b.employer_ein);
    p.external_id.merge(&mut b.external_id);
    p.school_enrollment.merge(&mut b.school_enrollment);
    let (f, fp) = (&mut b.financial, &p.financial);
    fp.agi.merge(&mut f.agi);
    fp.spouse_agi.merge(&mut f.spouse_agi);
    fp.filing_status.merge(&mut f.filing_status);
    fp.family_size.merge(&mut f.family_size);
    fp.children.merge(&mut f.children);
    fp.dependents.merge(&mut f.dependents);
    fp.state_of_residence.merge(&mut f.state_of_residence);
    fp.employer_state.merge(&mut f.employer_state);
    fp.extra_monthly_payment.merge(&mut f.extra_monthly_payment);
    fp.income_growth.merge(&mut f.income_growth);
    fp.new_borrower_date.merge(&mut f.new_borrower_date);
    fp.pslf.merge(&mut f.pslf);
    fp.refinance_rate.merge(&mut f.refinance_rate);
    fp.refinance_term.merge(&mut f.refinance_term);
    fp.related_to_major.merge(&mut f.related_to_major);
    fp.tcli_enabled.merge(&mut f.tcli_enabled);
    fp.tcli_start_year.merge(&mut f.tcli_start_year);
    fp.tcli_end_year.merge(&mut f.tcli_end_year);
    fp.teaching_level.merge(&mut f.teaching_level);
    fp.teaching_state.merge(&mut f.teaching_state);
    fp.teaching_subject.merge(&mut f.teaching_subject);
}

/// Warnings about values that are kept but will not count.
pub fn consistency_warnings(b: &Borrower) -> Vec<String> {
    let mut w = Vec::new();
    let f = &b.financial;
    if f.spouse_agi.is_some() && !f.spouse_agi_applies() {
        w.push(format!(
            "spouse_agi is ignored because filing_status is {}: only a joint return \
             (married_filing_jointly) counts the spouse's income.",
            f.filing_status().as_str()
        ));
    }
    if b.spouse.is_some() && !f.filing_status().is_married() {
        w.push(format!(
            "spouse_id is linked but filing_status is {}; the spouse is not considered in \
             assessments until filing_status is married_filing_jointly or married_filing_separately.",
            f.filing_status().as_str()
        ));
    }
    if let (Some(start), Some(end)) = (f.tcli_start_year, f.tcli_end_year) {
        if end < start {
            w.push("tcli_end_year is before tcli_start_year.".into());
        }
    }
    w
}

fn validate_final(b: &Borrower) -> Result<(), ApiError> {
    let f = &b.financial;
    let household = 1
        + u32::from(f.filing_status().is_married())
        + f.children.unwrap_or(0)
        + f.dependents.unwrap_or(0);
    let max = crate::rules::limits::MAX_FAMILY;
    if f.rap_dependents() > max {
        return Err(ApiError::field(
            "dependents",
            format!("children plus dependents must be at most {max}"),
        ));
    }
    // Family size counts the borrower, spouse, children and dependents; it can't be smaller
    // than the children and dependents plus the borrower. The three are checked together, the
    // same way on create and on update, against the size that counts: a missing family_size is
    // 1, so children without a family size are refused here rather than stored inconsistent.
    let size = f.family_size();
    let floor = 1 + f.children.unwrap_or(0) + f.dependents.unwrap_or(0);
    if size < floor {
        return Err(ApiError::field(
            "family_size",
            format!(
                "must be at least {floor}: the borrower plus children and dependents ({household} with a spouse); got {size}"
            ),
        ));
    }
    Ok(())
}

/// The spouse change a write implies: the link to set on this borrower, the spouse that must
/// point back to it, and the former spouse that must be unlinked.
struct SpouseChange {
    link: Option<SpouseLink>,
    new_spouse: Option<Borrower>,
    old_spouse: Option<Borrower>,
}

async fn plan_spouse(
    ctx: &AppContext,
    tenant: &Tenant,
    b: &Borrower,
    patch: &Patch<BorrowerRef>,
    mode: Mode,
) -> Result<SpouseChange, ApiError> {
    let target = match (patch, mode) {
        (Patch::Absent, Mode::Merge) => {
            return Ok(SpouseChange {
                link: b.spouse.clone(),
                new_spouse: None,
                old_spouse: None,
            })
        }
        (Patch::Absent, Mode::Replace) | (Patch::Clear, _) => None,
        (Patch::Set(r), _) => {
            let spouse = match ctx.store.borrower(tenant, r).await {
                Ok(sp) => sp,
                Err(ApiError::NotFound(_)) => {
                    return Err(ApiError::field(
                        "spouse_id",
                        "no borrower of yours has this id",
                    ))
                }
                Err(e) => return Err(e),
            };
            if spouse.uuid == b.uuid {
                return Err(ApiError::field(
                    "spouse_id",
                    "a borrower cannot be their own spouse",
                ));
            }
            if let Some(other) = &spouse.spouse {
                if other.uuid != b.uuid {
                    return Err(ApiError::Conflict(format!(
                        "Borrower {} is already linked to spouse {}; unlink them first \
                         (PATCH that borrower with spouse_id: null).",
                        spouse.id, other.id
                    )));
                }
            }
            Some(spouse)
        }
    };
    let current = b.spouse.as_ref().map(|s| s.uuid);
    let target_uuid = target.as_ref().map(|t| t.uuid);
    if current == target_uuid {
        return Ok(SpouseChange {
            link: target.as_ref().map(|t| SpouseLink {
                id: t.id,
                uuid: t.uuid,
            }),
            new_spouse: None,
            old_spouse: None,
        });
    }
    let old_spouse = match &b.spouse {
        Some(link) => ctx
            .store
            .borrower_by_uuid_unscoped(&link.uuid)
            .await?
            .filter(|o| o.spouse.as_ref().map(|s| s.uuid) == Some(b.uuid)),
        None => None,
    };
    Ok(SpouseChange {
        link: target.as_ref().map(|t| SpouseLink {
            id: t.id,
            uuid: t.uuid,
        }),
        new_spouse: target,
        old_spouse,
    })
}

/// Writes the spouse side of a link change into `tx`, each under its own version.
fn spouse_writes(
    ctx: &AppContext,
    tx: &mut Tx,
    me: &Borrower,
    ch: SpouseChange,
) -> Result<(), ApiError> {
    let stamp = now();
    if let Some(mut old) = ch.old_spouse {
        let expected = old.version;
        old.spouse = None;
        old.version += 1;
        old.updated_at = stamp.clone();
        tx.put_versioned(&ctx.store, "former spouse", items::to_item(&old)?, expected);
    }
    if let Some(mut new) = ch.new_spouse {
        let expected = new.version;
        new.spouse = Some(SpouseLink {
            id: me.id,
            uuid: me.uuid,
        });
        new.version += 1;
        new.updated_at = stamp;
        tx.put_versioned(&ctx.store, "spouse", items::to_item(&new)?, expected);
    }
    Ok(())
}

/// The associated data an income-certification document is sealed with.
pub fn income_cert_record(borrower: &Uuid, id: i64) -> String {
    format!("{borrower}#{}", keys::income_cert(id))
}

/// Stores an uploaded document (sealed under its object key) in the object store and adds its
/// metadata to `tx` and to the borrower. Returns what [`store_document`] does.
async fn income_cert_write(
    ctx: &AppContext,
    tx: &mut Tx,
    b: &mut Borrower,
    p: &BorrowerPatch,
    mode: crate::model::ClientMode,
) -> Result<Stored, ApiError> {
    match &p.income_certification {
        Some(up) => store_document(ctx, tx, b, &up.kind, &up.bytes, mode).await,
        None => Ok(Stored::default()),
    }
}

/// The object keys an upload touched: the new document's, which a failed commit removes again,
/// and the one it retired (the oldest, when the borrower already kept
/// [`MAX_INCOME_CERTIFICATIONS`]), which a successful commit removes.
#[derive(Debug, Default)]
pub(crate) struct Stored {
    pub new: Option<String>,
    pub retired: Option<String>,
}

/// The most income certifications one borrower keeps: each adds an entry to the profile item,
/// which DynamoDB caps at 400 KB. An upload beyond it retires the oldest (issue 12 §1), so the
/// borrower stays writable and can always upload the current document an enrollment needs.
pub const MAX_INCOME_CERTIFICATIONS: usize = 50;

/// The shared part of both upload routes (the BorrowerPayload field and the raw upload).
pub(crate) async fn store_document(
    ctx: &AppContext,
    tx: &mut Tx,
    b: &mut Borrower,
    kind: &str,
    bytes: &[u8],
    mode: crate::model::ClientMode,
) -> Result<Stored, ApiError> {
    let content_type = crate::documents::check(bytes)
        .map_err(|why| ApiError::field("income_certification.file", why))?;
    // A full list retires its oldest document in the same transaction: its record here, its
    // sealed object once the transaction has committed.
    let mut retired = None;
    if b.income_certifications.len() >= MAX_INCOME_CERTIFICATIONS {
        let oldest = b.income_certifications.remove(0);
        tx.delete(
            &ctx.store,
            "retired income certification",
            &keys::borrower(&b.uuid),
            &keys::income_cert(oldest.id),
            None,
        );
        retired = Some(
            oldest
                .object_key
                .unwrap_or_else(|| crate::documents::object_key(&b.client_id, &b.uuid, oldest.id)),
        );
    }
    let docs = ctx.documents()?;
    let cipher = ctx.cipher()?;
    let id = ctx.store.next_id("income_certification").await?;
    // On the borrower's clock, as its enrollments are: a sandbox clock moved ahead ages the
    // document with them (an enrollment needs a non-tax document of 90 days or less).
    let inserted_at = b.clock_in(mode).format("%Y-%m-%d %H:%M:%S").to_string();
    let key = crate::documents::object_key(&b.client_id, &b.uuid, id);
    let sha256 = crate::documents::sha256_hex(bytes);
    // Income documents (a tax return holds the SSN) are sealed like SSNs, then stored with
    // S3's own encryption on top.
    docs.put(&key, cipher.seal_bytes(bytes, &key)).await?;
    tx.put_new(
        &ctx.store,
        "income certification",
        Item::from([
            ("PK".into(), s(keys::borrower(&b.uuid))),
            ("SK".into(), s(keys::income_cert(id))),
            ("entity".into(), s("IncomeCertification")),
            (
                "id".into(),
                aws_sdk_dynamodb::types::AttributeValue::N(id.to_string()),
            ),
            ("type".into(), s(kind)),
            ("inserted_at".into(), s(&inserted_at)),
            ("object_key".into(), s(&key)),
            ("sha256".into(), s(&sha256)),
            ("content_type".into(), s(content_type)),
            (
                "size_bytes".into(),
                aws_sdk_dynamodb::types::AttributeValue::N(bytes.len().to_string()),
            ),
        ]),
    );
    b.income_certifications.push(IncomeCertification {
        id,
        kind: kind.to_string(),
        inserted_at,
        size_bytes: bytes.len(),
        content_type: Some(content_type.to_string()),
        sha256: Some(sha256),
        object_key: Some(key.clone()),
    });
    Ok(Stored {
        new: Some(key),
        retired,
    })
}

/// Removes an object whose metadata did not commit, or whose record a committed upload retired
/// (best effort: an orphan is sealed, and harmless).
async fn forget(ctx: &AppContext, key: Option<String>) {
    if let (Some(k), Ok(docs)) = (key, ctx.documents()) {
        let _ = docs.delete(&k).await;
    }
}

/// `POST /borrowers/{id}/income_certifications?type=` with a PDF, PNG or JPEG body: the raw
/// upload, without base64. The most recent document is the one used.
pub async fn upload_income_certification(
    ctx: &AppContext,
    tenant: &Tenant,
    r: &BorrowerRef,
    kind: &str,
    bytes: &[u8],
) -> Result<Value, ApiError> {
    let current = ctx.store.borrower(tenant, r).await?;
    let mut b = current.clone();
    b.version = current.version + 1;
    b.updated_at = now();
    let mut tx = Tx::new();
    let stored = store_document(ctx, &mut tx, &mut b, kind, bytes, tenant.mode).await?;
    tx.put_versioned(&ctx.store, "borrower", items::to_item(&b)?, current.version);
    match tx.commit(&ctx.store).await {
        Ok(()) => forget(ctx, stored.retired).await,
        Err(TxError::Conflict(labels)) => {
            forget(ctx, stored.new).await;
            return Err(conflict_message(&labels, &b));
        }
        Err(other) => return Err(other.into()),
    }
    let c = b
        .income_certifications
        .last()
        .ok_or_else(|| ApiError::Internal("no certification after upload".into()))?;
    Ok(json!(IncomeCertificationCreated {
        id: c.id,
        kind: &c.kind,
        inserted_at: &c.inserted_at,
        content_type: c.content_type.as_deref(),
        size_bytes: c.size_bytes,
        sha256: c.sha256.as_deref(),
        borrower_uuid: b.uuid,
    }))
}

/// `POST /borrowers/{id}/income_certifications`: the document stored (sealed; its content is
/// never returned).
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields, rename = "IncomeCertification")]
pub struct IncomeCertificationCreated<'a> {
    pub id: i64,
    #[serde(rename = "type")]
    #[schemars(with = "crate::model::IncomeDocumentTypeName")]
    pub kind: &'a str,
    /// UTC, `YYYY-MM-DD HH:MM:SS`, as Payitoff writes it (a space, not a "T", and no zone).
    #[schemars(regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"))]
    pub inserted_at: &'a str,
    /// application/pdf, image/png or image/jpeg, as read from the document's own bytes.
    pub content_type: Option<&'a str>,
    pub size_bytes: usize,
    /// The SHA-256 of the document as uploaded (hex), to check it against your copy.
    pub sha256: Option<&'a str>,
    pub borrower_uuid: uuid::Uuid,
}

fn conflict_message(labels: &[&str], b: &Borrower) -> ApiError {
    if labels.contains(&"external_id") {
        return ApiError::Conflict(format!(
            "external_id {} is already used by another of your borrowers.",
            b.external_id.as_deref().unwrap_or_default()
        ));
    }
    ApiError::Conflict(format!(
        "The borrower changed while this request ran ({}). Fetch it again and retry.",
        labels.join(", ")
    ))
}

pub async fn create(
    ctx: &AppContext,
    tenant: &Tenant,
    p: BorrowerPatch,
) -> Result<Outcome, ApiError> {
    let stamp = now();
    let mut b = Borrower::new(0, Uuid::new_v4(), &tenant.client_id, &stamp);
    apply_fields(&mut b, &p, Mode::Merge);
    validate_final(&b)?;
    // Every check that can refuse the request runs before the id is taken, so a rejected
    // create uses up no id (issue 11 §3). The guard is still written under
    // `attribute_not_exists`, so a race on the external_id is caught at commit.
    let spouse = plan_spouse(ctx, tenant, &b, &p.spouse, Mode::Merge).await?;
    if let Some(ext) = &b.external_id {
        let guard = crate::store::keys::external_id(&tenant.client_id, ext);
        if ctx
            .store
            .get(&guard, crate::store::keys::LOOKUP_SK)
            .await?
            .is_some()
        {
            return Err(conflict_message(&["external_id"], &b));
        }
    }
    b.id = ctx.store.next_id("borrower").await?;
    if let Patch::Set(ssn) = &p.ssn {
        b.ssn_sealed = Some(ctx.cipher()?.seal(ssn.digits(), &b.uuid.to_string()));
    }
    b.spouse = spouse.link.clone();
    let mut tx = Tx::new();
    let uploaded = income_cert_write(ctx, &mut tx, &mut b, &p, tenant.mode).await?;
    tx.put_new(&ctx.store, "borrower", items::to_item(&b)?);
    tx.put_new(&ctx.store, "id lookup", items::id_lookup_item(&b));
    if let Some(ext) = &b.external_id {
        tx.put_new(&ctx.store, "external_id", items::external_id_item(&b, ext));
    }
    spouse_writes(ctx, &mut tx, &b, spouse)?;
    match tx.commit(&ctx.store).await {
        Ok(()) => forget(ctx, uploaded.retired).await,
        Err(TxError::Conflict(labels)) => {
            forget(ctx, uploaded.new).await;
            return Err(conflict_message(&labels, &b));
        }
        // Another failure may have committed after all (a timeout): keep the object.
        Err(e) => return Err(e.into()),
    }
    let mut warnings = p.warnings;
    warnings.extend(consistency_warnings(&b));
    Ok(Outcome {
        borrower: b,
        warnings,
    })
}

pub async fn update(
    ctx: &AppContext,
    tenant: &Tenant,
    r: &BorrowerRef,
    p: BorrowerPatch,
    mode: Mode,
) -> Result<Outcome, ApiError> {
    let current = ctx.store.borrower(tenant, r).await?;
    let mut b = current.clone();
    apply_fields(&mut b, &p, mode);
    validate_final(&b)?;
    match (&p.ssn, mode) {
        (Patch::Set(ssn), _) => {
            b.ssn_sealed = Some(ctx.cipher()?.seal(ssn.digits(), &b.uuid.to_string()))
        }
        (Patch::Clear, _) | (Patch::Absent, Mode::Replace) => b.ssn_sealed = None,
        (Patch::Absent, Mode::Merge) => {}
    }
    let spouse = plan_spouse(ctx, tenant, &current, &p.spouse, mode).await?;
    b.spouse = spouse.link.clone();
    b.version = current.version + 1;
    b.updated_at = now();

    let mut tx = Tx::new();
    let uploaded = income_cert_write(ctx, &mut tx, &mut b, &p, tenant.mode).await?;
    tx.put_versioned(&ctx.store, "borrower", items::to_item(&b)?, current.version);
    if current.external_id != b.external_id {
        if let Some(old) = &current.external_id {
            tx.delete(
                &ctx.store,
                "old external_id",
                &keys::external_id(&b.client_id, old),
                keys::LOOKUP_SK,
                None,
            );
        }
        if let Some(new) = &b.external_id {
            tx.put_new(&ctx.store, "external_id", items::external_id_item(&b, new));
        }
    }
    spouse_writes(ctx, &mut tx, &b, spouse)?;
    match tx.commit(&ctx.store).await {
        Ok(()) => forget(ctx, uploaded.retired).await,
        Err(TxError::Conflict(labels)) => {
            forget(ctx, uploaded.new).await;
            return Err(conflict_message(&labels, &b));
        }
        // Another failure may have committed after all (a timeout): keep the object.
        Err(e) => return Err(e.into()),
    }
    let mut warnings = p.warnings;
    if mode == Mode::Replace {
        let cleared = cleared_fields(&current, &b);
        if !cleared.is_empty() {
            warnings.push(format!(
                "PUT replaces the borrower: {} cleared because the payload did not include {}. \
                 Use PATCH to change only the fields you send.",
                cleared.join(", "),
                if cleared.len() == 1 { "it" } else { "them" }
            ));
        }
    }
    warnings.extend(consistency_warnings(&b));
    Ok(Outcome {
        borrower: b,
        warnings,
    })
}

/// The payload fields that held a value before a write and hold none after it.
fn cleared_fields(before: &Borrower, after: &Borrower) -> Vec<&'static str> {
    let (fb, fa) = (&before.financial, &after.financial);
    let pairs = [
        (
            "first_name",
            before.first_name.is_some(),
            after.first_name.is_some(),
        ),
        (
            "last_name",
            before.last_name.is_some(),
            after.last_name.is_some(),
        ),
        ("email", before.email.is_some(), after.email.is_some()),
        ("phone", before.phone.is_some(), after.phone.is_some()),
        ("address", before.address.is_some(), after.address.is_some()),
        (
            "date_of_birth",
            before.date_of_birth.is_some(),
            after.date_of_birth.is_some(),
        ),
        (
            "collecting_unemployment",
            before.collecting_unemployment.is_some(),
            after.collecting_unemployment.is_some(),
        ),
        (
            "employer",
            before.employer.is_some(),
            after.employer.is_some(),
        ),
        (
            "employer_start_date",
            before.employer_start_date.is_some(),
            after.employer_start_date.is_some(),
        ),
        (
            "employer_ein",
            before.employer_ein.is_some(),
            after.employer_ein.is_some(),
        ),
        (
            "external_id",
            before.external_id.is_some(),
            after.external_id.is_some(),
        ),
        (
            "school_enrollment_status",
            before.school_enrollment.is_some(),
            after.school_enrollment.is_some(),
        ),
        ("spouse_id", before.spouse.is_some(), after.spouse.is_some()),
        (
            "ssn",
            before.ssn_sealed.is_some(),
            after.ssn_sealed.is_some(),
        ),
        ("agi", fb.agi.is_some(), fa.agi.is_some()),
        (
            "spouse_agi",
            fb.spouse_agi.is_some(),
            fa.spouse_agi.is_some(),
        ),
        (
            "filing_status",
            fb.filing_status.is_some(),
            fa.filing_status.is_some(),
        ),
        (
            "family_size",
            fb.family_size.is_some(),
            fa.family_size.is_some(),
        ),
        ("children", fb.children.is_some(), fa.children.is_some()),
        (
            "dependents",
            fb.dependents.is_some(),
            fa.dependents.is_some(),
        ),
        (
            "state_of_residence",
            fb.state_of_residence.is_some(),
            fa.state_of_residence.is_some(),
        ),
        (
            "employer_state",
            fb.employer_state.is_some(),
            fa.employer_state.is_some(),
        ),
        (
            "extra_monthly_payment",
            fb.extra_monthly_payment.is_some(),
            fa.extra_monthly_payment.is_some(),
        ),
        (
            "income_growth",
            fb.income_growth.is_some(),
            fa.income_growth.is_some(),
        ),
        (
            "new_borrower_date",
            fb.new_borrower_date.is_some(),
            fa.new_borrower_date.is_some(),
        ),
        ("pslf", fb.pslf.is_some(), fa.pslf.is_some()),
        (
            "refinance_rate",
            fb.refinance_rate.is_some(),
            fa.refinance_rate.is_some(),
        ),
        (
            "refinance_term",
            fb.refinance_term.is_some(),
            fa.refinance_term.is_some(),
        ),
        (
            "related_to_major",
            fb.related_to_major.is_some(),
            fa.related_to_major.is_some(),
        ),
        (
            "tcli_enabled",
            fb.tcli_enabled.is_some(),
            fa.tcli_enabled.is_some(),
        ),
        (
            "tcli_start_year",
            fb.tcli_start_year.is_some(),
            fa.tcli_start_year.is_some(),
        ),
        (
            "tcli_end_year",
            fb.tcli_end_year.is_some(),
            fa.tcli_end_year.is_some(),
        ),
        (
            "teaching_level",
            fb.teaching_level.is_some(),
            fa.teaching_level.is_some(),
        ),
        (
            "teaching_state",
            fb.teaching_state.is_some(),
            fa.teaching_state.is_some(),
        ),
        (
            "teaching_subject",
            fb.teaching_subject.is_some(),
            fa.teaching_subject.is_some(),
        ),
    ];

    pairs
        .iter()
        .filter(|(_, was, is)| *was && !*is)
        .map(|(n, _, _)| *n)
        .collect()
}

/// Largest footprint deleted in one transaction (DynamoDB allows 100 items; a few are kept
/// for lookups and the spouse).
const ONE_TX_ITEMS: usize = 95;

/// The spouse unlink a borrower's removal implies, under the spouse's version.
async fn unlink_spouse(ctx: &AppContext, tx: &mut Tx, b: &Borrower) -> Result<(), ApiError> {
    if let Some(link) = &b.spouse {
        if let Some(mut sp) = ctx.store.borrower_by_uuid_unscoped(&link.uuid).await? {
            if sp.spouse.as_ref().map(|s| s.uuid) == Some(b.uuid) {
                let expected = sp.version;
                sp.spouse = None;
                sp.version += 1;
                sp.updated_at = now();
                tx.put_versioned(&ctx.store, "spouse", items::to_item(&sp)?, expected);
            }
        }
    }
    Ok(())
}

async fn commit(ctx: &AppContext, tx: Tx, b: &Borrower) -> Result<(), ApiError> {
    match tx.commit(&ctx.store).await {
        Ok(()) => Ok(()),
        Err(TxError::Conflict(labels)) => Err(conflict_message(&labels, b)),
        Err(e) => Err(e.into()),
    }
}

/// Deletes a borrower and everything it owns, and unlinks its spouse.
///
/// A borrower whose collection fits in one transaction goes in one transaction. A larger one
/// is deleted in steps that are safe to interrupt: first the profile is marked `deleting`
/// (every read then treats it as gone), its external_id guard is freed and the spouse unlinked;
/// then the owned items go in batches; last, the profile and its id lookup. A DELETE that finds
/// a borrower still marked `deleting` finishes the job, so an interrupted delete is resumed by
/// repeating it.
pub async fn delete(ctx: &AppContext, tenant: &Tenant, r: &BorrowerRef) -> Result<(), ApiError> {
    let b = ctx.store.borrower_to_delete(tenant, r).await?;
    let pk = keys::borrower(&b.uuid);
    let sk_of = |i: &Item| {
        i.get("SK")
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    let children: Vec<Item> = ctx
        .store
        .collection_keys(&pk)
        .await?
        .into_iter()
        .filter(|i| sk_of(i) != keys::PROFILE_SK)
        .collect();
    let id_lookup = |tx: &mut Tx| {
        tx.delete(
            &ctx.store,
            "id lookup",
            &keys::borrower_id(b.id),
            keys::LOOKUP_SK,
            None,
        )
    };
    let ext_guard = |tx: &mut Tx| {
        if let Some(ext) = &b.external_id {
            let guard = keys::external_id(&b.client_id, ext);
            tx.delete(&ctx.store, "external_id", &guard, keys::LOOKUP_SK, None);
        }
    };

    if !b.deleting && children.len() < ONE_TX_ITEMS {
        let mut tx = Tx::new();
        tx.delete(
            &ctx.store,
            "borrower",
            &pk,
            keys::PROFILE_SK,
            Some(b.version),
        );
        for item in &children {
            tx.delete(&ctx.store, "borrower item", &pk, &sk_of(item), None);
        }
        id_lookup(&mut tx);
        ext_guard(&mut tx);
        unlink_spouse(ctx, &mut tx, &b).await?;
        commit(ctx, tx, &b).await?;
        return delete_documents(ctx, &b, &children).await;
    }

    let mut current = b.clone();
    if !b.deleting {
        let mut marked = b.clone();
        marked.deleting = true;
        marked.version += 1;
        marked.updated_at = now();
        let mut tx = Tx::new();
        tx.put_versioned(&ctx.store, "borrower", items::to_item(&marked)?, b.version);
        ext_guard(&mut tx);
        unlink_spouse(ctx, &mut tx, &b).await?;
        commit(ctx, tx, &b).await?;
        current = marked;
    }
    ctx.store.delete_items(&children).await?;
    let mut tx = Tx::new();
    tx.delete(
        &ctx.store,
        "borrower",
        &pk,
        keys::PROFILE_SK,
        Some(current.version),
    );
    id_lookup(&mut tx);
    commit(ctx, tx, &current).await?;
    delete_documents(ctx, &current, &children).await
}

/// The borrower's income documents in the bucket, removed once the borrower is gone (tax
/// returns are not kept for a borrower that no longer exists). After the table's delete, so
/// a failed delete never loses a document of a borrower that remains.
async fn delete_documents(
    ctx: &AppContext,
    b: &Borrower,
    children: &[Item],
) -> Result<(), ApiError> {
    let ids: Vec<i64> = children
        .iter()
        .filter_map(|i| i.get("SK").and_then(|v| v.as_s().ok()))
        .filter_map(|sk| sk.strip_prefix("INCOMECERT#"))
        .filter_map(|id| id.parse::<i64>().ok())
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let Ok(docs) = ctx.documents() else {
        tracing::warn!("income documents not deleted: this function has no DOCUMENTS_BUCKET");
        return Ok(());
    };
    for id in ids {
        let key = crate::documents::object_key(&b.client_id, &b.uuid, id);
        if let Err(e) = docs.delete(&key).await {
            // The borrower is gone; the object is left for the bucket's lifecycle rule.
            tracing::warn!(error = %e, "income document not deleted with its borrower");
        }
    }
    Ok(())
}

pub const DEFAULT_PAGE: i32 = 25;
pub const MAX_PAGE: i32 = 100;

pub async fn list(
    ctx: &AppContext,
    tenant: &Tenant,
    limit: Option<&str>,
    cursor: Option<&str>,
    external_id: Option<&str>,
) -> Result<BorrowerList, ApiError> {
    let limit = match limit {
        None => DEFAULT_PAGE,
        Some(l) => match l.trim().parse::<i32>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                return Err(ApiError::field(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_PAGE}"),
                ))
            }
        },
    };
    // Decoded first, even where it is not used (an `external_id` lookup is one page), so a bad
    // cursor is never taken in silence.
    let cursor = cursor
        .map(crate::store::borrowers::parse_cursor)
        .transpose()?;
    if let Some(ext) = external_id {
        // The same rules as the payload field: trimmed, at most 200 characters.
        let ext = ext.trim();
        if ext.is_empty() || ext.chars().count() > 200 {
            return Err(ApiError::field(
                "external_id",
                "must be 1 to 200 characters",
            ));
        }
        let found = ctx.store.borrower_by_external_id(tenant, ext).await?;
        return Ok(BorrowerList {
            borrowers: found.iter().map(Borrower::view_value).collect(),
            next_cursor: None,
        });
    }
    let (page, next) = ctx.store.list_borrowers(tenant, limit, cursor).await?;
    Ok(BorrowerList {
        borrowers: page.iter().map(Borrower::view_value).collect(),
        next_cursor: next,
    })
}

/// `GET /borrowers`: a page of the client's borrowers.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BorrowerList {
    // Each written through the Borrower's typed view.
    #[schemars(with = "Vec<crate::model::BorrowerView<'static>>")]
    pub borrowers: Vec<Value>,
    /// Pass it as `cursor` for the next page; `null` on the last page (and for an
    /// `external_id` lookup).
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::payload::{parse_borrower_payload, PAYLOAD_FIELDS};
    use serde_json::json;

    /// A PUT that carries nothing reports every payload field it cleared, so no field can
    /// vanish without a warning.
    #[test]
    fn cleared_fields_covers_every_payload_field() {
        let full = json!({
            "first_name": "A", "last_name": "B", "email": "a@b.example", "phone": "5555550100",
            "address": {"city": "X"}, "date_of_birth": "1990-01-01", "collecting_unemployment": false,
            "employer": "E", "employer_start_date": "2020-01-01", "employer_ein": "12-3456789", "employer_state": "NY",
            "external_id": "x", "school_enrollment_status": "half_time", "agi": 1, "spouse_agi": 1, "filing_status": "single",
            "family_size": 3, "children": 1, "dependents": 1, "state_of_residence": "NY",
            "extra_monthly_payment": 1, "income_growth": 3, "new_borrower_date": "2015-01-01",
            "pslf": true, "refinance_rate": 5, "refinance_term": 10, "related_to_major": true,
            "tcli_enabled": true, "tcli_start_year": 2020, "tcli_end_year": 2025,
            "teaching_level": "elementary", "teaching_state": "NY", "teaching_subject": "math"
        });
        let mut before = Borrower::new(1, Uuid::nil(), "c", "now");
        apply_fields(
            &mut before,
            &parse_borrower_payload(full.as_object().unwrap()).unwrap(),
            Mode::Merge,
        );
        before.ssn_sealed = Some("v1:x".into());
        before.spouse = Some(SpouseLink {
            id: 2,
            uuid: Uuid::max(),
        });
        let mut after = before.clone();
        apply_fields(
            &mut after,
            &parse_borrower_payload(&serde_json::Map::new()).unwrap(),
            Mode::Replace,
        );
        after.ssn_sealed = None;
        after.spouse = None;
        let mut cleared = cleared_fields(&before, &after);
        cleared.sort_unstable();
        let mut want: Vec<&str> = PAYLOAD_FIELDS
            .iter()
            .copied()
            .filter(|f| *f != "income_certification")
            .collect();
        want.sort_unstable();
        assert_eq!(cleared, want);
    }
}
