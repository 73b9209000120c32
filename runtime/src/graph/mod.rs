//! What only Microsoft Graph (and services that follow its OData conventions) needs: JSON
//! batching, the `ConsistencyLevel` header, delta queries, `@odata.count` and the Microsoft
//! identity platform's token scopes. Behind the `graph` feature, so that a client of a plain
//! OpenAPI service can leave it out (as Kiota keeps Graph's batch and page iterator out of its
//! core).

mod batch;
mod consistency;
mod count;
mod delta;
mod scopes;

pub use batch::{BATCH_LIMIT, Batch, BatchItem, BatchKey, BatchPost, BatchResponses};
pub use consistency::ConsistencyLevel;
pub use count::odata_count;
pub use delta::DeltaLink;
pub use scopes::token_scopes;
