"""Checkpoint folders with random weights, in the layout a user's download has.

    python scripts/make_random_checkpoints.py --kind musicgen-small --out /tmp/musicgen-small

Kinds: xtts-v2, xtts-tiny, musicgen-small, musicgen-melody, musicgen-tiny, clap, clap-tiny.
The full-size kinds have the published architecture (coqui/XTTS-v2's config.json;
facebook/musicgen-small and -melody as transformers' conversion scripts build them: T5-base
text encoder, EnCodec 32 kHz with 4 codebooks), so loading and generating cost what the
real weights cost; the tiny kinds are for tests. The weights are random: the audio is noise,
and nothing stops generation but its length bound. Tokenizers are trained here on a small
English/Spanish corpus (the real vocabularies cannot be downloaded), with the real special
tokens and vocabulary sizes.

Needs torch, transformers and tokenizers; the XTTS kinds also need coqui-tts.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

#: Lower-case English and Spanish text the tokenizers are trained on (XTTS lower-cases).
CORPUS = """
here is your song. i hope you like it. sure! a calm piano piece, two seconds long.
something slow and sad on the cello. play a happy salsa with trumpets and piano.
make it faster, add drums, go back to the last one. done! it is ready.
a jazz ballad with saxophone and double bass in c minor at ninety beats per minute.
¡claro! aquí tienes tu canción. espero que te guste. pon una salsa alegre para bailar.
algo lento y triste con violonchelo. una bossa nova tranquila con guitarra y flauta.
más rápido, con batería. vuelve a la anterior. ¡listo! ya está. mañana, niño, acción.
the quick brown fox jumps over the lazy dog. el veloz murciélago hindú comía feliz cardillo y kiwi.
one two three four five six seven eight nine ten. uno dos tres cuatro cinco seis siete ocho nueve diez.
"""
ALPHABET = list("abcdefghijklmnopqrstuvwxyzáéíóúüñ¿¡'.,!?;:-\"()0123456789")
XTTS_LANGUAGES = ["en", "es", "fr", "de", "it", "pt", "pl", "tr", "ru", "nl", "cs", "ar",
                  "zh-cn", "hu", "ko", "ja", "hi"]


def corpus_lines() -> list[str]:
    """The training text, one sentence a line, repeated so every merge is seen often."""
    lines = [line.strip() for line in CORPUS.strip().splitlines() if line.strip()]
    return lines * 20


# --- XTTS v2 ------------------------------------------------------------------------------

#: coqui/XTTS-v2 config.json's model_args (30 GPT layers, 1024 wide, 16 heads, perceiver
#: resampler, 1026 audio tokens, 6681 text tokens, HiFi-GAN to 24 kHz).
XTTS_V2_ARGS = {
    "gpt_batch_size": 1, "enable_redaction": False, "kv_cache": True, "gpt_checkpoint": None,
    "clvp_checkpoint": None, "decoder_checkpoint": None, "num_chars": 255, "tokenizer_file": "",
    "gpt_max_audio_tokens": 605, "gpt_max_text_tokens": 402, "gpt_max_prompt_tokens": 70,
    "gpt_layers": 30, "gpt_n_model_channels": 1024, "gpt_n_heads": 16,
    "gpt_number_text_tokens": 6681, "gpt_start_text_token": None, "gpt_stop_text_token": None,
    "gpt_num_audio_tokens": 1026, "gpt_start_audio_token": 1024, "gpt_stop_audio_token": 1025,
    "gpt_code_stride_len": 1024, "gpt_use_masking_gt_prompt_approach": True,
    "gpt_use_perceiver_resampler": True, "input_sample_rate": 22050, "output_sample_rate": 24000,
    "output_hop_length": 256, "decoder_input_dim": 1024, "d_vector_dim": 512,
    "cond_d_vector_in_each_upsampling_layer": True, "duration_const": 102400,
}
XTTS_V2_INFERENCE = {"temperature": 0.75, "length_penalty": 1.0, "repetition_penalty": 5.0,
                     "top_k": 50, "top_p": 0.85, "num_gpt_outputs": 1, "gpt_cond_len": 30,
                     "gpt_cond_chunk_len": 4, "max_ref_len": 30, "sound_norm_refs": False}
#: The tiny test model: one narrow GPT layer; the HiFi-GAN and speaker encoder keep their
#: fixed coqui architecture (they take no size arguments beyond the input width).
XTTS_TINY_ARGS = {**XTTS_V2_ARGS, "gpt_layers": 1, "gpt_n_model_channels": 64, "gpt_n_heads": 2,
                  "decoder_input_dim": 64, "gpt_number_text_tokens": 512}


def xtts_vocab(path: Path, size: int) -> None:
    """A BPE vocab.json the way XTTS's VoiceBpeTokenizer reads it, with ``size`` tokens.

    Special tokens as in the real file ([STOP] 0, [UNK] 1, [SPACE] 2, [START], one token
    per language); merges trained on :data:`CORPUS`; unused fillers up to ``size`` so the
    GPT's text embedding has the published shape.
    """
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    specials = ["[STOP]", "[UNK]", "[SPACE]", "[START]"] + [f"[{lang}]" for lang in XTTS_LANGUAGES]
    tokenizer = Tokenizer(models.BPE(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(vocab_size=size, special_tokens=specials,
                                  initial_alphabet=ALPHABET, show_progress=False)
    text = [line.replace(" ", "[SPACE]") for line in corpus_lines()]
    tokenizer.train_from_iterator(text, trainer)
    fillers = [f"[UNUSED{i}]" for i in range(size - tokenizer.get_vocab_size())]
    tokenizer.add_special_tokens(fillers)
    tokenizer.save(str(path))


def xtts_config(args: dict) -> dict:
    """config.json as coqui/XTTS-v2 ships it (XttsConfig's fields, the published values)."""
    from TTS.tts.configs.xtts_config import XttsConfig

    config = XttsConfig()
    for name, value in args.items():
        setattr(config.model_args, name, value)
    config.languages = list(XTTS_LANGUAGES)
    for name, value in XTTS_V2_INFERENCE.items():
        setattr(config, name, value)
    config.audio.sample_rate, config.audio.output_sample_rate = 22050, 24000
    return config.to_dict()


def make_xtts(out: Path, args: dict) -> None:
    """config.json, vocab.json, model.pth ({"model": state_dict}) and speakers_xtts.pth."""
    import torch
    from TTS.tts.configs.xtts_config import XttsConfig
    from TTS.tts.models.xtts import Xtts

    out.mkdir(parents=True, exist_ok=True)
    xtts_vocab(out / "vocab.json", args["gpt_number_text_tokens"])
    (out / "config.json").write_text(json.dumps(xtts_config(args), indent=4))
    config = XttsConfig()
    config.load_json(str(out / "config.json"))
    torch.manual_seed(0)
    model = Xtts(config)
    from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer

    model.tokenizer = VoiceBpeTokenizer(vocab_file=str(out / "vocab.json"))
    model.init_models()
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("gpt.gpt_inference")}
    torch.save({"model": state}, out / "model.pth")
    latent = torch.randn(1, 32, args["gpt_n_model_channels"]) * 0.1
    embedding = torch.randn(1, args["d_vector_dim"], 1) * 0.1
    torch.save({"Random Reader": {"gpt_cond_latent": latent, "speaker_embedding": embedding}},
               out / "speakers_xtts.pth")


