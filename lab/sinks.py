"""Stand-ins for PagerDuty, Slack, Teams, the dead man's switch (HTTP) and the e-mail relay (SMTP):
each records what the real service would have received, on loopback only."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOOPBACK = "127.0.0.1"


class QuietReplies:
    """Mixed into a BaseHTTPRequestHandler: answers in one call and keeps the lab's output clean (no
    access log)."""

    def reply(self: BaseHTTPRequestHandler, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


class LoopbackHttpServer:
    """A threaded HTTP server on a free loopback port, serving from a daemon thread between start and stop."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], thread_name: str) -> None:
        self.server = ThreadingHTTPServer((LOOPBACK, 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name=thread_name, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass(frozen=True)
class Delivery:
    """One notification: which stand-in got it, when, and its raw body (JSON text or a mail)."""

    receiver: str
    at: float
    body: str
    headers: dict[str, str] = field(default_factory=dict)

    def mentions(self, alertname: str) -> bool:
        # Every integration's title carries `{{ .CommonLabels.alertname }}`; groups are by alertname.
        return re.search(rf"(?<![A-Za-z0-9_]){re.escape(alertname)}(?![A-Za-z0-9_])", self.body) is not None

    def json(self) -> Any:
        return json.loads(self.body)


class DeliveryLog:
    """Thread-safe record of deliveries, shared by the HTTP and SMTP sinks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Delivery] = []

    def add(self, delivery: Delivery) -> None:
        with self._lock:
            self._items.append(delivery)

    def all(self) -> list[Delivery]:
        with self._lock:
            return list(self._items)

    def to(self, receiver: str) -> list[Delivery]:
        return [d for d in self.all() if d.receiver == receiver]

    def receivers_of(self, alertname: str) -> set[str]:
        return {d.receiver for d in self.all() if d.mentions(alertname)}


class WebhookSink(LoopbackHttpServer):
    """HTTP server: a POST to /<receiver> is recorded as a delivery to <receiver>."""

    def __init__(self, log: DeliveryLog) -> None:
        self.log = log
        sink = self

        class Handler(QuietReplies, BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace")
                receiver = self.path.strip("/").split("/")[0] or "unknown"
                sink.log.add(Delivery(receiver, time.time(), body, dict(self.headers.items())))
                payload = b'{"status":"success","message":"Event processed"}'
                # PagerDuty answers 202; Slack, Teams and webhooks accept any 2xx.
                self.reply(202 if receiver == "pagerduty" else 200, "application/json", payload)

        super().__init__(Handler, "webhook-sink")

    def url(self, receiver: str) -> str:
        return f"http://{LOOPBACK}:{self.port}/{receiver}"


class SmtpSink:
    """A minimal SMTP server (RFC 5321 subset: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) on an
    asyncio loop in its own thread. Python 3.12 dropped `smtpd`, and `aiosmtpd` is not needed for this.
    It offers neither STARTTLS nor AUTH, so the lab's copy of the config sets `require_tls: false` and
    Alertmanager skips authentication (it only authenticates when the server offers AUTH)."""

    def __init__(self, log: DeliveryLog, receiver: str = "email") -> None:
        self.log = log
        self.receiver = receiver
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.base_events.Server | None = None
        self.port = 0
        self.thread = threading.Thread(target=self.loop.run_forever, name="smtp-sink", daemon=True)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def reply(line: str) -> None:
            writer.write((line + "\r\n").encode())
            await writer.drain()

        await reply("220 lab-smtp ESMTP")
        recipients: list[str] = []
        try:
            while True:
                raw = await reader.readline()
                if not raw:
                    break
                command = raw.decode("utf-8", "replace").strip()
                verb = command.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    await reply("250-lab-smtp")
                    await reply("250 8BITMIME")
                elif verb == "HELO" or verb in ("NOOP", "RSET", "MAIL"):
                    if verb in ("RSET", "MAIL"):
                        recipients = []
                    await reply("250 OK")
                elif verb == "RCPT":
                    recipients.append(command.split(":", 1)[-1].strip())
                    await reply("250 OK")
                elif verb == "DATA":
                    await reply("354 End data with <CR><LF>.<CR><LF>")
                    lines: list[str] = []
                    while True:
                        line = (await reader.readline()).decode("utf-8", "replace")
                        if line in (".\r\n", ".\n", ""):
                            break
                        lines.append(line[1:] if line.startswith("..") else line)
                    self.log.add(Delivery(self.receiver, time.time(), "".join(lines), {"To": ",".join(recipients)}))
                    await reply("250 OK: queued")
                elif verb == "QUIT":
                    await reply("221 Bye")
                    break
                else:
                    await reply("502 Command not implemented")
        finally:
            writer.close()

    def start(self) -> None:
        self.thread.start()
        started = asyncio.run_coroutine_threadsafe(asyncio.start_server(self._session, LOOPBACK, 0), self.loop)
        self.server = started.result(timeout=10)
        self.port = self.server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self.server is not None:
            self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
