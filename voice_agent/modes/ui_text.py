"""The words of the interface, in English and Spanish: web labels, the talk state line, CLI messages.

Replies already follow the speaker's language; this catalogue is for everything else a
person reads. :func:`t` looks a key up in the chosen language (falling back to English for
a key not yet translated) and fills ``{placeholders}``; :func:`default_language` picks the
language from the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``), so a Spanish desktop gets
Spanish without a flag. ``--ui-language es|en`` overrides it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voice_agent.speech.cloning import EnrolmentStep

LANGUAGES = ("en", "es")

EN: dict[str, str] = {
    # -- the CLI --------------------------------------------------------------------------
    "cli.description": "An offline voice agent that makes music: say or type what you want "
                       "(English or Spanish); it answers in a cloned voice and composes a clip.",
    "cli.models_loaded": "models loaded in {times}",
    "cli.wrote": "wrote {path}",
    "cli.one_input": "Give a request audio file or --text \"...\" (one of them).",
    "cli.error": "error: {message}",
    "cli.enrolled": "{source}: {state}; voice {model}",
    "cli.enrol_new": "enrolled as '{name}' (speaker {speaker_id}, {seconds:.1f} s)",
    "cli.enrol_cached": "already enrolled; named '{name}' (speaker {speaker_id})",
    "cli.no_speakers": "No enrolled speakers yet. Enrol one: voice-agent enrol FILE --name NAME",
    "cli.renamed": "speaker {speaker_id} is now '{name}'",
    "cli.deleted_speaker": "deleted speaker '{name}' ({speaker_id}) and its recording",
    "cli.no_sound_card": "{listing}\nNo sound card here: use `voice-agent talk --text-only` "
                         "to type your requests; every reply is written to files.",
    # -- talk: state names, stages and keys ------------------------------------------------
    "state.loading": "loading",
    "state.ready": "ready",
    "state.listening": "listening",
    "state.typing": "typing",
    "state.thinking": "thinking",
    "state.speaking": "speaking",
    "state.playing music": "playing music",
    "stage.asr": "listening",
    "stage.llm": "thinking",
    "stage.music": "composing",
    "stage.tts_cloned": "cloned voice",
    "stage.tts_base": "base voice",
    "stage.library": "library",
    "stage.total": "total",
    "stage.llm_ttft": "time to first word",
    "stage.llm_first_token": "first word",
    "stage.llm_first_sentence": "first sentence",
    "stage.first_audio": "first reply audio",
    "stage.music_ready": "music ready",
    "stage.speech_end": "end of speech",
    "talk.help": "space/enter: talk · t: type · r: replay · w: save · v: voice · q: quit",
    "talk.loading": "loading the models…",
    "talk.typing": "> {typed}_   enter: send · esc: cancel",
    "talk.thinking": "{stage}…   s: mute · space: talk",
    "talk.working": "working",
    "talk.speaking": "s: stop · space: talk over it",
    "talk.music": "{played:4.1f}/{total:.1f}s   s: stop · r: replay · w: save · space: talk",
    "talk.listening": "space/enter: send · esc: cancel",
    "talk.mic_starting": "starting the microphone…",
    "talk.nothing_to_replay": "nothing to replay yet: no turn has made music",
    "talk.replay_no_device": "no output device, so nothing can play here: the last music "
                             "is in {path}",
    "talk.replaying": "replaying the last music",
    "talk.nothing_playing": "nothing is playing",
    "talk.stopped": "stopped",
    "talk.muted": "muted: this turn's audio will not play (its files are still written)",
    "talk.unknown_key": "the key '{key}' does nothing here. {help}",
    "talk.cancelled": "recording cancelled",
    "talk.typing_cancelled": "typing cancelled",
    "talk.timings": "timings",
    "talk.from_end": "from end of speech",
    "talk.saved_in": "saved in {folder}/",
    "talk.models_loaded": "models loaded: {times}",
    "talk.not_available": "not available: {stage}: {reason}",
    "stage.openers": "first words",
    # -- web: page and tabs ------------------------------------------------------------------
    "web.heading": "Say or type what music you want, in English or Spanish.",
    "web.fake": "**FAKE MODE** - no models run; every answer is a stand-in.",
    "web.tab.talk": "Talk", "web.tab.compose": "Compose", "web.tab.voices": "Voices",
    "web.tab.library": "Library", "web.tab.benchmark": "Benchmark",
    # -- the Captions tab (modes/web/captions.py) ------------------------------------------
    "web.tab.captions": "Captions",
    "captions.intro": "Caption a music collection for training: each file's tempo, key, "
                      "loudness, brightness and onsets are measured, and a one-sentence "
                      "caption states only what was measured. Files already captioned are "
                      "skipped, so a stopped run can be started again.",
    "captions.folder": "Folder on this computer",
    "captions.folder_help": "Only when the server runs on this computer (localhost).",
    "captions.files": "Or upload audio files",
    "captions.language": "Caption language",
    "captions.run": "Caption", "captions.download": "Download the dataset",
    "captions.table": "Captions",
    "captions.done": "{captioned} captioned, {failed} failed, {skipped} already done "
                     "(of {found} files). Captions by {by}.",
    "captions.by_llm": "the language model, checked against the measurements",
    "captions.by_template": "templates (no language model in this mode)",
    "captions.nothing": "Choose a folder or upload some audio files first.",
    "captions.no_folders": "This server is reachable from other computers, so it does not "
                           "read its own folders for a browser: upload the files instead.",
    "captions.no_folder": "That folder does not exist on this computer.",
    "web.language": "Language",
    "web.done": "**Done.** ", "web.problem": "**Problem:** ", "web.working": "*Working:* ",
    "web.warning": "**Warning:** ",
    # Talk
    "talk.input": "Your request (record or upload)",
    "web.stage": "stage", "web.seconds": "seconds",
    "talk.took": "{seconds:.1f} s in all",
    "talk.text": "…or type it (Enter sends)",
    "talk.text_placeholder": "relaxing jazz with piano · una cumbia alegre",
    "talk.speaker": "Cloned voice of",
    "talk.send": "Send", "talk.cancel": "Cancel",
    "talk.intro": "Say what music you want, e.g. “relaxing jazz with piano” or “una cumbia "
                  "alegre”.",
    "talk.heard": "I heard", "talk.reply": "Reply", "talk.prompt": "Music prompt",
    "talk.plan": "Plan", "talk.cloned": "Reply, cloned voice", "talk.base": "Reply, base voice",
    "talk.music_player": "Music", "talk.log": "This conversation",
    "talk.no_request": "Record, upload or type a request first.",
    "talk.new_upload": "Recording received: press Send.",
    "talk.live_input": "Speak (recognised as you talk; the answer starts when you stop)",
    "talk.input_upload": "…or upload a recorded request",
    "talk.live_listening": "Listening… ({seconds:.1f} s)",
    "talk.live_heard": "Heard so far: {words}",
    "talk.live_gave_up": "Heard so far: {words} (the computer is too busy to keep up: I will "
                         "listen to the rest when you stop)",
    "talk.live_too_long": "That is over {seconds:.0f} s: stop, and say it more briefly.",
    "talk.waiting": "Waiting for the models…",
    "talk.finished": "Finished in {seconds:.1f} s (request {request_id}).",
    "talk.cancelled_turn": "Cancelled. Send another request when you are ready.",
    "talk.music_ready": "The music is ready; finishing the spoken reply…",
    "talk.silent_upload": "The recording has no sound in it. Upload a file where someone "
                          "speaks, or type the request.",
    "talk.log_empty": "Nothing yet: each request and its answer will be listed here.",
    "talk.stage.asr": "Listening", "talk.stage.llm": "Thinking of a reply and a plan",
    "talk.stage.music": "Composing the music", "talk.stage.tts_cloned": "Speaking in the cloned voice",
    "talk.stage.tts_base": "Speaking in the base voice",
    # Compose
    "compose.prompt": "Describe the music",
    "compose.examples": "Examples (click one)",
    "compose.duration": "Duration (s); 0 = from the prompt",
    "compose.seed": "Seed (0 to 4294967295); empty = from the prompt",
    "compose.overrides": "Overrides", "compose.genre": "Genre",
    "compose.bpm": "Tempo (bpm); 0 = from the prompt", "compose.key": "Key", "compose.mode": "Mode",
    "compose.engine": "Music engine",
    "compose.engine.composer": "Composer (built in)",
    "compose.engine.musicgen": "MusicGen ({model})",
    "compose.melody": "Melody (optional): hum, whistle or play a tune, 1–30 s",
    "compose.melody_heard": "Heard: {notes} notes, {key} {mode}, {bpm} bpm. The music will "
                            "follow this tune.",
    "compose.melody_short": "The melody is only {seconds:.1f} s long: hum, whistle or play a "
                            "few notes (at least 1 s).",
    "compose.melody_silent": "The melody recording is silent: check that the microphone is "
                             "on and not muted, then hum the tune again.",
    "compose.melody_no_tune": "No tune was heard in the melody (noise, speech or a single "
                              "note): hum, whistle or play a few clear notes, close to the "
                              "microphone.",
    "compose.melody_used": "It follows your tune ({notes} notes, {key} {mode}, {bpm} bpm heard).",
    "music.major": "major", "music.minor": "minor",
    "compose.auto": "from the prompt",
    "compose.generate": "Generate", "compose.regenerate": "Regenerate",
    "compose.improved": "Improved prompt", "compose.say": "Reply", "compose.audio": "Music",
    "compose.wav": "Download WAV", "compose.midi": "Download MIDI",
    "compose.save": "Save to library", "compose.plan": "Plan as rendered",
    "compose.rendered": "Rendered {seconds:.1f} s (request {request_id}).",
    # -- prompt improvement and clip scores (modes/web/scores.py) ---------------------------
    "compose.refined": "Your prompt → improved prompt",
    "compose.by_llm": "The language model ({model}) read your prompt into a plan; the "
                      "improved prompt is that plan written out.",
    "compose.by_fallback": "The language model's answer was not usable ({note}); rules read "
                           "your prompt into the plan the improved prompt writes out.",
    "compose.by_rules": "Rules ({model}) read your prompt into the plan the improved prompt "
                        "writes out; no language model ran.",
    "compose.by_none": "No refiner ran: the previous plan was rendered again with your "
                       "overrides.",
    "compose.best_of": "Best of N: render N candidates, keep the best score",
    "compose.score_clap": "**CLAP score** {value:.3f} (cosine of prompt and audio, {model}).",
    "compose.score_random": "These CLAP weights are random: the score means nothing.",
    "compose.score_adherence": "**Adherence** {value:.2f} of 1, measured from the audio (tempo "
                               "{tempo:.2f}, key {key:.2f}, percussion {percussion:.2f}); not a "
                               "CLAP score.",
    "compose.score_none": "Not scored: set Best of above 1, or start the server with "
                          "--clap-model.",
    "compose.candidates": "Best of {n}: candidate scores {scores}; kept seed {seed}.",
    "compose.first": "Generate something first; Regenerate re-renders it with the current "
                     "settings.",
    # Voices
    "voices.intro": "Enrol a speaker to hear the replies in their voice: 10–15 s of one person "
                    "speaking clearly in a quiet room. Enrolment searches for the closest voice "
                    "(about a minute per recording on two CPU cores, once; then it is cached).",
    "voices.input": "Speaker recording (10–15 s)", "voices.name": "Name (e.g. Ana)",
    "voices.enrol": "Enrol", "voices.speaker": "Speaker to compare",
    "voices.reference": "Optional: another recording of the same person (held out, for an "
                        "honest similarity)",
    "voices.sentence": "Sentence to speak", "voices.compare": "Compare cloned and base voice",
    "voices.ab_cloned": "A: cloned voice", "voices.ab_base": "B: base voice",
    "voices.upload": "Upload or record 10–15 s of one person speaking.",
    "voices.ok": "Can be used: {seconds:.1f} s, {speech:.1f} s of speech. Give it a name and "
                 "press Enrol.",
    "voices.short": "Short: {seconds:.1f} s ({speech:.1f} s of speech). It can be enrolled, "
                    "but 10–15 s gives a closer voice.",
    "voices.first": "Upload or record a speaker first.",
    "voices.enrolled": "Speaker '{name}' {state} ({seconds:.1f} s{score}).",
    "voices.state_new": "enrolled", "voices.state_cached": "was already enrolled",
    # Enrolment steps (the CLI's progress lines and the Voices tab's bar)
    "enrol.step": "[{done}/{total}] {step}: {note}",
    "enrol.analyse": "Analysed the recording (pitch, timbre)",
    "enrol.screen": "Compared a voice style",
    "enrol.search": "Tried a blend of the closest styles",
    "enrol.speed": "Tried a slower reading",
    "enrol.strength": "Tuned the conversion strength",
    "enrol.save": "Saved the voice",
    # Library
    "library.show": "Show", "library.refresh": "Refresh", "library.clip": "Clip (click a row)",
    "library.play": "Play", "library.playlist": "Playlist", "library.save": "Save to playlist",
    "library.number": "Position in the playlist", "library.remove": "Remove from playlist",
    "library.delete": "Delete clip", "library.midi": "Download MIDI",
    "library.confirm": "Yes, delete it",
    "library.wav": "Download WAV", "library.lyrics": "Lyrics", "library.details": "Details",
    "library.all": "all clips",
    # Talk: the session panel (voice_agent.modes.web.sessions)
    "session.title": "Session and versions", "session.id": "This tab's session",
    "session.past": "Reopen a past session", "session.open": "Open",
    "session.new": "New session",
    "session.choice": "{name} · “{first}” · turns: {turns} · {used}",
    "session.started": "New session {name}: what you ask in this tab is kept in it.",
    "session.off": "Sessions are kept in the clip library, which is off here: this tab's "
                   "requests are remembered only until the server stops.",
    "session.continued": "Continuing session {name}.",
    "session.opened": "Opened session {name} (turns so far: {turns}): your next request "
                      "continues it.",
    "session.switch": "Switch A ↔ B at the same second",
    "session.pick": "Pick a session in the list first.",
    "session.no_versions": "No versions yet: every piece of music made in this session "
                           "becomes a numbered version.",
    "session.col.plan": "plan", "session.col.from": "made from",
    "session.col.changed": "what changed", "session.current": "current",
    "session.mode.major": "major", "session.mode.minor": "minor",
    "session.turn_version": "version {number}", "session.version": "Version",
    "session.play": "Play", "session.continue": "Continue from here",
    "session.played": "Chosen version", "session.compare": "Compare A and B",
    "session.playing": "Playing version {number}.",
    "session.comparing": "Version {a} is A, version {b} is B: play one, then the other.",
    "session.continuing": "Version {number} is current: the next change starts from it.",
    "session.pick_version": "Pick a version first.",
    "library.status_clip": "Clip {clip_id}: {title} ({seconds:.1f} s).",
    "library.status_count": "{count} clip(s) in {view}.",
    "library.status_none": "No clips here yet: make music on the Talk or Compose tab, then "
                           "save it.",
    "library.status_saved": "Clip {clip_id} is number {number} in {playlist}.",
    "library.status_show_playlist": "Show a playlist first; numbers belong to a playlist.",
    "library.status_removed": "Removed number {number} ({title}) from {playlist}.",
    "library.status_tick": "Tick 'Yes, delete it' to delete clip {clip_id} ({title}) for good, "
                           "then press Delete clip again.",
    "library.status_deleted": "Deleted clip {clip_id} ({title}).",
    "library.status_generate_first": "Generate something first, then save it.",
    "library.status_composed": "Saved as clip {clip_id} in the library (Library tab).",
    # Benchmark
    "bench.reload": "Reload", "bench.chart": "Latency per stage",
    "bench.none": "No benchmark results yet. Run `voice-agent bench` to make them, then "
                  "press Reload.",
    # -- web: the workshop's LoRA training tab (modes/web/lora.py) --------------------------
    "web.tab.workshop": "Workshop", "web.tab.lora": "LoRA training",
    "lora.intro": "Fine-tune MusicGen on your own captioned clips: a LoRA adapter on the "
                  "decoder's attention. The dataset is JSON lines, an audio path and a caption "
                  "a line (what `voice-agent caption` writes). Use the adapter with "
                  "`--lora FOLDER` and the MusicGen backend. On a CPU this is slow: minutes "
                  "per epoch for musicgen-small.",
    "lora.dataset_path": "Dataset on this server (path of the .jsonl)",
    "lora.dataset_upload": "…or upload it (a .zip holding the .jsonl and its audio, or a .jsonl)",
    "lora.audio_folder": "Audio folder on this server (for an uploaded .jsonl's relative paths)",
    "lora.base": "MusicGen folder on this server (the base model)",
    "lora.name": "Adapter name", "lora.rank": "Rank", "lora.lr": "Learning rate",
    "lora.epochs": "Epochs", "lora.batch": "Batch size", "lora.max_seconds": "Seconds per clip (max)",
    "lora.validation": "Share held out for validation", "lora.seed": "Seed",
    "lora.resume": "Resume the run under this name", "lora.train": "Train",
    "lora.table": "Loss per epoch", "lora.curve": "Loss curve", "lora.download": "Adapter (zip)",
    "lora.no_dataset": "Give a dataset: the path of a .jsonl on this server, or upload one.",
    "lora.zip_without_jsonl": "The zip holds no .jsonl file: put the captions file beside its "
                              "audio and zip them together.",
    "lora.no_base": "Give the MusicGen folder to train on (e.g. a copy of facebook/musicgen-small).",
    "lora.busy": "A training run is already going; wait for it to finish.",
    "lora.loading": "Loading the model and encoding the audio…",
    "lora.encoding": "Encoding audio: {done}/{total} clips",
    "lora.epoch": "Epoch {epoch} of {epochs} done.",
    "lora.finished": "Adapter '{name}' trained on {train} clips ({held} held out, {skipped} "
                     "skipped): validation loss {first:.4f} after the first epoch, {last:.4f} "
                     "after the last. Download it below; use it with --lora.",
}

ES: dict[str, str] = {
    "cli.description": "Un agente de voz sin conexión que compone música: di o escribe lo que "
                       "quieres (en español o en inglés); te contesta con una voz clonada y "
                       "compone un fragmento.",
    "cli.models_loaded": "modelos cargados en {times}",
    "cli.wrote": "guardado en {path}",
    "cli.one_input": "Indica un archivo de audio con la petición o --text \"...\" (solo uno).",
    "cli.error": "error: {message}",
    "cli.enrolled": "{source}: {state}; voz {model}",
    "cli.enrol_new": "registrada como «{name}» (hablante {speaker_id}, {seconds:.1f} s)",
    "cli.enrol_cached": "ya estaba registrada; ahora se llama «{name}» (hablante {speaker_id})",
    "cli.no_speakers": "Todavía no hay voces registradas. Registra una: "
                       "voice-agent enrol ARCHIVO --name NOMBRE",
    "cli.renamed": "el hablante {speaker_id} ahora se llama «{name}»",
    "cli.deleted_speaker": "se borró la voz «{name}» ({speaker_id}) y su grabación",
    "cli.no_sound_card": "{listing}\nNo hay tarjeta de sonido: usa `voice-agent talk "
                         "--text-only` para escribir tus peticiones; cada respuesta se guarda "
                         "en archivos.",
    "state.loading": "cargando",
    "state.ready": "listo",
    "state.listening": "escuchando",
    "state.typing": "escribiendo",
    "state.thinking": "pensando",
    "state.speaking": "hablando",
    "state.playing music": "sonando música",
    "stage.asr": "escuchando",
    "stage.llm": "pensando",
    "stage.music": "componiendo",
    "stage.tts_cloned": "voz clonada",
    "stage.tts_base": "voz base",
    "stage.library": "biblioteca",
    "stage.total": "total",
    "stage.llm_ttft": "tiempo hasta la primera palabra",
    "stage.llm_first_token": "primera palabra",
    "stage.llm_first_sentence": "primera frase",
    "stage.first_audio": "primer audio de la respuesta",
    "stage.music_ready": "música lista",
    "stage.speech_end": "fin de la voz",
    "talk.help": "espacio/intro: hablar · t: escribir · r: repetir · w: guardar · v: voz · "
                 "q: salir",
    "talk.loading": "cargando los modelos…",
    "talk.typing": "> {typed}_   intro: enviar · esc: cancelar",
    "talk.thinking": "{stage}…   s: silenciar · espacio: hablar",
    "talk.working": "trabajando",
    "talk.speaking": "s: parar · espacio: hablar encima",
    "talk.music": "{played:4.1f}/{total:.1f}s   s: parar · r: repetir · w: guardar · "
                  "espacio: hablar",
    "talk.listening": "espacio/intro: enviar · esc: cancelar",
    "talk.mic_starting": "encendiendo el micrófono…",
    "talk.nothing_to_replay": "todavía no hay nada que repetir: ningún turno ha hecho música",
    "talk.replay_no_device": "no hay salida de sonido, así que aquí no puede sonar nada: la "
                             "última música está en {path}",
    "talk.replaying": "repitiendo la última música",
    "talk.nothing_playing": "no está sonando nada",
    "talk.stopped": "parado",
    "talk.muted": "silenciado: el audio de este turno no sonará (sus archivos se guardan "
                  "igualmente)",
    "talk.unknown_key": "la tecla «{key}» no hace nada aquí. {help}",
    "talk.cancelled": "grabación cancelada",
    "talk.typing_cancelled": "escritura cancelada",
    "talk.timings": "tiempos",
    "talk.from_end": "desde que terminaste de hablar",
    "talk.saved_in": "guardado en {folder}/",
    "talk.models_loaded": "modelos cargados: {times}",
    "talk.not_available": "no disponible: {stage}: {reason}",
    "stage.openers": "primeras palabras",
    "web.heading": "Di o escribe qué música quieres, en español o en inglés.",
    "web.fake": "**MODO DE PRUEBA**: no se ejecuta ningún modelo; las respuestas son de relleno.",
    "web.tab.talk": "Hablar", "web.tab.compose": "Componer", "web.tab.voices": "Voces",
    "web.tab.library": "Biblioteca", "web.tab.benchmark": "Rendimiento",
    "web.tab.captions": "Descripciones",
    "captions.intro": "Describe una colección de música para entrenar: de cada archivo se "
                      "miden el tempo, la tonalidad, el volumen, el brillo y los ataques, y "
                      "una frase lo describe diciendo solo lo medido. Los archivos ya "
                      "descritos se saltan, así que una tanda interrumpida puede seguir.",
    "captions.folder": "Carpeta de este ordenador",
    "captions.folder_help": "Solo si el servidor corre en este ordenador (localhost).",
    "captions.files": "O sube archivos de audio",
    "captions.language": "Idioma de las descripciones",
    "captions.run": "Describir", "captions.download": "Descargar el conjunto de datos",
    "captions.table": "Descripciones",
    "captions.done": "{captioned} descritos, {failed} con error, {skipped} ya hechos "
                     "(de {found} archivos). Descripciones hechas por {by}.",
    "captions.by_llm": "el modelo de lenguaje, comprobadas con las mediciones",
    "captions.by_template": "plantillas (sin modelo de lenguaje en este modo)",
    "captions.nothing": "Primero elige una carpeta o sube algunos archivos de audio.",
    "captions.no_folders": "Este servidor es accesible desde otros ordenadores, así que no lee "
                           "sus propias carpetas para un navegador: sube los archivos.",
    "captions.no_folder": "Esa carpeta no existe en este ordenador.",
    "web.language": "Idioma",
    "web.done": "**Hecho.** ", "web.problem": "**Problema:** ", "web.working": "*Trabajando:* ",
    "web.warning": "**Atención:** ",
    "talk.input": "Tu petición (grábala o súbela)",
    "web.stage": "etapa", "web.seconds": "segundos",
    "talk.took": "{seconds:.1f} s en total",
    "talk.text": "…o escríbela (Intro para enviar)",
    "talk.text_placeholder": "una cumbia alegre · jazz tranquilo con piano",
    "talk.speaker": "Voz clonada de",
    "talk.send": "Enviar", "talk.cancel": "Cancelar",
    "talk.intro": "Di qué música quieres, por ejemplo «una cumbia alegre» o «jazz tranquilo "
                  "con piano».",
    "talk.heard": "Te he oído", "talk.reply": "Respuesta", "talk.prompt": "Descripción musical",
    "talk.plan": "Plan", "talk.cloned": "Respuesta, voz clonada",
    "talk.base": "Respuesta, voz base", "talk.music_player": "Música",
    "talk.log": "Esta conversación",
    "talk.no_request": "Primero graba, sube o escribe una petición.",
    "talk.new_upload": "Grabación recibida: pulsa Enviar.",
    "talk.live_input": "Habla (te voy entendiendo mientras hablas; respondo cuando paras)",
    "talk.input_upload": "…o sube una petición grabada",
    "talk.live_listening": "Escuchando… ({seconds:.1f} s)",
    "talk.live_heard": "Lo que llevo oído: {words}",
    "talk.live_gave_up": "Lo que llevo oído: {words} (el ordenador va demasiado cargado para "
                         "seguirte: escucharé el resto cuando pares)",
    "talk.live_too_long": "Pasa de {seconds:.0f} s: para y dilo más brevemente.",
    "talk.waiting": "Esperando a los modelos…",
    "talk.finished": "Terminado en {seconds:.1f} s (petición {request_id}).",
    "talk.cancelled_turn": "Cancelado. Envía otra petición cuando quieras.",
    "talk.music_ready": "La música está lista; terminando la respuesta hablada…",
    "talk.silent_upload": "La grabación no tiene sonido. Sube un archivo en el que se oiga a "
                          "alguien hablar, o escribe la petición.",
    "talk.log_empty": "Aún nada: aquí aparecerá cada petición con su respuesta.",
    "talk.stage.asr": "Escuchando", "talk.stage.llm": "Pensando la respuesta y el plan",
    "talk.stage.music": "Componiendo la música",
    "talk.stage.tts_cloned": "Hablando con la voz clonada",
    "talk.stage.tts_base": "Hablando con la voz base",
    "compose.prompt": "Describe la música",
    "compose.examples": "Ejemplos (haz clic en uno)",
    "compose.duration": "Duración (s); 0 = según la petición",
    "compose.seed": "Semilla (de 0 a 4294967295); vacía = según la petición",
    "compose.overrides": "Ajustes", "compose.genre": "Género",
    "compose.bpm": "Tempo (ppm); 0 = según la petición", "compose.key": "Tonalidad",
    "compose.mode": "Modo", "compose.engine": "Motor de música",
    "compose.engine.composer": "Compositor (integrado)",
    "compose.engine.musicgen": "MusicGen ({model})",
    "compose.melody": "Melodía (opcional): tararea, silba o toca una melodía, de 1 a 30 s",
    "compose.melody_heard": "Se oye: {notes} notas, {key} {mode}, {bpm} ppm. La música seguirá "
                            "esta melodía.",
    "compose.melody_short": "La melodía dura solo {seconds:.1f} s: tararea, silba o toca "
                            "unas cuantas notas (1 s como mínimo).",
    "compose.melody_silent": "La grabación de la melodía no tiene sonido: comprueba que el "
                             "micrófono esté encendido y sin silenciar, y tararéala otra vez.",
    "compose.melody_no_tune": "No se oye ninguna melodía (ruido, voz hablada o una sola "
                              "nota): tararea, silba o toca unas cuantas notas claras, cerca "
                              "del micrófono.",
    "compose.melody_used": "Sigue tu melodía (se oyen {notes} notas, {key} {mode}, {bpm} ppm).",
    "music.major": "mayor", "music.minor": "menor",
    "compose.auto": "según la petición",
    "compose.generate": "Generar", "compose.regenerate": "Volver a generar",
    "compose.improved": "Descripción mejorada", "compose.say": "Respuesta",
    "compose.audio": "Música",
    "compose.wav": "Descargar WAV", "compose.midi": "Descargar MIDI",
    "compose.save": "Guardar en la biblioteca", "compose.plan": "Plan tal como sonó",
    "compose.rendered": "Listos {seconds:.1f} s (petición {request_id}).",
    "compose.refined": "Tu descripción → descripción mejorada",
    "compose.by_llm": "El modelo de lenguaje ({model}) convirtió tu descripción en un plan; "
                      "la descripción mejorada es ese plan por escrito.",
    "compose.by_fallback": "La respuesta del modelo de lenguaje no servía ({note}); unas "
                           "reglas leyeron tu descripción y sacaron el plan que la descripción "
                           "mejorada pone por escrito.",
    "compose.by_rules": "Unas reglas ({model}) leyeron tu descripción y sacaron el plan que "
                        "la descripción mejorada pone por escrito; no se usó ningún modelo "
                        "de lenguaje.",
    "compose.by_none": "No se mejoró nada: se volvió a tocar el plan anterior con tus ajustes.",
    "compose.best_of": "La mejor de N: genera N versiones y se queda con la de mejor "
                       "puntuación",
    "compose.score_clap": "**Puntuación CLAP** {value:.3f} (coseno entre descripción y audio, "
                          "{model}).",
    "compose.score_random": "Estos pesos de CLAP son aleatorios: la puntuación no significa "
                            "nada.",
    "compose.score_adherence": "**Fidelidad** {value:.2f} sobre 1, medida en el audio (tempo "
                               "{tempo:.2f}, tonalidad {key:.2f}, percusión {percussion:.2f}); "
                               "no es una puntuación CLAP.",
    "compose.score_none": "Sin puntuar: pon «La mejor de N» por encima de 1 o arranca el "
                          "servidor con --clap-model.",
    "compose.candidates": "La mejor de {n}: puntuaciones {scores}; se quedó la semilla {seed}.",
    "compose.first": "Primero genera algo; «Volver a generar» lo repite con los ajustes "
                     "actuales.",
    "voices.intro": "Registra a una persona para oír las respuestas con su voz: 10–15 s de "
                    "alguien hablando claro en un sitio tranquilo. El registro busca la voz más "
                    "parecida (alrededor de un minuto por grabación con dos núcleos, una sola vez; luego "
                    "queda guardada).",
    "voices.input": "Grabación de la persona (10–15 s)", "voices.name": "Nombre (p. ej. Ana)",
    "voices.enrol": "Registrar", "voices.speaker": "Voz que comparar",
    "voices.reference": "Opcional: otra grabación de la misma persona (aparte, para una "
                        "similitud honesta)",
    "voices.sentence": "Frase que decir", "voices.compare": "Comparar voz clonada y voz base",
    "voices.ab_cloned": "A: voz clonada", "voices.ab_base": "B: voz base",
    "voices.upload": "Sube o graba 10–15 s de una persona hablando.",
    "voices.ok": "Se puede usar: {seconds:.1f} s, {speech:.1f} s de voz. Ponle un nombre y "
                 "pulsa Registrar.",
    "voices.short": "Corta: {seconds:.1f} s ({speech:.1f} s de voz). Se puede registrar, pero "
                    "con 10–15 s la voz se parece más.",
    "voices.first": "Primero sube o graba a la persona.",
    "voices.enrolled": "Voz «{name}» {state} ({seconds:.1f} s{score}).",
    "voices.state_new": "registrada", "voices.state_cached": "ya estaba registrada",
    "enrol.step": "[{done}/{total}] {step}: {note}",
    "enrol.analyse": "Grabación analizada (tono y timbre)",
    "enrol.screen": "Estilo de voz comparado",
    "enrol.search": "Probada una mezcla de los estilos más cercanos",
    "enrol.speed": "Probada una lectura más lenta",
    "enrol.strength": "Ajustada la intensidad de la conversión",
    "enrol.save": "Voz guardada",
    "library.show": "Mostrar", "library.refresh": "Actualizar",
    "library.clip": "Fragmento (haz clic en una fila)",
    "library.play": "Escuchar", "library.playlist": "Lista", "library.save": "Guardar en la lista",
    "library.number": "Posición en la lista", "library.remove": "Quitar de la lista",
    "library.delete": "Borrar fragmento", "library.midi": "Descargar MIDI",
    "library.confirm": "Sí, bórralo",
    "library.wav": "Descargar WAV", "library.lyrics": "Letra", "library.details": "Detalles",
    "library.all": "todos los fragmentos",
    "session.title": "Sesión y versiones", "session.id": "Sesión de esta pestaña",
    "session.past": "Reabrir una sesión anterior", "session.open": "Abrir",
    "session.new": "Nueva sesión",
    "session.choice": "{name} · «{first}» · turnos: {turns} · {used}",
    "session.started": "Nueva sesión {name}: lo que pidas en esta pestaña se guarda en ella.",
    "session.off": "Las sesiones se guardan en la biblioteca de fragmentos, que aquí está "
                   "desactivada: las peticiones de esta pestaña solo se recuerdan hasta que "
                   "se detenga el servidor.",
    "session.continued": "Sigues en la sesión {name}.",
    "session.opened": "Sesión {name} abierta (turnos hasta ahora: {turns}): tu próxima "
                      "petición la continúa.",
    "session.switch": "Cambiar A ↔ B en el mismo segundo",
    "session.pick": "Primero elige una sesión de la lista.",
    "session.no_versions": "Todavía no hay versiones: cada música que se haga en esta sesión "
                           "será una versión numerada.",
    "session.col.plan": "plan", "session.col.from": "hecha a partir de",
    "session.col.changed": "qué cambió", "session.current": "actual",
    "session.mode.major": "mayor", "session.mode.minor": "menor",
    "session.turn_version": "versión {number}", "session.version": "Versión",
    "session.play": "Escuchar", "session.continue": "Seguir desde aquí",
    "session.played": "Versión elegida", "session.compare": "Comparar A y B",
    "session.playing": "Suena la versión {number}.",
    "session.comparing": "La versión {a} es la A y la {b} es la B: escucha una y luego la "
                         "otra.",
    "session.continuing": "La versión {number} es la actual: el próximo cambio parte de ella.",
    "session.pick_version": "Primero elige una versión.",
    "library.status_clip": "Fragmento {clip_id}: {title} ({seconds:.1f} s).",
    "library.status_count": "{count} fragmento(s) en {view}.",
    "library.status_none": "Aquí todavía no hay fragmentos: crea música en la pestaña Hablar o "
                           "Componer y guárdala.",
    "library.status_saved": "El fragmento {clip_id} es el número {number} de {playlist}.",
    "library.status_show_playlist": "Primero muestra una lista: los números son de una lista.",
    "library.status_removed": "He quitado el número {number} ({title}) de {playlist}.",
    "library.status_tick": "Marca «Sí, bórralo» para borrar para siempre el fragmento "
                           "{clip_id} ({title}) y vuelve a pulsar «Borrar fragmento».",
    "library.status_deleted": "Fragmento {clip_id} ({title}) borrado.",
    "library.status_generate_first": "Primero genera algo y después guárdalo.",
    "library.status_composed": "Guardado como fragmento {clip_id} en la biblioteca (pestaña "
                               "Biblioteca).",
    "bench.reload": "Recargar", "bench.chart": "Latencia por etapa",
    "bench.none": "Todavía no hay resultados. Ejecuta `voice-agent bench` para obtenerlos y "
                  "pulsa Recargar.",
    # -- web: la pestaña de entrenamiento LoRA del taller --------------------------------------
    "web.tab.workshop": "Taller", "web.tab.lora": "Entrenamiento LoRA",
    "lora.intro": "Ajusta MusicGen con tus propios clips descritos: un adaptador LoRA sobre la "
                  "atención del decodificador. El conjunto de datos es JSON lines, una ruta de "
                  "audio y una descripción por línea (lo que escribe `voice-agent caption`). "
                  "Usa el adaptador con `--lora CARPETA` y el motor MusicGen. En una CPU es "
                  "lento: minutos por época con musicgen-small.",
    "lora.dataset_path": "Conjunto de datos en este servidor (ruta del .jsonl)",
    "lora.dataset_upload": "…o súbelo (un .zip con el .jsonl y sus audios, o un .jsonl)",
    "lora.audio_folder": "Carpeta de audio en este servidor (para las rutas relativas de un "
                         ".jsonl subido)",
    "lora.base": "Carpeta de MusicGen en este servidor (el modelo base)",
    "lora.name": "Nombre del adaptador", "lora.rank": "Rango",
    "lora.lr": "Tasa de aprendizaje", "lora.epochs": "Épocas", "lora.batch": "Tamaño de lote",
    "lora.max_seconds": "Segundos por clip (máx.)",
    "lora.validation": "Parte reservada para validación", "lora.seed": "Semilla",
    "lora.resume": "Reanudar el entrenamiento de este nombre", "lora.train": "Entrenar",
    "lora.table": "Pérdida por época", "lora.curve": "Curva de pérdida",
    "lora.download": "Adaptador (zip)",
    "lora.no_dataset": "Indica un conjunto de datos: la ruta de un .jsonl en este servidor, o "
                       "súbelo.",
    "lora.zip_without_jsonl": "El zip no contiene ningún archivo .jsonl: pon el archivo de "
                              "descripciones junto a sus audios y comprímelos juntos.",
    "lora.no_base": "Indica la carpeta de MusicGen que quieres entrenar (p. ej., una copia de "
                    "facebook/musicgen-small).",
    "lora.busy": "Ya hay un entrenamiento en curso; espera a que termine.",
    "lora.loading": "Cargando el modelo y codificando el audio…",
    "lora.encoding": "Codificando audio: {done}/{total} clips",
    "lora.epoch": "Época {epoch} de {epochs} terminada.",
    "lora.finished": "Adaptador '{name}' entrenado con {train} clips ({held} reservados, "
                     "{skipped} omitidos): pérdida de validación {first:.4f} tras la primera "
                     "época y {last:.4f} tras la última. Descárgalo abajo y úsalo con --lora.",
}

CATALOGUES: Mapping[str, Mapping[str, str]] = {"en": EN, "es": ES}


def default_language(environ: Mapping[str, str] | None = None) -> str:
    """"es" when the locale is Spanish (LC_ALL, then LC_MESSAGES, then LANG), else "en"."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "es" if value.lower().startswith("es") else "en"
    return "en"


def resolve_language(choice: str | None) -> str:
    """``choice`` when it is "en" or "es", else the locale's language."""
    return choice if choice in LANGUAGES else default_language()


def t(key: str, lang: str = "en", /, **fields: object) -> str:
    """The text of ``key`` in ``lang`` (English when untranslated), placeholders filled."""
    text = CATALOGUES.get(lang, EN).get(key)
    if text is None:
        text = EN[key]
    return text.format(**fields) if fields else text


def enrolment_line(step: "EnrolmentStep", lang: str = "en") -> str:
    """One enrolment step (``speech.cloning.EnrolmentStep``) as a progress line."""
    return t("enrol.step", lang, done=step.done, total=step.total,
             step=t(f"enrol.{step.step}", lang), note=step.note)


def stage_name(stage: str, lang: str = "en") -> str:
    """A person's word for a pipeline stage or timing row ("tts_base" -> "base voice")."""
    key = f"stage.{stage}"
    if key in EN:
        return t(key, lang)
    return stage.replace("_", " ")
