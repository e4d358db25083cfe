//! The enrollment status machine and the sandbox's schedule.
//!
//! ```text
//! pending ──▶ partially_submitted ──▶ complete ──▶ approved
//!    │                 │                  │
//!    └──────────┬──────┴──────────────────┘
//!               ▼
//!   needs_attention ─▶ (back to where it was) · unprocessable · cancelled
//! ```
//! `needs_attention`, `unprocessable` and `cancelled` are reachable from every open state;
//! `approved`, `unprocessable` and `cancelled` are final.
//!
//! The sandbox files a request deterministically, on the borrower's (sandbox) clock: servicer
//! *i* (in name order) on day *i + 1*, `complete` the day after the last one, and `approved` on
//! the `estimated_approval_date`, when the loans move to the new plan. While a request needs
//! attention its schedule waits; once resolved, what fell due meanwhile happens at once.

use chrono::{Duration, NaiveDate};

use super::{Change, Enrollment, Status, SubmissionStatus};

/// Days from the request to the estimated approval (at least a day after `complete`).
pub const APPROVAL_DAYS: i64 = 30;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an enrollment that is {from} cannot become {to}")]
pub struct IllegalTransition {
    pub from: &'static str,
    pub to: &'static str,
}

/// Whether `from` may move to `to`.
pub fn allowed(from: Status, to: Status) -> bool {
    use Status::*;
    match (from, to) {
        (Pending, PartiallySubmitted | Complete) | (PartiallySubmitted, Complete) => true,
        (Complete, Approved) => true,
        // A problem resolved: the request carries on.
        (NeedsAttention, Pending | PartiallySubmitted | Complete) => true,
        (f, NeedsAttention | Unprocessable | Cancelled) => f.is_open() && f != to,
        _ => false,
    }
}

/// Moves `e` to `to`, keeping the change in its history.
pub fn transition(
    e: &mut Enrollment,
    to: Status,
    reason: impl Into<String>,
    at: &str,
) -> Result<Change, IllegalTransition> {
    if !allowed(e.status, to) {
        return Err(IllegalTransition {
            from: e.status.as_str(),
            to: to.as_str(),
        });
    }
    // Strictly after the change before it, whatever the clock says (two Lambda instances'
    // clocks, a sandbox clock held at its limit): receivers order the events by this time.
    let at = after_last(e, at);
    let change = Change {
        from: Some(e.status),
        to,
        at: at.clone(),
        reason: reason.into(),
    };
    e.status = to;
    e.status_updated_at = at.clone();
    for s in &mut e.submissions {
        let next = match to {
            Status::Approved => Some(SubmissionStatus::Approved),
            Status::Cancelled | Status::Unprocessable if s.status != SubmissionStatus::Approved => {
                Some(SubmissionStatus::Cancelled)
            }
            _ => None,
        };
        if let Some(n) = next {
            s.status = n;
            s.updated_at = at.to_string();
        }
    }
    e.history.push(change.clone());
    e.version += 1;
    Ok(change)
}

/// The estimated approval date for a request made on `created_on` to `servicers` servicers.
pub fn estimated_approval_date(created_on: NaiveDate, servicers: usize) -> NaiveDate {
    let days = APPROVAL_DAYS.max(servicers as i64 + 2);
    created_on + Duration::days(days)
}

/// The time the sandbox stamps on a step due on `day`: the day's start, UTC (the same in every
/// run, and after the request that started it). A step that fell due while the request waited
/// is stamped just after the request's last change instead ([`stamp_after`]), a few
/// microseconds past the borrower's clock at most.
pub fn stamp(day: NaiveDate) -> String {
    format!("{day}T00:00:00.000000Z")
}

/// `at`, or a microsecond after the request's last change when `at` is not later than it.
fn after_last(e: &Enrollment, at: &str) -> String {
    match e.history.last() {
        Some(last) if last.at.as_str() >= at => {
            match chrono::DateTime::parse_from_rfc3339(&last.at) {
                Ok(t) => crate::model::stamp_of(t.to_utc() + Duration::microseconds(1)),
                Err(_) => at.to_string(),
            }
        }
        _ => at.to_string(),
    }
}

