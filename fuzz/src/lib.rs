//! pantau's fuzz targets: each function feeds one input to one parser the way pantau's own
//! listeners and loaders do, and must return without panicking whatever the bytes are. The AFL
//! binaries in `src/bin/` call them; the main package's tests replay every file under
//! `fuzz/corpus/` through them (`tests/it/fuzz_corpus.rs`).

mod targets;

pub use targets::{target, Target, TARGETS};
