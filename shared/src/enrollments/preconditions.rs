//! Why an enrollment would be refused: every documented precondition (payitoff-v1-surface
//! 1.7), with Payitoff's sentences word for word. All failing ones are reported, in this order.

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

/// Every failing precondition for enrolling `b` (with `loans`, and a linked spouse) in `plan`.
pub fn check(
    b: &Borrower,
    loans: &[Loan],
    spouse: Option<(&Borrower, &[Loan])>,
    plan: PlanType,
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
    fn a_ready_borrower_passes_and_each_gap_is_named_alone() {
        let loans = vec![loan("Nelnet")];
        assert!(check(&ready(), &loans, None, PlanType::Rap).is_empty());
        assert_eq!(check(&ready(), &[], None, PlanType::Rap), vec![NO_LOANS]);
        let mut b = ready();
        b.phone = None;
        assert_eq!(check(&b, &loans, None, PlanType::Rap), vec![PROFILE]);
        let mut b = ready();
        b.address.as_mut().unwrap().zipcode = None;
        assert_eq!(check(&b, &loans, None, PlanType::Rap), vec![PROFILE]);
        let mut b = ready();
        b.school_enrollment = Some("F".into());
        assert_eq!(check(&b, &loans, None, PlanType::Rap), vec![ACTIVE_STUDENT]);
        b.school_enrollment = Some("H".into());
        assert!(
            check(&b, &loans, None, PlanType::Rap).is_empty(),
            "half time is not active"
        );
        assert_eq!(
            check(&ready(), &[loan("Sallie's Servicing")], None, PlanType::Rap),
            vec![UNRECOGNIZED_SERVICERS]
        );
        let mut b = ready();
        b.financial.agi = Some(dec!(50000));
        assert_eq!(
            check(&b, &loans, None, PlanType::Rap),
            vec![INCOME_CERTIFICATION]
        );
        let mut b = ready();
        b.collecting_unemployment = Some(true);
        assert_eq!(
            check(&b, &loans, None, PlanType::Rap),
            vec![INCOME_CERTIFICATION]
        );
        let mut b = ready();
        b.financial.agi = None;
        assert_eq!(check(&b, &loans, None, PlanType::Rap), vec![AGI]);
    }

    #[test]
    fn a_spouse_with_federal_loans_counts_only_on_a_joint_idr_plan() {
        let loans = vec![loan("Nelnet")];
        let spouse = Borrower::new(2, Uuid::new_v4(), "c", "t");
        let spouse_loans = vec![loan("MOHELA")];
        let mut b = ready();
        b.financial.filing_status = Some(FilingStatus::MarriedFilingJointly);
        assert_eq!(
            check(&b, &loans, Some((&spouse, &spouse_loans)), PlanType::Rap),
            vec![SPOUSE]
        );
        assert!(check(
            &b,
            &loans,
            Some((&spouse, &spouse_loans)),
            PlanType::Standard
        )
        .is_empty());
        assert!(check(&b, &loans, Some((&spouse, &[])), PlanType::Rap).is_empty());
        b.financial.filing_status = Some(FilingStatus::MarriedFilingSeparately);
        assert!(check(&b, &loans, Some((&spouse, &spouse_loans)), PlanType::Rap).is_empty());
    }

    #[test]
    fn every_failure_is_reported_in_order() {
        let mut b = Borrower::new(1, Uuid::new_v4(), "c", "t");
        b.school_enrollment = Some("Q".into());
        b.collecting_unemployment = Some(true);
        assert_eq!(
            check(&b, &[], None, PlanType::Rap),
            vec![NO_LOANS, PROFILE, ACTIVE_STUDENT, INCOME_CERTIFICATION, AGI]
        );
    }
}
