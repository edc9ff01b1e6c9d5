//! `pantau certs`: a self-signed certificate and key for the hub on a closed network, written
//! as PEM (the key readable by its owner only), and the certificate's SHA-256 fingerprint,
//! which seats pin with `--pin`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{ensure, Context, Result};
use clap::Args;

#[derive(Args, Debug)]
pub struct CertsArgs {
    /// Folder to write hub.crt and hub.key into (made if missing)
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
    /// A name seats dial the hub by: host name or address (repeatable)
    #[arg(long = "name", required = true)]
    pub names: Vec<String>,
    /// Replace an existing pair
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: CertsArgs) -> Result<()> {
    let (cert, key) = (args.out.join("hub.crt"), args.out.join("hub.key"));
    for path in [&cert, &key] {
        ensure!(args.force || !path.exists(), "{}: already there (--force replaces it)", path.display());
    }
    let pair = crate::hub::tls::self_signed(&args.names)?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("{}: cannot make the folder", args.out.display()))?;
    std::fs::write(&cert, &pair.cert_pem).with_context(|| format!("{}: cannot write", cert.display()))?;
    write_private(&key, &pair.key_pem)?;
    println!("{}\n{}", cert.display(), key.display());
    println!("sha256 fingerprint (seats: --pin {}):", pair.fingerprint);
    println!("{}", pair.fingerprint);
    Ok(())
}

/// Writes a file only its owner may read.
fn write_private(path: &std::path::Path, text: &str) -> Result<()> {
    let mut file = crate::users::open_private(path).with_context(|| format!("{}: cannot write", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("{}: cannot write", path.display()))
}
