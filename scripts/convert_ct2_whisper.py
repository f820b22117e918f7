#!/usr/bin/env python
"""Convert a CTranslate2 (faster-whisper) Whisper model to an openai-whisper ``.pt`` checkpoint.

Without arguments it converts the packaged Whisper base weights into the voice_agent cache
(``~/.cache/voice_agent/models/whisper-base-openai/base.pt``). The result loads with
``whisper.load_model(path)``. The logic lives in ``voice_agent.asr.ct2_convert``.

    python scripts/convert_ct2_whisper.py
    python scripts/convert_ct2_whisper.py --model-dir path/to/faster-whisper-small --output small.pt
"""

from __future__ import annotations

import argparse
import logging
import sys

from voice_agent.asr.ct2_convert import (
    convert_ct2_whisper,
    default_checkpoint_path,
    ensure_openai_checkpoint,
)
from voice_agent.core.errors import VoiceAgentError


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", help="CTranslate2 Whisper folder (model.bin, config.json); "
                        "default: the packaged Whisper base model")
    parser.add_argument("--output",
                        help=f"checkpoint to write (default: {default_checkpoint_path()})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Convert and print the checkpoint path; return the exit status."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    try:
        if args.model_dir:
            path = convert_ct2_whisper(args.model_dir, args.output or "whisper-openai.pt")
        else:
            path = ensure_openai_checkpoint(args.output)
    except VoiceAgentError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
