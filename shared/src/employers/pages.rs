//! Precomputed result pages, so that a search makes at most two DynamoDB requests.
//!
//! The name indexes hold every type in one sorted range per partition (all states, or one
//! state, and the first character of the name). A search asks for `limit` results **per type**,
//! so one range cannot answer it when the prefix matches many records: the 25 government
//! agencies may come after thousands of non-profits. For those prefixes the loader stores a
//! *page*: the first [`PAGE_ROWS`] records of each type.
//!
//! - A prefix gets a page when more than [`DENSE_ABOVE`] records of the partition start with
//!   it (a *dense* prefix).
//! - A search reads the page of its prefix (BatchGetItem) and, at the same time, at most
//!   `DENSE_ABOVE + 1` index entries of the prefix (Query). A dense prefix is answered by its
//!   page; any other by the Query, which then holds every match. Two requests, one round trip.
//! - Pages are built from the index itself, after a load, for the partitions the load touched
//!   ([`rebuild`]): one sorted pass per partition, holding at most one page per prefix length.
//!   Only new and changed pages are written, and pages of prefixes that stopped being dense
//!   are deleted, so a reload that changes nothing writes nothing.
//! - A prefix that is dense but has no page (a load whose rebuild has not run yet) is still
//!   answered correctly: the search reads the range until it has enough of each type.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::search::MAX_LIMIT;
use super::{names, Employer, EmployerType};
use crate::error::ApiError;
use crate::store::{keys, Store};

/// A prefix matched by more than this many records of a partition has a page.
pub const DENSE_ABOVE: usize = 100;
/// The records of each type a page holds: the most a search asks for, and one more to say
/// whether there are more.
pub const PAGE_ROWS: usize = MAX_LIMIT + 1;
/// The largest encoded page (DynamoDB items are at most 400 KB). A page that would be larger
/// holds fewer records per type, and says so (`cap`).
pub const MAX_PAGE_BYTES: usize = 380_000;

/// One partition of the name indexes: every employer whose normalised name starts with
/// `bucket`, in all states (`state: None`, GSI3) or in one (GSI1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Partition {
    pub state: Option<String>,
    pub bucket: char,
}

impl Partition {
    /// The partition a search or a match reads.
    pub fn of_query(state: Option<&str>, prefix: &str) -> Option<Partition> {
        Some(Partition {
            state: state.map(str::to_string),
            bucket: names::bucket(prefix)?,
        })
    }

    /// The partitions a record with this name and state is indexed in: all states, and its
    /// state when it has one.
    pub fn of_name(normalised: &str, state: Option<&str>) -> Vec<Partition> {
        let bucket = names::bucket(normalised).unwrap_or('_');
        let mut out = vec![Partition {
            state: None,
            bucket,
        }];
        if let Some(st) = state {
            out.push(Partition {
                state: Some(st.to_string()),
                bucket,
            });
        }
        out
    }

    pub fn of_record(e: &Employer) -> Vec<Partition> {
        Self::of_name(&e.normalised, e.state.as_deref())
    }

    /// `ALL` or the state code.
    pub fn scope(&self) -> &str {
        self.state.as_deref().unwrap_or("ALL")
    }

    /// The partition key of its name index (GSI3PK or GSI1PK).
    pub fn index_pk(&self) -> String {
        match &self.state {
            None => keys::employer_names(self.bucket),
            Some(st) => keys::employer_names_in(st, self.bucket),
        }
    }

    /// The partition key of its result pages.
    pub fn page_pk(&self) -> String {
        keys::employer_pages(self.scope(), self.bucket)
    }
}

/// A stored page: the first records of each type whose name starts with its prefix, in index
/// order (name, type, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The records of each type the page holds at most ([`PAGE_ROWS`], unless the page would
    /// have been too large). A type with fewer has no more.
    pub cap: usize,
    pub rows: Vec<Employer>,
}

