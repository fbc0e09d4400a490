"""A TCP proxy in front of a server that, once told to, hands its answers back one byte at a time: a server that is
alive but slow enough that no single read ever times out (a deadline per read never ends the call)."""
from __future__ import annotations

import contextlib
import socket
import threading
import time


class DripProxy:
    def __init__(self, upstream_port: int, drip: float = 0.3):
        self.upstream_port = upstream_port
        self.drip = drip
        self.dripping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._closed = False

    def __enter__(self) -> DripProxy:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:  # the server behind is down: the client sees its connection closed, as it would
                client.close()
                continue
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, answers: bool) -> None:
        try:
            while data := source.recv(65536):
                while answers and data and self.dripping.is_set():
                    target.sendall(data[:1])
                    data = data[1:]
                    time.sleep(self.drip)
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                with contextlib.suppress(OSError):  # the other side may have gone already
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
