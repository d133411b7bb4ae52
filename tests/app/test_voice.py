"""Voice broadcast: a question that reaches the engine is spoken (a real WAV from the system's espeak-ng)
within 2 s, its length fits the text, the queue never outgrows its bound, mute is silent."""

from __future__ import annotations

import shutil
import threading
import time
import wave
from pathlib import Path

import pytest
from pyttsx3.voice import Voice

from app.connectors.voice import EspeakSpeaker, VoiceBroadcaster, VoiceSettings, _voice_id, announcement
from app.core.clock import ManualClock
from app.core.events import Kind, LiveEvent
from app.engine.session import SessionEngine

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
ON = VoiceSettings(enabled=True, kinds=frozenset({"question", "gift", "follow"}))


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


class Heard:
    """Counts the lines the broadcaster finished (its ``on_spoken``), for the test to wait on."""

    def __init__(self, voice: VoiceBroadcaster) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        voice.on_spoken.append(self._spoken)

    def _spoken(self, text: str) -> None:
        with self._changed:
            self.lines.append(text)
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.lines) >= count, timeout), f"heard {self.lines}"


class SlowSpeaker:
    """A speaker that holds each line until released, so a burst piles up behind it."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.spoken: list[str] = []

    def say(self, text: str, settings: VoiceSettings) -> None:
        self.release.wait(10)
        self.spoken.append(text)

    def prepare(self, settings: VoiceSettings) -> None:
        pass


def test_chosen_kinds_make_short_chinese_sentences() -> None:
    ask = LiveEvent(Kind.COMMENT, 0.0, user_name="小王", text="3号有XL吗")
    assert announcement(ask, ON) == "小王问：3号有XL吗"
    assert announcement(LiveEvent(Kind.COMMENT, 0.0, user_name="小王", text="好看"), ON) is None
    small = LiveEvent(Kind.GIFT, 0.0, user_name="阿花", text="小心心", amount_fen=10)
    big = LiveEvent(Kind.GIFT, 0.0, user_name="阿花", text="嘉年华", amount_fen=300000)
    assert announcement(small, ON) is None
    assert announcement(big, ON) == "感谢阿花送的嘉年华，价值3000元"
    assert announcement(LiveEvent(Kind.ORDER, 0.0, user_name="阿花", count=2), ON) is None  # not chosen
    assert announcement(LiveEvent(Kind.FOLLOW, 0.0, user_name="阿花"), ON) == "感谢阿花的关注"


def test_settings_from_the_file_keep_defaults_for_bad_entries() -> None:
    loaded = VoiceSettings.from_setting({"enabled": True, "kinds": ["question", "dance"], "rate": 9999,
                                         "volume": 0.5, "queue_size": "many"})
    assert loaded.enabled
    assert loaded.kinds == frozenset({"question"})
    assert loaded.rate == VoiceSettings().rate
    assert loaded.volume == 0.5
    assert loaded.queue_size == 5
    assert VoiceSettings.from_setting(loaded.to_setting()) == loaded
    assert not VoiceSettings.from_setting("junk").enabled


@needs_espeak
def test_a_question_reaching_the_engine_is_spoken_within_two_seconds(tmp_path: Path) -> None:
    engine = SessionEngine(None, clock=ManualClock())
    speaker = EspeakSpeaker(tmp_path / "voice")
    voice = VoiceBroadcaster(speaker, ON)
    heard = Heard(voice)
    engine.subscribe(voice.on_batch)
    try:
        assert voice.ready.wait(10)  # the driver loads when voice is turned on, not with the first question
        arrived = time.monotonic()
        engine.submit([LiveEvent(Kind.COMMENT, 0.0, user_name="小王", text="3号还有XL码吗，多少钱？")])
        engine.drain()
        heard.wait_for(1)
        text, path, written = speaker.spoken[0]
        assert text == "小王问：3号还有XL码吗，多少钱？"
        assert written - arrived < 2.0
        # ~15 syllables at 200 words a minute: seconds, not a click and not a minute of noise.
        assert 1.5 < wav_seconds(path) < 12
        voice.enqueue("好")
        heard.wait_for(2)
        assert wav_seconds(speaker.spoken[1][1]) < wav_seconds(path) / 2  # one syllable is far shorter
    finally:
        voice.close()


def test_a_burst_never_queues_more_than_the_bound_and_drops_the_oldest() -> None:
    speaker = SlowSpeaker()
    voice = VoiceBroadcaster(speaker, VoiceSettings(enabled=True, queue_size=4))
    heard = Heard(voice)
    try:
        burst = [LiveEvent(Kind.COMMENT, 0.0, user_name=f"v{i}", text=f"{i}号多少钱") for i in range(200)]
        voice.on_batch(burst)
        assert voice.waiting <= 4
        assert voice.high_water <= 4
        assert voice.dropped >= 195
        speaker.release.set()
        heard.wait_for(4)
        if voice.waiting:
            heard.wait_for(5)
        assert voice.waiting == 0
        assert speaker.spoken[-1] == "v199问：199号多少钱"  # the newest is read, not the oldest
        assert len(speaker.spoken) <= 5  # the one being spoken when the burst came, and the last four
    finally:
        voice.close()


def test_muted_or_off_nothing_is_queued_and_muting_empties_the_queue() -> None:
    speaker = SlowSpeaker()
    voice = VoiceBroadcaster(speaker, VoiceSettings())  # off by default
    ask = [LiveEvent(Kind.COMMENT, 0.0, user_name="小王", text="有优惠券吗")]
    try:
        voice.on_batch(ask)
        assert voice.waiting == 0
        voice.configure(VoiceSettings(enabled=True))
        voice.on_batch(ask * 3)
        assert voice.waiting >= 2
        voice.set_muted(True)
        assert voice.waiting == 0
        voice.on_batch(ask)
        assert voice.waiting == 0
    finally:
        speaker.release.set()
        voice.close()


@needs_espeak
def test_a_comment_that_looks_like_an_option_is_read_as_text(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(tmp_path / "voice")
    target = tmp_path / "elsewhere.wav"
    speaker.say(f"-w {target} 3号多少钱", VoiceSettings())
    assert wav_seconds(speaker.spoken[0][1]) > 1.0
    assert not target.exists()


def test_the_mandarin_voice_is_found_by_any_of_its_names() -> None:
    voices = [Voice("HKEY\\TTS_MS_EN-US_ZIRA", "Microsoft Zira", ["en-US"]),
              Voice("HKEY\\TTS_MS_ZH-CN_HUIHUI", "Microsoft Huihui Desktop", ["zh-CN"])]
    assert _voice_id(voices, "cmn") == "HKEY\\TTS_MS_ZH-CN_HUIHUI"
    assert _voice_id(voices, "zira") == "HKEY\\TTS_MS_EN-US_ZIRA"
    assert _voice_id(voices[:1], "cmn") == ""  # no Mandarin voice: the system's default stays
