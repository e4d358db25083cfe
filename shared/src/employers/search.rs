//! `GET /api/v1/pslf/employers?q=&state=&limit=&type=`: a case-insensitive prefix search of
//! the employer lists, grouped by the four types, `limit` per type.
//!
//! A search makes two DynamoDB requests, concurrently (one round trip): a BatchGetItem of the
//! result page of its prefix (`pages`: only prefixes matched by more than
//! [`DENSE_ABOVE`] records have one), and a Query of at most `DENSE_ABOVE + 1` entries of the
//! name index (GSI3 for all states, GSI1 for one state), which holds every match of any other
//! prefix. A prefix that is dense but has no page yet is read from the index until each type
//! has enough.

use std::collections::{BTreeMap, HashMap};

use super::pages::{Page, Partition, DENSE_ABOVE};
use super::{names, Employer, EmployerType, EmployerView, NOT_FOUND_CAVEAT};
use crate::error::ApiError;
use crate::model::states::normalize_state;
use crate::store::Store;
use schemars::JsonSchema;
use serde::Serialize;

pub const DEFAULT_LIMIT: usize = 25;
pub const MAX_LIMIT: usize = 100;
/// The longest `q` accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// The query parameters of a search.
const PARAMS: [&str; 4] = ["q", "state", "limit", "type"];

/// A checked search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub q: String,
    /// `names::normalise_query(q)`, never empty.
    pub prefix: String,
    /// Every prefix searched (`names::query_prefixes`): the prefix, and a last "st" read as
    /// "saint".
    pub prefixes: Vec<String>,
    pub state: Option<&'static str>,
    pub limit: usize,
    pub types: Vec<EmployerType>,
}

/// Checks the query parameters; every problem is named in one 422.
pub fn parse_query(params: &HashMap<String, String>) -> Result<SearchQuery, ApiError> {
    let mut problems = BTreeMap::new();
    let mut unknown: Vec<&str> = params
        .keys()
        .map(String::as_str)
        .filter(|k| !PARAMS.contains(k))
        .collect();
    unknown.sort_unstable();
    for k in unknown {
        problems.insert(
            k.to_string(),
            format!(
                "is not a parameter of this route (use {})",
                PARAMS.join(", ")
            ),
        );
    }
    let q = params
        .get("q")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let prefix = names::normalise_query(&q);
    if q.is_empty() {
        problems.insert(
            "q".into(),
            "is required: the start of the employer's name".into(),
        );
    } else if q.chars().count() > MAX_QUERY_CHARS {
        problems.insert(
            "q".into(),
            format!("must be at most {MAX_QUERY_CHARS} characters"),
        );
    } else if q.chars().any(char::is_control) {
        problems.insert("q".into(), "must not contain control characters".into());
    } else if prefix.is_empty() {
        problems.insert("q".into(), "must contain a letter or a digit".into());
    }
    let state = match params.get("state").map(|s| s.trim()) {
        None | Some("") => None,
        Some(s) => match normalize_state(s) {
            Some(st) => Some(st),
            None => {
                problems.insert(
                    "state".into(),
                    "must be a two-letter US state or territory code, such as OH".into(),
                );
                None
            }
        },
    };
    let limit = match params.get("limit").map(|s| s.trim()) {
        None | Some("") => DEFAULT_LIMIT,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                problems.insert(
                    "limit".into(),
                    format!("must be a whole number from 1 to {MAX_LIMIT} (results per type)"),
                );
                DEFAULT_LIMIT
            }
        },
    };
    let mut types = Vec::new();
    match params.get("type").map(|s| s.trim()) {
        None | Some("") => types.extend(EmployerType::ALL),
        Some(list) => {
            for t in list.split(',').map(str::trim) {
                match EmployerType::from_group(t) {
                    Some(t) if !types.contains(&t) => types.push(t),
                    Some(_) => {}
                    None => {
                        problems.insert(
                            "type".into(),
                            format!(
                                "must be one or more of {} (comma-separated)",
                                EmployerType::ALL.map(EmployerType::group).join(", ")
                            ),
                        );
                    }
                }
            }
            types.sort();
        }
    }
    ApiError::fields(problems)?;
    let prefixes = names::query_prefixes(&q);
    Ok(SearchQuery {
        q,
        prefix,
        prefixes,
        state,
        limit,
        types,
    })
}

/// The grouped results of one search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResults {
    pub query: SearchQuery,
    /// Per type: at most `limit` results, and whether there are more.
    pub groups: BTreeMap<EmployerType, (Vec<Employer>, bool)>,
}

