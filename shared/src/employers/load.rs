//! The employer loader behind `scripts/admin load-employers`.
//!
//! - It streams: rows are read in waves of [`WAVE`] × 100, so memory stays flat on a
//!   1.9-million-row IRS file.
//! - It is idempotent: each record's key is its id in its list, and a record whose content
//!   (not its load date) is unchanged is not written again, so loading the same file twice
//!   changes nothing. Renamed records are overwritten in place, and the name indexes follow.
//! - It writes in parallel: every chunk of 100 is one BatchGetItem of the stored content
//!   hashes, then BatchWriteItem calls of 25 for the new and changed records, with the
//!   chunks of a wave in flight together; unprocessed items are retried with backoff.
//! - Before a wave's records are written, the name-index partitions whose result pages they
//!   change are marked dirty in the table (`pages`); the rebuild after the load clears each
//!   mark once its partition is rebuilt, so a load that stops early leaves them to the next.
//! - The operator checks the whole file first ([`check`]), so a malformed file is refused
//!   with its line number before anything is written.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;

use chrono::NaiveDate;
use serde::Serialize;

use super::pages::Partition;
use super::sources::{rows, RowError, SourceKind};
use super::Employer;
use crate::error::ApiError;
use crate::store::{keys, Store};

/// Chunks of 100 in flight at once.
pub const WAVE: usize = 16;

/// What one load did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoadReport {
    pub file: String,
    pub layout: String,
    pub rows: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows whose id appeared earlier in the same wave (the later row wins).
    pub duplicates: u64,
    /// Rows kept but not PSLF-eligible (non-profits that are not 501(c)(3)).
    pub not_eligible: u64,
    /// The name-index partitions whose result pages the written records change (their new
    /// and, when renamed or moved, their old ones): what `pages::rebuild` must rebuild.
    #[serde(skip)]
    pub touched: BTreeSet<Partition>,
}

#[derive(Debug)]
pub enum LoadError {
    Row(RowError),
    Store(ApiError),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Row(e) => write!(f, "{e}"),
            LoadError::Store(e) => write!(f, "{e}"),
        }
    }
}

/// Reads every row of a file without writing anything: the row count, or the first problem.
pub fn check<R: Read>(kind: SourceKind, input: R, file: &str) -> Result<u64, RowError> {
    let today = chrono::Utc::now().date_naive();
    let mut n = 0;
    for row in rows(kind, input, file, today)? {
        row?;
        n += 1;
    }
    Ok(n)
}

/// A list file for reading, buffered by the megabyte (the files run to hundreds of MB).
pub fn open_file(path: &str) -> std::io::Result<std::io::BufReader<std::fs::File>> {
    std::fs::File::open(path).map(|f| std::io::BufReader::with_capacity(1 << 20, f))
}

/// Checks the whole file, then loads it: a malformed file is refused with its line before
/// anything is written. `progress` is called after each wave.
pub async fn load_file(
    store: &Store,
    kind: SourceKind,
    path: &str,
    loaded_on: NaiveDate,
    progress: &mut dyn FnMut(&LoadReport),
) -> Result<LoadReport, LoadError> {
    let open = || {
        open_file(path).map_err(|e| {
            LoadError::Row(RowError {
                line: 0,
                problem: format!("cannot open: {e}"),
            })
        })
    };
    check(kind, open()?, path).map_err(LoadError::Row)?;
    load(store, kind, open()?, path, loaded_on, progress).await
}

/// Loads rows as they are read: a bad row stops the load, after the waves before it were
/// written (use [`load_file`], which checks first). `progress` is called after each wave.
pub async fn load<R: Read>(
    store: &Store,
    kind: SourceKind,
    input: R,
    file: &str,
    loaded_on: NaiveDate,
    progress: &mut dyn FnMut(&LoadReport),
) -> Result<LoadReport, LoadError> {
    let mut report = LoadReport {
        file: super::sources::base_name(file),
        layout: kind.flag().trim_start_matches("--").to_string(),
        ..LoadReport::default()
    };
    let mut rows = rows(kind, input, file, loaded_on).map_err(LoadError::Row)?;
    loop {
        // One wave: up to WAVE × 100 rows, each id once (the later row wins).
        let mut wave: Vec<Employer> = Vec::with_capacity(WAVE * 100);
        let mut at: HashMap<String, usize> = HashMap::new();
        for row in rows.by_ref() {
            let e = row.map_err(LoadError::Row)?;
            report.rows += 1;
            if !e.pslf_eligible {
                report.not_eligible += 1;
            }
            let pk = keys::employer(e.kind.code(), &e.source_id);
            match at.get(&pk) {
                Some(&i) => {
                    report.duplicates += 1;
                    wave[i] = e;
                }
                None => {
                    at.insert(pk, wave.len());
                    wave.push(e);
                }
            }
            if wave.len() == WAVE * 100 {
                break;
            }
        }
        if wave.is_empty() {
            return Ok(report);
        }
        let decided =
            crate::concurrency::join_all(wave.chunks(100).map(|chunk| decide(store, chunk))).await;
        let mut writes = Vec::with_capacity(decided.len());
        let mut touched = BTreeSet::new();
        for r in decided {
            let d = r.map_err(LoadError::Store)?;
            report.inserted += d.inserted;
            report.updated += d.updated;
            report.unchanged += d.unchanged;
            touched.extend(d.touched);
            writes.push(d.write);
        }
        // The partitions whose pages these writes change are marked first, in the table, so
        // that a load that stops before its rebuild leaves them to the next one.
        let new: Vec<Partition> = touched.difference(&report.touched).cloned().collect();
        store
            .mark_employer_pages_dirty(&new)
            .await
            .map_err(LoadError::Store)?;
        report.touched.extend(new);
        for r in crate::concurrency::join_all(writes.iter().map(|w| store.put_employers(w))).await {
            r.map_err(LoadError::Store)?;
        }
        progress(&report);
    }
}

/// What to do with one chunk of up to 100.
struct Decided<'a> {
    inserted: u64,
    updated: u64,
    unchanged: u64,
    /// The partitions whose pages the writes change.
    touched: BTreeSet<Partition>,
    write: Vec<&'a Employer>,
}

/// Reads a chunk's stored hashes: what is new or changed is written.
async fn decide<'a>(store: &Store, chunk: &'a [Employer]) -> Result<Decided<'a>, ApiError> {
    let refs: Vec<&Employer> = chunk.iter().collect();
    let stored = store.employer_hashes(&refs).await?;
    let mut d = Decided {
        inserted: 0,
        updated: 0,
        unchanged: 0,
        touched: BTreeSet::new(),
        write: Vec::new(),
    };
    for e in refs {
        match stored.get(&keys::employer(e.kind.code(), &e.source_id)) {
            None => {
                d.inserted += 1;
                d.touched.extend(Partition::of_record(e));
                d.write.push(e);
            }
            Some((h, old)) if *h != e.content_hash() => {
                d.updated += 1;
                d.touched.extend(Partition::of_record(e));
                d.touched.extend(old.iter().cloned());
                d.write.push(e);
            }
            Some(_) => d.unchanged += 1,
        }
    }
    Ok(d)
}
