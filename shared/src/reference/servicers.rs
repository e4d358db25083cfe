//! Federal student loan servicers, current and historical.
//!
//! Addresses are the servicers' publicly listed *correspondence* addresses
//! (not payment lockboxes), written from public servicer/ED contact pages;
//! every row says so in `source` and they should be re-checked against
//! https://studentaid.gov/manage-loans/repayment/servicers before being shown
//! as mail-to instructions. Where we could not confirm one, `address` is `None`.
//!
//! [`servicer`] is lenient: `servicer_name` is free text in Payitoff's API, so
//! an unknown name is `None`, never an error.

use super::plain_tokens;
use serde::Serialize;

/// Payitoff `Address` shape: `{street1, street2, street3, city, state, zipcode}`.
#[derive(Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[schemars(
    deny_unknown_fields,
    rename = "ServicerCorrespondenceAddress",
    description = "Where the servicer takes borrower correspondence."
)]
pub struct ServicerAddress {
    pub street1: &'static str,
    pub street2: Option<&'static str>,
    pub street3: Option<&'static str>,
    pub city: &'static str,
    pub state: &'static str,
    pub zipcode: &'static str,
}

/// One servicer. Serializes to `{name, address, aliases, active, source}`.
#[derive(Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[schemars(
    deny_unknown_fields,
    rename = "Servicer",
    description = "One federal loan servicer: its name, correspondence address, other names and \
    whether it services loans today."
)]
pub struct ServicerRow {
    /// Canonical display name.
    pub name: &'static str,
    pub address: Option<ServicerAddress>,
    /// Other names the servicer appears under (NSLDS contact names, Plaid
    /// institution names, former names).
    pub aliases: &'static [&'static str],
    /// Servicing federal loans today.
    pub active: bool,
    pub source: &'static str,
}

