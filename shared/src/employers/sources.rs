//! Streaming readers for the four employer list layouts. Each yields one [`Employer`] per row
//! and holds one row at a time, so a 1.9-million-row IRS file is never in memory. A row that
//! breaks the layout is a [`RowError`] with its line number.
//!
//! | `--flag` | file | layout |
//! |---|---|---|
//! | `--bmf` | IRS Exempt Organizations Business Master File extract (`eo1.csv`–`eo4.csv`, `eo_<st>.csv`) | the IRS's 28 columns, `EIN,NAME,ICO,...,SORT_NAME` |
//! | `--schools` | NCES Common Core of Data school directory CSV | header with at least `NCESSCH`, `SCH_NAME`, `ST` (and `LCITY` or `MCITY`) |
//! | `--low-income` | low-income schools (the TCLI directory has no bulk file) | `SCHOOL_ID,SCHOOL_NAME,CITY,STATE,ZIP,SCHOOL_YEARS` |
//! | `--government` | government agencies | `AGENCY_ID,NAME,LEVEL,CITY,STATE,EIN` |

use std::collections::HashMap;
use std::io::Read;

use chrono::NaiveDate;

use super::{names, Employer, EmployerType};
use crate::model::states::normalize_state;

/// The IRS EO BMF extract's columns, in order (https://www.irs.gov/pub/irs-soi/eo_info.pdf).
pub const BMF_COLUMNS: [&str; 28] = [
    "EIN",
    "NAME",
    "ICO",
    "STREET",
    "CITY",
    "STATE",
    "ZIP",
    "GROUP",
    "SUBSECTION",
    "AFFILIATION",
    "CLASSIFICATION",
    "RULING",
    "DEDUCTIBILITY",
    "FOUNDATION",
    "ACTIVITY",
    "ORGANIZATION",
    "STATUS",
    "TAX_PERIOD",
    "ASSET_CD",
    "INCOME_CD",
    "FILING_REQ_CD",
    "PF_FILING_REQ_CD",
    "ACCT_PD",
    "ASSET_AMT",
    "INCOME_AMT",
    "REVENUE_AMT",
    "NTEE_CD",
    "SORT_NAME",
];

/// Loanpath's documented low-income school layout.
pub const LOW_INCOME_COLUMNS: [&str; 6] = [
    "SCHOOL_ID",
    "SCHOOL_NAME",
    "CITY",
    "STATE",
    "ZIP",
    "SCHOOL_YEARS",
];

/// Loanpath's documented government agency layout.
pub const GOVERNMENT_COLUMNS: [&str; 6] = ["AGENCY_ID", "NAME", "LEVEL", "CITY", "STATE", "EIN"];

/// Government levels the agency layout accepts.
pub const GOVERNMENT_LEVELS: [&str; 5] = ["federal", "state", "local", "tribal", "territorial"];

/// Which layout a file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Bmf,
    Schools,
    LowIncome,
    Government,
}

impl SourceKind {
    pub fn flag(self) -> &'static str {
        match self {
            SourceKind::Bmf => "--bmf",
            SourceKind::Schools => "--schools",
            SourceKind::LowIncome => "--low-income",
            SourceKind::Government => "--government",
        }
    }

    pub fn from_flag(flag: &str) -> Option<Self> {
        [
            SourceKind::Bmf,
            SourceKind::Schools,
            SourceKind::LowIncome,
            SourceKind::Government,
        ]
        .into_iter()
        .find(|k| k.flag() == flag)
    }

    pub fn employer_type(self) -> EmployerType {
        match self {
            SourceKind::Bmf => EmployerType::NonProfit,
            SourceKind::Schools => EmployerType::PublicSchool,
            SourceKind::LowIncome => EmployerType::LowIncomeSchool,
            SourceKind::Government => EmployerType::GovernmentAgency,
        }
    }
}

/// A file that breaks its layout: the line and the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub problem: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

/// The rows of one file, read one at a time.
pub struct Rows<R: Read> {
    kind: SourceKind,
    reader: csv::Reader<R>,
    columns: HashMap<String, usize>,
    width: usize,
    file: String,
    loaded_on: NaiveDate,
    record: csv::ByteRecord,
    done: bool,
}

