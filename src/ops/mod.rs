//! Operational workflows: a desk's view of the live world and what an operator does with it
//! (alarm queue, nearest units by ETA, covering cameras, dispatch and the alarm life cycle, all
//! as commands through the journal), units' recent tracks (`tracks`), and the in-process session
//! the desktop app runs on.

pub mod desk;
pub mod session;
pub mod tracks;

pub use desk::{Desk, Layers};
pub use session::{Session, SessionConfig};
