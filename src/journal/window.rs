//! Reading a segment file a window at a time: the bytes from a record's start on, always at
//! least one whole record's worth where the file has them, without holding the whole segment
//! (64 MiB) in memory. A reader that starts at a cursor near a segment's end, or stops after a
//! few records (a seek's half hour), reads only what it looks at. Like reading the file whole
//! when it is opened, it reads only the bytes the file had then: a record a writer appends
//! meanwhile, perhaps half written, is left to the next reader. (A writer that takes back a
//! failed batch cuts and rewrites bytes a window may already hold: a reader then sees damage
//! and reads again, as a replay's next seek does; the journal itself is not touched.)

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::record::MAX_BODY;

/// Bytes read at once; a window holds at least a whole record's worth after any offset.
const CHUNK: usize = 4 << 20;
const _: () = assert!(CHUNK > MAX_BODY + 8, "a window must hold the largest record");

/// A segment file's bytes around the reading position.
pub struct Window {
    file: File,
    path: PathBuf,
    /// The file offset of `bytes[0]`.
    base: u64,
    bytes: Vec<u8>,
    /// The file's length when it was opened: nothing after it is read.
    length: u64,
    /// The file gave no more bytes.
    ended: bool,
}

impl Window {
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        let length = file.metadata().with_context(|| format!("cannot read {}", path.display()))?.len();
        Ok(Self { file, path: path.to_path_buf(), base: 0, bytes: Vec::new(), length, ended: false })
    }

    /// The file's length when it was opened.
    pub fn file_len(&self) -> u64 {
        self.length
    }

    /// The file's bytes from `at` on: at least [`MAX_BODY`] and a record header's worth, or
    /// all that are left (none past the end). Read forwards, each byte is read from the file
    /// once; going back reads again from there.
    pub fn from(&mut self, at: u64) -> Result<&[u8]> {
        let held_to = self.base + self.bytes.len() as u64;
        if at < self.base || at > held_to {
            self.jump(at)?;
        } else if held_to - at < (MAX_BODY + 8) as u64 && !self.ended {
            self.bytes.drain(..(at - self.base) as usize);
            self.base = at;
            self.fill()?;
        }
        let start = usize::try_from(at - self.base).unwrap_or(usize::MAX).min(self.bytes.len());
        Ok(&self.bytes[start..])
    }

    /// Starts the window again at `at`.
    fn jump(&mut self, at: u64) -> Result<()> {
        self.file.seek(SeekFrom::Start(at)).with_context(|| format!("cannot read {}", self.path.display()))?;
        (self.base, self.ended) = (at, false);
        self.bytes.clear();
        self.fill()
    }

    /// Reads on until the window holds a chunk more, or the file (as it was opened) ends.
    fn fill(&mut self) -> Result<()> {
        let left = self.length.saturating_sub(self.base + self.bytes.len() as u64);
        let want = self.bytes.len() + CHUNK.min(usize::try_from(left).unwrap_or(CHUNK));
        self.ended |= left == 0;
        while self.bytes.len() < want && !self.ended {
            let have = self.bytes.len();
            self.bytes.resize(want, 0);
            let read = self.file.read(&mut self.bytes[have..]);
            self.bytes.truncate(have + *read.as_ref().unwrap_or(&0));
            match read {
                Ok(read) => self.ended = read == 0,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e).with_context(|| format!("cannot read {}", self.path.display())),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn a_window_gives_the_bytes_from_any_offset_on_however_the_file_is_read() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("seg");
        let content: Vec<u8> = (0..3 * CHUNK + 12_345).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &content).expect("write");
        let mut window = Window::open(&path).expect("open");
        for at in [0, 1, 100, CHUNK - 5, CHUNK + 3, 2 * CHUNK + 99, content.len() - 10, content.len()] {
            let got = window.from(at as u64).expect("read");
            let want = &content[at..];
            assert!(got.len() >= want.len().min(MAX_BODY + 8), "at {at}: {} bytes", got.len());
            assert_eq!(got, &want[..got.len()], "at {at}");
        }
        // Backwards and past the end are answered too.
        assert_eq!(window.from(7).expect("back")[..3], content[7..10]);
        assert!(window.from(content.len() as u64 + 50).expect("past the end").is_empty());
        // Bytes appended after it was opened are not read.
        std::fs::OpenOptions::new().append(true).open(&path).expect("append").write_all(b"later").expect("write");
        assert_eq!(window.from(content.len() as u64 - 3).expect("the end"), &content[content.len() - 3..]);
        assert_eq!(window.file_len(), content.len() as u64);
    }
}