/// Windows-1252's characters for the bytes 0x80–0x9F (where Latin-1 has control codes);
/// the five bytes it leaves undefined become U+FFFD.
const CP1252_80_9F: [char; 32] = [
    '€', '\u{fffd}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{fffd}', 'Ž',
    '\u{fffd}', '\u{fffd}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{fffd}',
    'ž', 'Ÿ',
];

/// Text of a field: UTF-8, or Windows-1252 (a superset of Latin-1, what older IRS and NCES
/// files use) when it is not valid UTF-8.
fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.trim().to_string(),
        Err(_) => bytes
            .iter()
            .map(|&b| match b {
                0x80..=0x9F => CP1252_80_9F[usize::from(b - 0x80)],
                _ => char::from(b),
            })
            .collect::<String>()
            .trim()
            .to_string(),
    }
}

/// Opens a file of `kind` and checks its header.
pub fn rows<R: Read>(
    kind: SourceKind,
    input: R,
    file: &str,
    loaded_on: NaiveDate,
) -> Result<Rows<R>, RowError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(input);
    let header = reader.byte_headers().map_err(|e| RowError {
        line: 1,
        problem: format!("unreadable header: {}", csv_problem(&e)),
    })?;
    let names: Vec<String> = header
        .iter()
        .map(|h| text(h).trim_start_matches('\u{feff}').to_ascii_uppercase())
        .collect();
    let bad_header = |problem: String| RowError { line: 1, problem };
    match kind {
        SourceKind::Bmf if names != BMF_COLUMNS => {
            return Err(bad_header(format!(
                "not an IRS EO BMF extract: the header must be the 28 columns {}",
                BMF_COLUMNS.join(",")
            )))
        }
        SourceKind::LowIncome if names != LOW_INCOME_COLUMNS => {
            return Err(bad_header(format!(
                "the low-income school layout's header is {}",
                LOW_INCOME_COLUMNS.join(",")
            )))
        }
        SourceKind::Government if names != GOVERNMENT_COLUMNS => {
            return Err(bad_header(format!(
                "the government agency layout's header is {}",
                GOVERNMENT_COLUMNS.join(",")
            )))
        }
        SourceKind::Schools => {
            for need in ["NCESSCH", "SCH_NAME", "ST"] {
                if !names.iter().any(|n| n == need) {
                    return Err(bad_header(format!(
                        "not an NCES CCD school directory: the header has no {need} column"
                    )));
                }
            }
        }
        _ => {}
    }
    let width = names.len();
    let columns = names.into_iter().enumerate().map(|(i, n)| (n, i)).collect();
    Ok(Rows {
        kind,
        reader,
        columns,
        width,
        file: base_name(file),
        loaded_on,
        record: csv::ByteRecord::new(),
        done: false,
    })
}

/// The file's base name (a record never keeps the path it was loaded from).
pub fn base_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => format!("read error: {io}"),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        _ => "not valid CSV".to_string(),
    }
}

impl<R: Read> Iterator for Rows<R> {
    type Item = Result<Employer, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut read = self.reader.read_byte_record(&mut self.record);
        // A line holding only an empty field (csv skips truly empty lines itself).
        while matches!(read, Ok(true))
            && self.record.len() == 1
            && self.record.get(0).is_some_and(<[u8]>::is_empty)
        {
            read = self.reader.read_byte_record(&mut self.record);
        }
        match read {
            Ok(false) => {
                self.done = true;
                None
            }
            Ok(true) => {
                let line = self.record.position().map(|p| p.line()).unwrap_or(0);
                let row = if self.record.len() != self.width {
                    Err(format!(
                        "{} fields where the header has {}",
                        self.record.len(),
                        self.width
                    ))
                } else {
                    self.parse()
                };
                Some(row.map_err(|problem| RowError { line, problem }))
            }
            Err(e) => {
                self.done = true;
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                Some(Err(RowError {
                    line,
                    problem: csv_problem(&e),
                }))
            }
        }
    }
}

impl<R: Read> Rows<R> {
    fn get(&self, column: &str) -> String {
        self.columns
            .get(column)
            .and_then(|&i| self.record.get(i))
            .map(text)
            .unwrap_or_default()
    }

    fn opt(&self, column: &str) -> Option<String> {
        Some(self.get(column)).filter(|s| !s.is_empty())
    }

