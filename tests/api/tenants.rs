//! Issue 12 §6: a stranger's borrower answers exactly like a missing one, on every route that
//! names a borrower, by integer id and by uuid, and nothing of it changes.

use loanpath_tests::{app, call, send, send_request, OTHER_KEY};
use serde_json::{json, Value};
use shared::api::{assessments, borrowers, enrollments, loans};
use shared::AppContext;

type Handler = for<'a> fn(
    &'a AppContext,
    lambda_http::Request,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = lambda_http::Response<lambda_http::Body>> + 'a>,
>;

macro_rules! h {
    ($f:path) => {
        (|ctx, req| Box::pin($f(ctx, req))) as Handler
    };
}

fn loan() -> Value {
    json!({"loans": [{
        "loan_type": "D2", "interest_rate": 6.8, "outstanding_principal": 1000,
        "original_principal": 1000, "outstanding_interest": 0, "loan_status": "RP",
        "servicer_name": "Nelnet", "origination_date": "2016-09-01"
    }]})
}

#[tokio::test]
async fn every_route_answers_a_strangers_borrower_like_a_missing_one() {
    let t = app().await;
    let (s, b) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/").json(json!({"borrower": {
            "first_name": "Mine", "last_name": "Kirk", "phone": "515-555-0100",
            "ssn": "123-45-6789", "date_of_birth": "1985-03-22",
            "address": {"street1": "1 Starfleet Way", "city": "Riverside", "state": "IA", "zipcode": "52327"},
            "agi": 50000, "filing_status": "single", "family_size": 1, "state_of_residence": "IA",
            "income_certification": {"type": "pay_stub",
                "file": "JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCg=="}}})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, added) = send(
        &t.ctx,
        loans::create,
        call("POST", "/").id(&b["id"]).json(loan()),
    )
    .await;
    assert_eq!(s, 201, "{added}");
    let loan_id = added[0]["id"].to_string();
    let routes: Vec<(&str, &str, Handler, Option<Value>)> = vec![
        ("GET borrower", "GET", h!(borrowers::get), None),
        (
            "PATCH borrower",
            "PATCH",
            h!(borrowers::update),
            Some(json!({"borrower": {"first_name": "X"}})),
        ),
        (
            "PUT borrower",
            "PUT",
            h!(borrowers::update),
            Some(json!({"borrower": {"first_name": "X"}})),
        ),
        ("DELETE borrower", "DELETE", h!(borrowers::delete), None),
        ("POST loans", "POST", h!(loans::create), Some(loan())),
        ("GET loans", "GET", h!(loans::list), None),
        (
            "GET repayment_options",
            "GET",
            h!(assessments::repayment_options),
            None,
        ),
        (
            "GET forgiveness_options",
            "GET",
            h!(assessments::forgiveness_options),
            None,
        ),
        (
            "POST enrollments",
            "POST",
            h!(enrollments::create),
            Some(json!({"repayment_plan": "rap", "signature": true})),
        ),
        ("GET enrollments", "GET", h!(enrollments::list), None),
    ];
    let missing_uuid = uuid::Uuid::new_v4().to_string();
    for (name, method, handler, body) in &routes {
        for (mine, missing) in [
            (b["id"].to_string(), "999999".to_string()),
            (
                b["uuid"].as_str().unwrap().to_string(),
                missing_uuid.clone(),
            ),
        ] {
            let req = |id: &str, key: &str| {
                let mut c = call(method, "/").id(id).key(key);
                if let Some(body) = body {
                    c = c.json(body.clone());
                }
                c.request()
            };
            let stranger = send_request(&t.ctx, handler, req(&mine, OTHER_KEY)).await;
            let absent = send_request(&t.ctx, handler, req(&missing, OTHER_KEY)).await;
            assert_eq!(stranger.0, 404, "{name} {mine}: {}", stranger.1);
            assert_eq!(
                stranger, absent,
                "{name}: a stranger's borrower and a missing one differ"
            );
        }
    }
    // The routes that name a second id or take a document: enrollment get and cancel, an
    // income certification, the sandbox clock.
    let (s, e) = send(
        &t.ctx,
        enrollments::create,
        call("POST", "/")
            .id(&b["id"])
            .json(json!({"repayment_plan": "rap", "signature": true, "cursive_signature": true})),
    )
    .await;
    assert_eq!(s, 201, "a real enrollment to reach for: {e}");
    let enrollment_id = e["id"].to_string();
    // The sandbox clock answers 404 to any live client first, so its stranger is another
    // sandbox client.
    let sandbox_stranger = t
        .ctx
        .store
        .create_client("Stranger", None, shared::model::ClientMode::Sandbox)
        .await
        .unwrap()
        .api_key;
    for (mine, missing) in [
        (b["id"].to_string(), "999999".to_string()),
        (
            b["uuid"].as_str().unwrap().to_string(),
            missing_uuid.clone(),
        ),
    ] {
        let get = |id: &str| {
            call("GET", "/")
                .id(id)
                .param("enrollment_id", &enrollment_id)
                .key(OTHER_KEY)
                .request()
        };
        assert_eq!(
            send_request(&t.ctx, enrollments::get, get(&mine)).await,
            send_request(&t.ctx, enrollments::get, get(&missing)).await
        );
        let cancel = |id: &str| {
            call("POST", "/")
                .id(id)
                .param("enrollment_id", &enrollment_id)
                .key(OTHER_KEY)
                .json(json!({}))
                .request()
        };
        assert_eq!(
            send_request(&t.ctx, enrollments::cancel, cancel(&mine)).await,
            send_request(&t.ctx, enrollments::cancel, cancel(&missing)).await
        );
        let upload = |id: &str| {
            call("POST", "/")
                .id(id)
                .query("type", "pay_stub")
                .header("content-type", "application/pdf")
                .raw("%PDF-1.7 a pay stub")
                .key(OTHER_KEY)
                .request()
        };
        let stranger = send_request(
            &t.ctx,
            borrowers::upload_income_certification,
            upload(&mine),
        )
        .await;
        assert_eq!(stranger.0, 404, "{}", stranger.1);
        assert_eq!(
            stranger,
            send_request(
                &t.ctx,
                borrowers::upload_income_certification,
                upload(&missing)
            )
            .await
        );
        let advance = |id: &str| {
            call("POST", "/")
                .id(id)
                .key(&sandbox_stranger)
                .json(json!({"days": 30}))
                .request()
        };
        assert_eq!(
            send_request(&t.ctx, enrollments::advance, advance(&mine)).await,
            send_request(&t.ctx, enrollments::advance, advance(&missing)).await
        );
        // The sandbox servicer, by another sandbox client, on this borrower's enrollment.
        let servicer = |id: &str| {
            call("POST", "/")
                .id(id)
                .param("enrollment_id", &enrollment_id)
                .key(&sandbox_stranger)
                .json(json!({"status": "unprocessable"}))
                .request()
        };
        let stranger = send_request(&t.ctx, enrollments::sandbox_status, servicer(&mine)).await;
        assert_eq!(stranger.0, 404, "{}", stranger.1);
        assert_eq!(
            stranger,
            send_request(&t.ctx, enrollments::sandbox_status, servicer(&missing)).await
        );
    }
    // DELETE a loan of someone else's borrower, and the portfolio by uuid.
    for (mine, missing) in [
        (b["id"].to_string(), "999999".to_string()),
        (
            b["uuid"].as_str().unwrap().to_string(),
            missing_uuid.clone(),
        ),
    ] {
        let del = |id: &str| {
            call("DELETE", "/")
                .id(id)
                .param("loan_id", &loan_id)
                .key(OTHER_KEY)
                .request()
        };
        assert_eq!(
            send_request(&t.ctx, loans::delete, del(&mine)).await,
            send_request(&t.ctx, loans::delete, del(&missing)).await
        );
    }
    let p = |id: &str| call("GET", "/").id(id).key(OTHER_KEY).request();
    let stranger = send_request(&t.ctx, loans::portfolio, p(b["uuid"].as_str().unwrap())).await;
    assert_eq!(stranger.0, 404);
    assert_eq!(
        stranger,
        send_request(&t.ctx, loans::portfolio, p(&missing_uuid)).await
    );
    // Nothing changed for the owner: the enrollment is still open.
    let (s, mine_e) = send(
        &t.ctx,
        enrollments::get,
        call("GET", "/")
            .id(&b["id"])
            .param("enrollment_id", &enrollment_id),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(mine_e["status"]["type"], "pending", "{mine_e}");
    // Nothing changed for the owner.
    let (s, mine) = send(&t.ctx, borrowers::get, call("GET", "/").id(&b["id"])).await;
    assert_eq!((s, mine["first_name"].as_str()), (200, Some("Mine")));
    let (_, list) = send(&t.ctx, loans::list, call("GET", "/").id(&b["id"])).await;
    assert_eq!(list["loans"].as_array().unwrap().len(), 1);
}

