//! One journal record on disk:
//!
//! ```text
//! u32 LE  body length
//! u32 LE  CRC-32 of the body
//! body:   u64 LE seq | i64 LE time (ms) | payload (postcard-encoded Event) | 32-byte chain hash
//! ```
//!
//! The chain hash is BLAKE3(previous hash | seq | time | payload); a segment's header holds the
//! hash its first record chains from.

use anyhow::{anyhow, Result};

use crate::model::{legacy, Event, Millis};

/// Larger bodies are treated as corruption.
pub const MAX_BODY: usize = 1 << 20;
/// The smallest body: seq, time and chain hash around an empty payload.
pub const MIN_BODY: usize = 8 + 8 + 32;

#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub seq: u64,
    pub time: Millis,
    pub event: Event,
    pub hash: [u8; 32],
}

/// The chain hash of a record.
pub fn chain(prev: &[u8; 32], seq: u64, time: Millis, payload: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(prev);
    h.update(&seq.to_le_bytes());
    h.update(&time.to_le_bytes());
    h.update(payload);
    *h.finalize().as_bytes()
}

/// Encodes a record onto `out`, returning its chain hash.
pub fn encode(out: &mut Vec<u8>, prev: &[u8; 32], seq: u64, time: Millis, event: &Event) -> Result<[u8; 32]> {
    let payload = postcard::to_allocvec(event).map_err(|e| anyhow!("cannot encode event: {e}"))?;
    let hash = chain(prev, seq, time, &payload);
    let body_len = 8 + 8 + payload.len() + 32;
    if body_len > MAX_BODY {
        // Decoding would take it for damage: refuse it now, before anything is acknowledged.
        return Err(anyhow!("an event of {body_len} bytes is over the journal's {MAX_BODY}-byte record limit"));
    }
    let start = out.len();
    out.extend_from_slice(&(body_len as u32).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&time.to_le_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&hash);
    let crc = crc32fast::hash(&out[start + 8..]);
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
    Ok(hash)
}

/// Why a record could not be read: recovery cuts a torn tail but stops at damage.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The bytes end before the record does (a torn write).
    #[error("the record is cut short")]
    Truncated,
    /// Length or CRC is wrong, or the payload does not decode.
    #[error("{0}")]
    Corrupt(String),
}

/// Decodes the record at the start of `bytes`, checking it chains from `prev`; returns it and
/// its length on disk.
pub fn decode(bytes: &[u8], prev: &[u8; 32]) -> Result<(Record, usize), DecodeError> {
    let (body, seq, time) = frame(bytes)?;
    let body_len = body.len();
    let payload = &body[16..body_len - 32];
    let mut hash = [0u8; 32];
    hash.copy_from_slice(&body[body_len - 32..]);
    if chain(prev, seq, time, payload) != hash {
        return Err(DecodeError::Corrupt(format!("hash chain broken at seq {seq}")));
    }
    let event: Event = legacy::decode_event(payload).map_err(|e| DecodeError::Corrupt(format!("bad payload: {e}")))?;
    Ok((Record { seq, time, event, hash }, 8 + body_len))
}

/// The record at the start of `bytes` with its length and CRC checked, but neither its chain
/// nor its payload: its sequence number, time and length on disk.
pub fn peek(bytes: &[u8]) -> Result<(u64, Millis, usize), DecodeError> {
    frame(bytes).map(|(body, seq, time)| (seq, time, 8 + body.len()))
}

/// The body of the record at the start of `bytes` (length and CRC checked), its sequence
/// number and time.
fn frame(bytes: &[u8]) -> Result<(&[u8], u64, Millis), DecodeError> {
    if bytes.len() < 8 {
        return Err(DecodeError::Truncated);
    }
    let body_len = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    if !(MIN_BODY..=MAX_BODY).contains(&body_len) {
        return Err(DecodeError::Corrupt(format!("impossible record length {body_len}")));
    }
    let Some(body) = bytes.get(8..8 + body_len) else { return Err(DecodeError::Truncated) };
    let crc = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    if crc32fast::hash(body) != crc {
        return Err(DecodeError::Corrupt("CRC mismatch".into()));
    }
    let word = |at: usize| -> [u8; 8] { body[at..at + 8].try_into().unwrap_or([0; 8]) };
    Ok((body, u64::from_le_bytes(word(0)), i64::from_le_bytes(word(8))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FeedKind, Fix};

    fn event() -> Event {
        let fix = Fix { time: 5, lon: 106.8, lat: -6.2, speed: Some(3.0), heading: None, accuracy: None };
        Event::Position { device: "u1".into(), fix, feed: FeedKind::Osmand }
    }

    #[test]
    fn round_trip_and_chain() {
        let mut buf = Vec::new();
        let h1 = encode(&mut buf, &[0; 32], 1, 100, &event()).expect("encode");
        let h2 = encode(&mut buf, &h1, 2, 101, &event()).expect("encode");
        let (r1, n1) = decode(&buf, &[0; 32]).expect("first");
        let (r2, _) = decode(&buf[n1..], &r1.hash).expect("second");
        assert_eq!((r1.seq, r2.seq, r2.hash), (1, 2, h2));
        assert_eq!(r1.event, event());
        // Chained from the wrong hash: refused.
        assert!(matches!(decode(&buf[n1..], &[0; 32]), Err(DecodeError::Corrupt(_))));
    }

    #[test]
    fn torn_and_flipped_records_are_told_apart() {
        let mut buf = Vec::new();
        encode(&mut buf, &[0; 32], 1, 100, &event()).expect("encode");
        assert_eq!(decode(&buf[..buf.len() - 3], &[0; 32]).err(), Some(DecodeError::Truncated));
        let mut flipped = buf.clone();
        flipped[20] ^= 1;
        assert!(matches!(decode(&flipped, &[0; 32]), Err(DecodeError::Corrupt(_))));
    }
}