/// The stamp of a submission due on `day`, after the request's last change: a step that fell
/// due while the request waited (`needs_attention`, then resolved) happens when it carries on,
/// a microsecond after the change before it, so each event can show the request as it stood
/// then. (A status change gets the same from [`transition`].)
fn stamp_after(day: NaiveDate, e: &Enrollment) -> String {
    after_last(e, &stamp(day))
}

/// Applies every sandbox step due by `today`, in order. Returns the status changes made (the
/// servicer submissions change too, without a status change of their own).
pub fn progress(e: &mut Enrollment, today: NaiveDate) -> Vec<Change> {
    let mut changes = Vec::new();
    let n = e.submissions.len();
    for i in 0..n {
        let due = e.created_on + Duration::days(i as i64 + 1);
        if due > today
            || !matches!(e.status, Status::Pending | Status::PartiallySubmitted)
            || e.submissions[i].status != SubmissionStatus::Pending
        {
            continue;
        }
        let at = stamp_after(due, e);
        let s = &mut e.submissions[i];
        s.status = SubmissionStatus::Submitted;
        s.submitted_at = Some(at.clone());
        s.updated_at = at.clone();
        let servicer = s.servicer.clone();
        e.version += 1;
        let remaining = e
            .submissions
            .iter()
            .filter(|s| s.status == SubmissionStatus::Pending)
            .count();
        if remaining > 0 && e.status == Status::Pending {
            let reason = format!("Submitted to {servicer}; {remaining} servicer(s) to go.");
            changes.extend(transition(e, Status::PartiallySubmitted, reason, &at).ok());
        }
    }
    let complete_on = e.created_on + Duration::days(n as i64 + 1);
    let all_sent = e
        .submissions
        .iter()
        .all(|s| s.status == SubmissionStatus::Submitted);
    if complete_on <= today
        && all_sent
        && matches!(e.status, Status::Pending | Status::PartiallySubmitted)
    {
        let reason = "Submitted to every servicer.";
        changes.extend(transition(e, Status::Complete, reason, &stamp(complete_on)).ok());
    }
    if e.estimated_approval_date <= today && e.status == Status::Complete {
        let reason = "Every servicer approved the new repayment plan.";
        let at = stamp(e.estimated_approval_date);
        changes.extend(transition(e, Status::Approved, reason, &at).ok());
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrollments::Submission;
    use uuid::Uuid;

    fn day(d: &str) -> NaiveDate {
        d.parse().unwrap()
    }

    fn enrollment(servicers: &[&str]) -> Enrollment {
        let created_on = day("2026-12-01");
        Enrollment {
            id: 1,
            uuid: Uuid::nil(),
            borrower_uuid: Uuid::nil(),
            client_id: "c".into(),
            plan: "rap".into(),
            plan_description: "Repayment Assistance Plan".into(),
            signature: true,
            cursive_signature: true,
            status: Status::Pending,
            status_updated_at: "t0".into(),
            created_at: "t0".into(),
            created_on,
            monthly_payment: None,
            estimated_approval_date: estimated_approval_date(created_on, servicers.len()),
            submissions: servicers
                .iter()
                .map(|s| Submission {
                    servicer: s.to_string(),
                    loans: vec![Uuid::new_v4()],
                    status: SubmissionStatus::Pending,
                    submitted_at: None,
                    updated_at: "t0".into(),
                })
                .collect(),
            history: Vec::new(),
            version: 1,
        }
    }

    #[test]
    fn two_servicers_move_a_day_apart_then_complete_then_approved() {
        let mut e = enrollment(&["MOHELA", "Nelnet"]);
        assert!(progress(&mut e, day("2026-12-01")).is_empty());
        let c = progress(&mut e, day("2026-12-02"));
        assert_eq!(
            c.iter().map(|c| c.to).collect::<Vec<_>>(),
            vec![Status::PartiallySubmitted]
        );
        assert_eq!(
            e.submissions[0].submitted_at.as_deref(),
            Some("2026-12-02T00:00:00.000000Z")
        );
        assert_eq!(e.submissions[1].status, SubmissionStatus::Pending);
        assert!(progress(&mut e, day("2026-12-02")).is_empty(), "idempotent");
        let c = progress(&mut e, day("2026-12-04"));
        assert_eq!(
            c.iter().map(|c| c.to).collect::<Vec<_>>(),
            vec![Status::Complete]
        );
        assert_eq!(
            e.submissions[1].submitted_at.as_deref(),
            Some("2026-12-03T00:00:00.000000Z")
        );
        assert_eq!(e.status_updated_at, "2026-12-04T00:00:00.000000Z");
        assert_eq!(e.estimated_approval_date, day("2026-12-31"));
        assert!(progress(&mut e, day("2026-12-30")).is_empty());
        let c = progress(&mut e, day("2027-01-15"));
        assert_eq!(
            c.iter().map(|c| c.to).collect::<Vec<_>>(),
            vec![Status::Approved]
        );
        assert!(e
            .submissions
            .iter()
            .all(|s| s.status == SubmissionStatus::Approved));
        assert_eq!(e.history.len(), 3);
        assert!(progress(&mut e, day("2030-01-01")).is_empty());
    }

    #[test]
    fn a_jump_applies_every_step_in_order() {
        let mut e = enrollment(&["Nelnet"]);
        let c = progress(&mut e, day("2027-06-01"));
        // One servicer: no partial state.
        assert_eq!(
            c.iter().map(|c| c.to).collect::<Vec<_>>(),
            vec![Status::Complete, Status::Approved]
        );
        assert_eq!(c[0].from, Some(Status::Pending));
        assert_eq!(c[0].at, "2026-12-03T00:00:00.000000Z");
    }

    #[test]
    fn steps_due_while_it_waited_happen_when_it_carries_on_so_history_stays_in_order() {
        let mut e = enrollment(&["MOHELA", "Nelnet"]);
        transition(
            &mut e,
            Status::NeedsAttention,
            "Servicer asked for a document",
            "2026-12-01T15:00:00.000000Z",
        )
        .unwrap();
        assert!(progress(&mut e, day("2026-12-09")).is_empty());
        // Resolved on 2026-12-09 at 10:00: both submissions (due on the 2nd and 3rd) and the
        // completion (due on the 4th) happen then, not on their old days.
        transition(
            &mut e,
            Status::Pending,
            "Document received",
            "2026-12-09T10:00:00.000000Z",
        )
        .unwrap();
        let c = progress(&mut e, day("2026-12-09"));
        assert_eq!(
            c.iter().map(|c| (c.to, c.at.as_str())).collect::<Vec<_>>(),
            vec![
                (Status::PartiallySubmitted, "2026-12-09T10:00:00.000001Z"),
                (Status::Complete, "2026-12-09T10:00:00.000002Z"),
            ]
        );
        let sent: Vec<Option<&str>> = e
            .submissions
            .iter()
            .map(|s| s.submitted_at.as_deref())
            .collect();
        assert_eq!(
            sent,
            [
                Some("2026-12-09T10:00:00.000001Z"),
                Some("2026-12-09T10:00:00.000002Z")
            ]
        );
        // The approval keeps its own later date.
        let c = progress(&mut e, day("2027-01-15"));
        assert_eq!(c[0].at, "2026-12-31T00:00:00.000000Z");
        let times: Vec<&str> = e.history.iter().map(|c| c.at.as_str()).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    }

    #[test]
    fn illegal_transitions_are_refused_and_final_states_stay_final() {
        let mut e = enrollment(&["Nelnet"]);
        assert!(transition(&mut e, Status::Approved, "x", "t").is_err());
        transition(
            &mut e,
            Status::NeedsAttention,
            "Servicer asked for a document",
            "t1",
        )
        .unwrap();
        assert!(
            progress(&mut e, day("2027-06-01")).is_empty(),
            "no progress while it needs attention"
        );
        transition(&mut e, Status::Pending, "Document received", "t2").unwrap();
        transition(&mut e, Status::Cancelled, "Borrower cancelled", "t3").unwrap();
        for to in Status::ALL {
            assert!(!allowed(Status::Cancelled, to), "{to:?}");
            assert!(!allowed(Status::Approved, to), "{to:?}");
            assert!(!allowed(Status::Unprocessable, to), "{to:?}");
        }
        assert!(e
            .submissions
            .iter()
            .all(|s| s.status == SubmissionStatus::Cancelled));
        assert_eq!(
            e.history.iter().map(|c| c.to).collect::<Vec<_>>(),
            vec![Status::NeedsAttention, Status::Pending, Status::Cancelled]
        );
        assert!(!allowed(Status::Pending, Status::Pending));
        assert!(!allowed(Status::PartiallySubmitted, Status::Pending));
    }
}
