//! A request a generated client method made, sent when it is awaited.

use super::Client;
use crate::{Error, Operation, WithHeaders};
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// A request a generated client method made and has not sent: `.await` sends it. Before that,
/// set its optional parameters through the request type it derefs to, or with [`Call::with`],
/// and add headers with [`Call::header`]:
///
/// ```ignore
/// let mut call = client.list_mobile_app();
/// call.top = Some(10);
/// let page = call.header("ConsistencyLevel", "eventual").await?;
/// ```
///
/// The client methods only build this value; what sends it is one generic future, compiled for
/// the operations a program awaits rather than for every operation of the crate.
#[must_use = "a call sends nothing until it is awaited"]
pub struct Call<'c, O> {
    client: &'c Client,
    op: O,
    headers: Vec<(&'static str, String)>,
}

impl<'c, O: Operation> Call<'c, O> {
    pub fn new(client: &'c Client, op: O) -> Self {
        Call { client, op, headers: Vec::new() }
    }

    /// Changes the request before it is sent: `call.with(|op| op.select = Some(fields))`.
    pub fn with(mut self, change: impl FnOnce(&mut O)) -> Self {
        change(&mut self.op);
        self
    }

    /// Adds a header to this request, as [`WithHeaders`](crate::WithHeaders) does.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The request, to send later with [`Client::send`] or to build with
    /// [`build_request`](crate::build_request).
    pub fn into_operation(self) -> O {
        self.op
    }

    /// Sends the request: what `.await` does.
    pub async fn send(self) -> Result<O::Output, Error<O::Error>> {
        if self.headers.is_empty() {
            return self.client.send(&self.op).await;
        }
        let op = self.headers.into_iter().fold(WithHeaders::new(&self.op), |op, (name, value)| op.header(name, value));
        self.client.send(&op).await
    }

    /// Sends the request and gives the output with the response's status and headers
    /// ([`Client::send_with_response`]): `let created = call.with_response().await?;
    /// created.headers().get("location")`.
    pub async fn with_response(self) -> Result<http::Response<O::Output>, Error<O::Error>> {
        if self.headers.is_empty() {
            return self.client.send_with_response(&self.op).await;
        }
        let op = self.headers.into_iter().fold(WithHeaders::new(&self.op), |op, (name, value)| op.header(name, value));
        self.client.send_with_response(&op).await
    }
}

impl<O> std::ops::Deref for Call<'_, O> {
    type Target = O;
    fn deref(&self) -> &O {
        &self.op
    }
}

impl<O> std::ops::DerefMut for Call<'_, O> {
    fn deref_mut(&mut self) -> &mut O {
        &mut self.op
    }
}

impl<'c, O> std::future::IntoFuture for Call<'c, O>
where
    O: Operation + Send + Sync + 'c,
    O::Output: Send,
    O::Error: Send,
{
    type Output = Result<O::Output, Error<O::Error>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'c>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl<O: fmt::Debug> fmt::Debug for Call<'_, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may be credentials of the caller's; their names are enough to debug.
        let headers: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Call").field("op", &self.op).field("headers", &headers).finish_non_exhaustive()
    }
}
