"""Bilibili live comments: the web ``/sub`` websocket (see docs/sources.md and docs/protocols/bilibili.md).

Layers, each usable alone:

* :mod:`~app.sources.bilibili.packets` — :func:`encode_packet`, :func:`iter_packets`: the 16-byte
  ``>IHHII`` framing, zlib (ver 2) and brotli (ver 3) batches, the op-3 quirk; the protobuf reader;
* :mod:`~app.sources.bilibili.messages` — :func:`decode_frame`: one binary frame → :class:`Decoded`
  (events, malformed items with a reason, unknown command names, the auth reply);
* :mod:`~app.sources.bilibili.login` — :func:`bootstrap`: the HTTP calls that find the real room id,
  a WBI-signed token and the server list; the cookie file;
* :mod:`~app.sources.bilibili.source` — :class:`BilibiliSource`: auth, heartbeats, server rotation.

A malformed packet or message is reported and skipped; the packets around it are kept. Nothing but
:class:`~app.sources.base.FrameError` escapes :func:`decode_frame`.
"""

from app.sources.bilibili.login import (
    BilibiliRoom,
    BootstrapError,
    BootstrapOptions,
    bootstrap,
    mixin_key,
    read_cookie_file,
    wbi_sign,
)
from app.sources.bilibili.messages import MAPPED_COMMANDS, Decoded, RoomState, decode_frame
from app.sources.bilibili.packets import BadPacket, Packet, encode_packet, iter_packets, read_protobuf
from app.sources.bilibili.source import BilibiliSource

__all__ = [
    "MAPPED_COMMANDS",
    "BadPacket",
    "BilibiliRoom",
    "BilibiliSource",
    "BootstrapError",
    "BootstrapOptions",
    "Decoded",
    "Packet",
    "RoomState",
    "bootstrap",
    "decode_frame",
    "encode_packet",
    "iter_packets",
    "mixin_key",
    "read_cookie_file",
    "read_protobuf",
    "wbi_sign",
]
