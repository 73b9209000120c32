//! JSON batching: several operations in one `POST /$batch`, each read back as if sent alone.

use crate::error::{DecodeError, Error, RequestError};
use crate::operation::{FromBody, Operation};
use crate::request::build_request_at;
use crate::response::{decode_optional, parse_response};
use crate::service::Service;
use std::fmt;

/// The most requests Graph accepts in one `$batch`.
pub const BATCH_LIMIT: usize = 20;

/// Operations sent together as JSON batches (`POST {base}/$batch`), each read back as if it had
/// been sent alone (<https://learn.microsoft.com/graph/json-batching>).
///
/// [`Batch::add`] builds an operation's request with the code a single send uses and returns a
/// typed [`BatchKey`]; [`BatchResponses::get`] reads that item's answer with the code a single
/// send uses, so an item's 404 is that item's [`Error::Api`] with its `ODataError`, and an
/// item's 429 is its error with [`ApiError::retry_after`](crate::ApiError::retry_after). Items go out in the order added,
/// [`BATCH_LIMIT`] to a POST ([`Batch::posts`]); a `dependsOn` must stay within one POST, since
/// Graph resolves it only there, and is refused when it would not.
///
/// Two operations of any types in one round trip, the second run after the first:
///
/// ```no_run
#[doc = concat!("use ", env!("CARGO_CRATE_NAME"), "::{graph::Batch, Client, Error, Operation};")]
///
/// async fn send_pair<A: Operation, B: Operation>(
///     client: &Client,
///     first: &A,
///     second: &B,
/// ) -> Result<(Option<A::Output>, Option<B::Output>), Box<dyn std::error::Error>> {
///     let mut batch = Batch::new();
///     let a = batch.add(first)?;
///     let b = batch.add_after(second, &[a.id()])?;
///     let answers = client.send_batch(&batch).await?;
///     // Each answer reads as if its operation had been sent alone.
///     let second = match answers.get(&b) {
///         Ok(output) => Some(output),
///         Err(Error::Api(e)) if e.status == 429 => {
///             println!("throttled: send it again after {:?}", e.retry_after);
///             None
///         }
///         Err(_) => None,
///     };
///     Ok((answers.get(&a).ok(), second))
/// }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Batch {
    items: Vec<BatchItem>,
    /// The service of the first item: the one the POSTs go to, and whose credentials they carry.
    service: Option<&'static Service>,
}

/// One request of a batch, as Graph's `$batch` body writes it; its `url` is relative to the
/// version root (`/users/x?$select=id`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BatchItem {
    pub id: String,
    pub method: String,
    pub url: String,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub headers: std::collections::BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    #[serde(rename = "dependsOn", skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// Which item of a [`Batch`] holds an `O`, and so how its response is read.
pub struct BatchKey<O> {
    id: String,
    // `fn() -> O`: the key neither owns an `O` nor limits where it may be sent.
    op: std::marker::PhantomData<fn() -> O>,
}

impl<O> BatchKey<O> {
    /// The item's `id` in the batch, for [`Batch::add_after`] and [`BatchResponses::response`].
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl<O> Clone for BatchKey<O> {
    fn clone(&self) -> Self {
        BatchKey { id: self.id.clone(), op: std::marker::PhantomData }
    }
}

impl<O> fmt::Debug for BatchKey<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BatchKey").field(&self.id).finish()
    }
}

