//! Checking logins: the users file is read at each login (so `pantau users disable` takes
//! effect at the next one), passwords are verified off the async threads and only a few at a
//! time (argon2id takes memory by design), a name that fails [`MAX_FAILURES`] times within
//! [`FAILURE_WINDOW`] is locked out for [`LOCKOUT`] (its password not even checked meanwhile),
//! and one address may try so many logins a minute ([`super::HubLimits::logins_per_minute`]),
//! so neither guessing nor the journal's record of refusals can be driven at will.

use std::collections::HashMap;
use std::net::IpAddr;
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
/// Addresses whose logins are counted at once (the oldest minute is forgotten first).
pub const MAX_TRACKED_ADDRESSES: usize = 10_000;

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
    /// Refused for the address's rate: journal it only if this is the first of its minute.
    pub throttled: Option<Journal>,
}

/// Whether a refusal goes on the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Journal {
    Yes,
    No,
}

impl Denied {
    /// What the seat is told: no hint of whether the name exists.
    pub fn shown(&self) -> String {
        match self.locked_until {
            Some(until) => format!("too many failed logins: locked until {}", crate::model::iso8601(until)),
            None if self.unavailable => "the hub cannot check logins now; try again".into(),
            None if self.throttled.is_some() => "too many logins from this address; wait a minute".into(),
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
    /// The users file as last read, with its modification time and length.
    read: Mutex<Option<(std::time::SystemTime, u64, Arc<Users>)>>,
    failures: Mutex<HashMap<String, Failures>>,
    per_address: Mutex<HashMap<IpAddr, (Instant, u32)>>,
    per_minute: u32,
    checks: Arc<Semaphore>,
}

impl Logins {
    /// Logins of the people in `users_file`, `per_minute` a minute from one address at most.
    pub fn new(users_file: PathBuf, per_minute: u32) -> Self {
        Self {
            users_file,
            read: Mutex::default(),
            failures: Mutex::default(),
            per_address: Mutex::default(),
            per_minute,
            checks: Arc::new(Semaphore::new(CONCURRENT_CHECKS)),
        }
    }

    /// Checks a name and password against the users file, for a login from `address`.
    pub async fn check(&self, name: &str, password: &str, address: IpAddr) -> Result<Person, Denied> {
        let denied = |reason: &str| Denied {
            reason: reason.into(),
            role: Role::Viewer,
            locked_until: None,
            unavailable: false,
            throttled: None,
        };
        let unavailable = |reason: String| Denied { unavailable: true, ..denied(&reason) };
        if let Some(journal) = self.over_rate(address) {
            return Err(Denied { throttled: Some(journal), ..denied("too many logins from the address") });
        }
        if name.len() > MAX_NAME_BYTES || password.len() > MAX_PASSWORD_BYTES {
            return Err(denied("a name or password over its limit"));
        }
        let locked = |logins: &Self| {
            logins.locked(name).map(|until| Denied { locked_until: Some(until), ..denied("locked out") })
        };
        if let Some(denied) = locked(self) {
            return Err(denied);
        }
        let permit =
            self.checks.clone().acquire_owned().await.map_err(|_| unavailable("the hub is stopping".into()))?;
        // Locked while this login waited for its turn: a guess already queued does not get in.
        if let Some(denied) = locked(self) {
            return Err(denied);
        }
        let (file, who, secret) = (self.users_file.clone(), name.to_string(), password.to_string());
        // Read afresh, not from the cache `current` uses: a password changed within the
        // file's timestamp granularity must not leave the old one working.
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

    /// The person as the users file says now (their role or node may have changed since they
    /// logged in); an error when the name was disabled or removed since. The file is read
    /// again only when it changed.
    pub fn current(&self, name: &str) -> Result<Person, String> {
        let users = self.users()?;
        match users.get(name) {
            Some(user) if !user.disabled => {
                Ok(Person { name: user.name.clone(), role: user.role, org: user.org.clone() })
            }
            Some(_) => Err(format!("user {name} was disabled since the login")),
            None => Err(format!("user {name} was removed since the login")),
        }
    }

    fn users(&self) -> Result<Arc<Users>, String> {
        let meta = std::fs::metadata(&self.users_file).map_err(|e| format!("cannot read the users file: {e}"))?;
        let stamp = (meta.modified().map_err(|e| format!("cannot read the users file: {e}"))?, meta.len());
        let mut read = self.read.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((modified, len, users)) = read.as_ref() {
            if (*modified, *len) == stamp {
                return Ok(users.clone());
            }
        }
        let users = Arc::new(Users::load(&self.users_file).map_err(|e| format!("cannot read the users file: {e:#}"))?);
        *read = Some((stamp.0, stamp.1, users.clone()));
        Ok(users)
    }

    /// Until when a name is locked out, if it is.
    fn locked(&self, name: &str) -> Option<Millis> {
        let table = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let (at, until) = table.get(name)?.locked?;
        (at.elapsed() < LOCKOUT).then_some(until)
    }

    /// Counts a login from `address`; over the rate, whether this refusal is journaled.
    fn over_rate(&self, address: IpAddr) -> Option<Journal> {
        let mut table = self.per_address.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if table.len() >= MAX_TRACKED_ADDRESSES && !table.contains_key(&address) {
            let oldest = table.iter().min_by_key(|(_, (start, _))| *start).map(|(a, _)| *a);
            oldest.map(|a| table.remove(&a));
        }
        let (start, count) = table.entry(address).or_insert((now, 0));
        if now.duration_since(*start) >= Duration::from_secs(60) {
            (*start, *count) = (now, 0);
        }
        *count += 1;
        match *count {
            n if n <= self.per_minute => None,
            n if n == self.per_minute + 1 => Some(Journal::Yes),
            _ => Some(Journal::No),
        }
    }

    fn forget(&self, name: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(name);
    }

    /// Counts a failure; the one that reaches [`MAX_FAILURES`] locks the name.
    fn failed(&self, name: &str, refusal: Refusal, role: Role) -> Denied {
        let mut denied =
            Denied { reason: refusal.to_string(), role, locked_until: None, unavailable: false, throttled: None };
        let mut table = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if table.len() >= MAX_TRACKED_NAMES && !table.contains_key(name) {
            // Forget the oldest name not locked now (a flood of names cannot unlock one).
            let live = |f: &Failures| f.locked.is_some_and(|(at, _)| now.duration_since(at) < LOCKOUT);
            let oldest = table.iter().filter(|(_, f)| !live(f)).min_by_key(|(_, f)| f.first).map(|(n, _)| n.clone());
            oldest.map(|n| table.remove(&n));
        }
        let entry = table.entry(name.to_string()).or_insert(Failures { count: 0, first: now, locked: None });
        let lock_over = entry.locked.is_some_and(|(at, _)| now.duration_since(at) >= LOCKOUT);
        if now.duration_since(entry.first) > FAILURE_WINDOW || lock_over {
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

#[cfg(test)]
mod tests {
    use super::*;

    const PER_MINUTE: u32 = 30;

    fn logins() -> (tempfile::TempDir, Logins) {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("users.toml");
        let mut users = Users::load_or_new(&path).expect("users");
        users.add("sari", Role::Operator, None, "sari's long password").expect("add");
        users.save(&path).expect("save");
        (dir, Logins::new(path, PER_MINUTE))
    }

    #[test]
    fn five_failures_lock_a_name_and_a_sixth_does_not_unlock_it() {
        let (_dir, logins) = logins();
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let at: IpAddr = [10, 0, 0, 1].into();
        runtime.block_on(async {
            for attempt in 1..MAX_FAILURES {
                let denied = logins.check("sari", "wrong guess", at).await.expect_err("refused");
                assert_eq!((denied.reason.as_str(), denied.locked_until), ("wrong password", None), "{attempt}");
            }
            let locking = logins.check("sari", "wrong guess", at).await.expect_err("refused");
            let until = locking.locked_until.expect("the fifth failure locks");
            assert!(locking.shown().contains("locked until"));
            let right = logins.check("sari", "sari's long password", at).await.expect_err("locked");
            assert_eq!(right.locked_until, Some(until), "the right password waits out the lock");
            let sixth = logins.check("sari", "wrong guess", at).await.expect_err("refused");
            assert_eq!(sixth.locked_until, Some(until), "still locked, not reset");
            let unknown = logins.check("nobody", "whatever password", at).await.expect_err("refused");
            assert_eq!(unknown.reason, "unknown user");
            assert_eq!(unknown.shown(), logins.check("nobody", "x", at).await.expect_err("refused").shown());
        });
    }

    #[test]
    fn an_address_over_its_rate_is_refused_and_journaled_once_a_minute() {
        let (_dir, logins) = logins();
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let (busy, other): (IpAddr, IpAddr) = ([10, 0, 0, 2].into(), [10, 0, 0, 3].into());
        let long_name = "n".repeat(MAX_NAME_BYTES + 1);
        runtime.block_on(async {
            for _ in 0..PER_MINUTE {
                let denied = logins.check(&long_name, "x", busy).await.expect_err("refused");
                assert_eq!((denied.reason.as_str(), denied.throttled), ("a name or password over its limit", None));
            }
            let first = logins.check(&long_name, "x", busy).await.expect_err("refused");
            assert_eq!(first.throttled, Some(Journal::Yes));
            let second = logins.check("sari", "sari's long password", busy).await.expect_err("throttled");
            assert_eq!(second.throttled, Some(Journal::No), "refused unchecked and not journaled again");
            assert!(
                logins.check("sari", "sari's long password", other).await.is_ok(),
                "other addresses are not held up"
            );
        });
    }
}
