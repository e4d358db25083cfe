//! Income documents: checked by content and size, sealed into the object store (moto's S3),
//! the raw upload route, tenant isolation, and the migration of documents kept in DynamoDB.

use base64::Engine;
use loanpath_tests::{app, call, send, OTHER_KEY};
use serde_json::json;
use shared::api::borrowers;
use shared::store::{keys, s};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake but well-headed";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn payload_uploads_are_checked_by_content_size_and_encoding() {
    let t = app().await;
    let cases = [
        (b64(b"GIF89a not a pay stub"), "PDF, PNG or JPEG"),
        ("%%% not base64 %%%".to_string(), "base64"),
        (b64(b""), "empty"),
        (b64(&vec![b'%'; 4 * 1024 * 1024]), "PDF, PNG or JPEG"),
    ];
    for (file, why) in cases {
        let (s, e) = send(
            &t.ctx,
            borrowers::create,
            call("POST", "/").json(
                json!({"borrower": {"income_certification": {"type": "pay_stub", "file": file}}}),
            ),
        )
        .await;
        assert_eq!(s, 422, "{why}");
        let problem = e["error"]["fields"]["income_certification.file"]
            .as_str()
            .unwrap();
        assert!(problem.contains(why), "{problem}");
    }
    // A document too large for a JSON body (10 MB is 13.4 MB in base64) is a 413.
    let (s, e) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/").json(json!({"borrower": {"income_certification": {
            "type": "pay_stub", "file": b64(&vec![b'%'; 10 * 1024 * 1024 + 1])}}})),
    )
    .await;
    assert_eq!(s, 413, "{e}");
    // Nothing was stored for the refused ones: the first borrower gets id 1.
    let (s, b) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/").json(
            json!({"borrower": {"income_certification": {"type": "pay_stub", "file": b64(PNG)}}}),
        ),
    )
    .await;
    assert_eq!((s, b["id"].as_i64()), (201, Some(1)), "{b}");
    assert_eq!(b["income_certifications"][0]["content_type"], "image/png");
}

#[tokio::test]
async fn the_raw_upload_takes_the_document_itself() {
    let t = app().await;
    let (_, b) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/").json(json!({"borrower": {}})),
    )
    .await;
    let id = b["id"].as_i64().unwrap();
    let upload = |ct: &str, body: &[u8], kind: Option<&str>, key: &str| {
        let mut c = call("POST", "/income_certifications").id(id).key(key);
        if let Some(k) = kind {
            c = c.query("type", k);
        }
        let mut req = c.request();
        req.headers_mut()
            .insert("content-type", ct.parse().unwrap());
        *req.body_mut() = lambda_http::Body::Binary(body.to_vec());
        req
    };
    let (s, c) = loanpath_tests::send_request(
        &t.ctx,
        borrowers::upload_income_certification,
        upload(
            "image/png",
            PNG,
            Some("pay_stub"),
            loanpath_tests::SANDBOX_KEY,
        ),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(
        (c["type"].as_str(), c["content_type"].as_str()),
        (Some("pay_stub"), Some("image/png"))
    );
    assert_eq!(c["size_bytes"].as_u64(), Some(PNG.len() as u64));
    let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
    let (s, _) = loanpath_tests::send_request(
        &t.ctx,
        borrowers::upload_income_certification,
        upload(
            "application/pdf",
            pdf,
            Some("tax_return"),
            loanpath_tests::SANDBOX_KEY,
        ),
    )
    .await;
    assert_eq!(s, 201);
    let (_, after) = send(&t.ctx, borrowers::get, call("GET", "/").id(id)).await;
    let types: Vec<&str> = after["income_certifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec!["pay_stub", "tax_return"],
        "the most recent is last"
    );
    for (ct, body, kind, status, what) in [
        (
            "image/png",
            &pdf[..],
            Some("pay_stub"),
            422,
            "content not as declared",
        ),
        (
            "text/plain",
            &pdf[..],
            Some("pay_stub"),
            415,
            "not a document type",
        ),
        ("application/pdf", &pdf[..], None, 422, "no type"),
        ("application/pdf", &pdf[..], Some("selfie"), 422, "bad type"),
        ("application/pdf", &b""[..], Some("pay_stub"), 422, "empty"),
    ] {
        let (s, e) = loanpath_tests::send_request(
            &t.ctx,
            borrowers::upload_income_certification,
            upload(ct, body, kind, loanpath_tests::SANDBOX_KEY),
        )
        .await;
        assert_eq!(s, status, "{what}: {e}");
    }
    let (s, _) = loanpath_tests::send_request(
        &t.ctx,
        borrowers::upload_income_certification,
        upload("image/png", PNG, Some("pay_stub"), OTHER_KEY),
    )
    .await;
    assert_eq!(s, 404, "another tenant's borrower");
}

