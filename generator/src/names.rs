//! Rust names from OpenAPI names: case conversion, keyword escaping, deterministic de-duplication.

use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::{BTreeMap, BTreeSet};

/// Words that cannot be plain identifiers in Rust 2021 (strict and reserved keywords).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else", "enum", "extern",
    "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type", "typeof", "union", "unsafe",
    "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that `r#` cannot escape.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// Type names the generated modules use themselves; a schema may not shadow them.
const RESERVED_TYPES: &[&str] =
    &["Box", "Default", "Deserialize", "Err", "None", "Ok", "Option", "Result", "Serialize", "Some", "String", "Vec", "Patch"];

/// Keeps ASCII letters and digits, turning everything else into word breaks, so that any
/// input (empty, punctuation, non-ASCII) ends up as a candidate identifier or as "".
fn ascii_words(raw: &str) -> String {
    raw.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect()
}

/// An UpperCamelCase identifier for a type or variant; `prefix` guards a leading digit or empty name.
pub fn upper_camel(raw: &str, prefix: &str) -> String {
    let name = ascii_words(raw).to_upper_camel_case();
    if name.is_empty() {
        return prefix.to_string();
    }
    // `Self` is the one UpperCamelCase keyword, and `r#Self` is not allowed either.
    if name.starts_with(|c: char| c.is_ascii_digit()) || name == "Self" {
        return format!("{prefix}{name}");
    }
    name
}

/// The snake_case identifier text for a field, parameter or function (without `r#`).
pub fn snake(raw: &str, prefix: &str) -> String {
    let name = ascii_words(raw).to_snake_case();
    if name.is_empty() {
        return prefix.to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("{prefix}_{name}");
    }
    if NOT_RAW.contains(&name.as_str()) {
        return format!("{name}_");
    }
    name
}

/// True when `name` must be written `r#name`.
pub fn needs_raw(name: &str) -> bool {
    KEYWORDS.contains(&name) && !NOT_RAW.contains(&name)
}

/// The last dotted segment of a schema key, as a type name: `microsoft.graph.userAppInstallStatus`
/// becomes `UserAppInstallStatus`.
pub fn type_name_candidates(schema_key: &str) -> Vec<String> {
    // Candidates from the shortest (last segment) to the longest (every segment), so collisions
    // are resolved by qualifying with as much of the namespace as it takes.
    let segments: Vec<&str> = schema_key.split('.').collect();
    let mut out = Vec::new();
    for take in 1..=segments.len() {
        let joined = segments.get(segments.len() - take..).map(|s| s.join(" ")).unwrap_or_default();
        out.push(upper_camel(&joined, "Type"));
    }
    out
}

