"""Bilibili's binary framing: the 16-byte ``>IHHII`` header, zlib (ver 2) and brotli (ver 3) batches, the
op-3 quirk, and the tiny protobuf reader ``INTERACT_WORD_V2`` needs. Nothing here knows what a message means.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import NamedTuple

from app.core.bounds import MAX_EVENT_TEXT
from app.sources.base import FrameError

try:  # brotli is a declared dependency; without it we ask the server for zlib batches instead.
    import brotli  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - exercised only on incomplete installs
    brotli = None

HEADER = struct.Struct(">IHHII")
HEADER_LEN = 16
OP_HEARTBEAT = 2
OP_HEARTBEAT_REPLY = 3
OP_MESSAGE = 5
OP_AUTH = 7
OP_AUTH_REPLY = 8
VER_PLAIN = 0
VER_CONTROL = 1
VER_ZLIB = 2
VER_BROTLI = 3
PROTOVER = 3 if brotli is not None else 2
#: A compressed batch never legitimately inflates past this; a bigger one is a bomb or garbage.
MAX_INFLATED = 8 * 1024 * 1024
MAX_TEXT = MAX_EVENT_TEXT


class Packet(NamedTuple):
    op: int
    ver: int
    seq: int
    body: bytes


class BadPacket(NamedTuple):
    """A packet (or the rest of a frame) that broke the framing; ``raw`` is for a log excerpt."""

    reason: str
    raw: bytes


def encode_packet(op: int, body: bytes, ver: int = VER_CONTROL, seq: int = 1) -> bytes:
    """One packet: the 16-byte big-endian header followed by ``body``."""
    return HEADER.pack(HEADER_LEN + len(body), HEADER_LEN, ver, op, seq) + body


def iter_packets(frame: bytes, *, _nested: bool = False) -> Iterator[Packet | BadPacket]:
    """Walk one websocket frame by ``pack_len``, inflating ver 2/3 batches into their packets.

    Yields a :class:`BadPacket` for each part that breaks the framing and goes on where it can: a bad
    ``header_len`` or an undecompressable body costs that packet only; a ``pack_len`` that cannot be
    trusted costs the rest of the frame (there is no other way to find the next header).
    """
    offset, size = 0, len(frame)
    while offset < size:
        if size - offset < HEADER_LEN:
            yield BadPacket("truncated header", frame[offset:])
            return
        pack_len, header_len, ver, op, seq = HEADER.unpack_from(frame, offset)
        if pack_len < HEADER_LEN:
            yield BadPacket(f"pack_len {pack_len} < {HEADER_LEN}", frame[offset:])
            return
        end = offset + pack_len
        if end > size:
            yield BadPacket(f"pack_len {pack_len} beyond the frame", frame[offset:])
            return
        if header_len != HEADER_LEN:
            yield BadPacket(f"header_len {header_len}", frame[offset:end])
            offset = end
            continue
        body = frame[offset + HEADER_LEN : end]
        if op == OP_MESSAGE and ver in (VER_ZLIB, VER_BROTLI):
            if _nested:
                yield BadPacket("compressed packet inside a compressed batch", frame[offset:end])
            else:
                inflated = _inflate(ver, body)
                if isinstance(inflated, str):
                    yield BadPacket(inflated, frame[offset:end])
                else:
                    yield from iter_packets(inflated, _nested=True)
        else:
            yield Packet(op, ver, seq, body)
        offset = end
        if op == OP_HEARTBEAT_REPLY:
            # The server echoes our heartbeat body after the popularity, outside pack_len.
            return


def _inflate(ver: int, body: bytes) -> bytes | str:
    """The decompressed batch, or the reason it could not be decompressed."""
    if ver == VER_ZLIB:
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(body, MAX_INFLATED)
        except zlib.error:
            return "corrupt zlib body"
        if inflater.unconsumed_tail:
            return "zlib body inflates too far"
        if not inflater.eof:
            return "truncated zlib body"
        return data
    if brotli is None:  # pragma: no cover
        return "brotli body but the brotli module is not installed"
    decompressor = brotli.Decompressor()
    try:
        data = decompressor.process(body, output_buffer_limit=MAX_INFLATED)
    except TypeError:  # pragma: no cover - brotli < 1.2 has no output limit
        data = decompressor.process(body)
    except brotli.error:
        return "corrupt brotli body"
    if not decompressor.is_finished():
        return "truncated brotli body" if len(data) < MAX_INFLATED else "brotli body inflates too far"
    return data


# -- a tiny protobuf wire-format reader ---------------------------------------------------------------
def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise FrameError("protobuf: truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift >= 64:
            raise FrameError("protobuf: varint too long")


def read_protobuf(data: bytes) -> dict[int, list[int | bytes]]:
    """Field number → values of one protobuf message (varints as int, length-delimited as bytes)."""
    fields: dict[int, list[int | bytes]] = {}
    pos, size = 0, len(data)
    while pos < size:
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise FrameError("protobuf: field number 0")
        value: int | bytes
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 1 or wire == 5:
            width = 8 if wire == 1 else 4
            if pos + width > size:
                raise FrameError("protobuf: truncated fixed field")
            value = int.from_bytes(data[pos : pos + width], "little")
            pos += width
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > size:
                raise FrameError("protobuf: length beyond the message")
            value = data[pos : pos + length]
            pos += length
        else:
            raise FrameError(f"protobuf: wire type {wire}")
        fields.setdefault(number, []).append(value)
    return fields


def pb_int(fields: dict[int, list[int | bytes]], number: int) -> int:
    values = fields.get(number)
    if not values:
        return 0  # proto3 leaves zero values out
    value = values[-1]
    if not isinstance(value, int):
        raise FrameError(f"protobuf field {number} is not a varint")
    return value


def pb_str(fields: dict[int, list[int | bytes]], number: int) -> str:
    values = fields.get(number)
    if not values:
        return ""
    value = values[-1]
    if not isinstance(value, bytes):
        raise FrameError(f"protobuf field {number} is not a string")
    try:
        return value.decode("utf-8")[:MAX_TEXT]
    except UnicodeDecodeError:
        raise FrameError(f"protobuf field {number} is not UTF-8") from None