    fn parse(&self) -> Result<Employer, String> {
        let kind = self.kind.employer_type();
        let (id_col, name_col) = match self.kind {
            SourceKind::Bmf => ("EIN", "NAME"),
            SourceKind::Schools => ("NCESSCH", "SCH_NAME"),
            SourceKind::LowIncome => ("SCHOOL_ID", "SCHOOL_NAME"),
            SourceKind::Government => ("AGENCY_ID", "NAME"),
        };
        let source_id = self.get(id_col);
        let name = self.get(name_col);
        check_text(name_col, &name, 200)?;
        let normalised = names::normalise_name(&name);
        if normalised.is_empty() {
            return Err(format!("{name_col} has no letter or digit"));
        }
        let city_col = match self.kind {
            SourceKind::Schools if self.columns.contains_key("LCITY") => "LCITY",
            SourceKind::Schools => "MCITY",
            _ => "CITY",
        };
        let city = self.opt(city_col);
        if let Some(c) = &city {
            check_text(city_col, c, 100)?;
        }
        let state_col = if self.kind == SourceKind::Schools {
            "ST"
        } else {
            "STATE"
        };
        let raw_state = self.get(state_col);
        let state = match normalize_state(&raw_state) {
            Some(s) => Some(s.to_string()),
            // The IRS files list organisations abroad with no US state, and the NCES files
            // schools of federal systems (BIE) under codes that are not states: both are kept,
            // searchable without `state`.
            None if raw_state.is_empty()
                || matches!(self.kind, SourceKind::Bmf | SourceKind::Schools) =>
            {
                None
            }
            None => return Err(format!("{state_col} {raw_state:?} is not a US state code")),
        };
        let mut e = Employer {
            kind,
            source_id: source_id.clone(),
            name,
            normalised,
            ein: None,
            city,
            state,
            pslf_eligible: true,
            reason: String::new(),
            subsection: None,
            level: None,
            school_years: None,
            source: self.file.clone(),
            loaded_on: self.loaded_on,
        };
        match self.kind {
            SourceKind::Bmf => {
                if !is_digits(&source_id, 9) {
                    return Err(format!("EIN {source_id:?} is not 9 digits"));
                }
                let sub = self.get("SUBSECTION");
                if !is_digits(&sub, 2) {
                    return Err(format!("SUBSECTION {sub:?} is not a 2-digit code"));
                }
                e.ein = Some(source_id);
                e.pslf_eligible = sub == "03";
                e.reason = subsection_reason(&sub);
                e.subsection = Some(sub);
            }
            SourceKind::Schools => {
                if !is_digits(&source_id, 12) {
                    return Err(format!("NCESSCH {source_id:?} is not 12 digits"));
                }
                // SY_STATUS 2 is closed, 6 inactive: employment there still counted while it
                // was open.
                e.reason = match self.get("SY_STATUS").as_str() {
                    "2" => "Public school, now closed (a government employer)".into(),
                    "6" => "Public school, now inactive (a government employer)".into(),
                    _ => "Public school (a government employer)".into(),
                };
            }
            SourceKind::LowIncome => {
                check_id("SCHOOL_ID", &source_id)?;
                let years = self.get("SCHOOL_YEARS");
                for y in years.split(';').filter(|y| !y.is_empty()) {
                    if !is_school_year(y) {
                        return Err(format!(
                            "SCHOOL_YEARS {y:?} is not a school year such as 2024-25"
                        ));
                    }
                }
                if let Some(zip) = self.opt("ZIP") {
                    check_text("ZIP", &zip, 10)?;
                }
                e.school_years = Some(years).filter(|y| !y.is_empty());
                e.reason = "Low-income school (Teacher Cancellation Low Income directory)".into();
            }
            SourceKind::Government => {
                check_id("AGENCY_ID", &source_id)?;
                let level = self.get("LEVEL").to_ascii_lowercase();
                if !GOVERNMENT_LEVELS.contains(&level.as_str()) {
                    return Err(format!(
                        "LEVEL {level:?} is not one of {}",
                        GOVERNMENT_LEVELS.join(", ")
                    ));
                }
                if let Some(ein) = self.opt("EIN") {
                    let digits: String = ein.chars().filter(|c| *c != '-').collect();
                    if !is_digits(&digits, 9) {
                        return Err(format!("EIN {ein:?} is not 9 digits"));
                    }
                    e.ein = Some(digits);
                }
                e.reason = format!("Government agency ({level})");
                e.level = Some(level);
            }
        }
        Ok(e)
    }
}

fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_school_year(y: &str) -> bool {
    let b = y.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[5..].iter().all(u8::is_ascii_digit)
}

