use loanpath_tests::{app, call, send, OTHER_KEY};
use serde_json::{json, Value};
use shared::api::borrowers::{create, delete, get, list, update};
use shared::store::keys;

async fn create_one(ctx: &shared::AppContext, body: Value) -> Value {
    let (status, b) = send(
        ctx,
        create,
        call("POST", "/api/v1/borrowers").json(json!({"borrower": body})),
    )
    .await;
    assert_eq!(status, 201, "{b}");
    b
}

#[tokio::test]
async fn seed_walkthrough_create_then_update_kirk() {
    let t = app().await;
    let kirk = create_one(&t.ctx, json!({"first_name": "James", "last_name": "Kirk"})).await;
    assert_eq!(kirk["id"], 1);
    assert_eq!(kirk["first_name"], "James");
    assert_eq!(kirk["last_name"], "Kirk");
    assert_eq!(kirk["uuid"].as_str().unwrap().len(), 36);
    assert_eq!(kirk["financial_details"]["filing_status"], "single");
    assert_eq!(kirk["financial_details"]["family_size"], 1);
    assert_eq!(kirk["financial_details"]["income_growth"], json!(5.0));
    assert_eq!(kirk["income_certifications"], json!([]));
    assert_eq!(kirk["has_ssn"], false);

    // The walkthrough's PUT, by integer id, unchanged.
    let (status, updated) = send(&t.ctx, update, call("PUT", "/api/v1/borrowers/1").id(1).json(json!({
        "borrower": {"agi": 35000, "filing_status": "single", "family_size": 1, "state_of_residence": "NY"}
    }))).await;
    assert_eq!(status, 200, "{updated}");
    let fd = &updated["financial_details"];
    assert_eq!(fd["agi"].to_string(), "35000.00");
    assert_eq!(fd["filing_status"], "single");
    assert_eq!(fd["family_size"], 1);
    assert_eq!(fd["state_of_residence"], "NY");
    assert_eq!(updated["uuid"], kirk["uuid"]);
    assert_eq!(updated["created_at"], kirk["created_at"]);
    assert_ne!(updated["updated_at"], kirk["updated_at"]);
    // PUT merges (issue 11): code written for Payitoff sends only what changes and expects the
    // name (and what Nexus filled in) to survive.
    assert_eq!(updated["first_name"], "James");
    assert_eq!(updated["last_name"], "Kirk");
    assert_eq!(updated["warnings"], json!([]));

    // GET by uuid answers the same borrower.
    let (status, by_uuid) = send(
        &t.ctx,
        get,
        call("GET", "/").id(kirk["uuid"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(by_uuid["id"], 1);
    assert_eq!(by_uuid["financial_details"]["agi"].to_string(), "35000.00");
}

#[tokio::test]
async fn empty_borrower_and_sequential_ids() {
    let t = app().await;
    let a = create_one(&t.ctx, json!({})).await;
    let b = create_one(&t.ctx, json!({})).await;
    assert_eq!(a["id"], 1);
    assert_eq!(b["id"], 2);
    assert_ne!(a["uuid"], b["uuid"]);
    assert_eq!(a["first_name"], Value::Null);
    assert_eq!(a["address"]["street1"], Value::Null);
}

#[tokio::test]
async fn put_and_patch_both_merge_and_null_clears() {
    let t = app().await;
    let b = create_one(
        &t.ctx,
        json!({"first_name": "Nyota", "last_name": "Uhura", "agi": "52000.50",
        "address": {"street1": "1 Main St", "city": "Albany", "state": "ny", "zipcode": "12207"}}),
    )
    .await;
    assert_eq!(b["address"]["state"], "NY");
    let (s, p) = send(&t.ctx, update, call("PATCH", "/").id(1).json(json!({"borrower": {"phone": "(518) 555-0100", "children": 2, "dependents": 1, "family_size": 4}}))).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["first_name"], "Nyota");
    assert_eq!(p["phone"], "(518) 555-0100");
    assert_eq!(p["financial_details"]["agi"].to_string(), "52000.50");
    assert_eq!(p["financial_details"]["children"], 2);
    assert_eq!(p["warnings"], json!([]));
    // null clears one field in a PATCH.
    let (_, p) = send(
        &t.ctx,
        update,
        call("PATCH", "/")
            .id(1)
            .json(json!({"borrower": {"phone": null}})),
    )
    .await;
    assert_eq!(p["phone"], Value::Null);
    assert_eq!(p["last_name"], "Uhura");
    // PUT merges like PATCH; an explicit null clears.
    let (_, r) = send(
        &t.ctx,
        update,
        call("PUT", "/")
            .id(1)
            .json(json!({"borrower": {"first_name": "Ny", "agi": null}})),
    )
    .await;
    assert_eq!(r["first_name"], "Ny");
    assert_eq!(r["last_name"], "Uhura");
    assert_eq!(r["financial_details"]["agi"], Value::Null);
    assert_eq!(r["financial_details"]["family_size"], 4);
    // Nested objects merge too: the city changes, the street, state and zip code stay.
    for method in ["PATCH", "PUT"] {
        let city = format!("Dallas {method}");
        let (s, a) = send(
            &t.ctx,
            update,
            call(method, "/")
                .id(1)
                .json(json!({"borrower": {"address": {"city": city}}})),
        )
        .await;
        assert_eq!(s, 200, "{a}");
        assert_eq!(
            a["address"],
            json!({"street1": "1 Main St", "street2": null, "street3": null, "city": city, "state": "NY", "zipcode": "12207"}),
            "{method}"
        );
    }
    // A part set to null is cleared; the whole address set to null is cleared.
    let (_, a) = send(
        &t.ctx,
        update,
        call("PATCH", "/")
            .id(1)
            .json(json!({"borrower": {"address": {"street1": null}}})),
    )
    .await;
    assert_eq!(a["address"]["street1"], Value::Null);
    assert_eq!(a["address"]["zipcode"], "12207");
    let (_, a) = send(
        &t.ctx,
        update,
        call("PUT", "/")
            .id(1)
            .json(json!({"borrower": {"address": null}})),
    )
    .await;
    assert!(a["address"]["city"].is_null(), "{a}");
}

#[tokio::test]
async fn bad_input_is_a_named_4xx_and_writes_nothing() {
    let t = app().await;
    let cases: Vec<(&str, u16, &str)> = vec![
        ("{not json", 400, ""),
        ("[1,2]", 400, ""),
        ("", 400, ""),
        (r#"{"first_name": "x"}"#, 422, "borrower"),
        (r#"{"borrower": "x"}"#, 422, "borrower"),
        (r#"{"borrower": {"agi": -5}}"#, 422, "agi"),
        (r#"{"borrower": {"agi": "lots"}}"#, 422, "agi"),
        (
            r#"{"borrower": {"family_size": "two"}}"#,
            422,
            "family_size",
        ),
        (
            r#"{"borrower": {"filing_status": "married"}}"#,
            422,
            "filing_status",
        ),
        (
            r#"{"borrower": {"date_of_birth": "01/02/1990"}}"#,
            422,
            "date_of_birth",
        ),
        (
            r#"{"borrower": {"new_borrower_date": "2026-02-30"}}"#,
            422,
            "new_borrower_date",
        ),
        // Strict YYYY-MM-DD, as the loan dates and the schema are (chrono alone took these).
        (
            r#"{"borrower": {"date_of_birth": "1990-1-5"}}"#,
            422,
            "date_of_birth",
        ),
        (
            r#"{"borrower": {"employer_start_date": " 2020-01-05"}}"#,
            422,
            "employer_start_date",
        ),
        (r#"{"borrower": {"ssn": "12345"}}"#, 422, "ssn"),
        (
            r#"{"borrower": {"state_of_residence": "Narnia"}}"#,
            422,
            "state_of_residence",
        ),
        (
            r#"{"borrower": {"address": {"zipcode": "ABCDE"}}}"#,
            422,
            "address.zipcode",
        ),
        (r#"{"borrower": {"pslf": "yes"}}"#, 422, "pslf"),
        (
            r#"{"borrower": {"children": 3, "family_size": 2}}"#,
            422,
            "family_size",
        ),
        (r#"{"borrower": {"spouse_id": 999}}"#, 422, "spouse_id"),
    ];
    for (body, want, field) in cases {
        let (status, err) = send(&t.ctx, create, call("POST", "/api/v1/borrowers").raw(body)).await;
        assert_eq!(status, want, "{body} -> {err}");
        assert_eq!(
            err["error"]["title"],
            if want == 400 {
                "Bad Request"
            } else {
                "Unprocessable Entity"
            }
        );
        assert!(err["error"]["detail"].as_str().unwrap().len() > 5);
        if !field.is_empty() {
            assert!(err["error"]["fields"][field].is_string(), "{body} -> {err}");
        }
    }
    let (_, listed) = send(&t.ctx, list, call("GET", "/api/v1/borrowers")).await;
    assert_eq!(
        listed["borrowers"],
        json!([]),
        "a rejected request wrote a borrower"
    );
}

#[tokio::test]
async fn ssn_is_encrypted_at_rest_and_never_returned() {
    let t = app().await;
    let b = create_one(&t.ctx, json!({"first_name": "Spock", "ssn": "123-45-6789"})).await;
    assert_eq!(b["has_ssn"], true);
    let text = b.to_string();
    assert!(!text.contains("6789") && b.get("ssn").is_none(), "{text}");
    let uuid = b["uuid"].as_str().unwrap();
    let raw = t
        .ctx
        .store
        .get(&format!("BORROWER#{uuid}"), "PROFILE")
        .await
        .unwrap()
        .unwrap();
    let sealed = raw["ssn_sealed"].as_s().unwrap();
    assert!(sealed.starts_with("v2:k0:") && !sealed.contains("123456789"));
    assert_eq!(
        t.ctx.cipher().unwrap().open(sealed, uuid).unwrap(),
        "123456789"
    );
    let (_, got) = send(&t.ctx, get, call("GET", "/").id(uuid)).await;
    assert!(!got.to_string().contains("6789"));
    // PATCH without ssn keeps it; null clears it.
    let (_, p) = send(
        &t.ctx,
        update,
        call("PATCH", "/")
            .id(uuid)
            .json(json!({"borrower": {"last_name": "S"}})),
    )
    .await;
    assert_eq!(p["has_ssn"], true);
    let (_, p) = send(
        &t.ctx,
        update,
        call("PATCH", "/")
            .id(uuid)
            .json(json!({"borrower": {"ssn": null}})),
    )
    .await;
    assert_eq!(p["has_ssn"], false);
}

#[tokio::test]
async fn money_keeps_every_digit_in_the_store() {
    let t = app().await;
    let b = create_one(&t.ctx, json!({"agi": "987654321.01", "spouse_agi": 0.1, "filing_status": "married_filing_jointly", "family_size": 2})).await;
    assert_eq!(b["financial_details"]["agi"].to_string(), "987654321.01");
    assert_eq!(b["financial_details"]["spouse_agi"].to_string(), "0.10");
    let raw = t
        .ctx
        .store
        .get(
            &format!("BORROWER#{}", b["uuid"].as_str().unwrap()),
            "PROFILE",
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        raw["financial"].as_m().unwrap()["agi"].as_s().unwrap(),
        "987654321.01"
    );
}

#[tokio::test]
async fn another_clients_borrower_is_not_found() {
    let t = app().await;
    let mine = create_one(&t.ctx, json!({"first_name": "Hikaru"})).await;
    let uuid = mine["uuid"].as_str().unwrap().to_string();
    let (_, missing) = send(&t.ctx, get, call("GET", "/").id(424242)).await;
    for id in ["1".to_string(), uuid.clone()] {
        let (s, body) = send(&t.ctx, get, call("GET", "/").id(&id).key(OTHER_KEY)).await;
        assert_eq!((s, &body), (404, &missing));
        let (s, _) = send(
            &t.ctx,
            update,
            call("PATCH", "/")
                .id(&id)
                .key(OTHER_KEY)
                .json(json!({"borrower": {"first_name": "X"}})),
        )
        .await;
        assert_eq!(s, 404);
        let (s, _) = send(
            &t.ctx,
            update,
            call("PUT", "/")
                .id(&id)
                .key(OTHER_KEY)
                .json(json!({"borrower": {}})),
        )
        .await;
        assert_eq!(s, 404);
        let (s, _) = send(&t.ctx, delete, call("DELETE", "/").id(&id).key(OTHER_KEY)).await;
        assert_eq!(s, 404);
    }
    let (_, theirs) = send(&t.ctx, list, call("GET", "/").key(OTHER_KEY)).await;
    assert_eq!(theirs["borrowers"], json!([]));
    // Nor can another client link to my borrower as a spouse.
    let (s, err) = send(
        &t.ctx,
        create,
        call("POST", "/")
            .key(OTHER_KEY)
            .json(json!({"borrower": {"spouse_id": 1}})),
    )
    .await;
    assert_eq!(s, 422, "{err}");
    let (_, still) = send(&t.ctx, get, call("GET", "/").id(1)).await;
    assert_eq!(still["first_name"], "Hikaru");
    assert_eq!(still["spouse_id"], Value::Null);
}

#[tokio::test]
async fn spouses_are_linked_on_both_sides() {
    let t = app().await;
    let a = create_one(&t.ctx, json!({"first_name": "Ann"})).await;
    let b = create_one(&t.ctx, json!({"first_name": "Ben"})).await;
    let c = create_one(&t.ctx, json!({"first_name": "Cal"})).await;
    let (s, a2) = send(&t.ctx, update, call("PATCH", "/").id(1).json(json!({"borrower": {
        "spouse_id": 2, "filing_status": "married_filing_jointly", "family_size": 2, "agi": 50000, "spouse_agi": 40000
    }}))).await;
    assert_eq!(s, 200, "{a2}");
    assert_eq!(a2["spouse_id"], 2);
    assert_eq!(a2["spouse_uuid"], b["uuid"]);
    assert_eq!(a2["warnings"], json!([]));
    let (_, b2) = send(&t.ctx, get, call("GET", "/").id(2)).await;
    assert_eq!(b2["spouse_id"], 1);
    assert_eq!(b2["spouse_uuid"], a["uuid"]);
    assert_eq!(
        b2["first_name"], "Ben",
        "the spouse's own fields are untouched"
    );

    // Cal cannot take a married borrower; self-links are refused.
    let (s, err) = send(
        &t.ctx,
        update,
        call("PATCH", "/")
            .id(3)
            .json(json!({"borrower": {"spouse_id": 1}})),
    )
    .await;
    assert_eq!(s, 409, "{err}");
    let (s, err) = send(
        &t.ctx,
        update,
        call("PATCH", "/")
            .id(3)
            .json(json!({"borrower": {"spouse_id": c["uuid"]}})),
    )
    .await;
    assert_eq!(s, 422);
    assert!(err["error"]["fields"]["spouse_id"].is_string());
    // Details of the spouse can't be set through the married borrower.
    let (s, err) = send(
        &t.ctx,
        update,
        call("PATCH", "/")
            .id(1)
            .json(json!({"borrower": {"spouse": {"first_name": "Bob"}}})),
    )
    .await;
    assert_eq!(s, 422);
    assert!(err["error"]["fields"]["spouse"]
        .as_str()
        .unwrap()
        .contains("spouse's own"));

    // Switching Ann to Cal unlinks Ben.
    let (s, _) = send(
        &t.ctx,
        update,
        call("PATCH", "/")
            .id(1)
            .json(json!({"borrower": {"spouse_id": 3}})),
    )
    .await;
    assert_eq!(s, 200);
    let (_, b3) = send(&t.ctx, get, call("GET", "/").id(2)).await;
    assert_eq!(b3["spouse_id"], Value::Null);
    let (_, c3) = send(&t.ctx, get, call("GET", "/").id(3)).await;
    assert_eq!(c3["spouse_id"], 1);

    // Deleting Ann unlinks Cal.
    let (s, _) = send(&t.ctx, delete, call("DELETE", "/").id(1)).await;
    assert_eq!(s, 204);
    let (_, c4) = send(&t.ctx, get, call("GET", "/").id(3)).await;
    assert_eq!(c4["spouse_id"], Value::Null);
}

#[tokio::test]
async fn spouse_agi_for_single_filers_is_kept_with_a_warning() {
    let t = app().await;
    let b = create_one(&t.ctx, json!({"spouse_agi": 30000})).await;
    assert_eq!(b["financial_details"]["spouse_agi"].to_string(), "30000.00");
    assert!(b["warnings"][0]
        .as_str()
        .unwrap()
        .starts_with("spouse_agi is ignored because filing_status is single"));
    let (_, p) = send(
        &t.ctx,
        update,
        call("PATCH", "/").id(1).json(
            json!({"borrower": {"filing_status": "married_filing_separately", "family_size": 2}}),
        ),
    )
    .await;
    // A separate return does not count the spouse's income either (the engine ignores
    // spouse_agi for it): it warned for single filers only.
    assert_eq!(
        p["warnings"],
        json!(["spouse_agi is ignored because filing_status is married_filing_separately: only a joint return (married_filing_jointly) counts the spouse's income."])
    );
    let (_, p) = send(
        &t.ctx,
        update,
        call("PATCH", "/")
            .id(1)
            .json(json!({"borrower": {"filing_status": "married_filing_jointly"}})),
    )
    .await;
    assert_eq!(p["warnings"], json!([]));
}

#[tokio::test]
async fn keys_beside_the_borrower_envelope_are_ignored_with_a_warning() {
    let t = app().await;
    // A key next to `borrower` (a typo such as `borower`, or a field put outside) was dropped
    // in silence; it is reported now, on create and on update, and changes nothing.
    let (s, b) = send(
        &t.ctx,
        create,
        call("POST", "/").json(json!({"borrower": {"first_name": "Ann"}, "agi": 50000})),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(
        b["warnings"],
        json!(["Unknown field agi beside borrower was ignored: only borrower is read."])
    );
    assert_eq!(b["financial_details"]["agi"], Value::Null);
    let (s, p) = send(
        &t.ctx,
        update,
        call("PATCH", "/")
            .id(1)
            .json(json!({"borower": {"last_name": "Lee"}, "borrower": {}})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        p["warnings"],
        json!(["Unknown field borower beside borrower was ignored: only borrower is read."])
    );
    assert_eq!(p["last_name"], Value::Null);
}

#[tokio::test]
async fn external_id_is_unique_per_client_and_filterable() {
    let t = app().await;
    create_one(
        &t.ctx,
        json!({"external_id": "crm-1", "first_name": "Leonard"}),
    )
    .await;
    let (s, err) = send(
        &t.ctx,
        create,
        call("POST", "/").json(json!({"borrower": {"external_id": "crm-1"}})),
    )
    .await;
    assert_eq!(s, 409, "{err}");
    assert!(err["error"]["detail"].as_str().unwrap().contains("crm-1"));
    let (_, all) = send(&t.ctx, list, call("GET", "/")).await;
    assert_eq!(
        all["borrowers"].as_array().unwrap().len(),
        1,
        "the duplicate wrote nothing"
    );
    // Another client may use the same external id.
    let (s, _) = send(
        &t.ctx,
        create,
        call("POST", "/")
            .key(OTHER_KEY)
            .json(json!({"borrower": {"external_id": "crm-1"}})),
    )
    .await;
    assert_eq!(s, 201);
    let (_, found) = send(&t.ctx, list, call("GET", "/").query("external_id", "crm-1")).await;
    assert_eq!(found["borrowers"].as_array().unwrap().len(), 1);
    assert_eq!(found["borrowers"][0]["first_name"], "Leonard");
    // Renaming frees the old id for someone else.
    let (s, _) = send(
        &t.ctx,
        update,
        call("PATCH", "/")
            .id(1)
            .json(json!({"borrower": {"external_id": "crm-2"}})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = send(
        &t.ctx,
        create,
        call("POST", "/").json(json!({"borrower": {"external_id": "crm-1"}})),
    )
    .await;
    assert_eq!(s, 201);
    let (_, none) = send(&t.ctx, list, call("GET", "/").query("external_id", "nope")).await;
    assert_eq!(none["borrowers"], json!([]));
    // A lookup by external_id is one page, but a bad cursor beside it is still a 422, never
    // taken in silence (schemathesis sent a 518-character one).
    let (s, e) = send(
        &t.ctx,
        list,
        call("GET", "/")
            .query("external_id", "crm-1")
            .query("cursor", "x".repeat(600)),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert!(e["error"]["fields"]["cursor"].is_string(), "{e}");
}

#[tokio::test]
async fn list_pages_with_cursors() {
    let t = app().await;
    for i in 0..5 {
        create_one(&t.ctx, json!({"first_name": format!("B{i}")})).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut c = call("GET", "/").query("limit", 2);
        if let Some(cur) = &cursor {
            c = c.query("cursor", cur);
        }
        let (s, page) = send(&t.ctx, list, c).await;
        assert_eq!(s, 200, "{page}");
        pages += 1;
        for b in page["borrowers"].as_array().unwrap() {
            seen.push(b["id"].as_i64().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, vec![1, 2, 3, 4, 5]);
    assert!(pages >= 3);
    let (s, err) = send(&t.ctx, list, call("GET", "/").query("cursor", "garbage!")).await;
    assert_eq!(s, 422);
    assert!(err["error"]["fields"]["cursor"].is_string());
    let (s, err) = send(&t.ctx, list, call("GET", "/").query("limit", 0)).await;
    assert_eq!(s, 422);
    assert!(err["error"]["fields"]["limit"].is_string());
}

#[tokio::test]
async fn delete_removes_everything_the_borrower_owns() {
    let t = app().await;
    let b = create_one(&t.ctx, json!({"external_id": "x-9", "income_certification": {"type": "pay_stub", "file": "JVBERi0xLjQK"}})).await;
    assert_eq!(b["income_certifications"][0]["type"], "pay_stub");
    let inserted = b["income_certifications"][0]["inserted_at"]
        .as_str()
        .unwrap();
    assert_eq!(inserted.len(), 19);
    assert_eq!(&inserted[10..11], " ", "Payitoff's inserted_at format");
    let uuid = b["uuid"].as_str().unwrap();
    let pk = format!("BORROWER#{uuid}");
    assert_eq!(t.ctx.store.collection(&pk).await.unwrap().len(), 2);
    let (s, body) = send(&t.ctx, delete, call("DELETE", "/").id(uuid)).await;
    assert_eq!((s, body), (204, Value::Null));
    assert!(t.ctx.store.collection(&pk).await.unwrap().is_empty());
    assert!(t
        .ctx
        .store
        .get(&keys::borrower_id(1), keys::LOOKUP_SK)
        .await
        .unwrap()
        .is_none());
    assert!(t
        .ctx
        .store
        .get(&keys::external_id("sandbox-client", "x-9"), keys::LOOKUP_SK)
        .await
        .unwrap()
        .is_none());
    let (s, _) = send(&t.ctx, get, call("GET", "/").id(1)).await;
    assert_eq!(s, 404);
    let (s, _) = send(&t.ctx, delete, call("DELETE", "/").id(1)).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn stale_versions_are_refused() {
    use shared::store::{borrowers::to_item, Tx, TxError};
    let t = app().await;
    create_one(&t.ctx, json!({"first_name": "Pavel"})).await;
    let tenant = shared::model::Tenant {
        client_id: "sandbox-client".into(),
        mode: shared::model::ClientMode::Sandbox,
    };
    let stale = t
        .ctx
        .store
        .borrower(&tenant, &shared::model::payload::BorrowerRef::Id(1))
        .await
        .unwrap();
    let (s, _) = send(
        &t.ctx,
        update,
        call("PATCH", "/")
            .id(1)
            .json(json!({"borrower": {"last_name": "Chekov"}})),
    )
    .await;
    assert_eq!(s, 200);
    let mut tx = Tx::new();
    let mut lost_update = stale.clone();
    lost_update.first_name = Some("Overwritten".into());
    tx.put_versioned(
        &t.ctx.store,
        "borrower",
        to_item(&lost_update).unwrap(),
        stale.version,
    );
    assert!(
        matches!(tx.commit(&t.ctx.store).await, Err(TxError::Conflict(l)) if l == vec!["borrower"])
    );
    let (_, now) = send(&t.ctx, get, call("GET", "/").id(1)).await;
    assert_eq!(
        (now["first_name"].as_str(), now["last_name"].as_str()),
        (Some("Pavel"), Some("Chekov"))
    );
}

/// Issue 12 §6: the real use case raced on several worker threads against the emulator: at
/// least one write wins, every other gets a 409, and no acknowledged write is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_patches_never_lose_a_write_silently() {
    let t = app().await;
    create_one(&t.ctx, json!({})).await;
    let ctx: &'static shared::AppContext = Box::leak(Box::new(t.ctx.clone()));
    let fields = [
        "first_name",
        "last_name",
        "email",
        "employer",
        "phone",
        "external_id",
    ];
    let values = ["A", "B", "c@d.example", "E", "5555550100", "ext-1"];
    for round in 0..5 {
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(fields.len()));
        let tasks: Vec<_> = fields
            .iter()
            .zip(values)
            .map(|(f, v)| {
                let start = start.clone();
                let v = format!("{v}{round}").replace("@", &format!("{round}@"));
                let body = json!({"borrower": {*f: v.clone()}});
                tokio::spawn(async move {
                    start.wait().await;
                    let (s, _) = send(ctx, update, call("PATCH", "/").id(1).json(body)).await;
                    (s, v)
                })
            })
            .collect();
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.unwrap());
        }
        let (_, now) = send(ctx, get, call("GET", "/").id(1)).await;
        let won = results.iter().filter(|(s, _)| *s == 200).count();
        assert!(won >= 1, "round {round}: no write won: {results:?}");
        for ((f, _), (s, v)) in fields.iter().zip(values).zip(&results) {
            match s {
                200 => assert_eq!(
                    now[*f],
                    v.as_str(),
                    "round {round}: an acknowledged {f} was lost"
                ),
                409 => assert_ne!(
                    now[*f],
                    v.as_str(),
                    "round {round}: a refused {f} was written"
                ),
                other => panic!("round {round}: unexpected status {other}"),
            }
        }
    }
}

#[tokio::test]
async fn a_large_borrower_is_deleted_in_resumable_steps() {
    use shared::api::loans;
    let t = app().await;
    let b = create_one(&t.ctx, json!({"external_id": "big-1"})).await;
    let uuid = b["uuid"].as_str().unwrap().to_string();
    let batch: Vec<Value> = (0..99)
        .map(|i| json!({"loan_type": "D2", "interest_rate": 5, "original_principal": 1000 + i,
            "origination_date": "2018-01-01", "outstanding_interest": 0, "outstanding_principal": 1000 + i,
            "servicer_name": "Nelnet", "external_id": format!("l-{i}")}))
        .collect();
    let (s, out) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .query("summary", "true")
            .id(1)
            .json(json!({"loans": batch})),
    )
    .await;
    assert_eq!(s, 201, "{out}");
    let pk = format!("BORROWER#{uuid}");
    assert_eq!(t.ctx.store.collection(&pk).await.unwrap().len(), 100);

    // An interrupted delete: the profile is marked deleting, nothing else went yet.
    let tenant = shared::model::Tenant {
        client_id: "sandbox-client".into(),
        mode: shared::model::ClientMode::Sandbox,
    };
    let mut marked = t
        .ctx
        .store
        .borrower(&tenant, &shared::model::payload::BorrowerRef::Id(1))
        .await
        .unwrap();
    let expected = marked.version;
    marked.deleting = true;
    marked.version += 1;
    let mut tx = shared::store::Tx::new();
    tx.put_versioned(
        &t.ctx.store,
        "borrower",
        shared::store::borrowers::to_item(&marked).unwrap(),
        expected,
    );
    tx.commit(&t.ctx.store).await.unwrap();
    // Every read treats it as gone...
    for r in [json!(1), json!(uuid)] {
        let id = r
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| r.to_string());
        let (s, _) = send(&t.ctx, get, call("GET", "/").id(&id)).await;
        assert_eq!(s, 404);
        let (s, _) = send(&t.ctx, loans::list, call("GET", "/").id(&id)).await;
        assert_eq!(s, 404);
    }
    // ...and a repeated DELETE finishes the job, by id or uuid.
    let (s, body) = send(&t.ctx, delete, call("DELETE", "/").id(1)).await;
    assert_eq!(s, 204, "{body}");
    assert!(t.ctx.store.collection(&pk).await.unwrap().is_empty());
    assert!(t
        .ctx
        .store
        .get(&keys::borrower_id(1), keys::LOOKUP_SK)
        .await
        .unwrap()
        .is_none());

    // The uninterrupted path for a large borrower also leaves nothing behind.
    let b2 = create_one(&t.ctx, json!({"external_id": "big-2"})).await;
    let batch: Vec<Value> = (0..99)
        .map(|i| json!({"loan_type": "D1", "interest_rate": 4, "original_principal": 500,
            "origination_date": "2019-01-01", "outstanding_interest": 0, "outstanding_principal": 500,
            "servicer_name": "MOHELA", "external_id": format!("m-{i}")}))
        .collect();
    let (s, _) = send(
        &t.ctx,
        loans::create,
        call("POST", "/")
            .query("summary", "true")
            .id(&b2["id"])
            .json(json!({"loans": batch})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _) = send(&t.ctx, delete, call("DELETE", "/").id(&b2["id"])).await;
    assert_eq!(s, 204);
    let pk2 = format!("BORROWER#{}", b2["uuid"].as_str().unwrap());
    assert!(t.ctx.store.collection(&pk2).await.unwrap().is_empty());
    // Its external_id is free again.
    create_one(&t.ctx, json!({"external_id": "big-2"})).await;
}

#[tokio::test]
async fn income_documents_are_sealed_at_rest() {
    let t = app().await;
    let doc = "JVBERi0xLjQKIFRheCByZXR1cm4gZm9yIDEyMy00NS02Nzg5Cg=="; // "%PDF-1.4 Tax return for 123-45-6789"
    let b = create_one(
        &t.ctx,
        json!({"income_certification": {"type": "tax_return", "file": doc}}),
    )
    .await;
    let uuid: uuid::Uuid = b["uuid"].as_str().unwrap().parse().unwrap();
    let cert_id = b["income_certifications"][0]["id"].as_i64().unwrap();
    let item = t
        .ctx
        .store
        .get(&format!("BORROWER#{uuid}"), &keys::income_cert(cert_id))
        .await
        .unwrap()
        .unwrap();
    // DynamoDB keeps only the metadata; the document is in the object store, sealed under its
    // object key (and nowhere in clear).
    assert!(!item.contains_key("file") && !item.contains_key("file_sealed"));
    assert_eq!(item["content_type"].as_s().unwrap(), "application/pdf");
    assert_eq!(item["size_bytes"].as_n().unwrap(), "37");
    assert_eq!(item["sha256"].as_s().unwrap().len(), 64);
    let key = item["object_key"].as_s().unwrap();
    assert_eq!(
        key,
        &shared::documents::object_key("sandbox-client", &uuid, cert_id)
    );
    let sealed = t.ctx.documents().unwrap().get(key).await.unwrap().unwrap();
    assert!(!sealed.contains(doc) && !sealed.contains("6789"));
    let opened = t.ctx.cipher().unwrap().open_bytes(&sealed, key).unwrap();
    assert!(String::from_utf8(opened)
        .unwrap()
        .ends_with("Tax return for 123-45-6789\n"));
}

#[tokio::test]
async fn a_borrower_being_deleted_is_left_out_of_the_list() {
    let t = app().await;
    let a = create_one(&t.ctx, json!({"first_name": "Stays"})).await;
    let b = create_one(&t.ctx, json!({"first_name": "Going"})).await;
    let uuid: uuid::Uuid = b["uuid"].as_str().unwrap().parse().unwrap();
    let mut going = loanpath_tests::raw_borrower(&t.ctx, &uuid).await.unwrap();
    going.deleting = true;
    t.ctx
        .store
        .db_client()
        .put_item()
        .table_name("loanpath-test")
        .set_item(Some(shared::store::borrowers::to_item(&going).unwrap()))
        .send()
        .await
        .unwrap();
    let (s, list) = send(&t.ctx, list, call("GET", "/borrowers")).await;
    assert_eq!(s, 200);
    let uuids: Vec<&str> = list["borrowers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["uuid"].as_str().unwrap())
        .collect();
    assert_eq!(uuids, vec![a["uuid"].as_str().unwrap()]);
    // A page whose first rows are all being deleted is topped up, not cut short.
    let c = create_one(&t.ctx, json!({"first_name": "After"})).await;
    let mut stays =
        loanpath_tests::raw_borrower(&t.ctx, &a["uuid"].as_str().unwrap().parse().unwrap())
            .await
            .unwrap();
    stays.deleting = true;
    t.ctx
        .store
        .db_client()
        .put_item()
        .table_name("loanpath-test")
        .set_item(Some(shared::store::borrowers::to_item(&stays).unwrap()))
        .send()
        .await
        .unwrap();
    let (s, page) = send(
        &t.ctx,
        shared::api::borrowers::list,
        call("GET", "/borrowers").query("limit", 1),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(page["borrowers"][0]["uuid"], c["uuid"], "{page}");
    assert_eq!(page["borrowers"].as_array().unwrap().len(), 1);
}

/// Issue 12: `#` in an external id could run one tenant's lookup key into another's
/// (`EXTID#<client>#<external_id>`), and a chosen client id could do the same.
#[tokio::test]
async fn key_parts_cannot_hold_the_key_separator() {
    let t = app().await;
    for (body, field) in [
        (
            json!({"borrower": {"external_id": "acme#1"}}),
            "external_id",
        ),
        (
            json!({"borrower": {"external_id": "a\u{0}b"}}),
            "external_id",
        ),
    ] {
        let (s, err) = send(&t.ctx, create, call("POST", "/").json(body)).await;
        assert_eq!(s, 422, "{err}");
        assert!(err["error"]["fields"][field].is_string(), "{err}");
    }
    let (s, _) = send(
        &t.ctx,
        create,
        call("POST", "/").json(json!({"borrower": {"external_id": "acme-1"}})),
    )
    .await;
    assert_eq!(s, 201);
    for bad in ["a#b", "", "x y", &"x".repeat(65)] {
        let e = t
            .ctx
            .store
            .create_client(
                "Bad",
                Some((bad, "KEY-A", "KEY-B")),
                shared::model::ClientMode::Sandbox,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(e, shared::ApiError::Validation { .. }),
            "{bad}: {e:?}"
        );
    }
}

/// Issues 11 and 12: one money parser on every route. Found by testing: `"1.000,50"` was stored
/// as 1.00 and `"1,5"` as 15.00, and `"$1000"`, `"1_000"` and `"1e5"` were accepted.
#[tokio::test]
async fn money_is_a_number_or_a_plain_decimal_string_and_nothing_else() {
    let t = app().await;
    for bad in ["1.000,50", "1,5", "$1000", "1_000", "1e5", "12 000"] {
        let (s, err) = send(
            &t.ctx,
            create,
            call("POST", "/").json(json!({"borrower": {"agi": bad}})),
        )
        .await;
        assert_eq!(s, 422, "{bad}: {err}");
        assert!(
            err["error"]["fields"]["agi"]
                .as_str()
                .unwrap()
                .contains("plain decimal"),
            "{bad}: {err}"
        );
    }
    let (s, b) = send(
        &t.ctx,
        create,
        call("POST", "/").json(json!({"borrower": {"agi": "1000.50", "spouse_agi": 52000}})),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["financial_details"]["agi"].to_string(), "1000.50");
    // A rate sent as a fraction is refused with a hint, on the loans route.
    let id = b["id"].clone();
    let (s, err) = send(
        &t.ctx,
        shared::api::loans::create,
        call("POST", "/").id(&id).json(json!({"loans": [{"external_id": "frac", "loan_type": "D2",
            "interest_rate": 0.0708, "original_principal": 1000, "origination_date": "2018-01-01",
            "outstanding_interest": 0, "outstanding_principal": "1,000", "servicer_name": "Nelnet"}]})),
    )
    .await;
    assert_eq!(s, 422, "{err}");
    let fields = &err["error"]["fields"];
    assert!(
        fields["loans[0].interest_rate"]
            .as_str()
            .unwrap()
            .contains("looks like a fraction"),
        "{err}"
    );
    assert!(
        fields["loans[0].outstanding_principal"]
            .as_str()
            .unwrap()
            .contains("plain decimal"),
        "{err}"
    );
}

/// Issue 11: children and dependents beyond `family_size - 1` were accepted on create (the
/// family size staying 1), while a later `family_size: 2` was refused. The three are checked
/// together, the same way on create and on update.
#[tokio::test]
async fn family_size_children_and_dependents_are_checked_together() {
    let t = app().await;
    let (s, err) = send(
        &t.ctx,
        create,
        call("POST", "/").json(json!({"borrower": {"children": 2, "dependents": 1}})),
    )
    .await;
    assert_eq!(s, 422, "{err}");
    assert!(
        err["error"]["fields"]["family_size"]
            .as_str()
            .unwrap()
            .contains("at least 4"),
        "{err}"
    );
    let (s, b) = send(
        &t.ctx,
        create,
        call("POST", "/")
            .json(json!({"borrower": {"children": 2, "dependents": 1, "family_size": 4}})),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let id = b["id"].clone();
    for (body, ok) in [
        (json!({"family_size": 3}), false),
        (json!({"children": 3}), false),
        (json!({"children": 1, "family_size": 3}), true),
        (json!({"dependents": 0, "family_size": 2}), true),
    ] {
        let (s, out) = send(
            &t.ctx,
            update,
            call("PATCH", "/")
                .id(&id)
                .json(json!({"borrower": body.clone()})),
        )
        .await;
        assert_eq!(s == 200, ok, "{body}: {s} {out}");
        if !ok {
            assert!(
                out["error"]["fields"]["family_size"].is_string(),
                "{body}: {out}"
            );
        }
    }
}
