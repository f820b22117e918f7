"""Whisper's mishearings of music words are mended; ordinary words are left alone."""

from __future__ import annotations

import pytest

from voice_agent.asr.repair import mend, mend_transcript
from voice_agent.core.types import Transcript
from voice_agent.core.vocabulary import find_genre, find_instruments
from voice_agent.responder.grounding import find_key
from voice_agent.responder.reading import read_request
from voice_agent.core.plan import plan_from_dict
from voice_agent.core.types import Intent


@pytest.mark.parametrize("heard, language, meant", [
    # a vocabulary word split in two, or one letter off inside it
    ("un bolero con trabajo y piano", "es", "un bolero contrabajo y piano"),
    ("mete un violon cielo", "es", "mete un violonchelo"),
    ("a synth wave track for the night", "en", "a synthwave track for the night"),
    ("toca algo con acordion", "es", "toca algo con acordeón"),
    # a short word glued to it
    ("now adsaxophone", "en", "now add saxophone"),
    ("pásala embosa nova", "es", "pásala en bossa nova"),
    # keys spelled as words
    ("make it any minor", "en", "make it in E minor"),
    ("I'd like it and see major.", "en", "I'd like it in C major."),
    ("put it on bee flat", "en", "put it in B flat"),
    ("something in E flatt", "en", "something in E flat"),
    # command words
    ("hmm, no, and do that.", "en", "hmm, no, undo that."),
    ("on do", "en", "undo"),
    ("at it to the road trip playlist", "en", "add it to the road trip playlist"),
    ("Cuárdala en favoritas", "es", "Guárdala en favoritas"),
    ("oye, pájale un poco", "es", "oye, bájale un poco"),
    # second round (the sixth blind set's spoken run)
    ("some jazz with brushes, an F, round the 110 BPM.", "en",
     "some jazz with brushes, in F, round the 110 BPM."),
    ("a slow blues, and A, around 70", "en", "a slow blues, in A, around 70"),
    ("elegant, indeed major", "en", "elegant, in D major"),
    ("can it be in the flat?", "en", "can it be in E flat?"),
    ("not and do that.", "en", "not undo that."),
    ("actually know and do.", "en", "actually know undo."),
    ("Pásalo arre menor.", "es", "Pásalo a re menor."),
    ("quiero ami menor", "es", "quiero a mi menor"),
    ("Kitale la trompeta.", "es", "Quítale la trompeta."),
    ("mm, flow it down a little.", "en", "mm, slow it down a little."),
    # the seventh blind set, as Whisper base heard it (2026-11-30)
    ("pop alegre, compiano, guitarra y batería en Rema York a 110.", "es",
     "pop alegre, con piano, guitarra y batería en re mayor a 110."),
    ("Kitalela guitarra.", "es", "Quítale la guitarra."),
    ("Cuártala en la lista verano.", "es", "Guárdala en la lista verano."),
    ("make it one four minute.", "en", "make it one full minute."),
    ("un rock con guitarra eléctrica bajo y batería en mí a 135.", "es",
     "un rock con guitarra eléctrica bajo y batería en mi, a 135."),
    ("cuerdas, en si vemos mayor a 90.", "es", "cuerdas, en si bemol mayor a 90."),
    ("una balada con arpa en 2 mayor a 72.", "es", "una balada con arpa en do mayor a 72."),
    ("con acordeón y congas, hacién en sol menor.", "es",
     "con acordeón y congas, a cien en sol menor."),
    ("un son contrompetas y piano", "es", "un son con trompetas y piano"),
    ("Solma York, por favor", "es", "sol mayor, por favor"),
    # the eighth blind set, as Whisper base heard it (2026-11-30)
    ("Cuardame la en la lista sobre mesa, porfa.", "es", "Guárdame la en la lista sobre mesa, porfa."),
    ("Cuárteme la en la lista parche.", "es", "Guárdeme la en la lista parche."),
    ("a mellow number and b-flat, about 105", "en", "a mellow number in B flat, about 105"),
    ("could you swap the piano out for roads?", "en", "could you swap the piano out for rhodes?"),
    ("lovely, sick that on my rainy sunday playlist", "en",
     "lovely, stick that on my rainy sunday playlist"),
    ("y cambiarla a dos mayor.", "es", "y cambiarla a do mayor."),
    ("Subalea 98C.", "es", "Súbale a 98, sí."),
    ("a wee ambient piece, con, and de-dorian, with pads", "en",
     "a wee ambient piece, con, in D dorian, with pads"),
    ("Ahora asme la misma pero tocada de otra forma.", "es",
     "Ahora hazme la misma pero tocada de otra forma."),
    ("jazz con saxo en Sivemol a 140.", "es", "jazz con saxo en si bemol a 140."),
    ("can you whip up the bachata nova for me?", "en", "can you whip up the bossa nova for me?"),
    ("una salsa en solo menor a 190.", "es", "una salsa en sol menor a 190."),
    ("make me happy, 115 btm.", "en", "make me happy, 115 bpm."),
    # heard in the spoken-fields run of 2026-11-30 (benchmarks/spoken_fields.py)
    ("Cambialo arremenor.", "es", "Cambialo a re menor."),
    ("play me a slow blues and knee with piano", "en", "play me a slow blues in E with piano"),
    ("now knee flat", "en", "now in E flat"),
    ("con cuerdas en la más mayor.", "es", "con cuerdas en la bemol mayor."),
    ("make it a 22nd loop.", "en", "make it a 20-second loop."),
    ("some EDM, synths and drums, 128 EDM, in F minor?", "en",
     "some EDM, synths and drums, 128 bpm, in F minor?"),
    ("in D major 90 BGM for 20 seconds", "en", "in D major 90 bpm for 20 seconds"),
    ("and you.", "en", "undo."), ("and new that last change.", "en", "undo that last change."),
    ("Bale y repítela.", "es", "Vale y repítela."),
    ("Vale, guarda la amilista de Flamenqueo.", "es", "Vale, guarda la a mi lista de Flamenqueo."),
    ("Ahora quítale el guido porfa.", "es", "Ahora quítale el güiro porfa."),
    ("Agrega a la flota.", "es", "Agrega a la flauta."),
    ("con saxo y trabajo de unos 40 segundos", "es", "con saxo y contrabajo de unos 40 segundos"),
    ("acordeón bajo yguiro a 95", "es", "acordeón bajo y güiro a 95"),
    ("hazme un cintuave oscuro", "es", "hazme un synthwave oscuro"),
    ("Oye, hazme un reguetonpo a 92bpm.", "es", "Oye, hazme un regueton po a 92bpm."),
    # eval_fresh9 spoken (run once on c280e88, then fixed)
    ("Dale, subire un poco el tiempo.", "es", "Dale, subile un poco el tiempo."),
    ("Puelve a la versión 2.", "es", "Vuelve a la versión 2."),
    # eval_fresh10 spoken (run once on 181f800, then fixed); "remenor" was also heard in
    # three earlier sets' runs
    ("Acho hazme una vachata con bongos en remenor.", "es", "Acho hazme una bachata con bongos en re menor."),
    ("un tango en solmayor con contravajo", "es", "un tango en sol mayor con contrabajo"),
    ("Eso cuártela en la lista parche.", "es", "Eso guárdela en la lista parche."),
    ("very calm, about 6 to 5 bpm.", "en", "very calm, about 65 bpm."),
    # eval_fresh11 spoken (run once on 2dba4d8, then fixed)
    ("con piano y cuerdas en fama llor.", "es", "con piano y cuerdas en fa mayor."),
    ("a harp and a flute, indie major, nice", "en", "a harp and a flute, in D major, nice"),
    ("Y sube la 85.", "es", "Y subela a 85."),
    # eval_fresh12 spoken (run once on 76257e4, then fixed); own phrasings of what was heard
    ("Qué lindo, ponle un cielo.", "es", "Qué lindo, ponle un chelo."),
    ("¿Y si la pones menor?", "es", "¿Y si la pones menor?"),
    ("Mejor la hacen mayor.", "es", "Mejor la hace en mayor."),
    ("Ponla en dozos tenido mayor.", "es", "Ponla en do sostenido mayor."),
    ("Ahora pasa la cumbia, porfa.", "es", "Ahora pásala a cumbia, porfa."),
    ("Pasa la mi menor, porfa.", "es", "pásala a mi menor, porfa."),
    ("at a trumpet, please.", "en", "add a trumpet, please."),
    ("a reggae groove with organ, and d, around eighty", "en",
     "a reggae groove with organ, in D, around eighty"),
    # probes3 spoken (a tuning set); own phrasings of what was heard
    ("hasme una cumbia, así en por minuto", "es", "hazme una cumbia, a cien por minuto"),
    ("make it in E major, sorry, see major only.", "en", "make it in E major, sorry, C major only."),
    ("please take it down to sea", "en", "please take it down to C"),
    ("¿me la pones y bemol?", "es", "¿me la pones a si bemol?"),
    ("No me gusta, desaga eso.", "es", "No me gusta, deshaga eso."),
    ("throwing some handclubs", "en", "throw in some handclaps"),
    ("Bolbe atrás.", "es", "volvé atrás."),
    ("check it on a playlist called Dusk", "en", "chuck it on a playlist called Dusk"),
    ("and at five seconds", "en", "and add five seconds"),
    ("Agrega la mi lista", "es", "Agregala a mi lista"),
    # eval_fresh13 spoken (run once on 950d8c2, then fixed)
    ("drums and bass, and minor, about ninety", "en", "drums and bass, in A minor, about ninety"),
    ("un balz con marimba", "es", "un vals con marimba"),
    ("Ahora cambia la salsa, porfa.", "es", "Ahora cámbiala a salsa, porfa."),
    ("Ponle un trabajo también.", "es", "Ponle un contrabajo también."),
    ("ahora cambiano a metal", "es", "ahora cámbialo a metal"),
    # probes5 spoken (a tuning set); own phrasings of what was heard
    ("una salsa con piano asien.", "es", "una salsa con piano a cien."),
    ("una balada en Sivemón menor", "es", "una balada en si bemol menor"),
    # eval_fresh14 spoken (run once on cf6e357, then fixed)
    ("Y por la un poco más lenta.", "es", "Y ponla un poco más lenta."),
    ("una salsa con piano y congas, así en.", "es", "una salsa con piano y congas, a cien."),
    ("that's too loud, and do that please.", "en", "that's too loud, undo that please."),
    # eval_fresh15 and eval_fresh16 spoken (run once, then fixed); own phrasings of what was heard
    ("the G one is kind of harsh and do that.", "en", "the G one is kind of harsh. Undo that."),
    ("a blues with organ, around 90, NG", "en", "a blues with organ, around 90, in G"),
    ("another one in the same bane please", "en", "another one in the same vein please"),
    ("salsa with piano and condos", "en", "salsa with piano and congas"),
    ("a common jazz tune with piano", "en", "a calm jazz tune with piano"),
    ("no, blues the trumpet, it's too loud", "en", "no, lose the trumpet, it's too loud"),
    ("Hazme un oce con sintetizador.", "es", "Hazme un house con sintetizador."),
    ("Quiero una de ósea con bajo.", "es", "Quiero una de house con bajo."),
    ("Sabé esta en mi playlist Domingo.", "es", "save esta en mi playlist Domingo."),
    ("Órale pues con la lista Parranda.", "es", "Órale pues pon la lista Parranda."),
    ("Compáramela versión 1 con la 2.", "es", "Compárame la versión 1 con la 2."),
    ("Está muy larga, corta la un poco.", "es", "Está muy larga, cortala un poco."),
    ("una cumbia con güiro ibongos", "es", "una cumbia con güiro y bongos"),
    ("súbele un císpito", "es", "súbele un chispito"),
    ("Bóramé ese cambio.", "es", "bórrame ese cambio."),
    ("¿Qué ply listas hay?", "es", "¿Qué playlists hay?"),
    ("Mira, cuártala en la lista Verano.", "es", "Mira, guárdala en la lista Verano."),
])
def test_mends_a_misheard_music_word(heard, language, meant):
    assert mend(heard, language) == meant


