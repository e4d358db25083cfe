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
        let results =
            crate::concurrency::join_all(wave.chunks(100).map(|chunk| write_chunk(store, chunk)))
                .await;
        for r in results {
            let (inserted, updated, unchanged, touched) = r.map_err(LoadError::Store)?;
            report.inserted += inserted;
            report.updated += updated;
            report.unchanged += unchanged;
            report.touched.extend(touched);
        }
        progress(&report);
    }
}

/// One chunk of up to 100: read the stored hashes, write what is new or changed. Returns the
/// counts and the partitions whose pages changed.
async fn write_chunk(
    store: &Store,
    chunk: &[Employer],
) -> Result<(u64, u64, u64, BTreeSet<Partition>), ApiError> {
    let refs: Vec<&Employer> = chunk.iter().collect();
    let stored = store.employer_hashes(&refs).await?;
    let (mut inserted, mut updated, mut unchanged) = (0, 0, 0);
    let mut touched = BTreeSet::new();
    let mut write = Vec::new();
    for e in refs {
        match stored.get(&keys::employer(e.kind.code(), &e.source_id)) {
            None => {
                inserted += 1;
                touched.extend(Partition::of_record(e));
                write.push(e);
            }
            Some((h, old)) if *h != e.content_hash() => {
                updated += 1;
                touched.extend(Partition::of_record(e));
                touched.extend(old.iter().cloned());
                write.push(e);
            }
            Some(_) => unchanged += 1,
        }
    }
    store.put_employers(&write).await?;
    Ok((inserted, updated, unchanged, touched))
}