/// The warm function's id cache (an integer id's owner and uuid) changes no answer: another
/// client's id is still a 404 after its owner's reads filled the cache, and a deleted
/// borrower's id is a 404 though its pair is still cached.
#[tokio::test]
async fn the_id_cache_keeps_strangers_out_and_forgets_nothing_deleted() {
    let t = app().await;
    let (s, b) = send(
        &t.ctx,
        borrowers::create,
        call("POST", "/api/v1/borrowers").json(json!({"borrower": {"first_name": "Cached"}})),
    )
    .await;
    assert_eq!(s, 201);
    let id = b["id"].as_i64().unwrap();
    for _ in 0..2 {
        let (s, got) = send(&t.ctx, borrowers::get, call("GET", "/").id(id)).await;
        assert_eq!((s, got["first_name"].as_str()), (200, Some("Cached")));
        let (s, _) = send(&t.ctx, loans::list, call("GET", "/").id(id)).await;
        assert_eq!(s, 200);
        let (s, _) = send(
            &t.ctx,
            borrowers::get,
            call("GET", "/").id(id).key(OTHER_KEY),
        )
        .await;
        assert_eq!(s, 404, "another client's id, cached or not");
        let (s, _) = send(&t.ctx, loans::list, call("GET", "/").id(id).key(OTHER_KEY)).await;
        assert_eq!(s, 404);
    }
    let (s, _) = send(&t.ctx, borrowers::delete, call("DELETE", "/").id(id)).await;
    assert_eq!(s, 204);
    let (s, _) = send(&t.ctx, borrowers::get, call("GET", "/").id(id)).await;
    assert_eq!(s, 404, "deleted, though the id is still cached");
    let (s, _) = send(&t.ctx, loans::list, call("GET", "/").id(id)).await;
    assert_eq!(s, 404);
}