# --- MusicGen -----------------------------------------------------------------------------

#: t5-base, MusicGen's text encoder (only the encoder half is kept).
T5_BASE = dict(vocab_size=32128, d_model=768, d_kv=64, d_ff=3072, num_layers=12,
               num_decoder_layers=12, num_heads=12, relative_attention_num_buckets=32,
               dropout_rate=0.1, feed_forward_proj="relu", decoder_start_token_id=0,
               pad_token_id=0, eos_token_id=1)
#: facebook/encodec_32khz (transformers' convert_encodec_checkpoint_to_pytorch.py).
ENCODEC_32K = dict(upsampling_ratios=[8, 5, 4, 4], target_bandwidths=[2.2], num_filters=64,
                   sampling_rate=32_000, codebook_size=2048, use_causal_conv=False,
                   normalize=False, use_conv_shortcut=False)
#: Decoder sizes from transformers' convert_musicgen(_melody)_transformers.py.
DECODERS = {"small": (1024, 24, 16), "melody": (1536, 48, 24)}
TINY_T5 = dict(vocab_size=32128, d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2,
               decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
TINY_ENCODEC = dict(sampling_rate=8000, hidden_size=8, num_filters=4, num_residual_layers=1,
                    upsampling_ratios=[4, 4], codebook_size=32, codebook_dim=8,
                    num_lstm_layers=1, target_bandwidths=[10.0])  # 500 frames/s, 2 codebooks


def t5_tokenizer(out: Path) -> None:
    """A T5-style Unigram tokenizer (<pad> 0, </s> 1, <unk> 2, 100 <extra_id_N>)."""
    import transformers
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(vocab_size=2000, special_tokens=["<pad>", "</s>", "<unk>"],
                                      unk_token="<unk>", initial_alphabet=ALPHABET,
                                      show_progress=False)
    tokenizer.train_from_iterator(corpus_lines(), trainer)
    from tokenizers import processors

    tokenizer.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", 1)])
    extra = [f"<extra_id_{i}>" for i in range(100)]
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
        additional_special_tokens=extra, model_max_length=512)
    fast.save_pretrained(out)
    config_path = out / "tokenizer_config.json"
    config = json.loads(config_path.read_text())
    config["tokenizer_class"] = "T5Tokenizer"
    config_path.write_text(json.dumps(config, indent=2))