@pytest.mark.parametrize("text, language", [
    ("play jazz with piano and a guitar", "en"),
    ("el metal es lo mejor", "es"),             # "metal es" is not "metales"
    ("un ambiente tranquilo, un clásico", "es"),  # one letter from "ambient", "clásica": at the end
    ("I want to add some piano", "en"),
    ("a bossa nova please", "en"),
    ("an accordion and a bandoneon", "en"),       # "a" is not glued onto a name
    ("play jazz, and do it slowly", "en"),        # "and do" mid-request is not "undo"
    ("and do it again with more drums", "en"),
    ("pon una salsa con trompetas", "es"),
    ("baja la velocidad", "es"),
    ("con gas", "es"),
    ("quiero una balada para mi madre", "es"),
    ("play salsa and do it", "en"),             # "and do" after content words
    ("then play track B and C", "en"),          # a list of letters, not a key
    ("give me drums and a piano", "en"),
    ("bass and a, guitar", "en"),               # a lower-case "a" is the article
    ("Bon Jovi style rock please", "en"),       # a Spanish verb's misspelling only in Spanish
    ("let the melody flow", "en"),
    ("piensa en mí", "es"),                      # "mí" is "me" unless a tempo follows
    ("Cuarta versión, por favor", "es"),         # a word of its own, not "guarda"
    ("Contestas rápido", "es"), ("tengo 2 mayores", "es"), ("compas de tres", "es"),
    ("the roads are long", "en"), ("I feel sick", "en"), ("tengo dos mayores", "es"),
    ("Tócala", "es"), ("Tocala otra vez", "es"),  # a verb as said is not split ("toca la")
    ("a fiddle and acoustic guitar.", "en"),       # a two-word name as heard (en06)
    ("una bachata, no una bossa", "es"), ("toca un solo de guitarra", "es"),
    ("I like you and you like me", "en"), ("tengo trabajo", "es"), ("la flota pesquera", "es"),
    ("is it the EDM one at 128", "en"), ("twenty second street", "en"), ("más mayores", "es"),
    ("hazme un reguetón, po", "es"), ("Dale, que suene bien", "es"), ("Dale más ritmo", "es"),
    ("a vachata please", "en"),                  # b and v sound alike in Spanish only
    ("la vida es bella", "es"), ("Eso es todo", "es"), ("sí, bien", "es"),
    ("from 6 to 5 o'clock", "en"), ("mi mayor deseo", "es"), ("an indie band", "en"),
    ("sube la voz", "es"),
    ("una canción sobre el cielo", "es"),       # the sky of a lyric is no cello
    ("un cielo azul", "es"), ("pasa lo que pasa", "es"), ("se hacen mayores", "es"),
    ("he tenido un mal día", "es"), ("tracks b and c.", "en"),
    ("I see minor changes", "en"), ("a song about the sea", "en"), ("check it out", "en"),
    ("meet me at five seconds past", "en"), ("throwing stones", "en"),
    ("with piano and minor chords", "en"), ("tengo un trabajo nuevo", "es"),
    ("play the blues the old way", "en"), ("the common good", "en"), ("and we do that often", "en"),
    ("una salsa, o sea, con trompetas", "es"), ("una de ósea salsa", "es"), ("sabe esta canción", "es"),
    ("me voy con la lista de la compra y una salsa", "es"), ("corta la cebolla", "es"),
    ("NF", "es"), ("Mira, tócala otra vez", "es"),
    ("cambia la guitarra por un piano", "es"), ("voy por la playa", "es"), ("así en la vida", "es"), ("at a party", "en"), ("at a time like this", "en"),
])
def test_leaves_ordinary_words_alone(text, language):
    assert mend(text, language) == text


