"""Slack's Socket Mode end, on localhost: a small WebSocket server (RFC 6455).

The Web API stand-in answers `apps.connections.open` with this server's URL; slack_sdk's
own Socket Mode client then connects here, receives `hello`, and acks each envelope a
test sends, exactly as it would with Slack.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import struct
import threading
import time
import uuid
from typing import Any

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class SocketModeStandIn:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._clients: list[socket.socket] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._changed = threading.Condition()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link/?ticket=test"

    @property
    def connections(self) -> int:
        with self._changed:
            return len(self._clients)

    def wait_for_connection(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self._clients:
                if not self._changed.wait(max(deadline - time.monotonic(), 0)):
                    raise AssertionError("the bot never connected over Socket Mode")

    def send(self, kind: str, payload: dict[str, Any]) -> str:
        """Send an envelope (`slash_commands`, `events_api`, `interactive`); its id."""
        envelope_id = str(uuid.uuid4())
        message = {"envelope_id": envelope_id, "type": kind, "payload": payload}
        if kind != "slash_commands":
            message["accepts_response_payload"] = kind == "interactive"
        with self._changed:
            client = self._clients[-1]
        _send_frame(client, TEXT, json.dumps(message).encode())
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while envelope_id not in self._acks:
                if not self._changed.wait(max(deadline - time.monotonic(), 0)):
                    raise AssertionError(f"envelope {envelope_id} was not acked in {timeout} s")
            return self._acks[envelope_id]

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._changed:
            for client in self._clients:
                with contextlib.suppress(OSError):
                    client.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = client.recv(4096)
            if not chunk:
                return
            request += chunk
        headers = dict(
            line.split(": ", 1) for line in request.decode().split("\r\n")[1:] if ": " in line
        )
        key = headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        client.sendall(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
        )
        hello = {"type": "hello", "num_connections": 1, "debug_info": {"host": "standin"}}
        _send_frame(client, TEXT, json.dumps(hello).encode())
        with self._changed:
            self._clients.append(client)
            self._changed.notify_all()
        with contextlib.suppress(OSError, ConnectionError):
            while (frame := _read_frame(client)) is not None:
                opcode, data = frame
                if opcode == PING:
                    _send_frame(client, PONG, data)
                elif opcode == CLOSE:
                    break
                elif opcode == TEXT:
                    message = json.loads(data)
                    with self._changed:
                        self._acks[message.get("envelope_id", "")] = message
                        self._changed.notify_all()
        with self._changed:
            if client in self._clients:
                self._clients.remove(client)


def _send_frame(client: socket.socket, opcode: int, data: bytes) -> None:
    length = len(data)
    if length < 126:
        head = struct.pack("!BB", 0x80 | opcode, length)
    elif length < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 126, length)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, length)
    client.sendall(head + data)


def _read_exactly(client: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = client.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _read_frame(client: socket.socket) -> tuple[int, bytes] | None:
    head = _read_exactly(client, 2)
    if head is None:
        return None
    opcode, length = head[0] & 0x0F, head[1] & 0x7F
    if length == 126:
        length = struct.unpack("!H", _read_exactly(client, 2) or b"\0\0")[0]
    elif length == 127:
        length = struct.unpack("!Q", _read_exactly(client, 8) or b"\0" * 8)[0]
    mask = _read_exactly(client, 4) if head[1] & 0x80 else b"\0\0\0\0"
    payload = _read_exactly(client, length) if length else b""
    if mask is None or payload is None:
        return None
    return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
