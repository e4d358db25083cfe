use super::*;
use rust_decimal::dec;

const MODERN: &str = include_str!("../../../tests/fixtures/mystudentdata/modern.txt");
const LEGACY: &str = include_str!("../../../tests/fixtures/mystudentdata/legacy_uppercase.txt");
const BROKEN: &str = include_str!("../../../tests/fixtures/mystudentdata/broken_money.txt");
const NOT_MSD: &str = include_str!("../../../tests/fixtures/mystudentdata/not_mystudentdata.txt");

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn modern() -> ParsedFile {
    parse(MODERN.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn modern_header_and_student_profile() {
    let f = modern();
    assert_eq!(f.layout, Layout::Modern);
    assert_eq!(f.file_request_date, Some(d(2026, 11, 2)));
    assert!(f.file_source.as_deref().unwrap().contains("NSLDS"));
    let s = &f.student;
    assert_eq!(s.first_name.as_deref(), Some("TESTY"));
    assert_eq!(s.middle_initial.as_deref(), Some("Q"));
    assert_eq!(s.last_name.as_deref(), Some("FIXTURE"));
    assert_eq!(s.email.as_deref(), Some("TESTY.FIXTURE@EXAMPLE.INVALID"));
    // Cell is the preferred phone.
    assert_eq!(s.phone.as_deref(), Some("5550100001"));
    assert_eq!(s.address.street1.as_deref(), Some("100 EXAMPLE AVE"));
    assert_eq!(s.address.street2.as_deref(), Some("APT 4B"));
    assert_eq!(s.address.city.as_deref(), Some("SAMPLEVILLE"));
    assert_eq!(s.address.state.as_deref(), Some("OH"));
    assert_eq!(s.address.zipcode.as_deref(), Some("43004"));
    assert_eq!(s.enrollment_status_code.as_deref(), Some("G"));
    assert_eq!(s.total_outstanding_principal, Some(dec!(98765.43)));
    assert_eq!(s.total_outstanding_interest, Some(dec!(1234.56)));
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn modern_loan_count_types_and_families() {
    let f = modern();
    let codes: Vec<_> = f
        .loans
        .iter()
        .map(|l| l.type_code.as_deref().unwrap())
        .collect();
    assert_eq!(codes, ["D1", "D2", "D3", "D4", "D5", "D6"]);
    let families: Vec<_> = f.loans.iter().map(|l| l.family).collect();
    assert_eq!(
        families,
        [
            LoanFamily::DirectSubsidized,
            LoanFamily::DirectUnsubsidized,
            LoanFamily::DirectGradPlus,
            LoanFamily::DirectParentPlus,
            LoanFamily::DirectConsolidationParentPlus,
            LoanFamily::DirectConsolidation,
        ]
    );
    assert_eq!(f.loans[4].parent_plus_consolidation, Some(true));
    assert_eq!(f.loans[5].parent_plus_consolidation, Some(false));
    assert_eq!(f.loans[0].parent_plus_consolidation, None);
    assert_eq!(
        f.loans[0].type_description.as_deref(),
        Some("DIRECT STAFFORD SUBSIDIZED")
    );
    assert_eq!(
        f.loans[0].loan_type.unwrap().description,
        "Direct Stafford Subsidized Loan"
    );
}

#[test]
fn modern_first_loan_in_detail() {
    let f = modern();
    let l = &f.loans[0];
    assert_eq!(l.line, 33);
    assert_eq!(l.award_id.as_deref(), Some("*********S13G99999001"));
    assert_eq!(l.award_id_key().as_deref(), Some("S13G99999001"));
    assert_eq!(l.import_key(), "award:S13G99999001");
    assert_eq!(l.school_name.as_deref(), Some("EXAMPLE STATE UNIVERSITY"));
    assert_eq!(l.loan_date, Some(d(2012, 8, 15)));
    assert_eq!(l.repayment_begin_date, Some(d(2016, 11, 15)));
    assert_eq!(l.loan_amount, Some(dec!(3500)));
    assert_eq!(l.total_disbursed, Some(dec!(3500)));
    assert_eq!(l.original_principal, Some(dec!(3500)));
    assert_eq!(l.canceled_amount, None);
    assert_eq!(l.outstanding_principal, Some(dec!(2104.17)));
    assert_eq!(l.outstanding_principal_as_of, Some(d(2026, 10, 31)));
    assert_eq!(l.outstanding_interest, Some(dec!(12.09)));
    assert_eq!(l.interest_rate, Some(dec!(3.86)));
    assert_eq!(l.interest_rate_type.as_deref(), Some("FIXED"));
    assert_eq!(l.repayment_plan_code.as_deref(), Some("P1"));
    assert_eq!(l.repayment_plan.unwrap().plan_type, "paye");
    assert_eq!(l.repayment_plan_begin_date, Some(d(2019, 12, 1)));
    assert_eq!(l.repayment_plan_scheduled_amount, Some(dec!(41.00)));
    assert_eq!(l.idr_anniversary_date, Some(d(2026, 11, 30)));
    assert_eq!(l.last_payment_date, Some(d(2026, 10, 28)));
    assert_eq!(l.next_payment_due_date, Some(d(2026, 11, 28)));
    assert_eq!(l.cumulative_payment_amount, Some(dec!(1802.55)));
    assert_eq!(l.capitalized_interest, Some(dec!(0)));
    assert_eq!(l.pslf_qualifying_payments, Some(36));
    assert_eq!(l.status_code.as_deref(), Some("RP"));
    assert_eq!(l.status_description.as_deref(), Some("IN REPAYMENT"));
    assert_eq!(l.status_group, Some(StatusGroup::Active));
    // History triplets in file order, and as Payitoff's date → status map.
    let codes: Vec<_> = l
        .status_history
        .iter()
        .map(|h| h.code.as_deref().unwrap())
        .collect();
    assert_eq!(codes, ["RP", "IG", "IA"]);
    let map = l.status_history_map();
    assert_eq!(map.len(), 3);
    assert_eq!(map[&d(2016, 5, 12)], "IN GRACE PERIOD");
    assert_eq!(map[&d(2012, 8, 15)], "LOAN ORIGINATED");
    assert_eq!(l.disbursement_dates(), [d(2012, 8, 22), d(2013, 1, 14)]);
    assert_eq!(l.disbursements[1].amount, Some(dec!(1750)));
}

#[test]
fn modern_servicer_is_the_most_relevant_contact() {
    let f = modern();
    let l = &f.loans[0];
    assert_eq!(l.contacts.len(), 2);
    assert_eq!(l.servicer_contact, Some(0));
    assert_eq!(l.servicer_name(), Some("NELNET"));
    assert_eq!(l.servicer.unwrap().name, "Nelnet");
    let c = l.current_servicer().unwrap();
    assert_eq!(c.contact_type.as_deref(), Some("Current ED Servicer"));
    assert_eq!(c.address.street1.as_deref(), Some("PO BOX 82561"));
    assert_eq!(c.address.street2, None);
    assert_eq!(c.address.city.as_deref(), Some("LINCOLN"));
    assert_eq!(c.address.state.as_deref(), Some("NE"));
    assert_eq!(c.address.zipcode.as_deref(), Some("68501"));
    // Value containing colons: split on the first colon only.
    assert_eq!(
        c.website.as_deref(),
        Some("https://nelnet.example.invalid/contact:us")
    );
    assert_eq!(l.contacts[1].most_relevant, Some(false));
    assert_eq!(servicer_of(&f.loans[1]), ("NELNET", Some("Nelnet")));
    // D3: the Most Relevant block is the second one.
    assert_eq!(f.loans[2].servicer_contact, Some(1));
    assert_eq!(servicer_of(&f.loans[2]), ("MOHELA", Some("MOHELA")));
    assert_eq!(servicer_of(&f.loans[3]), ("NAVIENT", Some("Navient")));
    assert_eq!(
        servicer_of(&f.loans[4]),
        ("DEPT OF ED/MOHELA", Some("MOHELA"))
    );
    assert_eq!(
        servicer_of(&f.loans[5]),
        ("EDFINANCIAL SERVICES", Some("EdFinancial"))
    );
}

fn servicer_of(l: &ParsedLoan) -> (&str, Option<&'static str>) {
    (l.servicer_name().unwrap(), l.servicer.map(|s| s.name))
}

#[test]
fn modern_other_loans_values() {
    let f = modern();
    let d2 = &f.loans[1];
    assert_eq!(d2.interest_rate, Some(dec!(6.8)));
    assert_eq!(d2.outstanding_principal, Some(dec!(1987.65)));
    assert_eq!(d2.outstanding_interest, Some(dec!(45.10)));
    assert_eq!(d2.status_code.as_deref(), Some("FB"));
    assert_eq!(d2.status.unwrap().description, "Forbearance");
    assert_eq!(d2.status_group, Some(StatusGroup::Active));

    let d3 = &f.loans[2];
    assert_eq!(d3.interest_rate, Some(dec!(7.08)));
    assert_eq!(d3.loan_amount, Some(dec!(25000)));
    assert_eq!(d3.total_disbursed, Some(dec!(24850.50)));
    assert_eq!(d3.original_principal, Some(dec!(24850.50)));
    assert_eq!(d3.outstanding_principal, Some(dec!(23456.78)));
    assert_eq!(d3.outstanding_interest, Some(dec!(1020.33)));
    // Empty trailing value.
    assert_eq!(d3.repayment_plan_description, None);
    assert_eq!(d3.repayment_plan, None);
    assert_eq!(d3.pslf_qualifying_payments, Some(0));
    assert_eq!(d3.status_code.as_deref(), Some("DA"));
    assert_eq!(d3.disbursement_dates(), [d(2019, 9, 10), d(2020, 1, 21)]);
    assert_eq!(d3.disbursements[0].amount, Some(dec!(12425.25)));

    let d4 = &f.loans[3];
    assert_eq!(d4.status_code.as_deref(), Some("PC"));
    assert_eq!(d4.status_group, Some(StatusGroup::Closed));
    assert!(!d4.is_open());
    assert_eq!(d4.outstanding_principal, Some(dec!(0.00)));
    assert_eq!(d4.interest_rate, Some(dec!(6.84)));
    assert_eq!(
        d4.status_history_map()[&d(2021, 3, 15)],
        "PAID IN FULL THROUGH CONSOLIDATION LOAN"
    );

    let d5 = &f.loans[4];
    assert_eq!(d5.interest_rate, Some(dec!(6.875)));
    assert_eq!(d5.original_principal, Some(dec!(10432.18)));
    assert_eq!(d5.outstanding_principal, Some(dec!(9876.54)));
    assert_eq!(d5.repayment_plan.unwrap().plan_type, "icr");
    assert_eq!(d5.repayment_plan_scheduled_amount, Some(dec!(0)));
    assert_eq!(d5.pslf_qualifying_payments, Some(12));
    assert_eq!(d5.award_id_key().as_deref(), Some("C21G00000001"));

    let d6 = &f.loans[5];
    assert_eq!(d6.outstanding_principal, Some(dec!(61340.29)));
    assert_eq!(d6.outstanding_interest, Some(dec!(56.03)));
    assert_eq!(d6.repayment_plan.unwrap().plan_type, "save");
    assert_eq!(d6.pslf_qualifying_payments, Some(48));
    assert!(d6.is_open());

    let total: Decimal = f
        .loans
        .iter()
        .filter(|l| l.is_open())
        .filter_map(|l| l.outstanding_principal)
        .sum();
    assert_eq!(total, dec!(98765.43), "matches the student total");
}

#[test]
fn legacy_uppercase_layout() {
    let f = parse(LEGACY.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.layout, Layout::Legacy);
    assert_eq!(f.file_request_date, Some(d(2012, 4, 2)));
    assert_eq!(f.student.first_name.as_deref(), Some("OLDE"));
    assert_eq!(f.student.middle_initial, None);
    assert_eq!(f.student.phone.as_deref(), Some("2075550199"));
    assert_eq!(f.student.address.state.as_deref(), Some("ME"));
    assert_eq!(f.student.address.zipcode.as_deref(), Some("04468"));
    assert_eq!(f.loans.len(), 3);

    let a = &f.loans[0];
    assert_eq!(a.line, 17);
    assert_eq!(a.type_code.as_deref(), Some("D2"));
    assert_eq!(
        a.type_description.as_deref(),
        Some("DIRECT STAFFORD UNSUBSIDIZED")
    );
    assert_eq!(a.family, LoanFamily::DirectUnsubsidized);
    assert_eq!(a.award_id, None);
    assert_eq!(a.import_key(), "loan:D2:2008-09-01:3500");
    assert_eq!(a.outstanding_principal, Some(dec!(3211.40)));
    assert_eq!(a.outstanding_principal_as_of, Some(d(2012, 3, 30)));
    assert_eq!(a.outstanding_interest, Some(dec!(18.22)));
    assert_eq!(a.interest_rate, Some(dec!(6.8)));
    assert_eq!(a.interest_rate_type.as_deref(), Some("FIXED"));
    assert_eq!(a.repayment_plan.unwrap().plan_type, "standard");
    assert_eq!(a.repayment_plan_scheduled_amount, Some(dec!(40.28)));
    // No `Current Loan Status`: newest dated history entry.
    assert_eq!(a.status_code.as_deref(), Some("RP"));
    assert_eq!(a.status_group, Some(StatusGroup::Active));
    assert_eq!(a.status_history.len(), 2);
    assert_eq!(a.disbursement_dates(), [d(2009, 1, 2), d(2008, 9, 5)]);
    assert_eq!(
        servicer_of(a),
        (
            "GREAT LAKES EDUCATIONAL LOAN SERVICES, INC.",
            Some("Great Lakes")
        )
    );
    assert_eq!(
        a.current_servicer().unwrap().address.zipcode.as_deref(),
        Some("53707")
    );

    let b = &f.loans[1];
    assert_eq!(b.type_code.as_deref(), Some("SF"));
    assert_eq!(b.family, LoanFamily::FfelStafford);
    assert_eq!(b.original_principal, Some(dec!(2625)));
    assert_eq!(
        b.disbursements
            .iter()
            .filter_map(|x| x.amount)
            .sum::<Decimal>(),
        dec!(2625)
    );
    // Guaranty agency block is skipped when nothing is marked Most Relevant.
    assert_eq!(servicer_of(b), ("NELNET", Some("Nelnet")));

    let c = &f.loans[2];
    assert_eq!(c.type_code.as_deref(), Some("PU"));
    assert_eq!(c.family, LoanFamily::Perkins);
    assert_eq!(c.interest_rate, Some(dec!(5)));
    assert_eq!(c.status_code.as_deref(), Some("PF"));
    assert_eq!(c.status_group, Some(StatusGroup::Closed));
    assert_eq!(servicer_of(c), ("HEARTLAND ECSI", Some("ECSI")));
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn broken_money_names_the_line() {
    let e = parse(BROKEN.as_bytes()).unwrap_err();
    assert_eq!(e.line, 10);
    assert!(
        e.message.contains("Loan Outstanding Principal Balance"),
        "{e}"
    );
    assert!(e.message.contains("$5,4x0.12"), "{e}");
    assert_eq!(e.to_string(), format!("line 10: {}", e.message));
}

#[test]
fn other_text_is_rejected() {
    let e = parse(NOT_MSD.as_bytes()).unwrap_err();
    assert_eq!(e.line, 1);
    assert!(e.message.contains("not a MyStudentData.txt file"), "{e}");
    assert_eq!(parse(b"").unwrap_err().line, 1);
    assert_eq!(parse(b"\n\n   \nhello world\n").unwrap_err().line, 4);
}

#[test]
fn bom_crlf_and_utf16_inputs_parse_identically() {
    let plain = modern();
    let mut crlf = vec![0xEF, 0xBB, 0xBF];
    crlf.extend_from_slice(MODERN.replace('\n', "\r\n").as_bytes());
    assert_eq!(parse(&crlf).unwrap(), plain);

    let mut utf16 = vec![0xFF, 0xFE];
    for u in MODERN.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    assert_eq!(parse(&utf16).unwrap(), plain);

    // Latin-1 bytes (not UTF-8) are decoded rather than rejected.
    let latin1 = MODERN.replace("EXAMPLE COLLEGE", "COLL\u{c8}GE EXEMPLE");
    let bytes: Vec<u8> = latin1.chars().map(|c| c as u32 as u8).collect();
    let f = parse(&bytes).unwrap();
    assert_eq!(
        f.loans[3].school_name.as_deref(),
        Some("COLL\u{c8}GE EXEMPLE")
    );
}

#[test]
fn bad_values_of_each_kind_name_their_line() {
    let cases = [
        ("Loan Date:31/12/2020", "invalid date"),
        ("Loan Interest Rate:six%", "invalid percentage"),
        (
            "Loan PSLF Cumulative Matched Months:many",
            "invalid whole number",
        ),
        (
            "Consolidation Loan With Any Parent Plus Indicator:Maybe",
            "Yes/No",
        ),
        ("Loan Disbursement Amount:$1,75", "invalid money"),
    ];
    for (bad, expect) in cases {
        let text = format!(
            "File Source:NSLDS\nLoan Type Code:D2\nLoan Award ID:X\n{bad}\nLoan Interest Rate:1%\n"
        );
        let e = parse_str(&text).unwrap_err();
        assert_eq!(e.line, 4, "{bad}");
        assert!(e.message.contains(expect), "{bad}: {e}");
    }
}

#[test]
fn garbage_line_after_header_is_an_error_but_preamble_is_not() {
    let text = "junk preamble\nFile Source:NSLDS\nLoan Type Code:D1\nthis line has no colon\n";
    let e = parse_str(text).unwrap_err();
    assert_eq!(e.line, 4);
    assert!(e.message.contains("Key:Value"), "{e}");
}

#[test]
fn award_id_first_layout_and_unknown_codes() {
    let text = "\
File Source:NSLDS
Loan Award ID:*********U20G00001001
Loan Type Code:D2
Loan Outstanding Principal Balance:$100.00
Loan Award ID:*********Z20G00001002
Loan Type Code:Q9
Loan Type Description:MYSTERY LOAN
Current Loan Status:ZZ
Loan Repayment Plan Type Code Description:INTEREST ONLY
Loan Contact Name:SOME NEW SERVICER
Loan Contact Name:ANOTHER SERVICER
Most Relevant:Y
";
    let f = parse_str(text).unwrap();
    assert_eq!(f.loans.len(), 2);
    assert_eq!(f.loans[0].outstanding_principal, Some(dec!(100.00)));
    assert_eq!(f.loans[0].family, LoanFamily::DirectUnsubsidized);
    let q = &f.loans[1];
    assert_eq!(q.type_code.as_deref(), Some("Q9"));
    assert_eq!(q.loan_type, None);
    assert_eq!(q.family, LoanFamily::Other);
    assert_eq!(q.status_code.as_deref(), Some("ZZ"));
    assert_eq!(q.status, None);
    assert_eq!(q.contacts.len(), 2);
    assert_eq!(q.servicer_name(), Some("ANOTHER SERVICER"));
    assert_eq!(q.servicer, None);
    let msgs: Vec<_> = f
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert!(
        msgs.iter().any(|(l, m)| *l == 5 && m.contains("Q9")),
        "{msgs:?}"
    );
    assert!(msgs.iter().any(|(_, m)| m.contains("ZZ")), "{msgs:?}");
    assert!(
        msgs.iter().any(|(_, m)| m.contains("INTEREST ONLY")),
        "{msgs:?}"
    );
}

#[test]
fn two_most_relevant_blocks_warn_and_use_the_first() {
    let text = "\
File Source:NSLDS
Loan Type Code:D1
Loan Contact Type:Current ED Servicer
Loan Contact Name:AIDVANTAGE
Most Relevant:Yes
Loan Contact Type:Current ED Servicer
Loan Contact Name:CRI
Most Relevant:Yes
";
    let f = parse_str(text).unwrap();
    assert_eq!(f.loans[0].servicer.unwrap().name, "Aidvantage");
    assert_eq!(f.warnings.len(), 1);
    assert!(f.warnings[0].message.contains("Most Relevant"));
}

#[test]
fn serializes_to_json() {
    let f = modern();
    let v = serde_json::to_value(&f).unwrap();
    assert_eq!(v["layout"], "modern");
    let l = &v["loans"][0];
    assert_eq!(l["outstanding_principal"], "2104.17");
    assert_eq!(l["loan_date"], "2012-08-15");
    assert_eq!(l["family"], "direct_subsidized");
    assert_eq!(l["loan_type"]["code"], "D1");
    assert_eq!(l["status_group"], "active");
}

#[test]
fn a_loan_missing_its_opener_line_is_not_merged_into_the_previous_one() {
    // Award-first layout; the second loan has no `Loan Award ID` line at all.
    let award_first = "\
File Source:NSLDS
Loan Award ID:*********U20G00001001
Loan Type Code:D2
Loan Outstanding Principal Balance:$100.00
Loan Type Code:D1
Loan Outstanding Principal Balance:$200.00
Loan Award ID:*********S20G00001003
Loan Type Code:D3
Loan Outstanding Principal Balance:$300.00
";
    let f = parse_str(award_first).unwrap();
    let got: Vec<_> = f
        .loans
        .iter()
        .map(|l| (l.type_code.as_deref(), l.outstanding_principal))
        .collect();
    assert_eq!(
        got,
        [
            (Some("D2"), Some(dec!(100.00))),
            (Some("D1"), Some(dec!(200.00))),
            (Some("D3"), Some(dec!(300.00)))
        ]
    );
    // Type-code-first layout; the second loan has no `Loan Type Code` line.
    let type_first = "\
File Source:NSLDS
Loan Type Code:D2
Loan Award ID:*********U20G00001001
Loan Outstanding Principal Balance:$100.00
Loan Award ID:*********U20G00001002
Loan Outstanding Principal Balance:$200.00
";
    let f = parse_str(type_first).unwrap();
    assert_eq!(f.loans.len(), 2);
    assert_eq!(f.loans[1].outstanding_principal, Some(dec!(200.00)));
    assert_eq!(f.loans[0].outstanding_principal, Some(dec!(100.00)));
}

#[test]
fn dates_with_a_time_of_day_are_accepted() {
    let text = "\
File Source:U.S. DEPARTMENT OF EDUCATION, NATIONAL STUDENT LOAN DATA SYSTEM (NSLDS)
File Request Date:11/02/2026 10:15:03 AM
Loan Type Code:D2
Loan Outstanding Principal Balance as of Date:10/31/2026 12:00:00 AM
Loan Status:RP
Loan Status Description:IN REPAYMENT
Loan Status Effective Date:11/30/2019 00:00:00
";
    let f = parse_str(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.file_request_date, Some(d(2026, 11, 2)));
    assert_eq!(
        f.loans[0].outstanding_principal_as_of,
        Some(d(2026, 10, 31))
    );
    assert_eq!(
        f.loans[0].status_history[0].effective_date,
        Some(d(2019, 11, 30))
    );
}

/// A realistic large download: CRLF, blank lines, trailing spaces, 35 loans,
/// several servicers, values in every accepted spelling.
#[test]
fn a_large_windows_file_with_many_loans_and_servicers() {
    let servicers = [
        "NELNET",
        "DEPT OF ED/MOHELA",
        "AIDVANTAGE",
        "EDFINANCIAL SERVICES",
        "DEPT OF ED/ CRI",
    ];
    let mut text = String::from(
        "File Source:U.S. DEPARTMENT OF EDUCATION, NATIONAL STUDENT LOAN DATA SYSTEM (NSLDS)  \r\nFile Request Date:1/5/2026\r\n\r\n",
    );
    for i in 0..35 {
        text.push_str(&format!(
            "Loan Type Code:{}  \r\nLoan Award ID:*********X{i:02}G12345{i:03}\r\nLoan Date:{}/{}/2015\r\n\
Loan Disbursed Amount:${}\r\nLoan Outstanding Principal Balance:{}\r\n\
Loan Outstanding Interest Balance:$0\r\nLoan Interest Rate:{}\r\n\
Current Loan Status:RP\r\n\r\nLoan Contact Type:Current ED Servicer\r\n\
Loan Contact Name:{}\r\nLoan Contact Web Site Address:https://example.invalid:8443/a?b=c\r\n\
Most Relevant:Yes\r\nLoan Special Contact:\r\n",
            ["D1", "D2"][i % 2],
            1 + i % 9,
            1 + i % 28,
            ["1,234", "5,500.00", "0"][i % 3],
            ["$1,234.56", "$0", "$12,345"][i % 3],
            ["6.800%", "6.8", "4.29 %"][i % 3],
            servicers[i % servicers.len()],
        ));
    }
    let f = parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.loans.len(), 35);
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    let names: std::collections::BTreeSet<_> =
        f.loans.iter().map(|l| l.servicer.map(|s| s.name)).collect();
    assert_eq!(names.len(), 5, "{names:?}");
    assert!(names.iter().all(Option::is_some), "{names:?}");
    let l = &f.loans[2];
    assert_eq!(l.loan_date, Some(d(2015, 3, 3)));
    assert_eq!(l.original_principal, Some(dec!(0)));
    assert_eq!(l.outstanding_principal, Some(dec!(12345)));
    assert_eq!(l.interest_rate, Some(dec!(4.29)));
    assert_eq!(f.loans[0].interest_rate, Some(dec!(6.8)));
    assert_eq!(
        f.loans[0].contacts[0].website.as_deref(),
        Some("https://example.invalid:8443/a?b=c")
    );
}

#[test]
fn a_repeated_key_never_erases_or_silently_replaces_a_value() {
    let text = "\
File Source:NSLDS
Loan Type Code:D2
Loan Interest Rate:6.8%
Loan Outstanding Principal Balance:$1,000.00
Loan Outstanding Principal Balance:$1,000.00
Loan Interest Rate:
Loan Outstanding Interest Balance:$10.00
Loan Outstanding Interest Balance:$99.00
";
    let f = parse_str(text).unwrap();
    let l = &f.loans[0];
    assert_eq!(
        l.interest_rate,
        Some(dec!(6.8)),
        "a blank repeat erased the rate"
    );
    assert_eq!(l.outstanding_principal, Some(dec!(1000.00)));
    assert_eq!(l.outstanding_interest, Some(dec!(10.00)));
    let msgs: Vec<_> = f
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert_eq!(msgs[0].0, 8);
    assert!(
        msgs[0].1.contains("Loan Outstanding Interest Balance"),
        "{msgs:?}"
    );
    // An unparseable repeat is still an error naming its line.
    let bad = format!("{text}Loan Interest Rate:six%\n");
    assert_eq!(parse_str(&bad).unwrap_err().line, 9);
}

#[test]
fn loan_lines_without_any_loan_opener_are_an_error_not_zero_loans() {
    let text = "\
File Source:NSLDS
Student First Name:JANE
Loan Type Description:DIRECT STAFFORD UNSUBSIDIZED
Loan Outstanding Principal Balance:$4,310
";
    let e = parse_str(text).unwrap_err();
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("Loan Type Code"), "{e}");
    // A file with no loan lines at all is still fine (nothing owed).
    assert!(parse_str("File Source:NSLDS\nStudent First Name:JANE\n")
        .unwrap()
        .loans
        .is_empty());
}
