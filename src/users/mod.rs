//! The people who may log in to the hub: the users file (TOML, one `[[user]]` each: name, role,
//! organisation node, an argon2id password hash in PHC form, disabled or not), changed by
//! `pantau users` and read by the hub to check logins. The file is written whole to a temporary
//! file, synced and renamed over the old one (readable by its owner only), under a lock so two
//! changes at once cannot lose one.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, ensure, Context, Result};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};

use crate::model::Role;

/// Where `pantau users` and the hub look for the users file unless told.
pub const DEFAULT_FILE: &str = "users.toml";
/// Shortest password taken, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password taken, in bytes (hashing work stays bounded).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Longest user name, in bytes.
pub const MAX_NAME_BYTES: usize = 64;
/// Largest users file read, in bytes.
const MAX_FILE_BYTES: u64 = 16 << 20;

/// One person who may log in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// The organisation node the user belongs to; none: the root of the tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// The argon2id hash of the password (PHC string: algorithm, parameters, salt, hash).
    pub password: String,
    #[serde(default)]
    pub disabled: bool,
}

/// The users file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Users {
    #[serde(default, rename = "user")]
    pub users: Vec<User>,
}

/// Why a login was refused. The hub tells the seat only that it was refused; the reason is for
/// the journal and the lockout count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    UnknownUser,
    WrongPassword,
    Disabled,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refusal::UnknownUser => "unknown user",
            Refusal::WrongPassword => "wrong password",
            Refusal::Disabled => "user disabled",
        })
    }
}

impl Users {
    /// Reads the users file; a missing or bad file is an error naming it and the reason.
    pub fn load(path: &Path) -> Result<Self> {
        let size =
            std::fs::metadata(path).with_context(|| format!("{}: cannot read the users file", path.display()))?;
        ensure!(
            size.len() <= MAX_FILE_BYTES,
            "{}: over {} MiB, not a users file",
            path.display(),
            MAX_FILE_BYTES >> 20
        );
        let text =
            std::fs::read_to_string(path).with_context(|| format!("{}: cannot read the users file", path.display()))?;
        let users: Users = toml::from_str(&text).with_context(|| format!("{}: not a users file", path.display()))?;
        users.check_sound().with_context(|| format!("{}: bad users file", path.display()))?;
        Ok(users)
    }

    /// Reads the users file, or none yet (a new file) when it does not exist.
    pub fn load_or_new(path: &Path) -> Result<Self> {
        if path.exists() {
            Self::load(path)
        } else {
            Ok(Self::default())
        }
    }

    /// Every name valid and once, every hash a readable argon2 hash.
    fn check_sound(&self) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for user in &self.users {
            check_name(&user.name)?;
            ensure!(seen.insert(user.name.as_str()), "user {} is listed twice", user.name);
            let hash = PasswordHash::new(&user.password)
                .map_err(|e| anyhow!("user {}: bad password hash ({e})", user.name))?;
            ensure!(hash.algorithm.as_str() == "argon2id", "user {}: the password hash is not argon2id", user.name);
        }
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    fn get_mut(&mut self, name: &str) -> Result<&mut User> {
        self.users.iter_mut().find(|u| u.name == name).ok_or_else(|| anyhow!("no user {name}"))
    }

    /// Adds a user with this password (hashed here).
    pub fn add(&mut self, name: &str, role: Role, org: Option<String>, password: &str) -> Result<()> {
        check_name(name)?;
        ensure!(self.get(name).is_none(), "user {name} already exists (pantau users passwd changes a password)");
        let password = hash_password(password)?;
        self.users.push(User { name: name.to_string(), role, org, password, disabled: false });
        Ok(())
    }

    /// Gives a user a new password; a disabled user stays disabled.
    pub fn set_password(&mut self, name: &str, password: &str) -> Result<()> {
        let hash = hash_password(password)?;
        self.get_mut(name)?.password = hash;
        Ok(())
    }

    /// Disables a user: every login of theirs is refused from now on (the entry is kept, so
    /// the journal's records of them still name someone).
    pub fn disable(&mut self, name: &str) -> Result<()> {
        self.get_mut(name)?.disabled = true;
        Ok(())
    }

    /// Checks a login. An unknown name costs as much time as a known one, so timing does not
    /// tell which names exist.
    pub fn check(&self, name: &str, password: &str) -> std::result::Result<&User, Refusal> {
        let Some(user) = self.get(name) else {
            let _ = verify(&dummy_hash(), password);
            return Err(Refusal::UnknownUser);
        };
        // A disabled user is refused whatever the password (and after as long), so the refusal
        // never confirms a guess.
        let matches = verify(&user.password, password);
        if user.disabled {
            return Err(Refusal::Disabled);
        }
        if !matches {
            return Err(Refusal::WrongPassword);
        }
        Ok(user)
    }

