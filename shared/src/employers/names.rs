//! The normalised form of an employer's name, used for both the stored sort key and the query,
//! so that a prefix of one is a prefix of the other.
//!
//! - lower case ASCII letters and digits, words separated by one space;
//! - `&` is "and"; apostrophes join ("St. Mary's" → "saint marys"); every other punctuation
//!   mark separates words; common accented Latin letters lose their accent;
//! - a leading article ("the", "a", "an") is dropped when another word follows it;
//! - "st" as a whole word before another word is "saint" ("St. Jude" = "Saint Jude"; "Mt" is
//!   left alone, since "MT" is also Montana). A last word is never expanded in the stored name
//!   ("MAIN ST" is a street); a query whose last word is "st" is also searched as "saint"
//!   ([`query_prefixes`]), so "St" finds both "Stanford" and "St. Jude";
//! - combining accents are dropped like precomposed ones, "ß" is "ss", and fullwidth letters
//!   and digits are their ASCII forms;
//! - a trailing legal form ("Inc", "Corp", "LLC", "Ltd", "Co", ...) is dropped, so "A Place to
//!   Grow" and "A PLACE TO GROW INC" are the same name.
//!
//! The prefix match is on the start of the whole name, never of a later word, so `fed` finds
//! "Federal Bureau of Investigation" and not "Dwarfed Foundation".

/// The longest normalised name kept, in bytes (it is ASCII; DynamoDB sort keys allow 1 KB).
pub const MAX_NAME_BYTES: usize = 200;

/// Trailing words that name a legal form, not the employer.
const LEGAL_FORMS: [&str; 13] = [
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "llc",
    "ltd",
    "limited",
    "co",
    "pc",
    "pllc",
    "lp",
    "llp",
    "plc",
];

fn fold(c: char) -> Option<char> {
    // Fullwidth forms (Ｆｅｄ) are their ASCII letters and digits.
    let c = match u32::from(c) {
        0xFF01..=0xFF5E => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    let folded = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
        _ => return None,
    };
    Some(folded)
}