def musicgen_config(kind: str):
    """The composite config for a MusicGen kind (musicgen-small, -melody, -tiny)."""
    import transformers

    melody = kind == "musicgen-melody"
    if kind == "musicgen-tiny":
        text, codec = transformers.T5Config(**TINY_T5), transformers.EncodecConfig(**TINY_ENCODEC)
        decoder = dict(vocab_size=32, hidden_size=16, num_hidden_layers=1, ffn_dim=32,
                       num_attention_heads=2, num_codebooks=2, pad_token_id=32,
                       bos_token_id=32, max_position_embeddings=1024)
    else:
        text, codec = transformers.T5Config(**T5_BASE), transformers.EncodecConfig(**ENCODEC_32K)
        hidden, layers, heads = DECODERS["melody" if melody else "small"]
        decoder = dict(vocab_size=2048, hidden_size=hidden, num_hidden_layers=layers,
                       ffn_dim=4 * hidden, num_attention_heads=heads, num_codebooks=4,
                       pad_token_id=2048, bos_token_id=2048, decoder_start_token_id=2048,
                       max_position_embeddings=2048, activation_function="gelu",
                       tie_word_embeddings=False)
    if melody:
        return transformers.MusicgenMelodyConfig(
            text_encoder=text, audio_encoder=codec,
            decoder=transformers.MusicgenMelodyDecoderConfig(**decoder), num_chroma=12,
            chroma_length=235)
    return transformers.MusicgenConfig(text_encoder=text, audio_encoder=codec,
                                       decoder=transformers.MusicgenDecoderConfig(**decoder))


def make_musicgen(out: Path, kind: str) -> None:
    """config.json, generation_config.json, model.safetensors, preprocessor and tokenizer."""
    import torch
    import transformers

    config = musicgen_config(kind)
    model_class = (transformers.MusicgenMelodyForConditionalGeneration
                   if kind == "musicgen-melody" else transformers.MusicgenForConditionalGeneration)
    torch.manual_seed(0)
    model = model_class(config).eval()
    # EnCodec starts its codebooks at zero, which would decode every code to one sound;
    # trained codebooks differ, and so should these.
    for layer in model.audio_encoder.quantizer.layers:
        layer.codebook.embed.normal_()
    pad = config.decoder.pad_token_id
    frame_rate = config.audio_encoder.frame_rate
    model.generation_config = transformers.GenerationConfig(
        decoder_start_token_id=pad, pad_token_id=pad, bos_token_id=pad, do_sample=True,
        guidance_scale=3.0, max_length=int(30 * frame_rate))
    model.save_pretrained(out)
    t5_tokenizer(out)
    rate = config.audio_encoder.sampling_rate
    if kind == "musicgen-melody":
        preprocessor = {"feature_extractor_type": "MusicgenMelodyFeatureExtractor",
                        "processor_class": "MusicgenMelodyProcessor", "feature_size": 12,
                        "sampling_rate": rate, "hop_length": 4096, "n_fft": 16384,
                        "chunk_length": 30, "num_chroma": 12, "padding_side": "left",
                        "padding_value": 0.0, "return_attention_mask": True,
                        "stem_indices": [3, 2]}
    else:
        preprocessor = {"feature_extractor_type": "EncodecFeatureExtractor",
                        "processor_class": "MusicgenProcessor", "feature_size": 1,
                        "sampling_rate": rate, "chunk_length_s": None, "overlap": None,
                        "padding_side": "left", "padding_value": 0.0,
                        "return_attention_mask": True}
    (out / "preprocessor_config.json").write_text(json.dumps(preprocessor, indent=2))


