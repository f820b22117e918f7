"""Audio I/O and conversions: the one place where samples change format or rate.

Reading accepts any common format (WAV/FLAC/OGG through libsndfile, everything else,
e.g. MP3, M4A, WebM/Opus, through FFmpeg via PyAV), any channel count and any rate.
Everything comes out as :class:`~voice_agent.core.types.Audio`: float32 mono.
"""

from __future__ import annotations

import io
import logging
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_agent.core.errors import AudioInputError
from voice_agent.core.types import Audio

log = logging.getLogger(__name__)

ASR_RATE = 16_000
#: What any decode accepts at most, whatever the caller's duration limit: 8 channels of
#: 192 kHz hold 6 MB of float samples a second, so these bound memory per second of audio.
MAX_CHANNELS = 8
MAX_RATE = 192_000
MIN_RATE = 1_000


class AudioTooLongError(AudioInputError):
    """The audio is longer than the caller accepts (found from its header, or while decoding)."""

    kind = "too_long"


@dataclass(frozen=True)
class AudioInfo:
    """What a container's header says, read without decoding the samples.

    ``duration_s`` is None when the header does not say (e.g. a stream with no length);
    a bounded decode then finds out.
    """

    duration_s: float | None
    rate: int
    channels: int
    container: str


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


def read_audio(path: str | Path, rate: int | None = None,
               max_s: float | None = None) -> Audio:
    """Read an audio file of any common format as mono, optionally resampled to ``rate``.

    Raises :class:`AudioInputError` with a user-facing message when the file is missing,
    empty or cannot be decoded, and :class:`AudioTooLongError` when it is longer than
    ``max_s`` (found before decoding when the header says so; decoding stops there).
    """
    path = Path(path)
    if not path.is_file():
        raise AudioInputError(f"Audio file not found: {path}. Check the path and try again.")
    data = path.read_bytes()
    if not data:
        raise AudioInputError(f"Audio file is empty (0 bytes): {path}. Record it again.")
    audio = decode_audio(data, name=str(path), max_s=max_s)
    return resample(audio, rate) if rate else audio


def probe_audio(data: bytes, name: str = "<bytes>") -> AudioInfo:
    """Duration, rate and channels from the container header, without decoding samples.

    libsndfile reads WAV/FLAC/OGG headers; anything else (MP3, M4A, WebM) is opened with
    FFmpeg (PyAV), which reads the header and at most a few packets. A WAV whose header
    promises more data than the file holds (cut short in transit) is refused here.
    """
    try:
        import soundfile as sf

        info = sf.info(io.BytesIO(data))
        _check_wav_complete(data, name, info.samplerate, info.channels)
        return AudioInfo(float(info.duration), int(info.samplerate), int(info.channels),
                         str(info.format))
    except AudioInputError:
        raise
    except Exception:  # noqa: BLE001 - not a libsndfile format: ask FFmpeg
        return _probe_with_av(data, name)


def _probe_with_av(data: bytes, name: str) -> AudioInfo:
    av = _import_av(name)
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            stream = next(s for s in container.streams if s.type == "audio")
            duration = None
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / 1_000_000  # AV_TIME_BASE
            channels = stream.codec_context.channels or 1
            return AudioInfo(duration, int(stream.rate or 0), int(channels),
                             container.format.name)
    except StopIteration:
        raise AudioInputError(f"File has no audio stream: {name}.") from None
    except Exception as exc:
        raise _undecodable(name, exc) from None


#: a WAV data size at least this large is a streaming writer's placeholder (see below)
STREAMED_WAV_SIZE = 0x7FFF0000


