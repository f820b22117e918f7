"""The Ollama responder against a stand-in Ollama server on loopback."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from voice_agent.responder.ollama import OllamaResponder
from voice_agent.core.errors import ModelNotFoundError, ResponderError
from voice_agent.core.types import Transcript

ANSWER = {"say": "¡Claro! Un bolero... digo, una salsa para ti.", "intent": "make_music",
          "music_prompt": "happy salsa, piano montuno, congas, trumpets, 180 bpm",
          "plan": {"genre": "salsa", "bpm": 180, "key": "G", "mode": "minor",
                   "instruments": ["piano", "congas"], "mood": "happy", "duration_s": 10}}


@pytest.fixture
def server():
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _json(self, body):
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._json({"models": [{"name": "qwen2.5:0.5b-instruct"}]})

        def do_POST(self):
            seen.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self._json({"message": {"role": "assistant", "content": json.dumps(ANSWER)}})

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", seen
    httpd.shutdown()


def test_chat_request_and_reply(server):
    url, seen = server
    reply = OllamaResponder(url).respond(Transcript("pon una salsa", "es"))
    assert reply.source == "llm" and reply.plan.genre == "salsa" and reply.plan.key == "G"
    body = seen[0]
    assert body["model"] == "qwen2.5:0.5b-instruct" and body["stream"] is False
    assert body["format"]["required"] and body["messages"][-1]["content"].endswith("pon una salsa")


def test_unknown_model_names_the_pull_command(server):
    url, _ = server
    with pytest.raises(ModelNotFoundError, match="ollama pull llama9"):
        OllamaResponder(url, model="llama9").load()


def test_unreachable_server_says_how_to_start_it():
    with pytest.raises(ResponderError, match="ollama serve"):
        OllamaResponder("http://127.0.0.1:9", timeout_s=2).load()