    /// Writes the file whole: a temporary file beside it, synced, renamed over it, the folder
    /// synced; readable and writable by its owner only.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = toml::to_string(self).context("cannot write the users file")?;
        let temp = sibling(path, ".tmp");
        let mut file = open_private(&temp).with_context(|| format!("{}: cannot write", temp.display()))?;
        let header =
            "# pantau users: one [[user]] each; passwords are argon2id hashes. Change it with `pantau users`.\n";
        file.write_all(header.as_bytes())
            .and_then(|()| file.write_all(text.as_bytes()))
            .and_then(|()| file.sync_all())
            .with_context(|| format!("{}: cannot write", temp.display()))?;
        std::fs::rename(&temp, path).with_context(|| format!("{}: cannot replace", path.display()))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .with_context(|| format!("{}: cannot sync", dir.display()))?;
        }
        Ok(())
    }
}

/// Changes the users file at `path` under its lock: read (or start empty), change, write.
pub fn change(path: &Path, edit: impl FnOnce(&mut Users) -> Result<()>) -> Result<Users> {
    let lock_path = sibling(path, ".lock");
    let lock = open_private(&lock_path).with_context(|| format!("{}: cannot open the lock", lock_path.display()))?;
    lock.lock().with_context(|| format!("{}: cannot lock", lock_path.display()))?;
    let mut users = Users::load_or_new(path)?;
    edit(&mut users)?;
    users.save(path)?;
    Ok(users)
}

/// A user name: 1 to 64 bytes of letters, digits, `.`, `-` and `_`, not starting with `-`.
pub fn check_name(name: &str) -> Result<()> {
    ensure!(!name.is_empty(), "a user name cannot be empty");
    ensure!(
        name.len() <= MAX_NAME_BYTES,
        "user name {:?}...: over {MAX_NAME_BYTES} bytes",
        &name[..name.floor_char_boundary(16)]
    );
    ensure!(!name.starts_with('-'), "user name {name:?}: cannot start with '-'");
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))) {
        bail!("user name {name:?}: {c:?} is not allowed (letters, digits, '.', '-' and '_')");
    }
    Ok(())
}

/// Hashes a password with argon2id (the crate's defaults: 19 MiB, 2 passes, one lane, as OWASP
/// recommends) and a fresh random salt.
pub fn hash_password(password: &str) -> Result<String> {
    ensure!(
        password.chars().count() >= MIN_PASSWORD_CHARS,
        "the password is too short: at least {MIN_PASSWORD_CHARS} characters"
    );
    ensure!(password.len() <= MAX_PASSWORD_BYTES, "the password is over {MAX_PASSWORD_BYTES} bytes");
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow!("cannot hash: {e}"))?
        .to_string())
}

fn verify(hash: &str, password: &str) -> bool {
    password.len() <= MAX_PASSWORD_BYTES
        && PasswordHash::new(hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash of nothing anyone knows, checked against for unknown names.
fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no user has this password").unwrap_or_default()).clone()
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Opens a file for writing that only its owner may read (made so, or emptied).
pub fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    file.set_len(0)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_checks_the_password_and_the_state() {
        let mut users = Users::default();
        users.add("sari", Role::Operator, Some("polres-1".into()), "correct horse battery").expect("add");
        assert!(users.users[0].password.starts_with("$argon2id$"), "{}", users.users[0].password);
        assert_eq!(users.check("sari", "correct horse battery").map(|u| u.role), Ok(Role::Operator));
        assert_eq!(users.check("sari", "correct horse batterY").err(), Some(Refusal::WrongPassword));
        assert_eq!(users.check("budi", "correct horse battery").err(), Some(Refusal::UnknownUser));
        users.disable("sari").expect("disable");
        assert_eq!(users.check("sari", "correct horse battery").err(), Some(Refusal::Disabled));
        assert_eq!(
            users.check("sari", "a wrong guess").err(),
            Some(Refusal::Disabled),
            "disabled whatever the password: the refusal never confirms a guess"
        );
        let before = users.users[0].password.clone();
        users.set_password("sari", "another long passphrase").expect("passwd");
        assert_ne!(users.users[0].password, before, "a new hash");
        assert_eq!(users.check("sari", "another long passphrase").err(), Some(Refusal::Disabled), "still disabled");
    }

    #[test]
    fn bad_names_and_passwords_are_refused_with_the_reason() {
        let mut users = Users::default();
        let short = users.add("sari", Role::Viewer, None, "short").expect_err("short");
        assert!(short.to_string().contains("at least 12"), "{short}");
        let long = "x".repeat(MAX_PASSWORD_BYTES + 1);
        assert!(users.add("sari", Role::Viewer, None, &long).is_err());
        for name in ["", "-rf", "a b", "sari/../x", "é", &"n".repeat(65)] {
            assert!(users.add(name, Role::Viewer, None, "a long enough password").is_err(), "{name:?}");
        }
        users.add("sari", Role::Viewer, None, "a long enough password").expect("add");
        let twice = users.add("sari", Role::Viewer, None, "a long enough password").expect_err("twice");
        assert!(twice.to_string().contains("already exists"), "{twice}");
        assert!(users.set_password("nobody", "a long enough password").is_err());
    }
}
