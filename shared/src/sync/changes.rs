//! What one sync changes: the servicer's loans against the stored ones. Pure (no I/O), so the
//! rules are tested directly:
//! * a servicer loan matches a stored loan by the servicer's loan id (`award_id`, through
//!   `loans::find_match`); the same data is left alone, other data updates the loan;
//! * a loan the servicer reports that is not stored is created;
//! * a stored loan from this servicer's link that the servicer no longer reports is closed
//!   (`no_longer_reported_since`), never deleted; one found again is reopened by its update.

use chrono::NaiveDate;

use crate::loans::{find_match, merge_into_at, same_data, Loan, LoanSource, NewLoan};

#[derive(Debug, Default)]
pub struct Changes {
    pub create: Vec<NewLoan>,
    /// Merged loans (version bumped, `updated_at` stamped) with the version they replace.
    pub update: Vec<(Loan, u64)>,
    /// Closed copies of the loans the servicer stopped reporting, with the version they replace.
    pub close: Vec<(Loan, u64)>,
    pub unchanged: usize,
    /// A servicer loan is overdue that was not overdue (or not known) before.
    pub newly_overdue: bool,
    /// The award ids of the loans that turn overdue.
    pub turning_overdue: std::collections::HashSet<String>,
    /// Servicer loans with neither an award id nor an external id: nothing to match them by,
    /// so they are not created (they would be again on every sync).
    pub unkeyed: usize,
}

impl Changes {
    pub fn writes(&self) -> usize {
        self.create.len() + self.update.len() + self.close.len()
    }
}

/// True if a loan in `incoming` is overdue and its stored counterpart (if any) was not.
pub fn newly_overdue(existing: &[Loan], incoming: &[NewLoan]) -> bool {
    incoming.iter().any(|n| turns_overdue(existing, n))
}

fn turns_overdue(existing: &[Loan], n: &NewLoan) -> bool {
    n.data.is_overdue == Some(true)
        && find_match(existing, n).is_none_or(|e| e.data.is_overdue != Some(true))
}

/// The changes that make `existing` (all the borrower's loans) agree with what `servicer`
/// reports on `today`.
pub fn changes(
    existing: &[Loan],
    servicer: &str,
    incoming: Vec<NewLoan>,
    today: NaiveDate,
    stamp: &str,
) -> Changes {
    let mut out = Changes {
        newly_overdue: newly_overdue(existing, &incoming),
        turning_overdue: incoming
            .iter()
            .filter(|n| turns_overdue(existing, n))
            .filter_map(|n| n.award_id.clone())
            .collect(),
        ..Changes::default()
    };
    let mut seen = std::collections::HashSet::new();
    for n in incoming {
        if n.award_id.is_none() && n.external_id.is_none() {
            out.unkeyed += 1;
            continue;
        }
        match find_match(existing, &n) {
            Some(e) => {
                seen.insert(e.uuid);
                if same_data(e, &n) {
                    out.unchanged += 1;
                } else {
                    out.update.push((merge_into_at(e, &n, stamp), e.version));
                }
            }
            None => out.create.push(n),
        }
    }
    for e in existing {
        let from_this_link = e.source == LoanSource::Nexus
            && e.data.servicer_name.as_deref() == Some(servicer)
            && e.data.no_longer_reported_since.is_none();
        if from_this_link && !seen.contains(&e.uuid) {
            let mut closed = e.clone();
            closed.data.no_longer_reported_since = Some(today);
            closed.version = e.version + 1;
            closed.updated_at = stamp.to_string();
            out.close.push((closed, e.version));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loans::LoanData;
    use uuid::Uuid;

    fn new(award: &str, balance: i64, overdue: bool) -> NewLoan {
        NewLoan {
            source: LoanSource::Nexus,
            external_id: None,
            award_id: Some(award.into()),
            data: LoanData {
                loan_type: "D1".into(),
                loan_status: Some("RP".into()),
                servicer_name: Some("Nelnet".into()),
                outstanding_principal: Some(balance.into()),
                is_overdue: Some(overdue),
                ..LoanData::default()
            },
        }
    }

    fn stored(n: NewLoan, id: i64) -> Loan {
        n.into_loan(
            id,
            Uuid::new_v4(),
            Uuid::nil(),
            "2026-11-01T00:00:00.000000Z",
        )
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    #[test]
    fn same_data_is_left_alone_and_changes_are_versioned() {
        let a = stored(new("A", 1000, false), 1);
        let b = stored(new("B", 2000, false), 2);
        let c = changes(
            &[a.clone(), b.clone()],
            "Nelnet",
            vec![
                new("A", 1000, false),
                new("B", 1990, false),
                new("C", 50, false),
            ],
            day(),
            "2026-12-01T00:00:00.000000Z",
        );
        assert_eq!(c.unchanged, 1);
        assert_eq!(c.update.len(), 1);
        let (merged, was) = &c.update[0];
        assert_eq!((merged.uuid, merged.version, *was), (b.uuid, 2, 1));
        assert_eq!(merged.data.outstanding_principal, Some(1990.into()));
        assert_eq!(merged.updated_at, "2026-12-01T00:00:00.000000Z");
        assert_eq!(c.create.len(), 1);
        assert!(c.close.is_empty());
        assert!(!c.newly_overdue);
    }

    #[test]
    fn a_loan_the_servicer_stops_reporting_is_closed_not_deleted_and_reopens() {
        let a = stored(new("A", 1000, false), 1);
        let gone = stored(new("GONE", 500, false), 2);
        let mut other_servicer = stored(new("X", 10, false), 3);
        other_servicer.data.servicer_name = Some("MOHELA".into());
        let mut api = stored(new("API", 10, false), 4);
        api.source = LoanSource::Api;
        let all = [a, gone.clone(), other_servicer, api];
        let c = changes(&all, "Nelnet", vec![new("A", 1000, false)], day(), "t");
        assert_eq!(c.close.len(), 1, "only this link's loan closes");
        let (closed, was) = &c.close[0];
        assert_eq!((closed.uuid, closed.version, *was), (gone.uuid, 2, 1));
        assert_eq!(closed.data.no_longer_reported_since, Some(day()));
        assert!(!closed.is_open());
        // Closed already: nothing to do the next time.
        let again = changes(
            &[all[0].clone(), closed.clone()],
            "Nelnet",
            vec![new("A", 1000, false)],
            day(),
            "t",
        );
        assert_eq!(again.writes(), 0);
        // Reported again: the update reopens it.
        let back = changes(
            std::slice::from_ref(closed),
            "Nelnet",
            vec![new("GONE", 500, false)],
            day(),
            "t",
        );
        assert_eq!(back.update.len(), 1);
        assert!(back.update[0].0.is_open());
    }

    #[test]
    fn only_a_loan_turning_overdue_counts_as_newly_overdue() {
        let late = stored(new("A", 1000, true), 1);
        assert!(
            !changes(
                std::slice::from_ref(&late),
                "Nelnet",
                vec![new("A", 1000, true)],
                day(),
                "t"
            )
            .newly_overdue
        );
        let fine = stored(new("A", 1000, false), 1);
        assert!(changes(&[fine], "Nelnet", vec![new("A", 1000, true)], day(), "t").newly_overdue);
        assert!(changes(&[], "Nelnet", vec![new("N", 1, true)], day(), "t").newly_overdue);
    }
}
