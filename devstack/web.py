"""The browser page (web/) on an origin of its own, for `make run`: every call it
makes to the API is cross-origin, as it is for a web app in front of a deployed stage.

It listens on 127.0.0.1 but is handed out as http://localhost:<port>: browsers refuse
an IP address as a passkey's relying party ("This is an invalid domain"), and the
local pool's is localhost (devstack/pool.py LOCAL_RP_ID).

Besides the folder's files it serves /config.js, which tells the page where the API
is; hosted anywhere else, the page asks (or reads ?api=).
"""

from __future__ import annotations

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from devstack.environment import ROOT

WEB_ROOT = ROOT / "web"


class _PageHandler(SimpleHTTPRequestHandler):
    config_js = b""

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/config.js":
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(self.config_js)))
            self.end_headers()
            self.wfile.write(self.config_js)
            return
        super().do_GET()

    def end_headers(self) -> None:
        # Edits to web/ show on the next reload.
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the API's log is the one worth reading."""


class PageServer:
    """web/ bound to host:port (0: any free port), in a thread of this process, at
    `url` on localhost."""

    def __init__(self, host: str, port: int, api_url: str) -> None:
        handler = type(
            "PageHandler",
            (_PageHandler,),
            {"config_js": f"window.COGNITO_AUTH_API_URL = {json.dumps(api_url)};\n".encode()},
        )
        self._server = ThreadingHTTPServer((host, port), partial(handler, directory=str(WEB_ROOT)))
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self.url = f"http://localhost:{self.port}"
        self._host = host
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def origins(self) -> list[str]:
        """The page's origin, under both names a browser may be given for it."""
        return [self.url, f"http://{self._host}:{self.port}"]

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()