pub async fn search(store: &Store, q: &SearchQuery) -> Result<SearchResults, ApiError> {
    let Some(part) = Partition::of_query(q.state, &q.prefix) else {
        return Ok(SearchResults {
            query: q.clone(),
            groups: BTreeMap::new(),
        });
    };
    // Every prefix searched starts with the same character (a last "st" is also "saint"), so
    // one range covers them all.
    let cover = common_start(&q.prefixes);
    let (pages, range) = tokio::join!(
        store.employer_pages(&part, &q.prefixes),
        store.employer_range(&part, &cover, DENSE_ABOVE + 1, None)
    );
    let pages = pages?;
    let (range_rows, next) = range?;
    // The Query reached the end of the range: it holds every match of every prefix.
    let range_complete = next.is_none();
    let mut found: BTreeMap<EmployerType, Vec<Employer>> = BTreeMap::new();
    for prefix in &q.prefixes {
        // A complete range is the index itself: it wins over a page, which may be older.
        let rows = if range_complete {
            range_rows
                .iter()
                .filter(|e| e.normalised.starts_with(prefix.as_str()) && q.types.contains(&e.kind))
                .cloned()
                .collect()
        } else {
            match pages.get(prefix).and_then(|page| answer_from(page, q)) {
                Some(rows) => rows,
                None => read_range(store, &part, prefix, q).await?,
            }
        };
        for e in rows {
            found.entry(e.kind).or_default().push(e);
        }
    }
    let mut groups = BTreeMap::new();
    for &t in &q.types {
        let mut rows = found.remove(&t).unwrap_or_default();
        rows.sort_by(|a, b| (&a.normalised, &a.source_id).cmp(&(&b.normalised, &b.source_id)));
        rows.dedup_by(|a, b| a.source_id == b.source_id);
        let more = rows.len() > q.limit;
        rows.truncate(q.limit);
        groups.insert(t, (rows, more));
    }
    Ok(SearchResults {
        query: q.clone(),
        groups,
    })
}

/// The first `limit + 1` records of each type asked for, from a page, or `None` when the page
/// holds too few of a type to say.
fn answer_from(page: &Page, q: &SearchQuery) -> Option<Vec<Employer>> {
    let mut out = Vec::new();
    for &t in &q.types {
        out.extend(page.of_type(t, q.limit)?);
    }
    Some(out)
}

/// The most Queries (of 1,000 entries) a search reads a dense prefix's range with, when it
/// has no page.
pub const MAX_RANGE_QUERIES: usize = 4;

/// A dense prefix with no page (its load's rebuild has not finished): the range, read until
/// each type asked for has `limit + 1` records or the range ends, in at most
/// [`MAX_RANGE_QUERIES`] Queries. Past that it is a 503: a partial answer could leave out a
/// whole type.
async fn read_range(
    store: &Store,
    part: &Partition,
    prefix: &str,
    q: &SearchQuery,
) -> Result<Vec<Employer>, ApiError> {
    let mut per_type: BTreeMap<EmployerType, Vec<Employer>> = BTreeMap::new();
    let mut start = None;
    for _ in 0..MAX_RANGE_QUERIES {
        let (rows, next) = store.employer_range(part, prefix, 1000, start).await?;
        for e in rows {
            if q.types.contains(&e.kind) {
                let list = per_type.entry(e.kind).or_default();
                if list.len() <= q.limit {
                    list.push(e);
                }
            }
        }
        let enough = q
            .types
            .iter()
            .all(|t| per_type.get(t).is_some_and(|l| l.len() > q.limit));
        match next {
            Some(k) if !enough => start = Some(k),
            _ => return Ok(per_type.into_values().flatten().collect()),
        }
    }
    Err(ApiError::Unavailable(
        "The employer search is being rebuilt after a load of the employer lists; please retry \
         in a minute."
            .into(),
    ))
}

