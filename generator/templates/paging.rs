//! Following `@odata.nextLink`: the state of a paged listing, with no I/O. The async client drives
//! it as a `Stream`; anything else (a blocking client, a test) can drive it by hand.

use crate::runtime::{build_request, parse_response, BaseUrl, BearerToken, Error, Operation, RequestError};

/// A collection response: its items and the link to the next page.
pub trait Page {
    type Item;
    fn into_items(self) -> Vec<Self::Item>;
    fn next_link(&self) -> Option<&str>;
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
}

impl<'o, O, P> Pager<'o, O>
where
    O: Operation<Output = Option<P>>,
    P: Page,
{
    pub fn new(op: &'o O) -> Self {
        Pager { op, state: State::First }
    }

    /// True once the last page was read (or a page failed).
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// The request for the next page, or None after the last one.
    pub fn next_request(&self, base_url: &BaseUrl, token: &BearerToken) -> Option<Result<http::Request<Vec<u8>>, RequestError>> {
        match &self.state {
            State::First => Some(build_request(self.op, base_url, token)),
            State::Next(link) => Some(build_next_link_request(link, base_url, token)),
            State::Done => None,
        }
    }

    /// Reads the response to the request [`Pager::next_request`] gave, and remembers its next link.
    pub fn read_page(&mut self, response: http::Response<Vec<u8>>) -> Result<Vec<P::Item>, Error<O::Error>> {
        match parse_response::<O>(response) {
            Ok(Some(page)) => {
                self.state = match page.next_link() {
                    Some(link) if !link.is_empty() => State::Next(link.to_string()),
                    _ => State::Done,
                };
                Ok(page.into_items())
            }
            Ok(None) => {
                self.state = State::Done;
                Ok(Vec::new())
            }
            Err(e) => {
                self.state = State::Done;
                Err(e)
            }
        }
    }
}

/// A GET for a next link. The link must point at the same scheme and host as the base URL: the
/// bearer token is never sent to a host the caller did not choose.
pub fn build_next_link_request(link: &str, base_url: &BaseUrl, token: &BearerToken) -> Result<http::Request<Vec<u8>>, RequestError> {
    let untrusted = || RequestError::UntrustedNextLink(link.to_string());
    let uri: http::Uri = link.parse().map_err(|_| untrusted())?;
    let base: http::Uri = base_url.as_str().parse().map_err(|_| untrusted())?;
    if uri.scheme() != base.scheme() || uri.authority() != base.authority() {
        return Err(untrusted());
    }
    http::Request::builder()
        .method(http::Method::GET)
        .uri(uri)
        .header(http::header::AUTHORIZATION, token.header_value()?)
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| RequestError::Build(e.to_string()))
}
