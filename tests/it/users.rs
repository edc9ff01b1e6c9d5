//! `pantau users` as an administrator runs it: users added with passwords from the
//! environment, listed, given new passwords and disabled; the file holds argon2id hashes only
//! and is readable by its owner alone; bad input (no password, a short one, a bad role or
//! name, a damaged file) is refused with the reason; eight adds at once lose none.

use std::path::Path;
use std::process::{Command, Output};

use pantau::users::{Refusal, Users};

fn users(dir: &Path, args: &[&str], password: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pantau"));
    command.arg("users").args(args).current_dir(dir).env_remove("PANTAU_PASSWORD");
    if let Some(password) = password {
        command.env("PANTAU_PASSWORD", password);
    }
    command.output().expect("pantau runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn users_are_added_listed_changed_and_disabled() {
    let dir = tempfile::tempdir().expect("tmp");
    let add =
        users(dir.path(), &["add", "sari", "--role", "operator", "--org", "polres-1"], Some("sari's long password"));
    assert!(add.status.success(), "{}", stderr(&add));
    let add = users(dir.path(), &["add", "wall-1", "--role", "viewer"], Some("a wall machine's passphrase"));
    assert!(add.status.success(), "{}", stderr(&add));
    let file = dir.path().join("users.toml");
    let text = std::fs::read_to_string(&file).expect("users.toml");
    assert!(text.contains("$argon2id$") && !text.contains("long password"), "hashes only:\n{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "readable by its owner only");
    }
    let list = users(dir.path(), &["list", "--json"], None);
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&list.stdout).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["name"], "sari");
    assert_eq!(lines[0]["role"], "operator");
    assert_eq!(lines[0]["org"], "polres-1");
    assert_eq!(lines[1]["org"], serde_json::Value::Null, "the root node");

    let passwd = users(dir.path(), &["passwd", "sari"], Some("sari's new long password"));
    assert!(passwd.status.success(), "{}", stderr(&passwd));
    let loaded = Users::load(&file).expect("load");
    assert_eq!(loaded.check("sari", "sari's long password").err(), Some(Refusal::WrongPassword));
    assert!(loaded.check("sari", "sari's new long password").is_ok());

    let disable = users(dir.path(), &["disable", "sari"], None);
    assert!(disable.status.success(), "{}", stderr(&disable));
    let loaded = Users::load(&file).expect("load");
    assert_eq!(loaded.check("sari", "sari's new long password").err(), Some(Refusal::Disabled));
    assert!(loaded.check("wall-1", "a wall machine's passphrase").is_ok(), "the others are untouched");
    let list = users(dir.path(), &["list"], None);
    assert!(String::from_utf8_lossy(&list.stdout).contains("disabled"), "the table says so");
}

#[test]
fn bad_input_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("tmp");
    let refused = |args: &[&str], password: Option<&str>, says: &str| {
        let out = users(dir.path(), args, password);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    };
    // Not on a terminal and no PANTAU_PASSWORD: nothing to read the password from.
    refused(&["add", "sari", "--role", "operator"], None, "PANTAU_PASSWORD");
    refused(&["add", "sari", "--role", "operator"], Some("short"), "at least 12");
    refused(&["add", "sari", "--role", "chief"], Some("a long enough password"), "operator");
    refused(&["add", "sa ri", "--role", "operator"], Some("a long enough password"), "not allowed");
    refused(&["list"], None, "cannot read the users file");
    refused(&["passwd", "nobody"], Some("a long enough password"), "users.toml");
    assert!(!dir.path().join("users.toml").exists(), "nothing was written");
    let ok = users(dir.path(), &["add", "sari", "--role", "operator"], Some("a long enough password"));
    assert!(ok.status.success(), "{}", stderr(&ok));
    refused(&["add", "sari", "--role", "viewer"], Some("a long enough password"), "already exists");
    refused(&["disable", "nobody"], None, "no user nobody");
    // A damaged file is named, never half-read or overwritten.
    let file = dir.path().join("users.toml");
    std::fs::write(&file, "[[user]]\nname = \"sari\"\nrole = \"operator\"\npassword = \"plain text\"\n")
        .expect("write");
    refused(&["list"], None, "bad password hash");
    refused(&["add", "budi", "--role", "viewer"], Some("a long enough password"), "users.toml");
    assert!(std::fs::read_to_string(&file).expect("read").contains("plain text"), "left as it was");
}

#[test]
fn eight_adds_at_once_lose_none() {
    let dir = tempfile::tempdir().expect("tmp");
    let children: Vec<_> = (0..8)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_pantau"))
                .args(["users", "add", &format!("seat-{i}"), "--role", "operator"])
                .current_dir(dir.path())
                .env("PANTAU_PASSWORD", "a long enough password")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("pantau starts")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("pantau runs");
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let loaded = Users::load(&dir.path().join("users.toml")).expect("load");
    assert_eq!(loaded.users.len(), 8, "{:?}", loaded.users.iter().map(|u| &u.name).collect::<Vec<_>>());
}
