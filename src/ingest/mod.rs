//! The ingest core, the single writer every live input goes through: feeds submit events on two
//! lanes (alarms and commands never dropped and always first; positions bounded, oldest shed),
//! one writer thread validates them, appends them to the journal, applies them to the world and
//! only then answers each submission; desks subscribe to the applied batches. Metrics count
//! what came in, what was refused and why.

pub mod metrics;
pub mod validate;
mod writer;

pub use metrics::Metrics;
pub use validate::{Limits, Rejection, Validator};
pub use writer::{Ack, Batch, Ingest, IngestHandle, Subscription};
