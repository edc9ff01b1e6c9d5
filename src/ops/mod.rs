//! Operational workflows: a desk's view of the live world and what an operator does with it
//! (alarm queue, nearest units by ETA, covering cameras, dispatch and the alarm life cycle, all
//! as commands through the hub), who is logged in where, units' recent tracks (`tracks`), the
//! desk's line to its hub (`link`), and the session the desktop app runs on (`session`: a
//! centre hosted in the process, or a hub elsewhere).

pub mod colleagues;
pub mod desk;
pub mod link;
pub mod session;
pub mod tracks;

pub use desk::{Desk, Layers};
pub use link::{Credentials, HubAddress, LinkState};
pub use session::{Centre, Session, SessionConfig};
