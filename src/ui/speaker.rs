//! The seat's loudspeaker: alert sounds played on the default audio device from a thread of
//! its own, which opens the device on first use, so the console never waits on audio. The
//! sounds are `assets/sounds/`, made for pantau by its `make.py`. A seat without a sound
//! device says so once in the log and carries on; the alert still shows.

use std::sync::mpsc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sound {
    /// An officer's SOS has come in.
    Distress,
    /// An officer's SOS is still not acknowledged.
    Escalation,
}

impl Sound {
    /// The sound as a WAV file.
    pub fn wav(self) -> &'static [u8] {
        match self {
            Sound::Distress => include_bytes!("../../assets/sounds/distress.wav"),
            Sound::Escalation => include_bytes!("../../assets/sounds/escalation.wav"),
        }
    }
}

pub struct Speaker {
    queue: Option<mpsc::Sender<Sound>>,
}

impl Speaker {
    /// A speaker on the default audio device.
    pub fn open() -> Self {
        let (queue, sounds) = mpsc::channel::<Sound>();
        let spawned = std::thread::Builder::new().name("pantau speaker".into()).spawn(move || play_all(sounds));
        match spawned {
            Ok(_) => Self { queue: Some(queue) },
            Err(e) => {
                tracing::error!("alert sounds off: cannot start the audio thread ({e})");
                Self::silent()
            }
        }
    }

    /// A speaker that plays nothing (tests, and seats started without sound).
    pub fn silent() -> Self {
        Self { queue: None }
    }

    pub fn play(&self, sound: Sound) {
        if let Some(queue) = &self.queue {
            let _ = queue.send(sound);
        }
    }
}

/// Plays each sound as it comes; the device is opened for the first one (so a seat that
/// never sounds an alert never touches the audio system), and a seat without one says so once.
fn play_all(sounds: mpsc::Receiver<Sound>) {
    let mut device = None;
    let mut missing = false;
    for sound in sounds {
        if device.is_none() && !missing {
            match rodio::DeviceSinkBuilder::open_default_sink() {
                Ok(opened) => device = Some(opened),
                Err(e) => {
                    tracing::warn!("alert sounds off: no audio device ({e}); alerts still show on screen");
                    missing = true;
                }
            }
        }
        let Some(device) = &device else { continue };
        match rodio::Decoder::try_from(std::io::Cursor::new(sound.wav())) {
            Ok(source) => device.mixer().add(source),
            Err(e) => tracing::error!("alert sound {sound:?} unreadable: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rodio::Source;

    #[test]
    fn the_alert_sounds_decode_as_the_player_reads_them() {
        for (sound, seconds) in [(Sound::Distress, 1.5), (Sound::Escalation, 1.2)] {
            let source = rodio::Decoder::try_from(std::io::Cursor::new(sound.wav())).expect("a WAV rodio reads");
            let length = source.total_duration().expect("a known length").as_secs_f64();
            assert!((length - seconds).abs() < 0.01, "{sound:?}: {length} s");
        }
    }
}