/// Assigns each key a unique name, deterministically: every key starts with its first candidate;
/// keys that share a name move on to their next candidate together; a name still shared after the
/// candidates run out gets a numeric suffix, in the keys' sorted order. `taken` names are never used.
pub fn assign_unique(keys: &[(String, Vec<String>)], taken: &BTreeSet<String>) -> Vec<String> {
    let mut level = vec![0usize; keys.len()];
    let pick = |i: usize, level: &[usize]| -> String {
        let c = keys.get(i).map(|k| k.1.as_slice()).unwrap_or_default();
        let at = level.get(i).copied().unwrap_or(0);
        // An empty candidate list is a caller's bug; a placeholder name beats a panic.
        c.get(at).or(c.last()).cloned().unwrap_or_else(|| "Type".to_string())
    };
    // Each round, only groups that collide advance; a bounded number of rounds (the longest
    // candidate list) keeps this linear in practice and guarantees termination.
    let rounds = keys.iter().map(|k| k.1.len()).max().unwrap_or(0);
    for _ in 0..rounds {
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for i in 0..keys.len() {
            groups.entry(pick(i, &level)).or_default().push(i);
        }
        let mut moved = false;
        for (name, members) in groups {
            let clash = members.len() > 1 || taken.contains(&name);
            if !clash {
                continue;
            }
            for i in members {
                if level[i] + 1 < keys[i].1.len() {
                    level[i] += 1;
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
    let mut used: BTreeSet<String> = taken.clone();
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|a, b| keys[*a].0.cmp(&keys[*b].0));
    let mut out = vec![String::new(); keys.len()];
    for i in order {
        out[i] = dedupe(pick(i, &level), &mut used, "");
    }
    out
}

/// Makes `name` unique within `used` by appending `_2`, `_3`, …, and records it.
pub fn dedupe(name: String, used: &mut BTreeSet<String>, sep: &str) -> String {
    if used.insert(name.clone()) {
        return name;
    }
    // `self_` (the keyword escaped) numbers as `self_2`, not `self__2`, which clippy rejects.
    let stem = if sep.is_empty() { name.as_str() } else { name.strip_suffix(sep).unwrap_or(&name) };
    let mut n = 2;
    loop {
        let candidate = format!("{stem}{sep}{n}");
        if used.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

/// File stems Windows refuses whatever the extension follows (`con.rs` is as reserved as `con`), and
/// `mod`, whose `operations/mod.rs` would be a second file for `operations` itself (E0761).
const RESERVED_STEMS: &[&str] = &[
    "con", "prn", "aux", "nul", "com0", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9", "lpt0", "lpt1", "lpt2",
    "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9", "mod",
];

/// The longest name, in bytes, derived from a tag before de-duplication. A module name becomes a
/// file name (`<module>.rs`) and file systems stop at 255 bytes; 64 also keeps the path of a crate
/// checked out a few folders deep under Windows' 260-character limit.
pub const MAX_DERIVED_NAME: usize = 64;

/// `name` cut to [`MAX_DERIVED_NAME`] bytes: a longer one keeps its start and ends with `sep` and
/// eight hex digits of the SHA-256 of `source` (the text it came from), so the cut name is the same
/// on every run and two long names that share a start stay apart. `name` is ASCII (see
/// `ascii_words`); a non-ASCII one is cut at a character boundary all the same.
pub fn bounded(name: String, sep: &str, source: &str) -> String {
    if name.len() <= MAX_DERIVED_NAME {
        return name;
    }
    use sha2::{Digest, Sha256};
    let hash: String = Sha256::digest(source.as_bytes()).iter().take(4).map(|b| format!("{b:02x}")).collect();
    let mut keep = MAX_DERIVED_NAME - sep.len() - hash.len();
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    let start = name[..keep].trim_end_matches(|c: char| sep.contains(c));
    format!("{start}{sep}{hash}")
}

/// `stem` as a file stem every platform can hold and Rust's module layout cannot misread: a
/// reserved one (see `RESERVED_STEMS`, compared case-insensitively as Windows does) gets `sep`
/// and `area` appended.
pub fn portable_stem(stem: String, sep: &str) -> String {
    if RESERVED_STEMS.iter().any(|r| r.eq_ignore_ascii_case(&stem)) {
        format!("{stem}{sep}area")
    } else {
        stem
    }
}

pub fn reserved_types() -> BTreeSet<String> {
    RESERVED_TYPES.iter().map(|s| s.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_names() {
        assert_eq!(type_name_candidates("microsoft.graph.userAppInstallStatus")[0], "UserAppInstallStatus");
        assert_eq!(type_name_candidates("microsoft.graph.ODataErrors.ODataError")[0], "ODataError");
        assert_eq!(snake("@odata.nextLink", "field"), "odata_next_link");
        assert_eq!(snake("mobileApp-id", "param"), "mobile_app_id");
        assert_eq!(snake("type", "field"), "type");
        assert!(needs_raw("type"));
        assert_eq!(snake("self", "field"), "self_");
        assert_eq!(snake("1st", "field"), "field_1st");
        assert_eq!(snake("", "field"), "field");
        assert_eq!(snake("ü", "field"), "field");
        assert_eq!(upper_camel("3des", "V"), "V3des");
    }

    #[test]
    fn derived_names_are_bounded_and_portable() {
        let long = "a".repeat(300);
        let cut = bounded(long.clone(), "_", &long);
        assert_eq!(cut.len(), MAX_DERIVED_NAME);
        assert_eq!(cut, bounded(long.clone(), "_", &long), "the same on every run");
        assert_ne!(cut, bounded(long.clone(), "_", &format!("{long}b")), "different sources stay apart");
        assert!(cut.starts_with("aaaa") && cut.rsplit('_').next().is_some_and(|h| h.len() == 8));
        assert_eq!(bounded("short".to_string(), "_", "short"), "short");
        assert_eq!(portable_stem("con".to_string(), "_"), "con_area");
        assert_eq!(portable_stem("NUL".to_string(), "-"), "NUL-area");
        assert_eq!(portable_stem("mod".to_string(), "_"), "mod_area");
        assert_eq!(portable_stem("console".to_string(), "_"), "console");
    }

    #[test]
    fn collisions_qualify_then_number() {
        let keys = vec![
            ("a.entity".to_string(), type_name_candidates("a.entity")),
            ("b.entity".to_string(), type_name_candidates("b.entity")),
            ("x.y".to_string(), vec!["Y".to_string()]),
            ("z.y".to_string(), vec!["Y".to_string()]),
        ];
        let names = assign_unique(&keys, &BTreeSet::new());
        assert_eq!(names, vec!["AEntity", "BEntity", "Y", "Y2"]);
        let taken: BTreeSet<String> = ["Option".to_string()].into();
        let keys = vec![("ns.option".to_string(), type_name_candidates("ns.option"))];
        assert_eq!(assign_unique(&keys, &taken), vec!["NsOption"]);
    }
}
