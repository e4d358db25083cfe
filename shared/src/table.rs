//! The single table's definition: the one source of truth for keys and indexes.
//!
//! `loanpath table create` builds the local table from this, and a test checks that
//! `template.yaml` declares exactly the same attributes, keys and GSIs.

/// Default table name (overridden by `TABLE_NAME`).
pub const DEFAULT_TABLE_NAME: &str = "loanpath";

pub const PK: &str = "PK";
pub const SK: &str = "SK";

/// A global secondary index with string partition and sort keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gsi {
    pub name: &'static str,
    pub pk: &'static str,
    pub sk: &'static str,
    /// `true`: the index holds only the keys (the table's and its own); `false`: every
    /// attribute.
    pub keys_only: bool,
}

/// Overloaded GSIs. See docs/data-model.md for every access pattern.
pub const GSIS: &[Gsi] = &[
    // lists: a client's borrowers by id, all clients, an API key by its key id; employers by
    // type, state and name prefix
    Gsi {
        name: "GSI1",
        pk: "GSI1PK",
        sk: "GSI1SK",
        keys_only: false,
    },
    // sparse, sharded sync schedule: servicer links by due time (GSI2PK = SYNCDUE#<shard>,
    // GSI2SK = <due>#<borrower>#<servicer>)
    Gsi {
        name: "GSI2",
        pk: "GSI2PK",
        sk: "GSI2SK",
        keys_only: true,
    },
    // sparse, employer records only: employers by type and name prefix (GSI3PK =
    // EMPNAME#<type>#<first character>, GSI3SK = <normalised name> #<id>)
    Gsi {
        name: "GSI3",
        pk: "GSI3PK",
        sk: "GSI3SK",
        keys_only: false,
    },
];

/// Every key attribute (all strings), in declaration order.
pub fn key_attributes() -> Vec<&'static str> {
    let mut attrs = vec![PK, SK];
    for g in GSIS {
        attrs.push(g.pk);
        attrs.push(g.sk);
    }
    attrs
}
