//! `src/client.rs`: the crate's `Client`, a wrapper of the runtime's that the per-operation
//! methods are written on (Rust lets a crate add methods only to its own types), and that
//! converts from and to the runtime's, so that several generated crates can share one.

use super::tokens::{escape_doc_line, own_doc};
use crate::ir::Api;
use proc_macro2::TokenStream;
use quote::quote;

pub fn emit_client(api: &Api) -> TokenStream {
    let doc = own_doc(&format!(
        "The client of {}: the runtime's [`graph_runtime::Client`], with one method per operation of this crate \
         (see [`crate::operations`]). Requests go to [`crate::DEFAULT_BASE_URL`] unless \
         [`Client::with_base_url`] names another root.\n\n\
         It derefs to the runtime's client, for `send`, `pages`, `items` and the rest; `Client::from` \
         wraps a runtime client (clones share its connection pool and token cache), so one client can \
         serve several generated crates: build a `graph_runtime::Client`, and wrap a clone of it in each \
         crate's `Client`.",
        escape_doc_line(&api.title)
    ));
    quote! {
        //! The async client: this crate's [`Client`], and what the runtime's client module offers
        //! beside it (token providers, [`Call`], the stream traits listings need).
        pub use graph_runtime::client::*;
        use graph_runtime::{BaseUrl, RequestError, RetryPolicy};
        use std::time::Duration;

        #doc
        #[derive(Clone, Debug)]
        pub struct Client(graph_runtime::Client);

        impl Client {
            /// A client with its own connection pool, the default [`RetryPolicy`] and
            /// [`DEFAULT_TIMEOUT`], taking its tokens from `credential` (a fixed
            /// [`BearerToken`](crate::BearerToken), or any [`TokenProvider`]).
            pub fn new(credential: impl TokenProvider + 'static) -> Result<Self, reqwest::Error> {
                graph_runtime::Client::new(credential).map(Client)
            }

            /// A client on a `reqwest::ClientBuilder` you configured: see
            /// [`graph_runtime::Client::with_http_builder`].
            pub fn with_http_builder(
                builder: reqwest::ClientBuilder,
                credential: impl TokenProvider + 'static,
            ) -> Result<Self, reqwest::Error> {
                graph_runtime::Client::with_http_builder(builder, credential).map(Client)
            }

            /// Sends every request to `base_url` instead of [`crate::DEFAULT_BASE_URL`], such as a
            /// national cloud or a test server; tokens are then asked for that root's scope.
            pub fn with_base_url(self, base_url: &str) -> Result<Self, RequestError> {
                self.0.with_base_url(base_url).map(Client)
            }

            /// Retries throttled requests under `policy`; [`RetryPolicy::never`] turns retrying off.
            pub fn with_retry_policy(self, policy: RetryPolicy) -> Self {
                Client(self.0.with_retry_policy(policy))
            }

            /// Limits each send (each retry gets its own) to `timeout`.
            pub fn with_timeout(self, timeout: Duration) -> Self {
                Client(self.0.with_timeout(timeout))
            }

            /// Leaves each send without a timeout of its own.
            pub fn without_timeout(self) -> Self {
                Client(self.0.without_timeout())
            }

            /// Reads at most `limit` bytes of any response body.
            pub fn with_max_response_bytes(self, limit: usize) -> Self {
                Client(self.0.with_max_response_bytes(limit))
            }

            /// Sends `user_agent` as the `User-Agent` of every request, instead of this crate's
            /// name and version.
            pub fn with_user_agent(self, user_agent: &str) -> Result<Self, RequestError> {
                self.0.with_user_agent(user_agent).map(Client)
            }

            /// The root this crate's requests go to: the client's base URL, else
            /// [`crate::DEFAULT_BASE_URL`].
            pub fn base_url(&self) -> BaseUrl {
                self.0.base_url_for(&crate::SERVICE)
            }

            /// The runtime's client this one wraps.
            pub fn into_inner(self) -> graph_runtime::Client {
                self.0
            }
        }

        impl std::ops::Deref for Client {
            type Target = graph_runtime::Client;
            fn deref(&self) -> &graph_runtime::Client {
                &self.0
            }
        }

        /// Wraps a runtime client; a clone shares its connection pool and token cache.
        impl From<graph_runtime::Client> for Client {
            fn from(client: graph_runtime::Client) -> Self {
                Client(client)
            }
        }

        impl From<Client> for graph_runtime::Client {
            fn from(client: Client) -> Self {
                client.0
            }
        }
    }
}