impl Batch {
    pub fn new() -> Self {
        Batch::default()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items as they will be sent.
    pub fn items(&self) -> &[BatchItem] {
        &self.items
    }

    /// Adds `op`, built now exactly as [`build_request`](crate::build_request) builds it (the token aside: the batch
    /// POST carries it).
    pub fn add<O: Operation>(&mut self, op: &O) -> Result<BatchKey<O>, RequestError> {
        self.add_after(op, &[])
    }

    /// Adds `op`, to run after the items `depends_on` names ([`BatchKey::id`]) have run; Graph
    /// answers it `424 Failed Dependency` if one of them failed. Each must be an earlier item
    /// that goes in the same POST of [`BATCH_LIMIT`].
    pub fn add_after<O: Operation>(&mut self, op: &O, depends_on: &[&str]) -> Result<BatchKey<O>, RequestError> {
        let index = self.items.len();
        let id = (index + 1).to_string();
        for dependency in depends_on {
            let Some(at) = self.items.iter().position(|item| item.id == *dependency) else {
                return Err(RequestError::Batch(format!(
                    "item {id} depends on {dependency:?}, which is not an earlier item of this batch"
                )));
            };
            if at / BATCH_LIMIT != index / BATCH_LIMIT {
                let first = index / BATCH_LIMIT * BATCH_LIMIT + 1;
                return Err(RequestError::Batch(format!(
                    "item {id} depends on item {dependency}, which goes in an earlier POST (items {first} to {} go together); Graph resolves dependsOn only within one batch",
                    first + BATCH_LIMIT - 1
                )));
            }
        }
        let service = op.service();
        // Operations of several generated crates may share a batch when they share a service
        // root: the items' URLs are relative to it, and the POST carries one credential.
        if let Some(first) = self.service.filter(|first| first.default_base_url != service.default_base_url || first.auth != service.auth) {
            return Err(RequestError::Batch(format!(
                "item {id} is an operation of the service at {:?}, and the batch's first item of the service at {:?}; one batch goes to one service",
                service.default_base_url, first.default_base_url
            )));
        }
        let (parts, body) = build_request_at(op, "", None)?.into_parts();
        let mut headers = std::collections::BTreeMap::new();
        for (name, value) in &parts.headers {
            let Ok(text) = value.to_str() else {
                return Err(RequestError::Batch(format!("item {id}: header `{name}` is not text a JSON batch can carry")));
            };
            headers.insert(name.as_str().to_string(), text.to_string());
        }
        let body = if body.is_empty() { None } else { Some(serde_json::from_slice(&body).map_err(|e| RequestError::Body(e.to_string()))?) };
        self.items.push(BatchItem {
            id: id.clone(),
            method: parts.method.as_str().to_string(),
            url: parts.uri.to_string(),
            headers,
            body,
            depends_on: depends_on.iter().map(|d| d.to_string()).collect(),
        });
        self.service.get_or_insert(service);
        Ok(BatchKey { id, op: std::marker::PhantomData })
    }

    /// The POSTs the batch is sent as, in order, [`BATCH_LIMIT`] items to each.
    pub fn posts(&self) -> impl Iterator<Item = BatchPost<'_>> {
        // A batch with items has the service of its first; an empty one has no POSTs.
        let service = self.service;
        self.items.chunks(BATCH_LIMIT).filter_map(move |items| Some(BatchPost { items, service: service? }))
    }
}

/// One `POST /$batch` of at most [`BATCH_LIMIT`] items: an [`Operation`] like any other, so it is
/// built, sent and read (a whole-batch error included) by the same code as every operation.
#[derive(Debug, Clone, Copy)]
pub struct BatchPost<'b> {
    items: &'b [BatchItem],
    service: &'static Service,
}

impl BatchPost<'_> {
    pub fn items(&self) -> &[BatchItem] {
        self.items
    }
}

impl Operation for BatchPost<'_> {
    type Output = BatchResponses;
    /// The batch as a whole failed: the body as it came (Graph's `ODataError` shape).
    type Error = serde_json::Value;
    const METHOD: http::Method = http::Method::POST;

    fn service(&self) -> &'static Service {
        self.service
    }

    fn path(&self) -> Result<String, RequestError> {
        Ok("/$batch".to_string())
    }

    fn body(&self) -> Result<Option<Vec<u8>>, RequestError> {
        #[derive(serde::Serialize)]
        struct Body<'a> {
            requests: &'a [BatchItem],
        }
        serde_json::to_vec(&Body { requests: self.items }).map(Some).map_err(|e| RequestError::Body(e.to_string()))
    }
}

