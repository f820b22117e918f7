"""The transformers responder on tiny random-weight models built here (no downloads)."""

from __future__ import annotations

import pytest

from voice_agent.core.errors import ModelNotFoundError
from voice_agent.core.types import Intent, Transcript

transformers = pytest.importorskip("transformers", reason="install the 'transformers' extra")
tokenizers = pytest.importorskip("tokenizers")

CHAT_TEMPLATE = ("{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}</s>{% endfor %}"
                 "{% if add_generation_prompt %}<|assistant|>{% endif %}")


def _tokenizer(folder):
    """A word-level tokenizer over a small vocabulary, saved in ``folder``."""
    words = ["<unk>", "<pad>", "</s>", "{", "}", '"', ":", ",", "say", "plan", "jazz", "salsa",
             "hola", "play", "some", "with", "piano", "the", "a", "music"]
    model = tokenizers.models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>")
    raw = tokenizers.Tokenizer(model)
    raw.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="<unk>",
                                                pad_token="<pad>", eos_token="</s>")
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(folder)
    return fast


def _tiny_causal(folder):
    tokenizer = _tokenizer(folder)
    config = transformers.Qwen2Config(vocab_size=len(tokenizer), hidden_size=16,
                                      intermediate_size=32, num_hidden_layers=1,
                                      num_attention_heads=2, num_key_value_heads=1,
                                      max_position_embeddings=1024,
                                      eos_token_id=tokenizer.eos_token_id,
                                      pad_token_id=tokenizer.pad_token_id)
    transformers.Qwen2ForCausalLM(config).save_pretrained(folder)


def _tiny_t5(folder):
    tokenizer = _tokenizer(folder)
    config = transformers.T5Config(vocab_size=len(tokenizer), d_model=16, d_kv=8, d_ff=32,
                                   num_layers=1, num_heads=2, decoder_start_token_id=tokenizer.pad_token_id,
                                   eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    transformers.T5ForConditionalGeneration(config).save_pretrained(folder)


@pytest.mark.parametrize("build", [_tiny_causal, _tiny_t5], ids=["qwen2", "t5"])
def test_random_weights_generate_and_fall_back(tmp_path, build):
    from voice_agent.responder.transformers import TransformersResponder

    build(tmp_path)
    responder = TransformersResponder(str(tmp_path), temperature=0.0, max_tokens=12)
    responder.load()
    responder.load()  # idempotent
    reply = responder.respond(Transcript("pon una salsa con piano", "es"))
    # Random weights cannot write valid JSON: the rule parser must stand in, and say so.
    assert reply.source == "fallback" and reply.note.startswith("model answer unusable")
    assert reply.intent is Intent.MAKE_MUSIC and reply.plan.genre == "salsa"
    assert responder._model.device.type == "cpu"


def test_generation_is_real(tmp_path):
    """The tiny model really generates tokens (greedy is deterministic)."""
    from voice_agent.responder.transformers import TransformersResponder

    _tiny_causal(tmp_path)
    responder = TransformersResponder(str(tmp_path), temperature=0.0, max_tokens=6)
    responder.load()
    ids = responder._prompt_ids(Transcript("play some jazz", "en"), ())
    out1 = responder._model.generate(input_ids=ids, max_new_tokens=6, do_sample=False)
    out2 = responder._model.generate(input_ids=ids, max_new_tokens=6, do_sample=False)
    assert out1.shape[1] > ids.shape[1] and out1.tolist() == out2.tolist()


def test_missing_model_folder_is_a_clear_error(tmp_path):
    from voice_agent.responder.transformers import TransformersResponder

    with pytest.raises(ModelNotFoundError, match="nothing is downloaded"):
        TransformersResponder(str(tmp_path / "nope")).load()