/// The words of a name: letters and digits only, lower case.
fn words(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in raw.chars() {
        if c == '\'' || c == '’' || c == '`' {
            continue; // "Mary's" → "marys"
        }
        // A combining accent (e + U+0301, as some keyboards type "é") is dropped like a
        // precomposed one.
        if ('\u{0300}'..='\u{036F}').contains(&c) {
            continue;
        }
        if c == 'ß' {
            cur.push_str("ss");
            continue;
        }
        if c == '&' {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            out.push("and".to_string());
            continue;
        }
        match fold(c) {
            Some(f) => cur.push(f),
            None => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn normalise(raw: &str) -> String {
    let mut w = words(raw);
    if w.len() > 1 && matches!(w[0].as_str(), "the" | "a" | "an") {
        w.remove(0);
    }
    // Only a word followed by another is expanded, on both sides, so that "MAIN ST" and a
    // query "main st" stay alike and "st" typed alone still finds "Stanford".
    let last = w.len().saturating_sub(1);
    // ("Mt" is not expanded: "MT" is also Montana.)
    for word in w.iter_mut().take(last) {
        if word == "st" {
            *word = "saint".to_string();
        }
    }
    while w.len() > 1 && w.last().is_some_and(|x| LEGAL_FORMS.contains(&x.as_str())) {
        w.pop();
    }
    let mut s = w.join(" ");
    // ASCII only (see `fold`), so any byte is a character boundary.
    s.truncate(MAX_NAME_BYTES);
    s.truncate(s.trim_end().len());
    s
}

/// A stored name's normalised form.
pub fn normalise_name(raw: &str) -> String {
    normalise(raw)
}

/// A query's normalised form: the same rules as a name's. Empty when the query has no letter
/// or digit.
pub fn normalise_query(raw: &str) -> String {
    normalise(raw)
}

/// Every prefix a query is searched with: its normalised form, and the same with a last word
/// "st" read as "saint" (in a stored name only a word followed by another
/// is expanded, so "St. Jude" is stored as "saint jude", while the user may still be typing).
pub fn query_prefixes(raw: &str) -> Vec<String> {
    let q = normalise_query(raw);
    let mut out = vec![q.clone()];
    let (head, last) = match q.rsplit_once(' ') {
        Some((h, l)) => (format!("{h} "), l),
        None => (String::new(), q.as_str()),
    };
    let expanded = (last == "st").then_some("saint");
    if let Some(e) = expanded {
        out.push(format!("{head}{e}"));
    }
    out
}

/// The partition bucket of a normalised name: its first character (`a`–`z` or `0`–`9`).
pub fn bucket(normalised: &str) -> Option<char> {
    normalised.chars().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_case_punctuation_and_articles() {
        assert_eq!(
            normalise_name("FEDERAL BUREAU OF INVESTIGATION"),
            "federal bureau of investigation"
        );
        assert_eq!(
            normalise_name("The Dwarfed Foundation, Inc."),
            "dwarfed foundation"
        );
        assert_eq!(normalise_name("  A  Place-to-Grow "), "place to grow");
        assert_eq!(normalise_name("A PLACE TO GROW, INC."), "place to grow");
        assert_eq!(normalise_name("Acme Widgets Co LLC"), "acme widgets");
        assert_eq!(normalise_name("Inc"), "inc");
        assert_eq!(
            normalise_name("ST. MARY'S HOSPITAL"),
            "saint marys hospital"
        );
        assert_eq!(
            normalise_name("Saint Mary’s Hospital"),
            "saint marys hospital"
        );
        assert_eq!(normalise_name("Mt. Sinai Health"), "mt sinai health");
        assert_eq!(
            normalise_name("MT Department of Transportation"),
            "mt department of transportation"
        );
        assert_eq!(normalise_name("Fe\u{301}de\u{301}ration"), "federation");
        assert_eq!(normalise_name("Straße Verein"), "strasse verein");
        assert_eq!(normalise_name("Ｆｅｄ"), "fed");
        assert_eq!(normalise_name("Boys & Girls Club"), "boys and girls club");
        assert_eq!(normalise_name("Escuela José Martí"), "escuela jose marti");
        // A lone article is a name, not an article.
        assert_eq!(normalise_name("The"), "the");
        assert_eq!(normalise_name("MAIN ST"), "main st");
        assert_eq!(normalise_name("!!!"), "");
    }

    #[test]
    fn queries_follow_the_same_rules() {
        assert_eq!(normalise_query("fed"), "fed");
        assert_eq!(normalise_query("The Fed"), "fed");
        assert_eq!(normalise_query("st"), "st");
        assert_eq!(normalise_query("St."), "st");
        assert_eq!(normalise_query("st mary"), "saint mary");
        assert_eq!(normalise_query("st. mary's"), "saint marys");
        assert_eq!(normalise_query("the"), "the");
        assert_eq!(normalise_query("  "), "");
        // Every query prefix of a name's text finds the name.
        let name = normalise_name("St. Jude Children's Research Hospital");
        for q in [
            "s",
            "saint",
            "st jude",
            "saint jude child",
            "st. jude children's",
        ] {
            assert!(name.starts_with(&normalise_query(q)), "{q}");
        }
        assert!(!normalise_name("Dwarfed Foundation").starts_with(&normalise_query("fed")));
    }

    #[test]
    fn a_last_st_or_mt_is_also_searched_expanded() {
        assert_eq!(query_prefixes("St"), ["st", "saint"]);
        assert_eq!(query_prefixes("st."), ["st", "saint"]);
        assert_eq!(query_prefixes("Mt"), ["mt"]);
        assert_eq!(
            query_prefixes("church of st"),
            ["church of st", "church of saint"]
        );
        assert_eq!(query_prefixes("stan"), ["stan"]);
        let jude = normalise_name("St. Jude Hospital");
        assert!(query_prefixes("St")
            .iter()
            .any(|q| jude.starts_with(q.as_str())));
        assert!(query_prefixes("St")
            .iter()
            .any(|q| "stanford".starts_with(q.as_str())));
    }

    #[test]
    fn long_names_are_cut_to_200_bytes() {
        let long = "é ".repeat(300);
        let n = normalise_name(&long);
        assert_eq!(n.len(), 199, "cut at 200, then the trailing space");
        assert!(n.is_ascii());
    }
}