/// The longest common start of the prefixes searched (they share at least their first
/// character).
fn common_start(prefixes: &[String]) -> String {
    let first = prefixes.first().map(String::as_str).unwrap_or_default();
    let len = prefixes.iter().skip(1).fold(first.len(), |len, p| {
        first
            .bytes()
            .zip(p.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count()
    });
    first[..len].to_string()
}

impl SearchResults {
    /// The response body: the query, the four groups (empty when not asked for), which groups
    /// have more, and the caveat studentaid.gov gives.
    pub fn view(&self) -> EmployerSearch<'_> {
        let group = |t: EmployerType| -> (Vec<EmployerView<'_>>, bool) {
            self.groups
                .get(&t)
                .map(|(rows, more)| (rows.iter().map(Employer::view).collect(), *more))
                .unwrap_or_default()
        };
        let (low_income_schools, more_low) = group(EmployerType::LowIncomeSchool);
        let (public_schools, more_public) = group(EmployerType::PublicSchool);
        let (non_profits, more_np) = group(EmployerType::NonProfit);
        let (government_agencies, more_gov) = group(EmployerType::GovernmentAgency);
        EmployerSearch {
            q: &self.query.q,
            state: self.query.state,
            limit: self.query.limit,
            low_income_schools,
            public_schools,
            non_profits,
            government_agencies,
            has_more: HasMore {
                low_income_schools: more_low,
                public_schools: more_public,
                non_profits: more_np,
                government_agencies: more_gov,
            },
            notice: NOT_FOUND_CAVEAT,
        }
    }
}

/// `GET /pslf/employers`: the employers whose name starts with `q`, by list, at most `limit`
/// of each (a list not asked for with `type` is empty).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct EmployerSearch<'a> {
    /// The query as searched (trimmed).
    pub q: &'a str,
    /// The state searched in (two-letter code), or `null` for every state.
    pub state: Option<&'static str>,
    /// The most results per list.
    pub limit: usize,
    /// Schools on the Teacher Loan Forgiveness low-income school directory.
    pub low_income_schools: Vec<EmployerView<'a>>,
    /// Public schools (NCES), which qualify for PSLF as government employers.
    pub public_schools: Vec<EmployerView<'a>>,
    /// IRS-listed tax-exempt organisations; 501(c)(3)s qualify for PSLF.
    pub non_profits: Vec<EmployerView<'a>>,
    /// Federal, state, local, tribal and territorial government agencies.
    pub government_agencies: Vec<EmployerView<'a>>,
    pub has_more: HasMore,
    /// What studentaid.gov says of a search that finds nothing.
    pub notice: &'static str,
}

/// Which lists have more results than `limit`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, rename = "EmployerSearchHasMore")]
pub struct HasMore {
    pub low_income_schools: bool,
    pub public_schools: bool,
    pub non_profits: bool,
    pub government_agencies: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn problems(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        match parse_query(&params(pairs)) {
            Err(ApiError::Validation { fields, .. }) => fields,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn defaults_and_normalisation() {
        let q = parse_query(&params(&[("q", " The Fed ")])).unwrap();
        assert_eq!(
            (q.q.as_str(), q.prefix.as_str(), q.state, q.limit),
            ("The Fed", "fed", None, 25)
        );
        assert_eq!(q.types, EmployerType::ALL);
        let q = parse_query(&params(&[
            ("q", "st. jude hospital"),
            ("state", "tn"),
            ("limit", "100"),
            ("type", "non_profits,public_schools,non_profits"),
        ]))
        .unwrap();
        assert_eq!(q.prefix, "saint jude hospital");
        assert_eq!(q.prefixes, ["saint jude hospital"]);
        let st = parse_query(&params(&[("q", "St")])).unwrap();
        assert_eq!(st.prefixes, ["st", "saint"]);
        assert_eq!(common_start(&st.prefixes), "s");
        let church = parse_query(&params(&[("q", "Church of St")])).unwrap();
        assert_eq!(common_start(&church.prefixes), "church of s");
        assert_eq!(common_start(&q.prefixes), "saint jude hospital");
        assert_eq!(q.state, Some("TN"));
        assert_eq!(q.limit, 100);
        assert_eq!(
            q.types,
            [EmployerType::PublicSchool, EmployerType::NonProfit]
        );
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let p = problems(&[]);
        assert_eq!(p["q"], "is required: the start of the employer's name");
        let p = problems(&[
            ("q", "!!!"),
            ("state", "Ohio"),
            ("limit", "101"),
            ("page", "2"),
        ]);
        assert_eq!(p["q"], "must contain a letter or a digit");
        assert!(p["state"].starts_with("must be a two-letter"));
        assert_eq!(
            p["limit"],
            "must be a whole number from 1 to 100 (results per type)"
        );
        assert!(p["page"].starts_with("is not a parameter of this route"));
        for bad in ["0", "-1", "2.5", "ten", "1e2"] {
            assert!(
                problems(&[("q", "a"), ("limit", bad)]).contains_key("limit"),
                "{bad}"
            );
        }
        assert!(problems(&[("q", "a"), ("type", "banks")]).contains_key("type"));
        assert!(problems(&[("q", &"a".repeat(101))]).contains_key("q"));
        assert!(problems(&[("q", "a\u{0}b")]).contains_key("q"));
    }
}
