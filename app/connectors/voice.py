"""Voice broadcast (语音播报): the room's questions, big gifts, orders, follows and coupon claims read aloud.

:class:`VoiceBroadcaster` listens to the engine's batches, turns each chosen event into one short
Chinese sentence (:func:`announcement`) and puts it on a bounded queue that drops the OLDEST line when
full: a busy room is read from its newest moments and never lags the show. One worker thread speaks
the lines, so speech never blocks the event loop or the UI. The speaker is the system's text-to-speech
(:func:`system_speaker`): pyttsx3 on Windows (SAPI5) and macOS (NSSpeechSynthesizer), espeak-ng on
Linux, a Mandarin voice by default; :class:`EspeakSpeaker` with a folder writes each line to a WAV
file instead (tests, and proof of what would have been said). Muting empties the queue and keeps it
empty until unmuted.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from app.comments.classifier import is_question
from app.core.events import Kind, LiveEvent
from app.core.i18n import tr
from app.core.units import format_yuan

log = logging.getLogger("livedeck.voice")

#: The kinds the user may choose, in the order the settings list them.
VOICE_KINDS: tuple[str, ...] = ("question", "gift", "order", "follow", "coupon_claim")
MAX_SPOKEN_TEXT = 40  # characters of a comment read aloud; the rest is cut


@dataclass(frozen=True, slots=True)
class VoiceSettings:
    """What is read and how (the ``voice`` setting).

    Attributes:
        enabled: off by default (the anchor turns it on).
        kinds: which of :data:`VOICE_KINDS` are read.
        min_gift_fen: a gift is read only from this value up.
        rate: words per minute (espeak-ng and pyttsx3's unit; 80–400).
        volume: 0.0–1.0.
        voice: the system voice id or language ("cmn" → the first Mandarin voice found).
        queue_size: lines waiting at most; the oldest goes when a new one comes.
        muted: nothing is read while muted.
    """

    enabled: bool = False
    kinds: frozenset[str] = frozenset({"question", "gift", "order"})
    min_gift_fen: int = 1000
    rate: int = 200
    volume: float = 1.0
    voice: str = "cmn"
    queue_size: int = 5
    muted: bool = False

    @classmethod
    def from_setting(cls, raw: object) -> VoiceSettings:
        """The ``voice`` setting validated: a wrong or missing entry keeps its default."""
        data = raw if isinstance(raw, dict) else {}
        base = cls()
        kinds = data.get("kinds")
        return cls(
            enabled=data.get("enabled") is True,
            kinds=frozenset(k for k in kinds if k in VOICE_KINDS) if isinstance(kinds, list) else base.kinds,
            min_gift_fen=_number(data.get("min_gift_fen"), 0, 10**9, base.min_gift_fen),
            rate=_number(data.get("rate"), 80, 400, base.rate),
            volume=_number(data.get("volume"), 0.0, 1.0, base.volume),
            voice=data["voice"] if isinstance(data.get("voice"), str) and data["voice"] else base.voice,
            queue_size=_number(data.get("queue_size"), 1, 50, base.queue_size),
            muted=data.get("muted") is True,
        )

    def to_setting(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "kinds": [k for k in VOICE_KINDS if k in self.kinds],
                "min_gift_fen": self.min_gift_fen, "rate": self.rate, "volume": self.volume,
                "voice": self.voice, "queue_size": self.queue_size, "muted": self.muted}


def _number(value: Any, low: Any, high: Any, default: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        return default
    return type(default)(value)


def _nothing(event: LiveEvent) -> bool:
    return False


def announcement(event: LiveEvent, settings: VoiceSettings) -> str | None:
    """The sentence to read for ``event``, or None when its kind is not chosen (or below the gift value)."""
    name = event.user_name or tr("观众")
    kinds = settings.kinds
    if event.kind == Kind.COMMENT and "question" in kinds and is_question(event.text):
        return tr("{name}问：{text}", name=name, text=event.text[:MAX_SPOKEN_TEXT])
    if event.kind == Kind.GIFT and "gift" in kinds and event.amount_fen >= settings.min_gift_fen:
        return tr("感谢{name}送的{gift}，价值{yuan}元", name=name, gift=event.text or tr("礼物"),
                  yuan=format_yuan(event.amount_fen))
    if event.kind == Kind.ORDER and "order" in kinds:
        return tr("{name}下单了{count}件", name=name, count=max(1, event.count))
    if event.kind == Kind.FOLLOW and "follow" in kinds:
        return tr("感谢{name}的关注", name=name)
    if event.kind == Kind.COUPON_CLAIM and "coupon_claim" in kinds:
        return tr("{name}领取了优惠券", name=name)
    return None


class Speaker(Protocol):
    """Says one line and returns when it is done; called on the broadcaster's worker thread only."""

    def say(self, text: str, settings: VoiceSettings) -> None: ...

    def prepare(self, settings: VoiceSettings) -> None:
        """Load the speech driver and voice, so the first line is not late (called once, when enabled)."""


#: Names a Mandarin voice goes by: espeak-ng's language, BCP 47, SAPI and NSSpeech voice names.
_MANDARIN = ("cmn", "zh", "chinese", "mandarin", "huihui", "tingting")


class Pyttsx3Speaker:
    """The system's speech through pyttsx3 (SAPI5 on Windows, NSSpeechSynthesizer on macOS), its engine
    made on first use on the thread that speaks (the drivers want one thread)."""

    def __init__(self) -> None:
        self._engine: Any = None
        self._voice = ""

    def prepare(self, settings: VoiceSettings) -> None:
        self._configured(settings)

    def say(self, text: str, settings: VoiceSettings) -> None:
        engine = self._configured(settings)
        engine.say(text)
        engine.runAndWait()

    def _configured(self, settings: VoiceSettings) -> Any:
        if self._engine is None:
            import pyttsx3  # imported here: a machine without speech still runs the show

            self._engine = pyttsx3.init()
        if settings.voice != self._voice:
            self._voice = settings.voice
            voice_id = _voice_id(self._engine.getProperty("voices"), settings.voice)
            if voice_id:
                self._engine.setProperty("voice", voice_id)
        self._engine.setProperty("rate", settings.rate)
        self._engine.setProperty("volume", settings.volume)
        return self._engine


def _voice_id(voices: Any, wanted: str) -> str:
    """The id of the first system voice whose id, name or languages mention ``wanted`` (any Mandarin
    name for ``cmn``/``zh``); '' when none does (the system's default voice stays)."""
    names = _MANDARIN if wanted.casefold() in _MANDARIN else (wanted.casefold(),)
    for voice in voices:
        said = " ".join([str(voice.id), str(voice.name or ""), *map(str, voice.languages or ())]).casefold()
        if any(name in said for name in names):
            return str(voice.id)
    return ""


class EspeakSpeaker:
    """espeak-ng's command line (Linux): speaks aloud, or with ``folder`` writes each line to
    ``folder/0001.wav``, ``0002.wav``… (``spoken`` lists ``(text, path, monotonic time written)``).

    The text goes on stdin, so a comment starting with "-" is read, never taken as an option.
    """

    def __init__(self, folder: Path | None = None, program: str = "espeak-ng") -> None:
        self.folder = folder
        self.program = program
        self.spoken: list[tuple[str, Path, float]] = []

    def prepare(self, settings: VoiceSettings) -> None:
        if shutil.which(self.program) is None:
            raise RuntimeError(f"{self.program} is not installed")

    def say(self, text: str, settings: VoiceSettings) -> None:
        amplitude = round(settings.volume * 200)  # espeak-ng: 0–200, 100 normal
        args = [self.program, "-v", settings.voice, "-s", str(settings.rate), "-a", str(amplitude), "--stdin"]
        path: Path | None = None
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{len(self.spoken) + 1:04d}.wav"
            args += ["-w", str(path)]
        subprocess.run(args, input=text.encode("utf-8"), capture_output=True, check=True, timeout=120)
        if path is not None:
            self.spoken.append((text, path, time.monotonic()))


def system_speaker() -> Speaker:
    """espeak-ng on Linux (what pyttsx3 uses there too), else pyttsx3 (SAPI5, NSSpeechSynthesizer)."""
    if sys.platform.startswith("linux") and shutil.which("espeak-ng"):
        return EspeakSpeaker()
    return Pyttsx3Speaker()


@dataclass(slots=True)
class _Line:
    text: str
    queued_at: float = field(default_factory=time.monotonic)


class VoiceBroadcaster:
    """Reads chosen events aloud off the event loop.

    Args:
        speaker: who speaks (called on the worker thread only).
        settings: what to read and how; :meth:`configure` changes them live.

    Attributes:
        dropped: lines dropped because the queue was full (the oldest each time).
        high_water: the most lines that ever waited at once (never more than ``queue_size``).
        failures: lines the speaker failed on (logged once each, rate-limited by their rarity).
    """

    def __init__(self, speaker: Speaker, settings: VoiceSettings | None = None) -> None:
        self.speaker = speaker
        self.settings = settings or VoiceSettings()
        self.dropped = 0
        self.high_water = 0
        self.failures = 0
        self.on_spoken: list[Callable[[str], None]] = []
        #: Events never read aloud: the console sets it to its block list's test (a blocked viewer is silent).
        self.ignores: Callable[[LiveEvent], bool] = _nothing
        self._queue: deque[_Line] = deque()
        self._ready = threading.Condition()
        self._closed = False
        #: Set once the speaker is prepared (the first time voice is on), or preparing it failed.
        self.ready = threading.Event()
        self._thread = threading.Thread(target=self._work, name="livedeck-voice", daemon=True)
        self._thread.start()

    # -- the loop's side: never waits for speech ----------------------------------------------------
    def on_batch(self, batch: list[LiveEvent]) -> None:
        """An engine batch listener: queue the sentence of every chosen event."""
        settings = self.settings
        if not settings.enabled or settings.muted:
            return
        for event in batch:
            text = announcement(event, settings)
            if text is not None and not self.ignores(event):
                self.enqueue(text)

    def enqueue(self, text: str) -> None:
        with self._ready:
            while len(self._queue) >= self.settings.queue_size:
                self._queue.popleft()
                self.dropped += 1
            self._queue.append(_Line(text))
            self.high_water = max(self.high_water, len(self._queue))
            self._ready.notify()

    def configure(self, settings: VoiceSettings) -> None:
        """Use ``settings`` from the next line on; muting or turning off empties the queue."""
        with self._ready:
            self.settings = settings
            if settings.muted or not settings.enabled:
                self._queue.clear()
            while len(self._queue) > settings.queue_size:
                self._queue.popleft()
                self.dropped += 1

    def set_muted(self, muted: bool) -> None:
        self.configure(replace(self.settings, muted=muted))

    @property
    def waiting(self) -> int:
        with self._ready:
            return len(self._queue)

    def close(self, timeout: float = 5.0) -> None:
        """Stop after the line being spoken; lines still waiting are dropped."""
        with self._ready:
            self._closed = True
            self._queue.clear()
            self._ready.notify()
        self._thread.join(timeout)

    # -- the worker thread -------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._closed and not self._queue and not self._wants_warm_up():
                    self._ready.wait()
                if self._closed:
                    return
                line = self._queue.popleft() if self._queue else None
                settings = self.settings
            if not self.ready.is_set():
                self._warm_up(settings)
            if line is not None:
                self._speak(line.text, settings)

    def _wants_warm_up(self) -> bool:
        return self.settings.enabled and not self.ready.is_set()

    def _warm_up(self, settings: VoiceSettings) -> None:
        try:
            self.speaker.prepare(settings)
        except Exception:  # no speech on this machine: each line will fail and be counted
            log.exception("voice broadcast: the speech driver could not be loaded")
        self.ready.set()

    def _speak(self, text: str, settings: VoiceSettings) -> None:
        try:
            self.speaker.say(text, settings)
        except Exception:  # a broken speech driver must not end the thread (nor the show)
            self.failures += 1
            if self.failures == 1 or self.failures % 100 == 0:
                log.exception("voice broadcast failed (%d so far); the show goes on", self.failures)
            return
        for listener in self.on_spoken:
            listener(text)
