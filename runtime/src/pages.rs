//! Following `@odata.nextLink` (and a delta query's `@odata.deltaLink`): the state of a paged
//! listing, with no I/O. The async client drives it as a `Stream`; anything else (a blocking
//! client, a test) can drive it by hand.

use crate::error::{DecodeError, Error, RequestError, escape_for_display};
#[cfg(feature = "graph")]
use crate::graph::DeltaLink;
use crate::operation::Operation;
use crate::request::{build_link_request, build_request};
use crate::response::parse_response;
use crate::{BaseUrl, BearerToken};

/// A collection response: its items and the link to the next page.
pub trait Page {
    type Item;
    fn into_items(self) -> Vec<Self::Item>;
    fn next_link(&self) -> Option<&str>;
    /// `@odata.deltaLink`, which the last page of a delta query carries; `None` for responses
    /// whose description does not declare it.
    fn delta_link(&self) -> Option<&str> {
        None
    }
    /// `@odata.count`, which the service sends when asked (`$count=true`; on directory objects
    /// with `ConsistencyLevel: eventual`).
    fn count(&self) -> Option<i64> {
        None
    }
}

/// One page of a listing: its items, and what it says about the listing. It derefs to its
/// items, so `page.len()` and `for x in &*page` work as on a `Vec`.
///
/// ```
#[doc = concat!("use ", env!("CARGO_CRATE_NAME"), "::paging::PageOf;")]
///
/// let page = PageOf { items: vec!["a", "b"], count: Some(7), ..PageOf::default() };
/// assert_eq!((page.len(), page.count), (2, Some(7)));
/// let mut seen = Vec::new();
/// for item in page {
///     seen.push(item);
/// }
/// assert_eq!(seen, ["a", "b"]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PageOf<T> {
    pub items: Vec<T>,
    /// `@odata.count`, when the service sent it (usually on the first page only).
    pub count: Option<i64>,
    /// On the last page of a delta query: where the next delta query resumes.
    #[cfg(feature = "graph")]
    pub delta_link: Option<DeltaLink>,
}

/// A page with no items, no count and no delta link.
impl<T> Default for PageOf<T> {
    fn default() -> Self {
        PageOf {
            items: Vec::new(),
            count: None,
            #[cfg(feature = "graph")]
            delta_link: None,
        }
    }
}

impl<T> std::ops::Deref for PageOf<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.items
    }
}

impl<T> IntoIterator for PageOf<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

enum State {
    First,
    Next(String),
    Done,
}

/// Where a paged listing stands: the first request, then one request per next link.
pub struct Pager<'o, O> {
    op: &'o O,
    state: State,
    /// The links followed so far: a service that links back to a page already read would be
    /// followed forever.
    followed: std::collections::BTreeSet<String>,
}

impl<'o, O, P> Pager<'o, O>
where
    O: Operation<Output = Option<P>>,
    P: Page,
{
    pub fn new(op: &'o O) -> Self {
        Pager { op, state: State::First, followed: Default::default() }
    }

    /// A delta query of `op` resumed from the link an earlier one ended with: its first request
    /// is that link (same scheme and host as the base URL, or it is refused).
    #[cfg(feature = "graph")]
    pub fn resume(op: &'o O, from: &DeltaLink) -> Self {
        Pager { op, state: State::Next(from.as_str().to_string()), followed: Default::default() }
    }

    /// True once the last page was read (or a page failed).
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// The request for the next page, or None after the last one.
    pub fn next_request(&self, base_url: &BaseUrl, token: &BearerToken) -> Option<Result<http::Request<Vec<u8>>, RequestError>> {
        match &self.state {
            State::First => Some(build_request(self.op, base_url, token)),
            State::Next(link) => Some(build_next_link_request(self.op, link, base_url, token)),
            State::Done => None,
        }
    }

    /// Reads the response to the request [`Pager::next_request`] gave, and remembers its next link.
    /// A page with a next link is followed even if it also has a delta link; the delta link is
    /// given only with the last page.
    pub fn read_page(&mut self, response: http::Response<Vec<u8>>) -> Result<PageOf<P::Item>, Error<O::Error>> {
        match parse_response::<O>(response) {
            Ok(Some(page)) => {
                let count = page.count();
                if let State::Next(link) = &self.state {
                    self.followed.insert(link.clone());
                }
                if let Some(link) = page.next_link().filter(|link| self.followed.contains(*link)) {
                    self.state = State::Done;
                    return Err(Error::Decode(DecodeError {
                        status: http::StatusCode::OK,
                        path: "@odata.nextLink".to_string(),
                        message: format!("the next link {} leads to a page already read; not followed", escape_for_display(link, 256)),
                    }));
                }
                let (state, delta_link) = match (page.next_link(), page.delta_link()) {
                    (Some(link), _) if !link.is_empty() => (State::Next(link.to_string()), None),
                    (_, Some(delta)) if !delta.is_empty() => (State::Done, Some(delta)),
                    _ => (State::Done, None),
                };
                #[cfg(feature = "graph")]
                let delta_link = delta_link.map(DeltaLink::new);
                #[cfg(not(feature = "graph"))]
                let _ = delta_link;
                self.state = state;
                Ok(PageOf {
                    items: page.into_items(),
                    count,
                    #[cfg(feature = "graph")]
                    delta_link,
                })
            }
            Ok(None) => {
                self.state = State::Done;
                Ok(PageOf::default())
            }
            Err(e) => {
                self.state = State::Done;
                Err(e)
            }
        }
    }
}

/// The GET of a next (or delta) link of the listing `op`. The link must point at the same scheme
/// and host as the base URL: the credentials are never sent to a host the caller did not choose.
/// It carries what the listing's first request carried (credentials, `Accept`, header
/// parameters, added headers): Graph asks for `ConsistencyLevel` on every page.
pub fn build_next_link_request<O: Operation>(
    op: &O,
    link: &str,
    base_url: &BaseUrl,
    token: &BearerToken,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    let untrusted = || RequestError::UntrustedNextLink(link.to_string());
    let uri: http::Uri = link.parse().map_err(|_| untrusted())?;
    let base: http::Uri = base_url.as_str().parse().map_err(|_| untrusted())?;
    if uri.scheme() != base.scheme() || uri.authority() != base.authority() {
        return Err(untrusted());
    }
    build_link_request(op, link, token)
}