# --- CLAP ---------------------------------------------------------------------------------


def make_clap(out: Path, tiny: bool) -> None:
    """laion/clap-htsat-unfused's layout: config.json, model.safetensors, tokenizer (RoBERTa)."""
    import torch
    import transformers

    if tiny:
        config = transformers.ClapConfig(
            text_config=dict(vocab_size=2000, hidden_size=32, num_hidden_layers=1,
                             num_attention_heads=2, intermediate_size=64,
                             max_position_embeddings=80),
            # spec_size / num_mel_bins x spec_size >= the extractor's 1001 frames (10 s)
            audio_config=dict(hidden_size=32, depths=[1, 1], num_attention_heads=[2, 2],
                              patch_embeds_hidden_size=16, spec_size=256, window_size=8,
                              num_mel_bins=64, projection_hidden_size=32),
            projection_dim=16)
    else:
        config = transformers.ClapConfig()  # the defaults are laion/clap-htsat-unfused's
    torch.manual_seed(0)
    transformers.ClapModel(config).eval().save_pretrained(out)
    bpe_tokenizer(out, model_max_length=config.text_config.max_position_embeddings - 2)
    # The unfused model takes one mel channel: random truncation, not the 4-channel fusion.
    features = transformers.ClapFeatureExtractor(
        feature_size=config.audio_config.num_mel_bins, sampling_rate=48_000,
        truncation="rand_trunc", padding="repeatpad")
    features.save_pretrained(out)


def bpe_tokenizer(out: Path, model_max_length: int) -> None:
    """A byte-level BPE tokenizer with RoBERTa's special tokens."""
    import transformers
    from tokenizers import ByteLevelBPETokenizer

    tokenizer = ByteLevelBPETokenizer()
    tokenizer.train_from_iterator(corpus_lines(), vocab_size=2000, show_progress=False,
                                  special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer._tokenizer, bos_token="<s>", eos_token="</s>",
        pad_token="<pad>", unk_token="<unk>", mask_token="<mask>",
        model_max_length=model_max_length).save_pretrained(out)


# --- entry point --------------------------------------------------------------------------

KINDS = ("xtts-v2", "xtts-tiny", "musicgen-small", "musicgen-melody", "musicgen-tiny", "clap",
         "clap-tiny")


def make_checkpoint(kind: str, out: str | Path) -> Path:
    """Write a random-weight checkpoint of ``kind`` into ``out`` and return the folder."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if kind in ("xtts-v2", "xtts-tiny"):
        make_xtts(out, XTTS_V2_ARGS if kind == "xtts-v2" else XTTS_TINY_ARGS)
    elif kind.startswith("musicgen-"):
        make_musicgen(out, kind)
    elif kind in ("clap", "clap-tiny"):
        make_clap(out, tiny=kind == "clap-tiny")
    else:
        raise SystemExit(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    (out / "RANDOM_WEIGHTS.txt").write_text(
        f"{kind}: random weights made by scripts/make_random_checkpoints.py; "
        "the architecture is the published one, the output is noise.\n")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", required=True, choices=KINDS)
    parser.add_argument("--out", required=True, help="folder to write (created)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    folder = make_checkpoint(args.kind, args.out)
    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
    print(f"{args.kind}: {folder} ({size / 1e6:.0f} MB, {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
