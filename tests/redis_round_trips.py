"""Counting what the app sends to Redis: each round trip (a command, a pipeline, a script) as redis-py writes it to
the socket, for every client of the process (the app's own and the rate limits' storage)."""

from __future__ import annotations

import re

from redis.connection import AbstractConnection

#: The name of each command in a RESP request: the first bulk string of each array.
_COMMAND = re.compile(rb'\*\d+\r\n\$\d+\r\n([A-Za-z]+)\r\n')


class RoundTrips:
    """Records, while open, each request sent to Redis; `sent` holds their bytes and `commands` their command names."""

    def __init__(self, monkeypatch):
        self.sent: list[bytes] = []
        send = AbstractConnection.send_packed_command

        def recorded(connection, command, check_health=True):
            self.sent.append(command if isinstance(command, bytes) else b''.join(bytes(part) for part in command))
            return send(connection, command, check_health)

        monkeypatch.setattr(AbstractConnection, 'send_packed_command', recorded)

    @property
    def commands(self) -> list[list[str]]:
        return [[name.decode().upper() for name in _COMMAND.findall(request)] for request in self.sent]
