//! Located diagnostics: what is wrong, where (file, JSON pointer, line and column), what to do.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The spec file as the caller named it.
    pub file: String,
    /// JSON pointer (RFC 6901) of the offending node; empty for the document root.
    pub pointer: String,
    /// 1-based line and column, where they can be recovered from the text.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: String::new(),
            pointer: pointer.into(),
            line: None,
            column: None,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(pointer, message) }
    }

    /// An inconsistency of the generator's own (a bug, not the description's fault), at the
    /// document root.
    pub fn internal(message: impl std::fmt::Display) -> Self {
        Diagnostic::error("", format!("internal generator error: {message}")).help("please report this with the spec that caused it")
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{level}: {}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": at {}: {}", self.shown_pointer(), self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Appends one token to a JSON pointer, escaping `~` and `/` as RFC 6901 says.
pub fn pointer_push(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", token.replace('~', "~0").replace('/', "~1"))
}

/// How many further places a folded warning names after its own.
const FOLDED_PLACES_SHOWN: usize = 3;

/// One warning per kind: warnings that say exactly the same thing (an unknown format used on 287
/// properties) become the first of them, located as it was, with the count and the next few
/// places in its message. Errors are kept one by one: each is something to fix. Order is kept.
pub fn fold_repeated_warnings(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut kinds: std::collections::HashMap<(String, Option<String>), usize> = std::collections::HashMap::new();
    let mut kept: Vec<(Diagnostic, Vec<String>)> = Vec::with_capacity(diags.len());
    for d in diags {
        if d.is_error() {
            kept.push((d, Vec::new()));
            continue;
        }
        match kinds.get(&(d.message.clone(), d.help.clone())) {
            Some(&at) => {
                if let Some((_, others)) = kept.get_mut(at) {
                    others.push(d.place());
                }
            }
            None => {
                kinds.insert((d.message.clone(), d.help.clone()), kept.len());
                kept.push((d, Vec::new()));
            }
        }
    }
    kept.into_iter()
        .map(|(mut d, others)| {
            if let Some(shown) = (!others.is_empty()).then(|| others.iter().take(FOLDED_PLACES_SHOWN).cloned().collect::<Vec<_>>()) {
                let more = others.len() - shown.len();
                let more = if more > 0 { format!(", and {more} more") } else { String::new() };
                d.message = format!("{} ({} places; also at {}{more})", d.message, others.len() + 1, shown.join(", "));
            }
            d
        })
        .collect()
}

impl Diagnostic {
    /// `line:column pointer`, or the pointer alone where the line is not known.
    fn place(&self) -> String {
        match (self.line, self.column) {
            (Some(line), Some(column)) => format!("{line}:{column} {}", self.shown_pointer()),
            (Some(line), None) => format!("{line} {}", self.shown_pointer()),
            _ => self.shown_pointer(),
        }
    }

    /// The pointer as printed. Keys may hold control characters (a NUL, a CR); shown raw they
    /// would garble the line.
    fn shown_pointer(&self) -> String {
        if self.pointer.is_empty() {
            return "(document root)".to_string();
        }
        self.pointer.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_warnings_fold_into_the_first_and_errors_stay_one_by_one() {
        let warn = |at: &str| Diagnostic::warning(at, "unknown format `x`");
        let error = |at: &str| Diagnostic::error(at, "unresolved reference");
        let diags = vec![
            warn("/a"),
            error("/e1"),
            warn("/b"),
            Diagnostic::warning("/c", "other"),
            warn("/d"),
            error("/e2"),
            warn("/f"),
            warn("/g"),
        ];
        let folded = fold_repeated_warnings(diags);
        let shown: Vec<(&str, &str)> = folded.iter().map(|d| (d.pointer.as_str(), d.message.as_str())).collect();
        assert_eq!(
            shown,
            [
                ("/a", "unknown format `x` (5 places; also at /b, /d, /f, and 1 more)"),
                ("/e1", "unresolved reference"),
                ("/c", "other"),
                ("/e2", "unresolved reference"),
            ]
        );
    }
}
