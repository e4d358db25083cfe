//! Key shapes of the single table (modyne-style entity prefixes).

use uuid::Uuid;

pub const COUNTER_SK: &str = "COUNTER";
pub const PROFILE_SK: &str = "PROFILE";
pub const LOOKUP_SK: &str = "LOOKUP";
pub const CLIENT_SK: &str = "CLIENT";
pub const APIKEY_SK: &str = "APIKEY";
pub const HEALTH_PK: &str = "HEALTH";
/// GSI1 partition holding every client (admin listing only; low volume).
pub const ALL_CLIENTS: &str = "CLIENTS";

pub fn counter(name: &str) -> String {
    format!("COUNTER#{name}")
}

/// A borrower's item collection: profile, income certifications, later loans and enrollments.
pub fn borrower(uuid: &Uuid) -> String {
    format!("BORROWER#{uuid}")
}

/// Lookup item: integer borrower id -> uuid (strongly consistent, unlike a GSI).
pub fn borrower_id(id: i64) -> String {
    format!("BORROWERID#{id}")
}

/// Uniqueness guard and lookup: a client's external_id -> uuid.
pub fn external_id(client_id: &str, external_id: &str) -> String {
    format!("EXTID#{client_id}#{external_id}")
}

/// GSI1 partition listing a client's borrowers, sorted by integer id.
pub fn client_borrowers(client_id: &str) -> String {
    format!("CLIENT#{client_id}#BORROWERS")
}

pub fn borrower_sort(id: i64) -> String {
    format!("BORROWER#{id:015}")
}

pub fn income_cert(id: i64) -> String {
    format!("INCOMECERT#{id:015}")
}

pub fn client(client_id: &str) -> String {
    format!("CLIENT#{client_id}")
}

pub fn client_key(key_id: &str) -> String {
    format!("KEY#{key_id}")
}

pub fn key_id_index(key_id: &str) -> String {
    format!("KEYID#{key_id}")
}

pub fn api_key(hash: &str) -> String {
    format!("APIKEY#{hash}")
}

pub fn loan(uuid: &Uuid) -> String {
    format!("LOAN#{uuid}")
}

/// An employer record (shared reference data, no client): `EMPLOYER#<type>#<source id>`.
pub fn employer(type_code: &str, source_id: &str) -> String {
    format!("EMPLOYER#{type_code}#{source_id}")
}

pub const EMPLOYER_SK: &str = "EMPLOYER";

/// GSI3 partition of every employer, of every type, whose normalised name starts with `bucket`.
pub fn employer_names(bucket: char) -> String {
    format!("EMPNAME#{bucket}")
}

/// GSI1 partition of the same, in one state.
pub fn employer_names_in(state: &str, bucket: char) -> String {
    format!("EMPNAME#{state}#{bucket}")
}

/// The sort key of both name indexes: the normalised name, then ` #`, the type code, `#` and
/// the source id. A space sorts before every letter and digit, so "federal" comes before
/// "federal bureau"; `begins_with(<normalised> #)` is an exact-name match, and
/// `begins_with(<normalised> #<type>#)` the same for one type.
pub fn employer_name_sort(normalised: &str, type_code: &str, source_id: &str) -> String {
    format!("{normalised} #{type_code}#{source_id}")
}

/// The partition of the precomputed result pages of one name-index partition: `ALL` or a
/// state, and the first character (`EMPPAGE#ALL#f`, `EMPPAGE#OH#f`).
pub fn employer_pages(scope: &str, bucket: char) -> String {
    format!("EMPPAGE#{scope}#{bucket}")
}

/// The partition of the marks of name-index partitions whose result pages must be rebuilt
/// (sort key [`employer_pages_dirty`]).
pub const EMPLOYER_DIRTY_PK: &str = "EMPDIRTY";

/// A dirty mark's sort key: `<ALL or state>#<first character>`.
pub fn employer_pages_dirty(scope: &str, bucket: char) -> String {
    format!("{scope}#{bucket}")
}

/// The sort key of the result page of one prefix.
pub fn employer_page(prefix: &str) -> String {
    format!("PREFIX#{prefix}")
}
