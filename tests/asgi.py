"""ASGI scopes for tests that call an application directly, without a server."""

from __future__ import annotations


def http_scope(
    path: str,
    *,
    method: str = "GET",
    query: bytes = b"",
    headers: list[tuple[bytes, bytes]] = (),
    scheme: str = "http",
) -> dict:
    """An HTTP request's scope for host `testserver`, with `headers` after the host."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 443 if scheme == "https" else 80),
    }
