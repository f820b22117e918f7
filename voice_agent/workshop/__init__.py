"""The MusicGen workshop: caption a music collection into a training dataset.

:mod:`voice_agent.workshop.words` holds the descriptive words a caption may use and what
each needs the measured features to show; :mod:`~voice_agent.workshop.judge` checks a
caption against the features; :mod:`~voice_agent.workshop.caption` writes captions (the
local language model under a JSON schema, a template when the judge rejects it or no
model is given); :mod:`~voice_agent.workshop.batch` runs over files and folders into a
resumable JSON-lines dataset (schema in docs/workshop.md); :mod:`~voice_agent.workshop.lora`
trains a LoRA adapter on MusicGen's decoder from that dataset
(:mod:`~voice_agent.workshop.lora_data` reads it and caches the audio's codes,
:mod:`~voice_agent.workshop.lora_plot` draws the loss curve).

Above the stages: it uses the music stage's measurements and CLAP, and the responder's
JSON completer and fact finder.
"""
