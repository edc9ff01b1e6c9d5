#!/usr/bin/env python3
"""Writes pantau's alert sounds (16-bit mono WAV, 22,050 Hz), made here from sine tones:

- distress.wav: an officer's SOS, a high-low two-tone (1,200 / 850 Hz) three times, 1.5 s;
- escalation.wav: an SOS still not acknowledged, six short rising pips up to 1,600 Hz, 1.2 s.

Both have short fades so nothing clicks. Run from this folder: python3 make.py
"""

import math
import struct
import wave

RATE = 22_050


def tone(freq_from, freq_to, seconds, volume=0.6, fade=0.01):
    n = int(RATE * seconds)
    out, phase = [], 0.0
    for i in range(n):
        freq = freq_from + (freq_to - freq_from) * i / max(1, n - 1)
        phase += 2 * math.pi * freq / RATE
        edge = min(1.0, i / (fade * RATE), (n - 1 - i) / (fade * RATE))
        # A touch of the third harmonic makes it cut through a noisy room.
        out.append(volume * edge * (0.85 * math.sin(phase) + 0.15 * math.sin(3 * phase)))
    return out


def silence(seconds):
    return [0.0] * int(RATE * seconds)


def write(name, samples):
    with wave.open(name, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", int(max(-1.0, min(1.0, s)) * 32767)) for s in samples))


distress = []
for _ in range(3):
    distress += tone(1200, 1200, 0.25) + tone(850, 850, 0.25)
write("distress.wav", distress)

escalation = []
for k in range(6):
    escalation += tone(1000 + 120 * k, 1100 + 120 * k, 0.12, volume=0.8) + silence(0.08)
write("escalation.wav", escalation)
