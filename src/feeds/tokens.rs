//! Per-device tokens. Listeners refuse a device whose token is missing or wrong, unless the
//! service was started with `--insecure`. The tokens file has one `DEVICE TOKEN` pair a line;
//! `#` starts a comment.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};

#[derive(Clone, Debug, Default)]
pub struct Tokens {
    by_device: HashMap<String, String>,
    insecure: bool,
}

impl Tokens {
    /// Accepts every device (for tests and closed networks; says so loudly in the log).
    pub fn insecure() -> Self {
        Self { by_device: HashMap::new(), insecure: true }
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the tokens file", path.display()))?;
        Self::parse(&text).with_context(|| format!("{}: bad tokens file", path.display()))
    }

    pub fn parse(text: &str) -> Result<Self> {
        let mut by_device = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            match (parts.next(), parts.next(), parts.next()) {
                (Some(device), Some(token), None) => {
                    by_device.insert(device.to_string(), token.to_string());
                }
                _ => bail!("line {}: expected `DEVICE TOKEN`", n + 1),
            }
        }
        Ok(Self { by_device, insecure: false })
    }

    /// True when the device may send (constant-time comparison of the token).
    pub fn allows(&self, device: &str, token: Option<&str>) -> bool {
        if self.insecure {
            return true;
        }
        match (self.by_device.get(device), token) {
            (Some(expected), Some(given)) => constant_time_eq(expected.as_bytes(), given.as_bytes()),
            _ => false,
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_file_rules() {
        let t = Tokens::parse("# units\nunit-1 abc\n\nunit-2 def # patrol car\n").expect("parse");
        assert!(t.allows("unit-1", Some("abc")));
        assert!(!t.allows("unit-1", Some("abd")));
        assert!(!t.allows("unit-1", None));
        assert!(!t.allows("unit-9", Some("abc")));
        assert!(Tokens::parse("unit-1").is_err());
        assert!(Tokens::insecure().allows("anyone", None));
    }
}
