//! Paged listings as streams: one request per page.

use super::Client;
#[cfg(feature = "graph")]
use crate::graph::DeltaLink;
use crate::paging::{Page, PageOf, Pager};
use crate::{BearerToken, Error, Operation, RequestError};
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};

/// The pages of a listing ([`Client::pages`]), for an item type `T` and error body `E`.
pub type Pages<'a, T, E> = BoxStream<'a, Result<PageOf<T>, Error<E>>>;

impl Client {
    /// Every page of a paged listing (`x-ms-pageable`), following `@odata.nextLink` on the same
    /// service; the stream ends after the last page or the first error. Each page has its items
    /// and `@odata.count` if sent; the last page of a delta query has the [`DeltaLink`] to resume
    /// from ([`Client::resume_pages`]).
    pub fn pages<'a, O, P>(&'a self, op: &'a O) -> Pages<'a, P::Item, O::Error>
    where
        O: Operation<Output = Option<P>> + Sync,
        P: Page + 'a,
        P::Item: Send,
    {
        self.follow_pages(op, Pager::new(op))
    }

    /// The changes since an earlier delta query of `op` ended with `from`: its pages, the last
    /// with the next [`DeltaLink`]. `from` is followed only on the base URL's scheme and host,
    /// like a next link ([`RequestError::UntrustedNextLink`] otherwise, and nothing is sent).
    #[cfg(feature = "graph")]
    pub fn resume_pages<'a, O, P>(&'a self, op: &'a O, from: &DeltaLink) -> Pages<'a, P::Item, O::Error>
    where
        O: Operation<Output = Option<P>> + Sync,
        P: Page + 'a,
        P::Item: Send,
    {
        self.follow_pages(op, Pager::resume(op, from))
    }

    /// Every item of a paged listing, page after page.
    ///
    /// With the one `use` below, a listing reads with `while let`; `pages` is read the same way
    /// and gives each page with its `@odata.count` (the crate's front page shows a listing of
    /// this description):
    ///
    /// ```no_run
    #[doc = concat!("use ", env!("CARGO_CRATE_NAME"), "::client::StreamExt;")]
    #[doc = concat!("use ", env!("CARGO_CRATE_NAME"), "::paging::Page;")]
    #[doc = concat!("use ", env!("CARGO_CRATE_NAME"), "::{Client, Error, Operation};")]
    ///
    /// /// How many items `listing` has, and how many the service said it has.
    /// async fn count<O, P>(client: &Client, listing: &O) -> Result<(usize, Option<i64>), Error<O::Error>>
    /// where
    ///     O: Operation<Output = Option<P>> + Sync,
    ///     P: Page,
    ///     P::Item: Send,
    /// {
    ///     let mut items = client.items(listing);
    ///     let mut seen = 0;
    ///     while let Some(item) = items.next().await {
    ///         item?;
    ///         seen += 1;
    ///     }
    ///     let first_page = client.pages(listing).next().await.transpose()?;
    ///     Ok((seen, first_page.and_then(|page| page.count)))
    /// }
    /// ```
    pub fn items<'a, O, P>(&'a self, op: &'a O) -> BoxStream<'a, Result<P::Item, Error<O::Error>>>
    where
        O: Operation<Output = Option<P>> + Sync,
        P: Page + 'a,
        P::Item: Send,
    {
        self.pages(op).map_ok(|page| futures_util::stream::iter(page.items.into_iter().map(Ok))).try_flatten().boxed()
    }

    /// Drives `pager` as a stream: one page per request, ending after the last page or the
    /// first error.
    fn follow_pages<'a, O, P>(&'a self, op: &'a O, pager: Pager<'a, O>) -> Pages<'a, P::Item, O::Error>
    where
        O: Operation<Output = Option<P>> + Sync,
        P: Page + 'a,
        P::Item: Send,
    {
        let service = op.service();
        let base_url = self.base_url_for(service);
        futures_util::stream::unfold(Some(pager), move |state| {
            let base_url = base_url.clone();
            async move {
                let mut pager = state?;
                // The state is only kept while the pager has a next page; the closure rebuilds that
                // page's request for each retry.
                let next = |token: &BearerToken| {
                    pager
                        .next_request(&base_url, token)
                        .unwrap_or_else(|| Err(RequestError::Build("the listing has no further page".to_string())))
                };
                let result = match self.execute(&http::Method::GET, service, &base_url, next).await {
                    Ok(response) => crate::decode_within(self.max_decoded_bytes, || pager.read_page(response)),
                    Err(e) => Err(e),
                };
                if result.is_ok() {
                    event!(tracing::Level::DEBUG, items = result.as_ref().map_or(0, |p| p.len()), last = pager.is_done(), "graph: page");
                }
                let state = if result.is_err() || pager.is_done() { None } else { Some(pager) };
                Some((result, state))
            }
        })
        .boxed()
    }
}
