//! Checking logins: the users file is read at each login (so `pantau users disable` takes
//! effect at the next one), passwords are verified off the async threads and only a few at a
//! time (argon2id takes memory by design), and a name that fails [`MAX_FAILURES`] times within
//! [`FAILURE_WINDOW`] is locked out for [`LOCKOUT`], its password not even checked meanwhile.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::model::{now_millis, Millis, Role};
use crate::users::{Refusal, Users, MAX_NAME_BYTES, MAX_PASSWORD_BYTES};

/// Failed logins of one name that lock it out.
pub const MAX_FAILURES: u32 = 5;
/// The failures counted are those within this long of the first.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a locked-out name stays locked.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// Names whose failures are remembered at once; beyond this the oldest are forgotten (an
/// attacker trying random names cannot grow the table without end).
pub const MAX_TRACKED_NAMES: usize = 10_000;
/// Password checks running at once (argon2id takes 19 MiB each).
pub const CONCURRENT_CHECKS: usize = 4;

/// Who logged in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub role: Role,
    pub org: Option<String>,
}

/// Why a login was refused: what the journal keeps, and whether it locked the name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denied {
    pub reason: String,
    /// The user's role when the name exists (the journal records it), else viewer.
    pub role: Role,
    pub locked_until: Option<Millis>,
    /// The hub could not check (its users file unreadable): not the person's failure.
    pub unavailable: bool,
}

impl Denied {
    /// What the seat is told: no hint of whether the name exists.
    pub fn shown(&self) -> String {
        match self.locked_until {
            Some(until) => format!("too many failed logins: locked until {}", crate::model::iso8601(until)),
            None if self.unavailable => "the hub cannot check logins now; try again".into(),
            None => "wrong user name or password, or the user is disabled".into(),
        }
    }
}

struct Failures {
    count: u32,
    first: Instant,
    locked: Option<(Instant, Millis)>,
}

pub struct Logins {
    users_file: PathBuf,
    failures: Mutex<HashMap<String, Failures>>,
    checks: Arc<Semaphore>,
}

impl Logins {
    pub fn new(users_file: PathBuf) -> Self {
        Self { users_file, failures: Mutex::default(), checks: Arc::new(Semaphore::new(CONCURRENT_CHECKS)) }
    }

    /// Checks a name and password against the users file.
    pub async fn check(&self, name: &str, password: &str) -> Result<Person, Denied> {
        let denied = |reason: String| Denied { reason, role: Role::Viewer, locked_until: None, unavailable: false };
        let unavailable = |reason: String| Denied { unavailable: true, ..denied(reason) };
        if name.len() > MAX_NAME_BYTES || password.len() > MAX_PASSWORD_BYTES {
            return Err(denied("a name or password over its limit".into()));
        }
        if let Some(until) = self.locked(name) {
            return Err(Denied { locked_until: Some(until), ..denied("locked out".into()) });
        }
        let permit =
            self.checks.clone().acquire_owned().await.map_err(|_| unavailable("the hub is stopping".into()))?;
        let (file, who, secret) = (self.users_file.clone(), name.to_string(), password.to_string());
        let checked = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let users = Users::load(&file).map_err(|e| format!("cannot read the users file: {e:#}"))?;
            Ok::<_, String>(match users.check(&who, &secret) {
                Ok(user) => Ok(Person { name: user.name.clone(), role: user.role, org: user.org.clone() }),
                Err(refusal) => Err((refusal, users.get(&who).map(|u| u.role))),
            })
        })
        .await
        .map_err(|_| unavailable("the password check failed".into()))?
        .map_err(unavailable)?;
        match checked {
            Ok(person) => {
                self.forget(name);
                Ok(person)
            }
            Err((refusal, role)) => Err(self.failed(name, refusal, role.unwrap_or(Role::Viewer))),
        }
    }

    /// Until when a name is locked out, if it is.
    fn locked(&self, name: &str) -> Option<Millis> {
        let table = self.failures.lock().ok()?;
        let (at, until) = table.get(name)?.locked?;
        (at.elapsed() < LOCKOUT).then_some(until)
    }

    fn forget(&self, name: &str) {
        if let Ok(mut table) = self.failures.lock() {
            table.remove(name);
        }
    }

    /// Counts a failure; the one that reaches [`MAX_FAILURES`] locks the name.
    fn failed(&self, name: &str, refusal: Refusal, role: Role) -> Denied {
        let mut denied = Denied { reason: refusal.to_string(), role, locked_until: None, unavailable: false };
        let Ok(mut table) = self.failures.lock() else { return denied };
        if table.len() >= MAX_TRACKED_NAMES && !table.contains_key(name) {
            let oldest = table.iter().min_by_key(|(_, f)| f.first).map(|(n, _)| n.clone());
            oldest.map(|n| table.remove(&n));
        }
        let now = Instant::now();
        let entry = table.entry(name.to_string()).or_insert(Failures { count: 0, first: now, locked: None });
        if now.duration_since(entry.first) > FAILURE_WINDOW || entry.locked.is_some() {
            *entry = Failures { count: 0, first: now, locked: None };
        }
        entry.count += 1;
        if entry.count >= MAX_FAILURES {
            let until = now_millis() + LOCKOUT.as_millis() as Millis;
            entry.locked = Some((now, until));
            denied.locked_until = Some(until);
            denied.reason = format!("{}; {} failures: locked out", denied.reason, entry.count);
        }
        denied
    }
}
