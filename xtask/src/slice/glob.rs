//! The small glob of path templates, tags and source file names, as Kiota's `--include-path`
//! reads them: `*` is any run of characters within one `/`-separated segment, `**` any run at
//! all (so `/users/**` is everything below `/users`), `?` one character other than `/`. A
//! trailing `/**` also matches the path it follows (`/me/todo/**` takes `/me/todo` too). Every
//! other character, `{` `}` `(` `)` `'` `$` included, stands for itself, so Graph's templates
//! need no escaping. Written here (30 lines) rather than taken from `globset`, which is not in
//! the lock file and whose character classes would make `{user-id}` an alternation.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `?`
    One,
    /// `*`
    Segment,
    /// `**`
    Any,
}

#[derive(Debug, Clone)]
pub struct Glob {
    tokens: Vec<Token>,
}

impl Glob {
    pub fn new(text: &str) -> Self {
        let mut tokens = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            tokens.push(match c {
                '*' if chars.peek() == Some(&'*') => {
                    chars.next();
                    Token::Any
                }
                '*' => Token::Segment,
                '?' => Token::One,
                c => Token::Char(c),
            });
        }
        Glob { tokens }
    }

    pub fn matches(&self, s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        if matches_from(&self.tokens, &chars) {
            return true;
        }
        // `a/**` also takes `a` itself.
        match self.tokens.as_slice() {
            [rest @ .., Token::Char('/'), Token::Any] => matches_from(rest, &chars),
            _ => false,
        }
    }
}

/// Whether `tokens` match all of `s`: dynamic programming over (token, character), so no input
/// makes it backtrack exponentially.
fn matches_from(tokens: &[Token], s: &[char]) -> bool {
    // reach[j]: the tokens so far can match exactly s[..j].
    let mut reach = vec![false; s.len() + 1];
    reach[0] = true;
    for token in tokens {
        let mut next = vec![false; s.len() + 1];
        for j in 0..=s.len() {
            if !reach[j] {
                continue;
            }
            match token {
                Token::Char(c) => {
                    if s.get(j) == Some(c) {
                        next[j + 1] = true;
                    }
                }
                Token::One => {
                    if s.get(j).is_some_and(|&c| c != '/') {
                        next[j + 1] = true;
                    }
                }
                Token::Segment => {
                    next[j] = true;
                    for (k, &c) in s.iter().enumerate().skip(j) {
                        if c == '/' {
                            break;
                        }
                        next[k + 1] = true;
                    }
                }
                Token::Any => next[j..].iter_mut().for_each(|n| *n = true),
            }
        }
        reach = next;
    }
    reach[s.len()]
}

#[cfg(test)]
mod tests {
    use super::Glob;

    #[test]
    fn globs_match_path_templates_as_kiota_does() {
        let todo = Glob::new("/users/{user-id}/todo/**");
        assert!(todo.matches("/users/{user-id}/todo/lists/{todoTaskList-id}"));
        assert!(todo.matches("/users/{user-id}/todo"));
        assert!(!todo.matches("/users/{user-id}/todos"));
        assert!(!todo.matches("/users/{user-id}"));
        let one = Glob::new("/users/*/messages");
        assert!(one.matches("/users/{user-id}/messages"));
        assert!(!one.matches("/users/a/b/messages"));
        assert!(Glob::new("**/microsoft.graph.delta()").matches("/users/microsoft.graph.delta()"));
        assert!(Glob::new("users.?ser").matches("users.user"));
        assert!(!Glob::new("a?b").matches("a/b"));
        assert!(Glob::new("*.yml").matches("Users.yml") && !Glob::new("*.yml").matches("Users.yaml"));
        assert!(Glob::new("").matches("") && !Glob::new("").matches("x"));
    }
}
