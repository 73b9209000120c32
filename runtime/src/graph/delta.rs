//! Delta queries: where a listing of changes resumes.

/// Where a delta query resumes: the `@odata.deltaLink` its last page gave. Store
/// [`DeltaLink::as_str`], and later [`DeltaLink::new`] it and start the same operation's listing
/// from it ([`Pager::resume`](crate::paging::Pager::resume), or the client's `resume_pages`) to get only what changed since. It
/// is followed, like a next link, only on the base URL's scheme and host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaLink(String);

impl DeltaLink {
    pub fn new(link: impl Into<String>) -> Self {
        DeltaLink(link.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `$deltatoken` the link carries, as it is written in the link (still percent-encoded).
    pub fn token(&self) -> Option<&str> {
        let (_, query) = self.0.split_once('?')?;
        // `$` may come percent-encoded.
        for key in ["$deltatoken=", "%24deltatoken="] {
            if let Some(token) = query.split('&').find_map(|pair| pair.strip_prefix(key)) {
                return Some(token);
            }
        }
        None
    }
}