#[tokio::test]
async fn documents_kept_in_dynamodb_move_to_the_object_store_once() {
    let t = app().await;
    let (_, b) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/").json(json!({"borrower": {"first_name": "Old"}})),
    )
    .await;
    let uuid: uuid::Uuid = b["uuid"].as_str().unwrap().parse().unwrap();
    // A document the way older versions stored it: sealed inside its own item.
    let doc = b"%PDF-1.4\n old style tax return 123-45-6789\n";
    let sealed = t
        .ctx
        .cipher()
        .unwrap()
        .seal_bytes(doc, &shared::borrowers::income_cert_record(&uuid, 77));
    t.ctx
        .store
        .db_client()
        .put_item()
        .table_name("loanpath-test")
        .item("PK", s(keys::borrower(&uuid)))
        .item("SK", s(keys::income_cert(77)))
        .item("entity", s("IncomeCertification"))
        .item(
            "id",
            aws_sdk_dynamodb::types::AttributeValue::N("77".into()),
        )
        .item("type", s("tax_return"))
        .item("file_sealed", s(sealed))
        .send()
        .await
        .unwrap();
    let report = shared::documents::migrate::run(&t.ctx).await.unwrap();
    assert_eq!(
        (report.moved, report.already_moved, report.failed.len()),
        (1, 0, 0),
        "{report:?}"
    );
    let item = t
        .ctx
        .store
        .get(&keys::borrower(&uuid), &keys::income_cert(77))
        .await
        .unwrap()
        .unwrap();
    assert!(!item.contains_key("file_sealed"));
    assert_eq!(item["content_type"].as_s().unwrap(), "application/pdf");
    let key = item["object_key"].as_s().unwrap();
    let stored = t.ctx.documents().unwrap().get(key).await.unwrap().unwrap();
    assert_eq!(
        t.ctx.cipher().unwrap().open_bytes(&stored, key).unwrap(),
        doc
    );
    let again = shared::documents::migrate::run(&t.ctx).await.unwrap();
    assert_eq!(
        (again.moved, again.failed.len()),
        (0, 0),
        "a rerun changes nothing"
    );
}

/// Issue 12 §1: every document adds an entry to the borrower's profile item, which DynamoDB
/// caps at 400 KB; the list is bounded, so the borrower stays writable.
#[tokio::test]
async fn a_borrower_keeps_its_50_latest_income_certifications() {
    let t = app().await;
    let (_, b) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/").json(json!({"borrower": {}})),
    )
    .await;
    let upload = || {
        let mut req = call("POST", "/income_certifications")
            .id(&b["id"])
            .query("type", "pay_stub")
            .request();
        req.headers_mut()
            .insert("content-type", "image/png".parse().unwrap());
        *req.body_mut() = lambda_http::Body::Binary(PNG.to_vec());
        req
    };
    let mut ids = Vec::new();
    for i in 0..50 {
        let (s, out) =
            loanpath_tests::send_request(&t.ctx, borrowers::upload_income_certification, upload())
                .await;
        assert_eq!(s, 201, "upload {i}: {out}");
        ids.push(out["id"].as_i64().unwrap());
    }
    // The 51st retires the oldest: its record and its sealed object go, in the same request,
    // so a borrower can always upload the current document an enrollment needs.
    let uuid: uuid::Uuid = b["uuid"].as_str().unwrap().parse().unwrap();
    let oldest_key = shared::documents::object_key("sandbox-client", &uuid, ids[0]);
    let docs = t.ctx.documents().unwrap();
    assert!(
        docs.get(&oldest_key).await.unwrap().is_some(),
        "stored first"
    );
    let (s, out) =
        loanpath_tests::send_request(&t.ctx, borrowers::upload_income_certification, upload())
            .await;
    assert_eq!(s, 201, "{out}");
    let (_, now) = send(&t.ctx, borrowers::get, call("GET", "/").id(&b["id"])).await;
    let kept: Vec<i64> = now["income_certifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(kept.len(), 50);
    assert_eq!(kept[0], ids[1], "the oldest is gone");
    assert_eq!(*kept.last().unwrap(), out["id"].as_i64().unwrap());
    assert!(
        docs.get(&oldest_key).await.unwrap().is_none(),
        "the retired document left the bucket"
    );
    let newest = shared::documents::object_key("sandbox-client", &uuid, *kept.last().unwrap());
    assert!(docs.get(&newest).await.unwrap().is_some());
}

/// Deleting a borrower deletes their income documents from the bucket too.
#[tokio::test]
async fn deleting_a_borrower_deletes_their_documents() {
    let t = app().await;
    let (s, b) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/").json(
            json!({"borrower": {"income_certification": {"type": "pay_stub", "file": b64(PNG)}}}),
        ),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let uuid: uuid::Uuid = b["uuid"].as_str().unwrap().parse().unwrap();
    let id = b["income_certifications"][0]["id"].as_i64().unwrap();
    let key = shared::documents::object_key("sandbox-client", &uuid, id);
    let docs = t.ctx.documents().unwrap();
    assert!(docs.get(&key).await.unwrap().is_some(), "stored first");
    let (s, _) = send(&t.ctx, borrowers::delete, call("DELETE", "/").id(&b["id"])).await;
    assert_eq!(s, 204);
    assert!(
        docs.get(&key).await.unwrap().is_none(),
        "the document went with its borrower"
    );
}