fn check_text(column: &str, value: &str, max: usize) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("{column} is empty"));
    }
    if value.chars().count() > max {
        return Err(format!("{column} is longer than {max} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{column} contains a control character"));
    }
    Ok(())
}

/// Ids are key parts: letters, digits and `-`, at most 40.
fn check_id(column: &str, id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > 40 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(format!(
            "{column} {id:?} must be 1 to 40 letters, digits or '-'"
        ));
    }
    Ok(())
}

/// The reason a non-profit does or does not qualify, from its IRS subsection code.
pub fn subsection_reason(sub: &str) -> String {
    let n: u32 = sub.parse().unwrap_or(0);
    match n {
        3 => "501(c)(3) organization".to_string(),
        1..=29 => format!(
            "501(c)({n}) organization, not a 501(c)(3): not a qualifying employer as listed (a \
             non-profit that is not a 501(c)(3) qualifies only through the public services it \
             provides, 34 CFR 685.219(b), which the list does not show)"
        ),
        _ => format!("IRS subsection code {sub}, not a 501(c)(3)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    const BMF_HEADER: &str = "EIN,NAME,ICO,STREET,CITY,STATE,ZIP,GROUP,SUBSECTION,AFFILIATION,\
        CLASSIFICATION,RULING,DEDUCTIBILITY,FOUNDATION,ACTIVITY,ORGANIZATION,STATUS,TAX_PERIOD,\
        ASSET_CD,INCOME_CD,FILING_REQ_CD,PF_FILING_REQ_CD,ACCT_PD,ASSET_AMT,INCOME_AMT,\
        REVENUE_AMT,NTEE_CD,SORT_NAME";

    fn bmf(rows: &str) -> Vec<Result<Employer, RowError>> {
        let text = format!("{BMF_HEADER}\n{rows}");
        rows_of(SourceKind::Bmf, &text)
    }

    fn rows_of(kind: SourceKind, text: &str) -> Vec<Result<Employer, RowError>> {
        rows(kind, text.as_bytes(), "/data/eo1.csv", day())
            .unwrap()
            .collect()
    }

    #[test]
    fn a_bmf_row_becomes_a_non_profit() {
        let out = bmf(
            "123456789,ACLU OF WASHINGTON,,PO BOX 1,SEATTLE,WA,98101,0000,03,3,1000,197001,1,15,\
             000000000,1,01,202412,5,4,01,0,12,12345,67890,111213,R60,ACLU WA\n\
             987654321,\"FEDERATED CHAMBER, INC\",,1 MAIN ST,AUSTIN,TX,73301,0000,06,3,1000,\
             197001,2,00,000000000,1,01,202412,5,4,01,0,12,1,2,3,S41,\n",
        );
        let a = out[0].as_ref().unwrap();
        assert_eq!(a.kind, EmployerType::NonProfit);
        assert_eq!(a.source_id, "123456789");
        assert_eq!(a.ein.as_deref(), Some("123456789"));
        assert_eq!(a.name, "ACLU OF WASHINGTON");
        assert_eq!(a.normalised, "aclu of washington");
        assert_eq!(a.city.as_deref(), Some("SEATTLE"));
        assert_eq!(a.state.as_deref(), Some("WA"));
        assert!(a.pslf_eligible);
        assert_eq!(a.reason, "501(c)(3) organization");
        assert_eq!(a.source, "eo1.csv");
        let b = out[1].as_ref().unwrap();
        assert_eq!(b.name, "FEDERATED CHAMBER, INC");
        assert!(!b.pslf_eligible);
        assert!(b
            .reason
            .starts_with("501(c)(6) organization, not a 501(c)(3)"));
        assert_eq!(b.subsection.as_deref(), Some("06"));
    }

    #[test]
    fn malformed_rows_name_their_line() {
        let out = bmf(
            "123456789,OK ORG,,,SEATTLE,WA,98101,0000,03,3,1000,197001,1,15,0,1,01,202412,5,4,01,0,12,1,2,3,R60,\n\
             12345,SHORT EIN,,,SEATTLE,WA,98101,0000,03,3,1000,197001,1,15,0,1,01,202412,5,4,01,0,12,1,2,3,R60,\n\
             123456780,TOO FEW,SEATTLE\n\
             123456781,,,,SEATTLE,WA,98101,0000,03,3,1000,197001,1,15,0,1,01,202412,5,4,01,0,12,1,2,3,R60,\n\
             123456782,BAD SUB,,,SEATTLE,WA,98101,0000,3C,3,1000,197001,1,15,0,1,01,202412,5,4,01,0,12,1,2,3,R60,\n",
        );
        assert!(out[0].is_ok());
        let errs: Vec<String> = out[1..]
            .iter()
            .map(|r| r.as_ref().unwrap_err().to_string())
            .collect();
        assert_eq!(
            errs,
            [
                "line 3: EIN \"12345\" is not 9 digits",
                "line 4: 3 fields where the header has 28",
                "line 5: NAME is empty",
                "line 6: SUBSECTION \"3C\" is not a 2-digit code",
            ]
        );
    }

    #[test]
    fn a_wrong_header_is_refused_on_line_1() {
        let e = rows(
            SourceKind::Bmf,
            "EIN,NAME\n1,2\n".as_bytes(),
            "x.csv",
            day(),
        )
        .err()
        .unwrap();
        assert_eq!(e.line, 1);
        assert!(e.problem.starts_with("not an IRS EO BMF extract"));
        let e = rows(SourceKind::Schools, "NAME,ST\n".as_bytes(), "x.csv", day())
            .err()
            .unwrap();
        assert!(e.problem.contains("no NCESSCH column"), "{}", e.problem);
    }

    #[test]
    fn nces_low_income_and_government_rows() {
        let s = rows_of(
            SourceKind::Schools,
            "SCHOOL_YEAR,ST,SCH_NAME,LEA_NAME,NCESSCH,LCITY,SY_STATUS\n\
             2024-2025,OH,Lincoln Elementary School,Columbus City,390000100001,Columbus,1\n",
        );
        let s = s[0].as_ref().unwrap();
        assert_eq!(
            (
                s.kind,
                s.source_id.as_str(),
                s.city.as_deref(),
                s.state.as_deref()
            ),
            (
                EmployerType::PublicSchool,
                "390000100001",
                Some("Columbus"),
                Some("OH")
            )
        );
        let l = rows_of(
            SourceKind::LowIncome,
            "SCHOOL_ID,SCHOOL_NAME,CITY,STATE,ZIP,SCHOOL_YEARS\n\
             390000100001,Lincoln Elementary School,Columbus,OH,43215,2023-24;2024-25\n\
             X1,Bad Year School,Columbus,OH,43215,2024\n",
        );
        assert_eq!(
            l[0].as_ref().unwrap().school_years.as_deref(),
            Some("2023-24;2024-25")
        );
        assert_eq!(
            l[1].as_ref().unwrap_err().to_string(),
            "line 3: SCHOOL_YEARS \"2024\" is not a school year such as 2024-25"
        );
        let g = rows_of(
            SourceKind::Government,
            "AGENCY_ID,NAME,LEVEL,CITY,STATE,EIN\n\
             US-FBI,Federal Bureau of Investigation,Federal,Washington,DC,\n\
             NC-ALB,City of Albemarle,local,Albemarle,NC,56-6000232\n\
             X,Nowhere Agency,galactic,,OH,\n\
             Y,Nowhere Office,local,,ZZ,\n",
        );
        let fbi = g[0].as_ref().unwrap();
        assert_eq!(fbi.reason, "Government agency (federal)");
        assert_eq!(fbi.ein, None);
        assert_eq!(g[1].as_ref().unwrap().ein.as_deref(), Some("566000232"));
        assert!(g[2]
            .as_ref()
            .unwrap_err()
            .problem
            .starts_with("LEVEL \"galactic\""));
        assert_eq!(
            g[3].as_ref().unwrap_err().to_string(),
            "line 5: STATE \"ZZ\" is not a US state code"
        );
    }

    #[test]
    fn latin1_text_is_read() {
        let mut bytes =
            b"SCHOOL_ID,SCHOOL_NAME,CITY,STATE,ZIP,SCHOOL_YEARS\nPR1,Escuela Jos".to_vec();
        bytes.push(0xE9); // é in Latin-1
        bytes.extend_from_slice(b",San Juan,PR,00901,\n");
        let r: Vec<_> = rows(SourceKind::LowIncome, bytes.as_slice(), "x.csv", day())
            .unwrap()
            .collect();
        let e = r[0].as_ref().unwrap();
        assert_eq!(e.name, "Escuela José");
        assert_eq!(e.normalised, "escuela jose");
    }
}
