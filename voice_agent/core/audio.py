"""Audio I/O and conversions: the one place where samples change format or rate.

Reading accepts any common format (WAV/FLAC/OGG through libsndfile, everything else,
e.g. MP3, M4A, WebM/Opus, through FFmpeg via PyAV), any channel count and any rate.
Everything comes out as :class:`~voice_agent.core.types.Audio`: float32 mono.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import numpy as np

from voice_agent.core.errors import AudioInputError
from voice_agent.core.types import Audio

log = logging.getLogger(__name__)

ASR_RATE = 16_000


def to_mono(samples: np.ndarray) -> np.ndarray:
    """Average channels of a (frames, channels) array; 1-D input is returned as is."""
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim == 1:
        return samples
    return samples.mean(axis=1, dtype=np.float32)


def resample(audio: Audio, rate: int) -> Audio:
    """Return ``audio`` at ``rate`` Hz (high-quality soxr; a no-op when rates match)."""
    if audio.rate == rate:
        return audio
    if not len(audio.samples):
        return Audio(audio.samples, rate)
    import soxr

    return Audio(soxr.resample(audio.samples, audio.rate, rate, quality="HQ"), rate)


def read_audio(path: str | Path, rate: int | None = None) -> Audio:
    """Read an audio file of any common format as mono, optionally resampled to ``rate``.

    Raises :class:`AudioInputError` with a user-facing message when the file is missing,
    empty or cannot be decoded.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioInputError(f"Audio file not found: {path}. Check the path and try again.")
    data = path.read_bytes()
    if not data:
        raise AudioInputError(f"Audio file is empty (0 bytes): {path}. Record it again.")
    audio = decode_audio(data, name=str(path))
    return resample(audio, rate) if rate else audio


def decode_audio(data: bytes, name: str = "<bytes>") -> Audio:
    """Decode an encoded audio file held in memory to mono float32."""
    try:
        audio = _decode_with_soundfile(data)
    except Exception as sf_error:  # libsndfile does not know the format: try FFmpeg
        log.debug("soundfile could not read %s (%s); trying PyAV", name, sf_error)
        audio = _decode_with_av(data, name)
    if not len(audio.samples):
        raise AudioInputError(f"Audio file holds no samples: {name}. Record it again.")
    if not np.all(np.isfinite(audio.samples)):
        raise AudioInputError(f"Audio file holds invalid (NaN/inf) samples: {name}.")
    return audio


def _decode_with_soundfile(data: bytes) -> Audio:
    import soundfile as sf

    samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return Audio(to_mono(samples), int(rate))


def _decode_with_av(data: bytes, name: str) -> Audio:
    try:
        import av
    except ImportError as exc:  # pragma: no cover - av ships with faster-whisper
        raise AudioInputError(
            f"Cannot decode {name}: it is not WAV/FLAC/OGG and PyAV (FFmpeg) is not installed."
        ) from exc
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            stream = next(s for s in container.streams if s.type == "audio")
            resampler = av.AudioResampler(format="flt", layout="mono", rate=stream.rate)
            chunks = [
                out.to_ndarray().reshape(-1)
                for frame in container.decode(stream)
                for out in resampler.resample(frame)
            ]
            rate = stream.rate
    except StopIteration:
        raise AudioInputError(f"File has no audio stream: {name}.") from None
    except Exception as exc:
        raise AudioInputError(
            f"Cannot decode {name}: the file is corrupt or not audio ({type(exc).__name__}). "
            "Use a WAV, FLAC, OGG, MP3 or M4A recording."
        ) from None
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return Audio(samples, int(rate))


def to_int16(audio: Audio) -> np.ndarray:
    """Float samples to 16-bit PCM, clipping anything outside [-1, 1]."""
    return (np.clip(audio.samples, -1.0, 1.0) * 32767.0).round().astype(np.int16)


def write_wav(path: str | Path, audio: Audio) -> Path:
    """Write ``audio`` as a 16-bit PCM WAV file and return its path."""
    import soundfile as sf

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), to_int16(audio), audio.rate, subtype="PCM_16")
    return path


def wav_bytes(audio: Audio) -> bytes:
    """Encode ``audio`` as an in-memory 16-bit WAV file."""
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, to_int16(audio), audio.rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def concatenate(chunks: list[Audio], gap_s: float = 0.0) -> Audio:
    """Join chunks of the same rate, with ``gap_s`` of silence between them."""
    if not chunks:
        raise ValueError("concatenate needs at least one chunk")
    rate = chunks[0].rate
    if any(c.rate != rate for c in chunks):
        raise ValueError("all chunks must share one sample rate; resample first")
    gap = np.zeros(int(round(gap_s * rate)), np.float32)
    parts: list[np.ndarray] = []
    for i, chunk in enumerate(chunks):
        if i and len(gap):
            parts.append(gap)
        parts.append(chunk.samples)
    return Audio(np.concatenate(parts), rate)


def normalize_peak(audio: Audio, peak: float = 0.9) -> Audio:
    """Scale so the loudest sample is ``peak`` (silence is returned unchanged)."""
    current = audio.peak
    if current == 0.0:
        return audio
    return Audio(audio.samples * (peak / current), audio.rate)
