//! Why an enrollment would be refused: every documented precondition (payitoff-v1-surface
//! 1.7), with Payitoff's sentences word for word. All failing ones are reported, in this order.

use chrono::NaiveDate;

use crate::loans::Loan;
use crate::model::{Borrower, FilingStatus};
use crate::rules::PlanType;

pub const NO_LOANS: &str = "A consumer must have loans in order to change their Repayment Plan";
pub const PROFILE: &str = "Consumer name, phone, ssn, and address are required.";
pub const ACTIVE_STUDENT: &str = "Active students cannot submit Enrollment Requests";
pub const UNRECOGNIZED_SERVICERS: &str =
    "One or more loans have unrecognized Servicers. Please update their aliases and try again.";
pub const INCOME_CERTIFICATION: &str = "Consumers with income (from wages or unemployment benefits) must upload income certification before enrolling in plan";
pub const SPOUSE: &str =
    "Spouse name, ssn, and date of birth are required when the spouse has Federal student loans.";
/// Loanpath's own: the plan check needs an income.
pub const AGI: &str = "The borrower's agi is required to check which plans they can enroll in.";
/// Loanpath's own sentence for Payitoff's documented rule (below).
pub const STALE_INCOME_CERTIFICATION: &str = "The income certification on file is more than 90 days old: upload a current one (a document other than a tax return must be 90 days old or less).";

/// How old a non-tax income document may be when a request is made: "Non-tax documents must
/// be 90 days old or less" (Payitoff, IncomeCertificationPayload:
/// https://docs.payitoff.io/docs/income-certification-payload-schema). Its age runs from its
/// upload (`inserted_at`, on the borrower's clock in the sandbox), the one date on file.
pub const NON_TAX_DOCUMENT_MAX_DAYS: i64 = 90;

/// Whether the document an enrollment would use (the most recent upload) is a non-tax one
/// older than [`NON_TAX_DOCUMENT_MAX_DAYS`] on `today`.
fn income_document_stale(b: &Borrower, today: NaiveDate) -> bool {
    let Some(latest) = b.income_certifications.last() else {
        return false;
    };
    let uploaded = latest
        .inserted_at
        .get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    latest.kind != "tax_return"
        && uploaded.is_some_and(|d| (today - d).num_days() > NON_TAX_DOCUMENT_MAX_DAYS)
}

/// Open federal loans: what an enrollment covers.
pub fn federal_open(loans: &[Loan]) -> impl Iterator<Item = &Loan> {
    loans
        .iter()
        .filter(|l| l.is_open() && l.type_row().is_some_and(|t| t.federal))
}

fn text(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|v| !v.trim().is_empty())
}

/// Whether a plan's payment counts the spouse's income for this filing status (IDR plans on a
/// joint return).
pub fn counts_spouse(plan: PlanType, filing: FilingStatus) -> bool {
    matches!(
        plan,
        PlanType::Ibr | PlanType::NewIbr | PlanType::Paye | PlanType::Icr | PlanType::Rap
    ) && filing == FilingStatus::MarriedFilingJointly
}