def _check_wav_complete(data: bytes, name: str, rate: int, channels: int) -> None:
    """Refuse a RIFF/WAVE file whose ``data`` chunk is shorter than its header says."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return
    offset, block_align = 12, 2 * max(channels, 1)
    while offset + 8 <= len(data):
        chunk, size = data[offset:offset + 4], struct.unpack("<I", data[offset + 4:offset + 8])[0]
        if chunk == b"fmt " and offset + 22 <= len(data):
            block_align = struct.unpack("<H", data[offset + 20:offset + 22])[0] or block_align
        if chunk == b"data":
            held = len(data) - offset - 8
            # a writer that streams (espeak-ng to a pipe, say) cannot know the length and
            # puts a placeholder: 0, 0xFFFFFFFF, or about 2 GiB (espeak-ng: 0x7FFFFFDB);
            # no upload is that large, so such a size means "unknown", not "cut short"
            if 0 < size < STREAMED_WAV_SIZE and held < size:
                per_s = block_align * max(rate, 1)
                raise AudioInputError(
                    f"The WAV file {name} is cut short: its header promises {size / per_s:.1f} s "
                    f"but it holds {held / per_s:.1f} s. Record or export it again.")
            return
        offset += 8 + size + (size & 1)


def check_audio_info(info: AudioInfo, name: str, max_s: float | None) -> None:
    """Refuse audio whose header is out of bounds (too long, too many channels, odd rate)."""
    if not MIN_RATE <= info.rate <= MAX_RATE:
        raise AudioInputError(f"{name} has a sample rate of {info.rate} Hz; use "
                              f"{MIN_RATE}-{MAX_RATE} Hz (e.g. 16000, 44100 or 48000).")
    if not 1 <= info.channels <= MAX_CHANNELS:
        raise AudioInputError(f"{name} has {info.channels} channels; use at most "
                              f"{MAX_CHANNELS} (mono or stereo is best).")
    if max_s is not None and info.duration_s is not None and info.duration_s > max_s:
        raise too_long(name, info.duration_s, max_s)


def too_long(name: str, duration_s: float | None, max_s: float) -> AudioTooLongError:
    """The one message for audio over a duration limit."""
    held = f"{duration_s:.0f} s long" if duration_s is not None else "too long"
    return AudioTooLongError(f"{name} is {held}; the limit is {max_s:.0f} s. Send a shorter "
                             "recording.")


def decode_audio(data: bytes, name: str = "<bytes>", max_s: float | None = None) -> Audio:
    """Decode an encoded audio file held in memory to mono float32.

    The header is read first (:func:`probe_audio`) and out-of-bounds audio is refused
    before any sample is decoded; with ``max_s`` decoding also stops at the limit, so a
    header that lies about the length cannot make it hold more than ``max_s`` seconds.
    """
    info = probe_audio(data, name)
    check_audio_info(info, name, max_s)
    limit = None if max_s is None else int(max_s * info.rate) + 1
    try:
        audio = _decode_with_soundfile(data, limit)
    except Exception as sf_error:  # libsndfile does not know the format: try FFmpeg
        log.debug("soundfile could not read %s (%s); trying PyAV", name, sf_error)
        audio = _decode_with_av(data, name, limit)
    if max_s is not None and audio.duration_s > max_s:
        raise too_long(name, info.duration_s, max_s)
    if not len(audio.samples):
        raise AudioInputError(f"Audio file holds no samples: {name}. Record it again.")
    if not np.all(np.isfinite(audio.samples)):
        raise AudioInputError(f"Audio file holds invalid (NaN/inf) samples: {name}.")
    return audio


def _decode_with_soundfile(data: bytes, limit: int | None = None) -> Audio:
    import soundfile as sf

    samples, rate = sf.read(io.BytesIO(data), frames=-1 if limit is None else limit,
                            dtype="float32", always_2d=True)
    return Audio(to_mono(samples), int(rate))


def _import_av(name: str):
    try:
        import av
    except ImportError as exc:  # pragma: no cover - av ships with faster-whisper
        raise AudioInputError(
            f"Cannot decode {name}: it is not WAV/FLAC/OGG and PyAV (FFmpeg) is not installed."
        ) from exc
    return av


def _undecodable(name: str, exc: Exception) -> AudioInputError:
    return AudioInputError(
        f"Cannot decode {name}: the file is corrupt or not audio ({type(exc).__name__}). "
        "Use a WAV, FLAC, OGG, MP3 or M4A recording.")


def _decode_with_av(data: bytes, name: str, limit: int | None = None) -> Audio:
    """Decode with FFmpeg, stopping once ``limit`` samples (one past the limit) are held."""
    av = _import_av(name)
    chunks: list[np.ndarray] = []
    held = 0
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            stream = next(s for s in container.streams if s.type == "audio")
            resampler = av.AudioResampler(format="flt", layout="mono", rate=stream.rate)
            rate = stream.rate
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
                    held += len(chunks[-1])
                if limit is not None and held >= limit:
                    break
    except StopIteration:
        raise AudioInputError(f"File has no audio stream: {name}.") from None
    except Exception as exc:
        raise _undecodable(name, exc) from None
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return Audio(samples[:limit] if limit is not None else samples, int(rate))


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