/// A page record, with short keys (a page holds up to 404 of them).
#[derive(Serialize, Deserialize)]
struct Row {
    t: String,
    i: String,
    n: String,
    k: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    e: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    c: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    s: Option<String>,
    q: bool,
    r: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    u: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    l: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    y: Option<String>,
    f: String,
    d: NaiveDate,
}

#[derive(Serialize, Deserialize)]
struct Encoded {
    cap: usize,
    rows: Vec<Row>,
}

impl Row {
    fn of(e: &Employer) -> Row {
        Row {
            t: e.kind.code().to_string(),
            i: e.source_id.clone(),
            n: e.name.clone(),
            k: e.normalised.clone(),
            e: e.ein.clone(),
            c: e.city.clone(),
            s: e.state.clone(),
            q: e.pslf_eligible,
            r: e.reason.clone(),
            u: e.subsection.clone(),
            l: e.level.clone(),
            y: e.school_years.clone(),
            f: e.source.clone(),
            d: e.loaded_on,
        }
    }

    fn employer(self) -> Option<Employer> {
        Some(Employer {
            kind: EmployerType::from_code(&self.t)?,
            source_id: self.i,
            name: self.n,
            normalised: self.k,
            ein: self.e,
            city: self.c,
            state: self.s,
            pslf_eligible: self.q,
            reason: self.r,
            subsection: self.u,
            level: self.l,
            school_years: self.y,
            source: self.f,
            loaded_on: self.d,
        })
    }
}

impl Page {
    /// The stored text of a page of `rows` (index order, at most [`PAGE_ROWS`] of each type),
    /// with fewer records per type when it would pass [`MAX_PAGE_BYTES`].
    pub fn encode(rows: &[Arc<Employer>]) -> String {
        let mut cap = PAGE_ROWS;
        loop {
            let mut seen = [0usize; 4];
            let kept: Vec<Row> = rows
                .iter()
                .filter(|e| {
                    let n = &mut seen[e.kind.index()];
                    *n += 1;
                    *n <= cap
                })
                .map(|e| Row::of(e))
                .collect();
            let text =
                serde_json::to_string(&Encoded { cap, rows: kept }).expect("a page serialises");
            if text.len() <= MAX_PAGE_BYTES || cap == 1 {
                return text;
            }
            cap = (cap / 2).max(1);
        }
    }