/// All servicers we recognize.
pub static SERVICERS: &[ServicerRow] = &[
    ServicerRow {
        name: "Aidvantage",
        address: Some(ServicerAddress {
            street1: "PO Box 300001",
            street2: None,
            street3: None,
            city: "Greenville",
            state: "TX",
            zipcode: "75403-3001",
        }),
        aliases: &[
            "Aidvantage",
            "Maximus Education",
            "Maximus Education LLC",
            "Maximus Federal",
            "Dept of Ed/Aidvantage",
        ],
        active: true,
        source: "ED federal loan servicer list (studentaid.gov/manage-loans/repayment/servicers); Maximus took over Navient's ED contract in 2021 as Aidvantage; address: correspondence address as publicly listed by the servicer (transcribed, verify before mailing)",
    },
    ServicerRow {
        name: "Nelnet",
        address: Some(ServicerAddress {
            street1: "PO Box 82561",
            street2: None,
            street3: None,
            city: "Lincoln",
            state: "NE",
            zipcode: "68501-2561",
        }),
        aliases: &["Nelnet", "Nelnet Servicing", "Nelnet Inc", "Dept of Ed/Nelnet"],
        active: true,
        source: "ED federal loan servicer list (studentaid.gov/manage-loans/repayment/servicers); address: correspondence address as publicly listed by the servicer (transcribed, verify before mailing)",
    },
    ServicerRow {
        name: "MOHELA",
        address: Some(ServicerAddress {
            street1: "633 Spirit Drive",
            street2: None,
            street3: None,
            city: "Chesterfield",
            state: "MO",
            zipcode: "63005-1243",
        }),
        aliases: &[
            "MOHELA",
            "Missouri Higher Education Loan Authority",
            "Dept of Ed/MOHELA",
        ],
        active: true,
        source: "ED federal loan servicer list (studentaid.gov/manage-loans/repayment/servicers); PSLF servicer from 2022; address: correspondence address as publicly listed by the servicer (transcribed, verify before mailing)",
    },
    ServicerRow {
        name: "EdFinancial",
        address: Some(ServicerAddress {
            street1: "PO Box 36008",
            street2: None,
            street3: None,
            city: "Knoxville",
            state: "TN",
            zipcode: "37930-6008",
        }),
        aliases: &[
            "EdFinancial",
            "Edfinancial Services",
            "Edfinancial Services LLC",
            "EdFinancial Services",
            "Dept of Ed/EdFinancial",
        ],
        active: true,
        source: "ED federal loan servicer list (studentaid.gov/manage-loans/repayment/servicers); address: correspondence address as publicly listed by the servicer (transcribed, verify before mailing)",
    },
    ServicerRow {
        name: "CRI",
        address: None,
        aliases: &[
            "CRI",
            "Central Research",
            "Central Research Inc",
            "Central Research, Inc.",
            "Dept of Ed/CRI",
        ],
        active: true,
        source: "ED federal loan servicer list (studentaid.gov/manage-loans/repayment/servicers); CRI is ED's newest servicer (nerdwallet.com/article/loans/student-loans/cri-student-loan-servicer); correspondence address not confirmed, left empty",
    },
    ServicerRow {
        name: "ECSI",
        address: Some(ServicerAddress {
            street1: "181 Montour Run Road",
            street2: None,
            street3: None,
            city: "Coraopolis",
            state: "PA",
            zipcode: "15108",
        }),
        aliases: &[
            "ECSI",
            "Heartland ECSI",
            "Educational Computer Systems Inc",
            "Educational Computer Systems",
        ],
        active: true,
        source: "Perkins Loan servicer for ED-held and school-held Perkins loans (studentaid.gov servicer list); address: corporate address publicly listed by Heartland ECSI (transcribed, verify before mailing)",
    },
    ServicerRow {
        name: "Default Resolution Group",
        address: Some(ServicerAddress {
            street1: "PO Box 5609",
            street2: None,
            street3: None,
            city: "Greenville",
            state: "TX",
            zipcode: "75403-5609",
        }),
        aliases: &[
            "Default Resolution Group",
            "DRG",
            "ED Default Resolution Group",
            "US Department of Education Default Resolution Group",
            "ED Collections",
        ],
        active: true,
        source: "ED's collector for defaulted ED-held loans since 2021 (tateesq.com/learn/central-research-inc-student-loans, 2022 update); address: correspondence address as publicly listed on studentaid.gov default pages (transcribed, verify before mailing)",
    },
    ServicerRow {
        name: "Great Lakes",
        address: Some(ServicerAddress {
            street1: "PO Box 7860",
            street2: None,
            street3: None,
            city: "Madison",
            state: "WI",
            zipcode: "53707-7860",
        }),
        aliases: &[
            "Great Lakes",
            "Great Lakes Educational Loan Services",
            "Great Lakes Educational Loan Services Inc",
            "GLELSI",
            "Great Lakes Higher Education",
            "Great Lakes Higher Education Corporation",
        ],
        active: false,
        source: "Former ED servicer; accounts moved to Nelnet in 2023-2024 (Nelnet acquired Great Lakes in 2018); Payitoff PaymentServicer example name 'Great Lakes' (docs/payment-servicer-schema); address: last publicly listed correspondence address (transcribed)",
    },
    ServicerRow {
        name: "Navient",
        address: Some(ServicerAddress {
            street1: "PO Box 9500",
            street2: None,
            street3: None,
            city: "Wilkes-Barre",
            state: "PA",
            zipcode: "18773-9500",
        }),
        aliases: &["Navient", "Navient Solutions", "Navient Solutions LLC", "Sallie Mae Servicing"],
        active: false,
        source: "Former ED servicer (ED contract transferred to Maximus/Aidvantage in 2021); still services commercially held FFEL loans; address: publicly listed correspondence address (transcribed)",
    },
    ServicerRow {
        name: "FedLoan Servicing",
        address: Some(ServicerAddress {
            street1: "PO Box 69184",
            street2: None,
            street3: None,
            city: "Harrisburg",
            state: "PA",
            zipcode: "17106-9184",
        }),
        aliases: &[
            "FedLoan Servicing",
            "FedLoan",
            "PHEAA",
            "Pennsylvania Higher Education Assistance Agency",
            "American Education Services",
            "AES",
            "FedLoan Servicing (PHEAA)",
        ],
        active: false,
        source: "Former ED servicer and PSLF servicer (PHEAA), exited 2021-2022; Plaid pslf_status only ever came from FedLoan (payitoff-v1-surface 2.1); address: last publicly listed correspondence address (transcribed)",
    },
    ServicerRow {
        name: "Granite State",
        address: Some(ServicerAddress {
            street1: "PO Box 3420",
            street2: None,
            street3: None,
            city: "Concord",
            state: "NH",
            zipcode: "03302-3420",
        }),
        aliases: &[
            "Granite State",
            "Granite State Management and Resources",
            "Granite State Management & Resources",
            "GSM&R",
            "GSMR",
        ],
        active: false,
        source: "Former ED not-for-profit servicer, exited 2021 (accounts to EdFinancial); address: last publicly listed correspondence address (transcribed)",
    },
    ServicerRow {
        name: "OSLA Servicing",
        address: Some(ServicerAddress {
            street1: "PO Box 18475",
            street2: None,
            street3: None,
            city: "Oklahoma City",
            state: "OK",
            zipcode: "73154-0475",
        }),
        aliases: &[
            "OSLA Servicing",
            "OSLA",
            "Oklahoma Student Loan Authority",
        ],
        active: false,
        source: "Former ED not-for-profit servicer, exited 2021-2022 (accounts to MOHELA); address: last publicly listed correspondence address (transcribed)",
    },
    ServicerRow {
        name: "Cornerstone",
        address: Some(ServicerAddress {
            street1: "PO Box 145122",
            street2: None,
            street3: None,
            city: "Salt Lake City",
            state: "UT",
            zipcode: "84114-5122",
        }),
        aliases: &[
            "Cornerstone",
            "Cornerstone Education Loan Services",
            "Utah Higher Education Assistance Authority",
            "UHEAA",
        ],
        active: false,
        source: "Former ED not-for-profit servicer (UHEAA), exited 2022 (accounts to Nelnet); address: last publicly listed correspondence address (transcribed)",
    },
    ServicerRow {
        name: "HESC",
        address: Some(ServicerAddress {
            street1: "99 Washington Avenue",
            street2: None,
            street3: None,
            city: "Albany",
            state: "NY",
            zipcode: "12255",
        }),
        aliases: &[
            "HESC",
            "NYHESC",
            "New York State Higher Education Services Corporation",
            "Higher Education Services Corporation",
        ],
        active: false,
        source: "Former ED not-for-profit servicer (NY HESC, serviced via EdFinancial), exited; address: HESC public address (transcribed)",
    },
];

