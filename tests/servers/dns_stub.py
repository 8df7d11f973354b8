"""A misbehaving DNS server on loopback, for the failures BIND will not produce on demand:
one that answers SERVFAIL to everything and one that never answers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dns.message
import dns.rcode


@contextmanager
def broken_dns(mode: str) -> Iterator[int]:
    """Yield the UDP port of a server that answers `servfail` or stays `silent`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if mode == "servfail":
                reply = dns.message.make_response(dns.message.from_wire(data))
                reply.set_rcode(dns.rcode.SERVFAIL)
                sock.sendto(reply.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        sock.close()