    pub fn decode(text: &str) -> Result<Page, String> {
        let e: Encoded = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let rows = e
            .rows
            .into_iter()
            .map(|r| r.employer().ok_or("a record of an unknown type"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page { cap: e.cap, rows })
    }

    /// The first `limit + 1` records of a type, or `None` when the page cannot say (it holds
    /// `cap` of the type, and `limit + 1` is more than that).
    pub fn of_type(&self, kind: EmployerType, limit: usize) -> Option<Vec<Employer>> {
        let rows: Vec<Employer> = self
            .rows
            .iter()
            .filter(|e| e.kind == kind)
            .take(limit + 1)
            .cloned()
            .collect();
        // Fewer than `cap`: the page holds every record of the type. Otherwise it holds
        // `cap`, which answers a limit below it.
        (rows.len() < self.cap || limit < self.cap).then_some(rows)
    }
}

/// The content hash of an encoded page.
pub fn page_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A page found by [`PageBuilder`]: a dense prefix and its first records of each type.
#[derive(Debug, Clone)]
pub struct BuiltPage {
    pub prefix: String,
    /// Records matched by the prefix, of every type.
    pub count: usize,
    pub rows: Vec<Arc<Employer>>,
}

/// One open prefix of the pass: every prefix of the last record's name.
#[derive(Debug)]
struct Open {
    len: usize,
    count: usize,
    per_type: [usize; 4],
    rows: Vec<Arc<Employer>>,
    /// For a prefix that ends in a word "s" ("s", "church of s"): its "st" and "saint"
    /// forms that closed without being dense (see [`PageBuilder`]), and which of the two
    /// closed dense (already pages).
    saint_forms: Vec<BuiltPage>,
    saint_dense: [bool; 2],
}

/// The two forms a query's last word "st" is searched as (`names::query_prefixes`), after a
/// prefix that ends in the word "s".
const SAINT_FORMS: [&str; 2] = ["t", "aint"];

/// Whether `prefix` ends in the word "s" (it is "s", or ends in " s").
fn ends_in_word_s(prefix: &str) -> bool {
    prefix == "s" || prefix.ends_with(" s")
}

/// For "… st" or "… saint": its "… s" prefix's length, and which form it is.
fn saint_form(prefix: &str) -> Option<(usize, usize)> {
    SAINT_FORMS.iter().enumerate().find_map(|(i, rest)| {
        let s_len = prefix.len().checked_sub(rest.len())?;
        (prefix.ends_with(rest) && ends_in_word_s(&prefix[..s_len])).then_some((s_len, i))
    })
}

/// Finds the dense prefixes of one partition in one pass over its records in index order.
///
/// The records sharing a prefix are consecutive, so the open prefixes are those of the last
/// record's name: a new record closes the ones it does not share, and a closed prefix matched
/// by more than [`DENSE_ABOVE`] records is a page. Memory is at most one open prefix per
/// character of a name, each with at most [`PAGE_ROWS`] records of each type.
///
/// A query whose last word is "st" is searched as "… st" and "… saint", with one Query of
/// their common start "… s". When "… s" is dense that Query cannot hold every match, so both
/// forms get a page however few records they match (an empty one when none): the search
/// stays at two requests.
#[derive(Debug, Default)]
pub struct PageBuilder {
    open: Vec<Open>,
    last: String,
    /// Checks the order: a record out of index order would make wrong pages.
    last_key: String,
}

impl PageBuilder {
    /// Adds the next record (in index order) and returns the pages it closed.
    pub fn push(&mut self, e: Employer) -> Result<Vec<BuiltPage>, String> {
        let key = keys::employer_name_sort(&e.normalised, e.kind.code(), &e.source_id);
        if key <= self.last_key && !self.last_key.is_empty() {
            return Err(format!(
                "records out of index order: {key:?} after {:?}",
                self.last_key
            ));
        }
        let common = self
            .last
            .bytes()
            .zip(e.normalised.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        if !e.normalised.is_ascii() {
            return Err(format!("a normalised name that is not ASCII: {key:?}"));
        }
        let mut closed = Vec::new();
        while self.open.last().is_some_and(|o| o.len > common) {
            let o = self.open.pop().expect("an open prefix");
            self.close(o, &mut closed);
        }
        let from = self.open.last().map_or(0, |o| o.len);
        for len in from + 1..=e.normalised.len() {
            self.open.push(Open {
                len,
                count: 0,
                per_type: [0; 4],
                rows: Vec::new(),
                saint_forms: Vec::new(),
                saint_dense: [false; 2],
            });
        }
        self.last.clone_from(&e.normalised);
        self.last_key = key;
        let t = e.kind.index();
        let e = Arc::new(e);
        for o in &mut self.open {
            o.count += 1;
            if o.per_type[t] < PAGE_ROWS {
                o.per_type[t] += 1;
                o.rows.push(Arc::clone(&e));
            }
        }
        Ok(closed)
    }

    /// Closes every open prefix: the last pages.
    pub fn finish(mut self) -> Vec<BuiltPage> {
        let mut closed = Vec::new();
        while let Some(o) = self.open.pop() {
            self.close(o, &mut closed);
        }
        closed
    }

    /// Closes the innermost open prefix (`o`, just popped): a page when it is dense, and
    /// the "st" and "saint" forms of a dense "… s".
    fn close(&mut self, mut o: Open, out: &mut Vec<BuiltPage>) {
        let prefix = self.last[..o.len].to_string();
        let dense = o.count > DENSE_ABOVE;
        let forms = std::mem::take(&mut o.saint_forms);
        if dense && ends_in_word_s(&prefix) {
            out.extend(forms);
            for (i, rest) in SAINT_FORMS.iter().enumerate() {
                let form = format!("{prefix}{rest}");
                if !o.saint_dense[i] && !out.iter().any(|p| p.prefix == form) {
                    out.push(BuiltPage {
                        prefix: form,
                        count: 0,
                        rows: Vec::new(),
                    });
                }
            }
        }
        // A query is trimmed, so no search asks for a prefix that ends in a space.
        if prefix.ends_with(' ') {
            return;
        }
        let page = BuiltPage {
            prefix,
            count: o.count,
            rows: o.rows,
        };
        // An "… st" or "… saint" waits for its "… s" (still open: it is a prefix of this one).
        if let Some((s_len, i)) = saint_form(&page.prefix) {
            let parent = &mut self.open[s_len - 1];
            if dense {
                parent.saint_dense[i] = true;
            } else {
                parent.saint_forms.push(page);
                return;
            }
        }
        if dense {
            out.push(page);
        }
    }
}

/// What a rebuild did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PagesReport {
    pub partitions: u64,
    /// Index entries read.
    pub records: u64,
    /// Pages found (dense prefixes, and the "st" and "saint" forms of a dense "… s").
    pub pages: u64,
    /// Their encoded size in bytes (what the `rows` attributes hold).
    pub bytes: u64,
    pub written: u64,
    pub unchanged: u64,
    pub deleted: u64,
}

/// Partitions rebuilt at once.
pub const PARTITIONS_IN_FLIGHT: usize = 8;

/// Rebuilds the pages of `parts` and of every partition marked dirty in the table (by a load
/// that stopped before its rebuild), from the name indexes, and clears each mark once its
/// partition is rebuilt. `progress` is called after each wave of partitions.
pub async fn rebuild(
    store: &Store,
    parts: &BTreeSet<Partition>,
    progress: &mut dyn FnMut(&PagesReport),
) -> Result<PagesReport, ApiError> {
    let mut report = PagesReport::default();
    let dirty = store.dirty_employer_partitions().await?;
    let marked: BTreeSet<Partition> = dirty.iter().cloned().collect();
    let mut all = parts.clone();
    all.extend(dirty);
    let parts: Vec<&Partition> = all.iter().collect();
    for wave in parts.chunks(PARTITIONS_IN_FLIGHT) {
        let done = crate::concurrency::join_all(
            wave.iter()
                .map(|p| rebuild_partition(store, p, marked.contains(*p))),
        )
        .await;
        for r in done {
            let r = r?;
            report.partitions += 1;
            report.records += r.records;
            report.pages += r.pages;
            report.bytes += r.bytes;
            report.written += r.written;
            report.unchanged += r.unchanged;
            report.deleted += r.deleted;
        }
        progress(&report);
    }
    Ok(report)
}

/// Pages written per BatchWriteItem wave of a partition.
const WRITE_BATCH: usize = 25;

async fn rebuild_partition(
    store: &Store,
    part: &Partition,
    marked: bool,
) -> Result<PagesReport, ApiError> {
    let stored = store.employer_page_hashes(part).await?;
    let mut report = PagesReport::default();
    let mut builder = PageBuilder::default();
    let mut seen: HashSet<String> = HashSet::new();
    let mut pending: Vec<(String, String, String)> = Vec::new();
    let mut start = None;
    let mut take = |built: Vec<BuiltPage>,
                    report: &mut PagesReport,
                    pending: &mut Vec<(String, String, String)>| {
        for p in built {
            report.pages += 1;
            let text = Page::encode(&p.rows);
            report.bytes += text.len() as u64;
            let hash = page_hash(&text);
            if stored.get(&p.prefix) == Some(&hash) {
                report.unchanged += 1;
            } else {
                report.written += 1;
                pending.push((p.prefix.clone(), text, hash));
            }
            seen.insert(p.prefix);
        }
    };
    loop {
        let (rows, next) = store.employer_range(part, "", 1000, start).await?;
        for e in rows {
            report.records += 1;
            let built = builder.push(e).map_err(ApiError::Internal)?;
            take(built, &mut report, &mut pending);
        }
        if pending.len() >= WRITE_BATCH {
            store.write_employer_pages(part, &pending, &[]).await?;
            pending.clear();
        }
        match next {
            Some(k) => start = Some(k),
            None => break,
        }
    }
    take(builder.finish(), &mut report, &mut pending);
    let gone: Vec<String> = stored
        .keys()
        .filter(|p| !seen.contains(*p))
        .cloned()
        .collect();
    report.deleted = gone.len() as u64;
    store.write_employer_pages(part, &pending, &gone).await?;
    if marked {
        store.clear_employer_pages_dirty(part).await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn np(name: &str, id: u32) -> Employer {
        let normalised = names::normalise_name(name);
        Employer {
            kind: EmployerType::NonProfit,
            source_id: format!("{id:09}"),
            name: name.into(),
            normalised,
            ein: Some(format!("{id:09}")),
            city: Some("Columbus".into()),
            state: Some("OH".into()),
            pslf_eligible: true,
            reason: "501(c)(3) organization".into(),
            subsection: Some("03".into()),
            level: None,
            school_years: None,
            source: "eo_oh.csv".into(),
            loaded_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        }
    }

    fn sorted(mut rows: Vec<Employer>) -> Vec<Employer> {
        rows.sort_by_key(|e| keys::employer_name_sort(&e.normalised, e.kind.code(), &e.source_id));
        rows
    }

    fn build(rows: Vec<Employer>) -> Vec<BuiltPage> {
        let mut b = PageBuilder::default();
        let mut out = Vec::new();
        for e in sorted(rows) {
            out.extend(b.push(e).unwrap());
        }
        out.extend(b.finish());
        out.sort_by(|a, b| a.prefix.cmp(&b.prefix));
        out
    }

    #[test]
    fn only_prefixes_matched_by_more_than_the_threshold_get_pages() {
        // 150 "Federal ..." and 60 "Fern ...": "f" and "fe" (210), and "fed" to "federal"
        // (150) are dense; "fer", "fern" (60) and "federal x" (one each) are not. "federal "
        // ends in a space: no query asks for it.
        let mut rows: Vec<Employer> = (0..150)
            .map(|i| np(&format!("Federal Credit Union {i:03}"), i))
            .collect();
        rows.extend((0..60).map(|i| np(&format!("Fern Society {i:02}"), 1000 + i)));
        let pages = build(rows);
        let prefixes: Vec<&str> = pages.iter().map(|p| p.prefix.as_str()).collect();
        // Every start of "federal credit union" not ending in a space is matched by all 150.
        let name = "federal credit union";
        let mut expected: Vec<&str> = (1..=name.len())
            .map(|len| &name[..len])
            .filter(|p| !p.ends_with(' '))
            .collect();
        expected.sort();
        assert_eq!(prefixes, expected);
        let f = &pages[0];
        assert_eq!((f.prefix.as_str(), f.count, f.rows.len()), ("f", 210, 101));
        // In index order: the first 101 of the type.
        assert_eq!(f.rows[0].name, "Federal Credit Union 000");
        assert_eq!(f.rows[100].name, "Federal Credit Union 100");
        let fed = pages.iter().find(|p| p.prefix == "federal").unwrap();
        assert_eq!(fed.count, 150);
    }

    #[test]
    fn a_page_holds_the_first_records_of_each_type() {
        let mut rows: Vec<Employer> = (0..120)
            .map(|i| np(&format!("Oak Fund {i:03}"), i))
            .collect();
        for i in 0..3 {
            let mut g = np(&format!("Oak County {i}"), 500 + i);
            g.kind = EmployerType::GovernmentAgency;
            g.ein = None;
            g.level = Some("local".into());
            rows.push(g);
        }
        let pages = build(rows);
        let o = pages.iter().find(|p| p.prefix == "o").unwrap();
        assert_eq!(o.count, 123);
        let text = Page::encode(&o.rows);
        let page = Page::decode(&text).unwrap();
        assert_eq!(page.cap, PAGE_ROWS);
        assert_eq!(page.rows.len(), 104);
        let gov = page.of_type(EmployerType::GovernmentAgency, 25).unwrap();
        assert_eq!(
            gov.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
            ["Oak County 0", "Oak County 1", "Oak County 2"]
        );
        // 26 non-profits for a limit of 25 (the 26th says there are more); 101 for 100.
        assert_eq!(page.of_type(EmployerType::NonProfit, 25).unwrap().len(), 26);
        assert_eq!(
            page.of_type(EmployerType::NonProfit, 100).unwrap().len(),
            101
        );
        assert_eq!(page.rows[0], *o.rows[0]);
        // A page that says fewer than it would need cannot answer.
        let small = Page { cap: 26, ..page };
        assert!(small.of_type(EmployerType::NonProfit, 25).is_some());
        assert!(small.of_type(EmployerType::NonProfit, 26).is_none());
        assert!(small.of_type(EmployerType::GovernmentAgency, 100).is_some());
        assert_eq!(page_hash(&text), page_hash(&Page::encode(&o.rows)));
    }

    #[test]
    fn an_oversized_page_holds_fewer_records_and_says_so() {
        let long = "x".repeat(4000);
        let rows: Vec<Arc<Employer>> = (0..101)
            .map(|i| {
                let mut e = np(&format!("Oak {i:03}"), i);
                e.reason = long.clone();
                Arc::new(e)
            })
            .collect();
        let text = Page::encode(&rows);
        assert!(text.len() <= MAX_PAGE_BYTES, "{}", text.len());
        let page = Page::decode(&text).unwrap();
        assert_eq!((page.cap, page.rows.len()), (50, 50));
        assert!(page.of_type(EmployerType::NonProfit, 25).is_some());
        assert!(page.of_type(EmployerType::NonProfit, 50).is_none());
    }

    #[test]
    fn a_dense_word_s_gives_its_st_and_saint_forms_pages() {
        // "church of s" (113) is dense, so a query "Church of St" (read as "church of st" and
        // "church of saint") needs both pages: "church of saint" is dense itself, "church of
        // st" (3) gets one anyway. "oak s" (20) is not dense: its Query holds every match.
        let mut rows: Vec<Employer> = (0..110)
            .map(|i| np(&format!("Church of Saint Paul {i:03}"), i))
            .collect();
        rows.extend((0..3).map(|i| np(&format!("Church of Stone {i}"), 500 + i)));
        rows.extend((0..20).map(|i| np(&format!("Oak Street {i:02}"), 600 + i)));
        let pages = build(rows);
        let find = |p: &str| pages.iter().find(|x| x.prefix == p);
        let st = find("church of st").expect("the st form");
        assert_eq!((st.count, st.rows.len()), (3, 3));
        assert_eq!(st.rows[0].name, "Church of Stone 0");
        assert_eq!(find("church of saint").unwrap().count, 110);
        assert!(find("church of s").is_some());
        assert!(find("oak s").is_none() && find("oak st").is_none());
        // "s" itself is not dense here (0 names start with a word "s"...), "c" is.
        assert!(find("st").is_none());
        // A dense "s" with no "st" names at all: an empty page says so.
        let rows: Vec<Employer> = (0..101)
            .map(|i| np(&format!("Saint Ann {i:03}"), i))
            .collect();
        let pages = build(rows);
        let st = pages
            .iter()
            .find(|x| x.prefix == "st")
            .expect("an empty st page");
        assert!(st.rows.is_empty());
        assert_eq!(pages.iter().filter(|x| x.prefix == "saint").count(), 1);
        let text = Page::encode(&st.rows);
        assert_eq!(
            Page::decode(&text)
                .unwrap()
                .of_type(EmployerType::NonProfit, 25),
            Some(vec![])
        );
    }

    #[test]
    fn records_out_of_order_are_refused() {
        let mut b = PageBuilder::default();
        b.push(np("Beta", 1)).unwrap();
        assert!(b
            .push(np("Alpha", 2))
            .unwrap_err()
            .contains("out of index order"));
    }
}