/// Tokens that never identify a servicer on their own.
fn is_noise(t: &str) -> bool {
    matches!(
        t,
        "inc"
            | "llc"
            | "corp"
            | "corporation"
            | "co"
            | "the"
            | "servicing"
            | "services"
            | "service"
            | "servicer"
            | "student"
            | "loan"
            | "loans"
            | "federal"
    )
}

/// Drops noise words, numbers and a leading "Dept of Ed"/"U.S. Department of
/// Education" prefix as NSLDS and Plaid write them ("DEPT OF ED/582/NELNET").
fn name_tokens(s: &str) -> Vec<String> {
    let mut t = plain_tokens(s);
    let prefixes: [&[&str]; 6] = [
        &["u", "s", "department", "of", "education"],
        &["us", "department", "of", "education"],
        &["department", "of", "education"],
        &["us", "dept", "of", "ed"],
        &["dept", "of", "education"],
        &["dept", "of", "ed"],
    ];
    for p in prefixes {
        if t.len() > p.len() && t.iter().zip(p.iter()).all(|(a, b)| a == b) {
            t.drain(..p.len());
            break;
        }
    }
    t.retain(|w| !is_noise(w) && !w.chars().all(|c| c.is_ascii_digit()));
    t
}

/// Finds a servicer by name or alias (case-, punctuation- and
/// suffix-insensitive: "NELNET", "Dept of Ed/Nelnet", "Nelnet Servicing LLC",
/// "Great Lakes Educational Loan Services, Inc."). Falls back to a
/// whole-word containment match ("DEPT OF ED/582/NELNET") when exactly one
/// servicer's alias occurs in the name. Unknown or ambiguous names give `None`.
pub fn servicer(s: &str) -> Option<&'static ServicerRow> {
    let input = name_tokens(s);
    if input.is_empty() {
        return None;
    }
    let aliases = |row: &'static ServicerRow| {
        std::iter::once(row.name)
            .chain(row.aliases.iter().copied())
            .map(name_tokens)
            .filter(|t| !t.is_empty())
    };
    if let Some(row) = SERVICERS.iter().find(|r| aliases(r).any(|a| a == input)) {
        return Some(row);
    }
    let contains = |hay: &[String], needle: &[String]| {
        needle.len() <= hay.len() && hay.windows(needle.len()).any(|w| w == needle)
    };
    let mut found: Option<&'static ServicerRow> = None;
    for row in SERVICERS {
        // Only distinctive aliases (not 2-3 letter acronyms like "AES") count here.
        if aliases(row).any(|a| a.concat().len() >= 4 && contains(&input, &a)) {
            if found.is_some_and(|f| f.name != row.name) {
                return None;
            }
            found = Some(row);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_servicer_has_aliases() {
        for row in SERVICERS {
            assert!(!row.aliases.is_empty(), "{}", row.name);
        }
    }

    #[test]
    fn aliases_are_unique_across_servicers() {
        let mut seen: Vec<(Vec<String>, &str)> = Vec::new();
        for row in SERVICERS {
            for a in std::iter::once(row.name).chain(row.aliases.iter().copied()) {
                let k = name_tokens(a);
                assert!(!k.is_empty(), "{a}");
                if let Some((_, owner)) = seen.iter().find(|(s, _)| *s == k) {
                    assert_eq!(*owner, row.name, "{a}");
                }
                seen.push((k, row.name));
            }
        }
    }

    #[test]
    fn active_and_historical_sets() {
        let active: Vec<&str> = SERVICERS
            .iter()
            .filter(|r| r.active)
            .map(|r| r.name)
            .collect();
        for n in [
            "Aidvantage",
            "Nelnet",
            "MOHELA",
            "EdFinancial",
            "CRI",
            "ECSI",
        ] {
            assert!(active.contains(&n), "{n}");
        }
        for n in [
            "Great Lakes",
            "Navient",
            "FedLoan Servicing",
            "Granite State",
            "OSLA Servicing",
            "Cornerstone",
            "HESC",
        ] {
            let row = servicer(n).unwrap();
            assert!(!row.active, "{n}");
        }
    }

    #[test]
    fn finds_servicers_by_name_and_alias() {
        let cases = [
            ("Nelnet", "Nelnet"),
            ("NELNET", "Nelnet"),
            ("Nelnet Servicing, LLC", "Nelnet"),
            ("DEPT OF ED/NELNET", "Nelnet"),
            ("DEPT OF ED/582/NELNET", "Nelnet"),
            ("U.S. Department of Education / MOHELA", "MOHELA"),
            ("Missouri Higher Education Loan Authority", "MOHELA"),
            ("Great Lakes Educational Loan Services, Inc.", "Great Lakes"),
            ("GLELSI", "Great Lakes"),
            ("FedLoan", "FedLoan Servicing"),
            ("PHEAA", "FedLoan Servicing"),
            ("Default Resolution Group", "Default Resolution Group"),
            ("Edfinancial Services", "EdFinancial"),
            ("EDFINANCIAL", "EdFinancial"),
            ("Central Research, Inc.", "CRI"),
            ("cri", "CRI"),
            ("Heartland ECSI", "ECSI"),
            ("aidvantage", "Aidvantage"),
            ("Maximus Education, LLC", "Aidvantage"),
            ("Navient", "Navient"),
            ("Granite State Management & Resources", "Granite State"),
            ("Oklahoma Student Loan Authority", "OSLA Servicing"),
            ("Cornerstone", "Cornerstone"),
            ("NY HESC", "HESC"),
        ];
        for (input, name) in cases {
            assert_eq!(servicer(input).map(|r| r.name), Some(name), "{input:?}");
        }
    }

    #[test]
    fn unknown_names_are_none_not_errors() {
        assert!(servicer("Bank of Springfield").is_none());
        assert!(servicer("").is_none());
        assert!(servicer("Loan Servicing LLC").is_none());
        assert!(servicer("Dept of Ed").is_none());
        // Two servicers named at once: refuse to pick.
        assert!(servicer("Nelnet and MOHELA").is_none());
    }

    #[test]
    fn serializes_payitoff_address_shape() {
        let v = serde_json::to_value(servicer("MOHELA").unwrap()).unwrap();
        assert_eq!(v["name"], "MOHELA");
        assert_eq!(v["address"]["street1"], "633 Spirit Drive");
        assert_eq!(v["address"]["street2"], serde_json::Value::Null);
        assert_eq!(v["address"]["zipcode"], "63005-1243");
        assert_eq!(v["active"], true);
        assert!(v["aliases"].as_array().unwrap().len() > 1);
    }
}