/// `$batch`'s answer: each item's status, headers and body, read later as its own operation's.
impl FromBody for BatchResponses {
    fn from_body(status: http::StatusCode, body: &[u8]) -> Result<Self, DecodeError> {
        #[derive(serde::Deserialize)]
        struct Body {
            responses: Vec<Answer>,
        }
        #[derive(serde::Deserialize)]
        struct Answer {
            id: String,
            status: u16,
            /// Values are strings in Graph's answers; anything else is kept as its JSON text
            /// rather than failing every other item.
            #[serde(default)]
            headers: std::collections::BTreeMap<String, serde_json::Value>,
            /// Kept as its text, read later as the item's own operation's: a tree of
            /// `serde_json::Value`s would take tens of times the body's size.
            #[serde(default)]
            body: Option<Box<serde_json::value::RawValue>>,
        }
        let Some(Body { responses }) = decode_optional::<Body>(status, body)? else {
            return Err(DecodeError { status, path: ".".to_string(), message: "the batch response has no body".to_string() });
        };
        let mut read = BatchResponses::default();
        for (i, answer) in responses.into_iter().enumerate() {
            // An answer that cannot be read, or a second answer for one id, is that item's error:
            // the answers of the items that ran are kept, and no answer replaces another.
            if read.responses.contains_key(&answer.id) || read.unreadable.contains_key(&answer.id) {
                read.responses.remove(&answer.id);
                let why = format!("the batch response answers item {:?} more than once (again at responses[{i}])", answer.id);
                read.unreadable.insert(answer.id, why);
                continue;
            }
            let Ok(item_status) = http::StatusCode::from_u16(answer.status) else {
                read.unreadable.insert(answer.id, format!("responses[{i}].status: {} is not an HTTP status", answer.status));
                continue;
            };
            let mut response = http::Response::new(Vec::new());
            *response.status_mut() = item_status;
            let mut is_json = false;
            for (name, value) in &answer.headers {
                let value = match value {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                if name.eq_ignore_ascii_case("content-type") {
                    is_json = value.to_ascii_lowercase().contains("json");
                }
                // A header HTTP could not carry is left out rather than failing the other items.
                if let (Ok(name), Ok(value)) = (http::HeaderName::try_from(name.as_str()), http::HeaderValue::try_from(value)) {
                    response.headers_mut().append(name, value);
                }
            }
            *response.body_mut() = match answer.body {
                None => Vec::new(),
                // Graph carries a body that is not JSON (a `$count`'s text) as a JSON string.
                Some(raw) if !is_json && raw.get().starts_with('"') => {
                    serde_json::from_str::<String>(raw.get()).map(String::into_bytes).unwrap_or_default()
                }
                Some(raw) => Box::<str>::from(raw).into_string().into_bytes(),
            };
            read.responses.insert(answer.id, response);
        }
        Ok(read)
    }
}

/// The answers to a [`Batch`], by item id.
#[derive(Debug, Default)]
pub struct BatchResponses {
    responses: std::collections::BTreeMap<String, http::Response<Vec<u8>>>,
    /// Items whose answer could not be taken as theirs, and why.
    unreadable: std::collections::BTreeMap<String, String>,
    /// The ids of the POST that carried each item's answer, for an item error that names none.
    posts: std::collections::BTreeMap<String, PostIds>,
    /// The memory limit of the client that sent the batch, for reading each answer; without
    /// one, [`crate::DEFAULT_MAX_DECODED_BYTES`].
    max_decoded_bytes: Option<usize>,
}

/// A batch POST's `request-id` and `client-request-id`.
#[derive(Debug, Clone, Default)]
struct PostIds {
    request_id: Option<String>,
    client_request_id: Option<String>,
}

/// `header` of `headers` as text.
#[cfg(feature = "client")]
fn header_text(headers: &http::HeaderMap, header: &str) -> Option<String> {
    headers.get(header).and_then(|v| v.to_str().ok()).map(str::to_string)
}

impl BatchResponses {
    /// `key`'s answer, read by [`parse_response`] as if its operation had been sent alone. An item
    /// the service did not answer, or answered in a way that cannot be read (twice, or with a
    /// status that is none), is an [`Error::Decode`] naming it. An item's error carries the ids
    /// support asks for: its answer's headers', else those of its body's `innerError`, else the
    /// batch POST's.
    pub fn get<O: Operation>(&self, key: &BatchKey<O>) -> Result<O::Output, Error<O::Error>> {
        let missing = |message: String| Error::Decode(DecodeError { status: http::StatusCode::OK, path: "responses".to_string(), message });
        if let Some(why) = self.unreadable.get(&key.id) {
            return Err(missing(why.clone()));
        }
        let Some(answer) = self.responses.get(&key.id) else {
            return Err(missing(format!("the batch response has no answer for item {}", key.id)));
        };
        let mut response = http::Response::new(answer.body().clone());
        *response.status_mut() = answer.status();
        *response.headers_mut() = answer.headers().clone();
        let limit = self.max_decoded_bytes.unwrap_or(crate::DEFAULT_MAX_DECODED_BYTES);
        match crate::decode_within(limit, || parse_response::<O>(response)) {
            Err(Error::Api(mut e)) => {
                let inner = inner_error_ids(answer.body());
                let post = self.posts.get(&key.id).cloned().unwrap_or_default();
                e.request_id = e.request_id.or(inner.request_id).or(post.request_id);
                e.client_request_id = e.client_request_id.or(inner.client_request_id).or(post.client_request_id);
                Err(Error::Api(e))
            }
            other => other,
        }
    }

