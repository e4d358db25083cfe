//! `GET /api/v1/pslf/employers?q=&state=&limit=&type=`: a case-insensitive prefix search of
//! the employer lists, grouped by the four types, `limit` per type.
//!
//! Each type is one Query (GSI3 for all states, GSI1 for one state), and the four run
//! concurrently: one round trip. `type=` asks for fewer types, and fewer Queries.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use super::{names, Employer, EmployerType, NOT_FOUND_CAVEAT};
use crate::error::ApiError;
use crate::model::states::normalize_state;
use crate::store::Store;

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
    let found = crate::concurrency::join_all(q.types.iter().map(|&t| async move {
        // One more than asked, to know whether there are more; each prefix is its own range
        // of the index, and the ranges merge in name order.
        let pages = crate::concurrency::join_all(
            q.prefixes
                .iter()
                .map(|p| store.employers_by_prefix(t, q.state, p, q.limit + 1)),
        )
        .await;
        let mut rows = Vec::new();
        for page in pages {
            rows.extend(page?);
        }
        rows.sort_by(|a, b| (&a.normalised, &a.source_id).cmp(&(&b.normalised, &b.source_id)));
        rows.dedup_by(|a, b| a.source_id == b.source_id);
        let more = rows.len() > q.limit;
        rows.truncate(q.limit);
        Ok::<_, ApiError>((t, (rows, more)))
    }))
    .await;
    let mut groups = BTreeMap::new();
    for r in found {
        let (t, g) = r?;
        groups.insert(t, g);
    }
    Ok(SearchResults {
        query: q.clone(),
        groups,
    })
}

impl SearchResults {
    /// The response body: the query, the four groups (empty when not asked for), which groups
    /// have more, and the caveat studentaid.gov gives.
    pub fn view(&self) -> Value {
        let mut out = Map::new();
        out.insert("q".into(), json!(self.query.q));
        out.insert("state".into(), json!(self.query.state));
        out.insert("limit".into(), json!(self.query.limit));
        let mut more = Map::new();
        for t in EmployerType::ALL {
            let (rows, has_more) = self
                .groups
                .get(&t)
                .map(|(r, m)| (r.as_slice(), *m))
                .unwrap_or((&[], false));
            out.insert(
                t.group().into(),
                Value::Array(rows.iter().map(Employer::view).collect()),
            );
            more.insert(t.group().into(), json!(has_more));
        }
        out.insert("has_more".into(), Value::Object(more));
        out.insert("notice".into(), json!(NOT_FOUND_CAVEAT));
        Value::Object(out)
    }
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
