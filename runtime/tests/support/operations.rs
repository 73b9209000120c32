//! Operations written by hand as graph-codegen writes them, on a service of the tests' own: a GET
//! with a path parameter, a paged listing and a PATCH with a JSON body.

use super::models::{ODataError, Status, StatusPage, StatusPatch};
use graph_runtime::{AuthScheme, Operation, RequestError, Service, encode_path_segment};
use http::Method;

/// The tests' service. Its default root is Graph's (a test that sends gives the client a
/// loopback base URL); its `User-Agent` is its own, to tell it from any generated crate's.
pub static SERVICE: Service =
    Service { default_base_url: "https://graph.microsoft.com/beta", auth: AuthScheme::Bearer, user_agent: "runtime-tests/0.1" };

/// `GET /statuses/{id}`: idempotent, so retried by default.
pub struct GetStatus<'a> {
    pub id: &'a str,
}

impl Operation for GetStatus<'_> {
    type Output = Option<Status>;
    type Error = ODataError;
    const METHOD: Method = Method::GET;

    fn service(&self) -> &'static Service {
        &SERVICE
    }

    fn path(&self) -> Result<String, RequestError> {
        Ok(format!("/statuses/{}", encode_path_segment("id", self.id)?))
    }
}

/// `GET /statuses`: a paged listing.
pub struct ListStatuses;

impl Operation for ListStatuses {
    type Output = Option<StatusPage>;
    type Error = ODataError;
    const METHOD: Method = Method::GET;

    fn service(&self) -> &'static Service {
        &SERVICE
    }

    fn path(&self) -> Result<String, RequestError> {
        Ok("/statuses".to_string())
    }
}

/// `PATCH /statuses/{id}` with a JSON body: not idempotent, so not retried by default.
pub struct UpdateStatus<'a> {
    pub id: &'a str,
    pub patch: &'a StatusPatch,
}

impl Operation for UpdateStatus<'_> {
    type Output = Option<Status>;
    type Error = ODataError;
    const METHOD: Method = Method::PATCH;

    fn service(&self) -> &'static Service {
        &SERVICE
    }

    fn path(&self) -> Result<String, RequestError> {
        Ok(format!("/statuses/{}", encode_path_segment("id", self.id)?))
    }

    fn body(&self) -> Result<Option<Vec<u8>>, RequestError> {
        serde_json::to_vec(self.patch).map(Some).map_err(|e| RequestError::Body(e.to_string()))
    }
}

/// A service like [`SERVICE`] whose default root is `default_base_url` (a loopback server), for
/// tests of a client that has no base URL of its own. Leaked: an operation's service is
/// `'static`, and a test makes only a few.
pub fn service_at(default_base_url: &str) -> &'static Service {
    let default_base_url = Box::leak(default_base_url.to_string().into_boxed_str());
    Box::leak(Box::new(Service { default_base_url, ..SERVICE }))
}

/// `op` as an operation of `service`: the same request, sent to another service's root.
pub struct OnService<'o, O> {
    pub op: &'o O,
    pub service: &'static Service,
}

impl<O: Operation> Operation for OnService<'_, O> {
    type Output = O::Output;
    type Error = O::Error;
    const METHOD: Method = O::METHOD;

    fn service(&self) -> &'static Service {
        self.service
    }

    fn path(&self) -> Result<String, RequestError> {
        self.op.path()
    }

    fn body(&self) -> Result<Option<Vec<u8>>, RequestError> {
        self.op.body()
    }
}
