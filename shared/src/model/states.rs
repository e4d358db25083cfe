//! US state and territory codes accepted wherever a 2-letter state is asked for.

/// The 50 states, DC, and the territories and military "states" USPS uses.
pub const STATE_CODES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC", "AS", "GU", "MP", "PR", "VI", "FM", "MH", "PW", "AA", "AE", "AP",
];

/// Normalises a state code to upper case, or `None` if it is not one.
pub fn normalize_state(s: &str) -> Option<&'static str> {
    let up = s.trim().to_ascii_uppercase();
    STATE_CODES.iter().copied().find(|c| *c == up)
}