    /// Keeps the answers of the items `sent` names, and notes the ids of the POST (its response
    /// `headers`) they came in: an answer for an item this POST did not send is not taken.
    #[cfg(feature = "client")]
    pub(crate) fn kept_for_post(mut self, sent: &[BatchItem], headers: &http::HeaderMap) -> Self {
        let ids = PostIds { request_id: header_text(headers, "request-id"), client_request_id: header_text(headers, "client-request-id") };
        let was_sent = |id: &String| sent.iter().any(|item| &item.id == id);
        self.responses.retain(|id, _| was_sent(id));
        self.unreadable.retain(|id, _| was_sent(id));
        self.posts = sent.iter().map(|item| (item.id.clone(), ids.clone())).collect();
        self
    }

    /// Reads each answer within `limit` bytes of decoded memory (the sending client's).
    #[cfg(feature = "client")]
    pub(crate) fn decoded_within(mut self, limit: usize) -> Self {
        self.max_decoded_bytes = Some(limit);
        self
    }

    /// An item's answer as it came: status, headers and body.
    pub fn response(&self, id: &str) -> Option<&http::Response<Vec<u8>>> {
        self.responses.get(id)
    }

    pub fn len(&self) -> usize {
        self.responses.len()
    }

    pub fn is_empty(&self) -> bool {
        self.responses.is_empty()
    }

    /// Adds the answers of another POST of the same batch.
    pub fn extend(&mut self, other: BatchResponses) {
        self.responses.extend(other.responses);
        self.unreadable.extend(other.unreadable);
        self.posts.extend(other.posts);
        self.max_decoded_bytes = self.max_decoded_bytes.or(other.max_decoded_bytes);
    }
}

/// The ids Graph puts in an item error's body (`{"error": {"innerError": {"request-id": …,
/// "client-request-id": …}}}`), where a batch item's answer has no headers of its own for them.
fn inner_error_ids(body: &[u8]) -> PostIds {
    // Only the two ids are read; everything else is skipped without being kept.
    #[derive(serde::Deserialize)]
    struct Body {
        error: Option<Outer>,
    }
    #[derive(serde::Deserialize)]
    struct Outer {
        #[serde(rename = "innerError", alias = "innererror")]
        inner_error: Option<Inner>,
    }
    #[derive(serde::Deserialize)]
    struct Inner {
        #[serde(rename = "request-id")]
        request_id: Option<String>,
        #[serde(rename = "client-request-id")]
        client_request_id: Option<String>,
    }
    let inner = serde_json::from_slice::<Body>(body).ok().and_then(|b| b.error).and_then(|e| e.inner_error);
    inner.map_or_else(PostIds::default, |i| PostIds { request_id: i.request_id, client_request_id: i.client_request_id })
}
