"""The shipped console profiles load, and a profile broken in one of the fields the newer platforms
use is refused at load with a message naming that field (a team editing its own copy in the data
directory sees what to fix); the response reader strips JSONP, unwraps 千帆's packed frames and reads
快手's hooked payloads (their time from a millisecond string); the hook patches only the decoder's call."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.connectors.console import ProfileError, available_profiles, load_profile
from app.connectors.console.listening import BINDING, patch_script
from app.connectors.console.responses import ResponseReader


def test_every_shipped_profile_loads_with_its_capabilities() -> None:
    assert {"buyin", "douyin", "douyin-eos", "kuaishou", "taobao", "wechat-channels", "xiaohongshu",
            "xiaohongshu-pgy"} <= set(available_profiles())
    assert "stop_explain" not in load_profile("taobao").capabilities  # 弹品 has nothing to cancel
    assert load_profile("wechat-channels").active_labels == ("结束讲解",)
    assert load_profile("xiaohongshu").responses["comments"]["listen"] == "websocket"
    assert load_profile("buyin").open_via_link == load_profile("xiaohongshu").open_via_link == {"console"}
    assert load_profile("taobao").open_via_link == {"account"}
    assert load_profile("wechat-channels").command_gaps_s == {"pin_comment": 10.0}
    assert load_profile("douyin-eos").capabilities == {"explain", "stop_explain", "send_comment"}  # no listener
    pgy = load_profile("xiaohongshu-pgy")
    assert (pgy.entry_url, pgy.login_click) == ("https://pgy.xiaohongshu.com/microapp/selection/buyer_home",
                                                "button.login-btn")
    assert [pgy.is_login_url(u) for u in ("https://pgy.xiaohongshu.com", "https://pgy.xiaohongshu.com/",
                                          pgy.entry_url, pgy.console_url)] == [True, True, False, False]
    assert load_profile("xiaohongshu").entry_url == load_profile("xiaohongshu").login_click == ""
    kuaishou = load_profile("kuaishou")
    assert (kuaishou.explain_label, kuaishou.active_labels) == ("开始讲解", ("结束讲解",))
    assert kuaishou.responses["comments"]["listen"] == "script_hook"
    assert kuaishou.is_login_url(kuaishou.login_url)
    assert not kuaishou.is_login_url(kuaishou.console_url)


def _override(home: Path, platform: str, change: dict[str, Any]) -> None:
    data = json.loads(load_profile(platform, home=home).source.read_text(encoding="utf-8"))
    for dotted, value in change.items():
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node[part]
        node[last] = value
    (home / "consoles").mkdir(exist_ok=True)
    (home / "consoles" / f"{platform}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize(("platform", "change", "named"), [
    ("wechat-channels", {"urls.products": 3}, "urls.products"),
    ("wechat-channels", {"urls.account": ["/platform"]}, "urls.account"),
    ("wechat-channels", {"not_live_pattern": "(("}, "not_live_pattern"),
    ("taobao", {"live_id.url": "https://liveplatform.taobao.com/control"}, "live_id.url"),
    ("taobao", {"live_id.selector": ""}, "live_id.selector"),
    ("taobao", {"escape_overlays": "#driver"}, "escape_overlays"),
    ("taobao", {"capabilities": ["explain", "stop_explain"]}, "texts.explain_active"),
    ("taobao", {"responses.comments.jsonp": "yes"}, "responses.comments.jsonp"),
    ("xiaohongshu", {"responses.comments.listen": "sse"}, "responses.comments.listen"),
    ("xiaohongshu", {"responses.comments.unwrap": [{"decode": "d", "as": "xml"}]}, "responses.comments.unwrap"),
    ("xiaohongshu", {"responses.comments.type_field": "type", "responses.comments.kinds": None},
     "responses.comments.kinds"),
    ("xiaohongshu", {"responses.own_comments.one": None, "responses.comments.id": ""}, "responses.comments.id"),
    ("xiaohongshu", {"open_via_link": ["goods"]}, "open_via_link"),
    ("buyin", {"open_via_link": "console"}, "open_via_link"),
    ("xiaohongshu-pgy", {"urls.entry": ["/microapp"]}, "urls.entry"),
    ("xiaohongshu-pgy", {"open_via_link": []}, "urls.entry"),  # the console is opened from it by a link
    ("xiaohongshu-pgy", {"login_click": {"css": "button.login-btn"}}, "login_click"),
    ("wechat-channels", {"command_gaps_s": {"pin_comment": "10"}}, "command_gaps_s"),
    ("wechat-channels", {"command_gaps_s": {"explain_all": 10}}, "command_gaps_s"),
    ("wechat-channels", {"selectors.pin_menu_item": ""}, "selectors.pin_menu_item"),
    ("kuaishou", {"selectors.explain_confirm": 3}, "selectors.explain_confirm"),
    ("kuaishou", {"responses.comments.script": ""}, "responses.comments.script"),
    ("kuaishou", {"responses.comments.hook": "this\\.decodePayload\\("}, "responses.comments.hook"),
    ("kuaishou", {"responses.comments.hook": "(?P<payload>(("}, "responses.comments.hook"),
    ("kuaishou", {"responses.comments.list_optional": "yes"}, "responses.comments.list_optional"),
    ("kuaishou", {"responses.comments.ts_unit": "us"}, "responses.comments.ts"),
])
def test_a_broken_field_is_refused_naming_it(tmp_path: Path, platform: str, change: dict[str, Any],
                                             named: str) -> None:
    _override(tmp_path, platform, change)
    with pytest.raises(ProfileError, match=named.replace(".", r"\.")):
        load_profile(platform, home=tmp_path)


def test_jsonp_is_unwrapped_and_text_that_is_not_jsonp_refused() -> None:
    reader = ResponseReader(load_profile("taobao").responses)
    body = reader.decode("comments", 'mtopjsonp12({"data": {"comments": [{"commentId": "1", "content": "在吗",'
                                     ' "tbNick": "淘气包", "publisherId": "22"}]}})')
    (event,) = reader.read("comments", body)
    assert (event.msg_id, event.user_name, event.user_id, event.text) == ("1", "淘气包", "22", "在吗")
    with pytest.raises(ValueError, match="JSONP"):
        reader.decode("comments", "<html>busy</html>")


def test_qianfan_frames_are_unwrapped_refresh_notices_passed_over_and_broken_entries_counted() -> None:
    reader = ResponseReader(load_profile("xiaohongshu").responses)

    def packed(message: dict[str, Any]) -> dict[str, str]:
        return {"d": base64.b64encode(json.dumps(message, ensure_ascii=False).encode()).decode()}
    comment = {"command": 1, "customData": json.dumps({"type": "text", "commentId": "c1", "desc": "有货吗",
                                                       "profile": {"nickname": "小鹿", "user_id": "u1"}})}
    refresh = {"command": 1, "customData": json.dumps({"type": "goods_refresh"})}
    frame = {"t": 4, "b": {"d": {"b": [packed(comment), packed(refresh), packed({"command": 9}), {"d": "%%"}]}}}
    (event,) = reader.read("comments", frame)
    assert (event.msg_id, event.user_name, event.user_id, event.text) == ("c1", "小鹿", "u1", "有货吗")
    assert reader.malformed == 1
    assert reader.read("comments", frame) == []  # the same frame again: nothing new
    assert reader.read("comments", {"t": 2}) == []  # a heartbeat


def test_kuaishou_payloads_keep_their_time_pass_over_other_kinds_and_count_broken_entries() -> None:
    reader = ResponseReader(load_profile("kuaishou").responses)
    payload = {"commentList": [
        {"commentId": "k1", "commentContent": "3号有货吗", "fromUserId": "38", "fromUserName": "老铁",
         "commentTime": "1765000000123", "commentSource": 1},
        {"commentId": "k2", "commentContent": "欢迎", "fromUserId": "15", "fromUserName": "小店",
         "commentTime": "明天", "commentSource": 0},
        {"commentContent": "没有id"}, 7]}
    first, anchor = reader.read("comments", reader.decode("comments", json.dumps(payload, ensure_ascii=False)))
    assert (first.msg_id, first.user_id, first.user_name, first.text, first.ts) == (
        "k1", "38", "老铁", "3号有货吗", 1765000000.123)
    assert (anchor.user_name, anchor.text) == ("小店", "欢迎")  # the anchor's own: a comment of the account
    assert anchor.ts > 1765000000.123  # a time that is not digits: timed when read
    assert reader.malformed == 2
    assert reader.read("comments", {"onlineCount": 12}) == []  # a message of another kind: not counted
    assert reader.malformed == 2
    assert reader.read("comments", {"commentList": "x"}) == []
    assert reader.malformed == 3


def test_the_hook_wraps_the_decoders_receive_call_only() -> None:
    hook = load_profile("kuaishou").responses["comments"]["hook"]
    source = ('class o{decodePayload(e,t){return JSON.parse(e)}onFrame(e){let t;try{t=this.decodePayload(e,"receive")}'
              'catch(n){return}}send(e){const s=this.decodePayload(e,"send")}}')
    patched, places = patch_script(source, re.compile(hook), "comments")
    assert places == 1
    assert patched.count(BINDING) == 1
    assert 'return v})(this.decodePayload(e,"receive"))}catch(n)' in patched
    assert patched.startswith("class o{decodePayload(e,t){return JSON.parse(e)}")
    assert patched.endswith('const s=this.decodePayload(e,"send")}}')
    assert patch_script(source.replace("decodePayload", "decodeMessage"), re.compile(hook), "comments")[1] == 0