def test_mended_words_name_the_music_meant():
    assert find_instruments(mend("jazz tranquilo con trabajo", "es")) == ("upright bass",)
    assert find_genre(mend("ahora embosa nova", "es")) == "bossa_nova"
    assert find_key(mend("a dark synthwave track, any minor", "en")) == ("E", "minor")
    assert find_key(mend("jazz trio, any flatt?", "en")) == ("Eb", None)


def test_a_mended_command_is_read_as_that_command():
    previous = plan_from_dict({"genre": "rock", "bpm": 120, "key": "E", "mode": "minor",
                               "instruments": ["electric guitar", "bass", "drums"],
                               "duration_s": 15, "seed": 7})
    undo = read_request(mend("nah, and do that", "en"), "en", previous)
    assert undo.intent is Intent.UNDO
    add = read_request(mend("now adharmonica", "en"), "en", previous)
    assert add.intent is Intent.REFINE and "harmonica" in add.edited.instruments
    save = read_request(mend("Cuárdalo en la lista del antro", "es"), "es", previous)
    assert save.intent is Intent.SAVE and save.command.playlist == "antro"


def test_mend_transcript_keeps_the_rest_of_the_transcript():
    heard = Transcript("now adharmonica.", "en", 0.91, 2.0)
    mended = mend_transcript(heard)
    assert mended.text == "now add harmonica."
    assert (mended.language, mended.language_probability, mended.duration_s) == ("en", 0.91, 2.0)
    clean = Transcript("play some jazz", "en")
    assert mend_transcript(clean) is clean


def test_a_spoken_turn_reads_the_mended_words_and_a_typed_one_the_words_as_typed():
    import numpy as np

    from voice_agent.core.types import Audio
    from voice_agent.fakes import FakeRenderer, FakeResponder, FakeSpeaker, FakeTranscriber
    from voice_agent.pipeline.turns import Pipeline

    pipeline = Pipeline(FakeTranscriber("now adharmonica.", "en"), FakeResponder(),
                        FakeRenderer(), {"cloned": FakeSpeaker()})
    first = pipeline.run(text="a slow blues with electric guitar", language="en")
    spoken = pipeline.run(audio=Audio(np.zeros(16_000 * 2, dtype=np.float32), 16_000),
                          history=[first])
    assert spoken.transcript.text == "now add harmonica."
    assert "harmonica" in spoken.reply.plan.instruments
    typed = pipeline.run(text="now adharmonica.", language="en", history=[first])
    assert typed.transcript.text == "now adharmonica."
