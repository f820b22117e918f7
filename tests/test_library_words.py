"""Every library message a person reads exists in English and Spanish: the tables are
complete and alike, no library error or CLI line is written outside them, and the CLI, the
web page and the API show the Spanish ones when asked."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from voice_agent.cli import main
from voice_agent.library import Library, LibraryError, commands
from voice_agent.library.messages import TEXT, say
from voice_agent.modes.ui_text import EN, ES

ROOT = Path(__file__).resolve().parent.parent / "voice_agent"
#: plural endings differ by language ("clip{s}" / "versi{ones}"); they are not content
PLURALS = {"s", "ones", "turns_s", "versions_s", "turns_ones", "versions_ones"}
#: files whose raised LibraryErrors and printed lines a person reads
LIBRARY_FILES = sorted((ROOT / "library").glob("*.py")) + [
    ROOT / "service" / "sessions.py", ROOT / "modes" / "web" / "library.py"]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name} - PLURALS


@pytest.mark.parametrize("table", [TEXT, commands._MESSAGES], ids=["messages", "spoken"])
def test_both_languages_have_every_message_with_the_same_fields(table):
    assert set(table["en"]) == set(table["es"])
    for key, english in table["en"].items():
        assert _fields(english) == _fields(table["es"][key]), key
        assert table["es"][key] != english, f"{key} is not translated"


def test_the_web_library_words_are_in_both_languages():
    keys = [k for k in EN if k.startswith("library.")]
    assert keys and all(k in ES and ES[k] != EN[k] for k in keys), \
        [k for k in keys if k not in ES or ES[k] == EN[k]]


def _error_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in (
                "LibraryError", "SessionNameError"):
            yield node


def test_every_library_error_is_raised_by_key_from_the_table():
    keys_used = set()
    for path in LIBRARY_FILES:
        for call in _error_calls(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.name}:{call.lineno}"
            assert not call.args, f"{where} raises an English-only LibraryError"
            key = next(k.value for k in call.keywords if k.arg == "key")
            assert key.value in TEXT["en"], where
            keys_used.add(key.value)
    assert len(keys_used) >= 15


def _worded_constants(node: ast.AST) -> list[str]:
    """String pieces with words in them ("No clips yet") inside ``node``."""
    return [c.value for c in ast.walk(node) if isinstance(c, ast.Constant)
            and isinstance(c.value, str) and re.search(r"[A-Za-z]{2,} [A-Za-z]", c.value)]


def test_the_library_cli_prints_nothing_outside_the_table():
    tree = ast.parse((ROOT / "library" / "cli.py").read_text(encoding="utf-8"))
    printed = [node for node in ast.walk(tree) if isinstance(node, ast.Return)
               or (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "append")]
    found = [text for node in printed for text in _worded_constants(node)]
    assert found == []


def test_errors_and_cli_lines_in_spanish(tmp_path, capsys):
    library = Library(tmp_path / "lib").open()
    with pytest.raises(LibraryError) as caught:
        library.clip(99)
    assert str(caught.value).startswith("There is no clip 99")
    assert caught.value.localized("es").startswith("No hay ningún fragmento 99")
    root = str(library.root)
    assert main(["library", "--ui-language", "es", "--library-dir", root, "list"]) == 0
    assert say("library_empty", "es") in capsys.readouterr().out
    assert main(["--ui-language", "es", "library", "--library-dir", root, "play", "--clip",
                 "99"]) != 0
    assert "No hay ningún fragmento 99" in capsys.readouterr().err
    assert main(["library", "--ui-language", "es", "--library-dir", root, "sessions"]) == 0
    assert "Todavía no hay sesiones" in capsys.readouterr().out


def test_plural_endings_follow_the_count():
    assert say("no_number", "es", number=4, playlist="favourites", count=1) \
        == "No hay número 4 en «favoritos»: tiene 1 fragmento."
    assert say("no_number", "en", number=4, playlist="favourites", count=3) \
        == "There is no number 4 in 'favourites': it has 3 clips."


def test_the_api_answers_a_spanish_client_in_spanish():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from voice_agent.modes.api import _install_error_handlers

    app = FastAPI()
    _install_error_handlers(app)

    @app.get("/clip")
    async def clip() -> None:
        raise LibraryError(key="no_clip", clip_id=3)

    client = TestClient(app)
    english = client.get("/clip").json()
    spanish = client.get("/clip", headers={"Accept-Language": "es-ES,es;q=0.9"}).json()
    assert "There is no clip 3" in str(english)
    assert "No hay ningún fragmento 3" in str(spanish)
