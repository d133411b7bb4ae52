"""Independent fake live-comment servers for acceptance tests of ``livedeck record``.

Written only from the protocol documents (``docs/protocols/*.md``, ``docs/protocol.md``) and the
user docs (``README.md``, ``docs/sources.md``) — deliberately *not* from LiveDeck's code or its own
fakes, so that a misreading shared by the product and its own tests shows up here.

Each server runs ``websockets.asyncio.server.serve`` on 127.0.0.1 (port 0) in a background thread
with its own asyncio loop and plays a scripted show:

* connection 1: part A of the show, valid messages interleaved with broken frames, then the
  connection is **dropped** (TCP abort, no close handshake);
* connection 2: (generic/Douyin) the last 2 valid messages of part A again with the same message
  ids, then part B, then the live ends (generic ``live_end``, Douyin Type 9, Bilibili
  ``PREPARING``); the server then keeps the socket open until the client goes.

Every show carries its *expected* outcome (``expected_*`` attributes) for the test to compare with
the session log.

One module per protocol (``generic``, ``douyin``, ``bilibili``) on the common ``base``.
"""

from tests.acceptance.servers.base import BIG, Expected, ScriptedServer, Step
from tests.acceptance.servers.bilibili import BilibiliShow
from tests.acceptance.servers.douyin import DouyinShow
from tests.acceptance.servers.generic import GenericFieldShow, GenericShow

__all__ = ["BIG", "BilibiliShow", "DouyinShow", "Expected", "GenericFieldShow", "GenericShow", "ScriptedServer",
           "Step"]