/// Every failing precondition for enrolling `b` (with `loans`, and a linked spouse) in `plan`
/// on the borrower's `today`.
pub fn check(
    b: &Borrower,
    loans: &[Loan],
    spouse: Option<(&Borrower, &[Loan])>,
    plan: PlanType,
    today: NaiveDate,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    let federal: Vec<&Loan> = federal_open(loans).collect();
    if federal.is_empty() {
        out.push(NO_LOANS);
    }
    let address = b
        .address
        .as_ref()
        .is_some_and(|a| text(&a.street1) && text(&a.city) && text(&a.state) && text(&a.zipcode));
    if !(text(&b.first_name)
        && text(&b.last_name)
        && text(&b.phone)
        && b.ssn_sealed.is_some()
        && address)
    {
        out.push(PROFILE);
    }
    if b.is_active_student() {
        out.push(ACTIVE_STUDENT);
    }
    if federal.iter().any(|l| l.data.servicer_row().is_none()) {
        out.push(UNRECOGNIZED_SERVICERS);
    }
    let has_income = b
        .financial
        .agi
        .is_some_and(|a| a.is_sign_positive() && !a.is_zero())
        || b.collecting_unemployment == Some(true);
    if has_income && b.income_certifications.is_empty() {
        out.push(INCOME_CERTIFICATION);
    } else if has_income && income_document_stale(b, today) {
        out.push(STALE_INCOME_CERTIFICATION);
    }
    if let Some((s, spouse_loans)) = spouse {
        let needs = counts_spouse(plan, b.financial.filing_status())
            && federal_open(spouse_loans).next().is_some();
        let complete = text(&s.first_name)
            && text(&s.last_name)
            && s.ssn_sealed.is_some()
            && s.date_of_birth.is_some();
        if needs && !complete {
            out.push(SPOUSE);
        }
    }
    if b.financial.agi.is_none() {
        out.push(AGI);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loans::{LoanData, LoanSource, NewLoan};
    use crate::model::Address;
    use rust_decimal::dec;
    use uuid::Uuid;

    const TODAY: NaiveDate = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();

    fn loan(servicer: &str) -> Loan {
        NewLoan {
            source: LoanSource::Api,
            external_id: None,
            award_id: None,
            data: LoanData {
                loan_type: "D2".into(),
                loan_status: Some("RP".into()),
                servicer_name: Some(servicer.into()),
                ..Default::default()
            },
        }
        .into_loan(1, Uuid::new_v4(), Uuid::nil(), "t")
    }

    fn ready() -> Borrower {
        let mut b = Borrower::new(1, Uuid::new_v4(), "c", "t");
        b.first_name = Some("James".into());
        b.last_name = Some("Kirk".into());
        b.phone = Some("555-555-0100".into());
        b.ssn_sealed = Some("sealed".into());
        b.address = Some(Address {
            street1: Some("1 Main St".into()),
            city: Some("Riverside".into()),
            state: Some("IA".into()),
            zipcode: Some("52327".into()),
            ..Default::default()
        });
        b.financial.agi = Some(dec!(0));
        b
    }

    #[test]
    fn a_non_tax_income_document_counts_for_90_days_from_its_upload() {
        let loans = vec![loan("Nelnet")];
        let mut b = ready();
        b.financial.agi = Some(dec!(55000));
        let doc = |kind: &str, at: &str| crate::model::IncomeCertification {
            id: 1,
            kind: kind.into(),
            inserted_at: at.into(),
            size_bytes: 10,
            content_type: None,
            sha256: None,
            object_key: None,
        };
        b.income_certifications = vec![doc("pay_stub", "2026-09-03 09:00:00")];
        // 2026-09-03 to 2026-12-02 is 90 days: still good; a day later it is not.
        assert!(check(&b, &loans, None, PlanType::Rap, TODAY).is_empty());
        let tomorrow = TODAY.succ_opt().unwrap();
        assert_eq!(
            check(&b, &loans, None, PlanType::Rap, tomorrow),
            vec![STALE_INCOME_CERTIFICATION]
        );
        // A tax return does not go stale this way; the most recent upload is the one judged.
        b.income_certifications = vec![doc("tax_return", "2025-04-01 09:00:00")];
        assert!(check(&b, &loans, None, PlanType::Rap, tomorrow).is_empty());
        b.income_certifications = vec![
            doc("tax_return", "2025-04-01 09:00:00"),
            doc("offer_letter", "2026-01-10 09:00:00"),
        ];
        assert_eq!(
            check(&b, &loans, None, PlanType::Rap, TODAY),
            vec![STALE_INCOME_CERTIFICATION]
        );
        // No income to certify: no document needed, stale or not.
        b.financial.agi = Some(dec!(0));
        assert!(check(&b, &loans, None, PlanType::Rap, TODAY).is_empty());
    }

    #[test]
    fn a_ready_borrower_passes_and_each_gap_is_named_alone() {
        let loans = vec![loan("Nelnet")];
        assert!(check(&ready(), &loans, None, PlanType::Rap, TODAY).is_empty());
        assert_eq!(
            check(&ready(), &[], None, PlanType::Rap, TODAY),
            vec![NO_LOANS]
        );
        let mut b = ready();
        b.phone = None;
        assert_eq!(check(&b, &loans, None, PlanType::Rap, TODAY), vec![PROFILE]);
        let mut b = ready();
        b.address.as_mut().unwrap().zipcode = None;
        assert_eq!(check(&b, &loans, None, PlanType::Rap, TODAY), vec![PROFILE]);
        let mut b = ready();
        b.school_enrollment = Some("F".into());
        assert_eq!(
            check(&b, &loans, None, PlanType::Rap, TODAY),
            vec![ACTIVE_STUDENT]
        );
        b.school_enrollment = Some("H".into());
        assert!(
            check(&b, &loans, None, PlanType::Rap, TODAY).is_empty(),
            "half time is not active"
        );
        assert_eq!(
            check(
                &ready(),
                &[loan("Sallie's Servicing")],
                None,
                PlanType::Rap,
                TODAY
            ),
            vec![UNRECOGNIZED_SERVICERS]
        );
        let mut b = ready();
        b.financial.agi = Some(dec!(50000));
        assert_eq!(
            check(&b, &loans, None, PlanType::Rap, TODAY),
            vec![INCOME_CERTIFICATION]
        );
        let mut b = ready();
        b.collecting_unemployment = Some(true);
        assert_eq!(
            check(&b, &loans, None, PlanType::Rap, TODAY),
            vec![INCOME_CERTIFICATION]
        );
        let mut b = ready();
        b.financial.agi = None;
        assert_eq!(check(&b, &loans, None, PlanType::Rap, TODAY), vec![AGI]);
    }

    #[test]
    fn a_spouse_with_federal_loans_counts_only_on_a_joint_idr_plan() {
        let loans = vec![loan("Nelnet")];
        let spouse = Borrower::new(2, Uuid::new_v4(), "c", "t");
        let spouse_loans = vec![loan("MOHELA")];
        let mut b = ready();
        b.financial.filing_status = Some(FilingStatus::MarriedFilingJointly);
        assert_eq!(
            check(
                &b,
                &loans,
                Some((&spouse, &spouse_loans)),
                PlanType::Rap,
                TODAY
            ),
            vec![SPOUSE]
        );
        assert!(check(
            &b,
            &loans,
            Some((&spouse, &spouse_loans)),
            PlanType::Standard,
            TODAY
        )
        .is_empty());
        assert!(check(&b, &loans, Some((&spouse, &[])), PlanType::Rap, TODAY).is_empty());
        b.financial.filing_status = Some(FilingStatus::MarriedFilingSeparately);
        assert!(check(
            &b,
            &loans,
            Some((&spouse, &spouse_loans)),
            PlanType::Rap,
            TODAY
        )
        .is_empty());
    }

    #[test]
    fn every_failure_is_reported_in_order() {
        let mut b = Borrower::new(1, Uuid::new_v4(), "c", "t");
        b.school_enrollment = Some("Q".into());
        b.collecting_unemployment = Some(true);
        assert_eq!(
            check(&b, &[], None, PlanType::Rap, TODAY),
            vec![NO_LOANS, PROFILE, ACTIVE_STUDENT, INCOME_CERTIFICATION, AGI]
        );
    }
}
