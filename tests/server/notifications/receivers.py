"""Receivers the notification tests start on 127.0.0.1: an HTTP webhook endpoint and a minimal SMTP server."""

from __future__ import annotations

import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class WebhookReceiver:
    """Records every POST; answers the statuses in ``plan`` in turn (then 200)."""

    def __init__(self, plan: list[int] | None = None) -> None:
        self.requests: list[dict] = []
        self.plan = list(plan or [])
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status = receiver.plan.pop(0) if receiver.plan else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *a) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpReceiver:
    """Enough of RFC 5321 for smtplib: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT. Stores messages."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        receiver = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write((line + "\r\n").encode())

            def handle(self) -> None:
                self.reply("220 test ESMTP")
                mail_from, rcpts = None, []
                while True:
                    raw = self.rfile.readline()
                    if not raw:
                        return
                    line = raw.decode().rstrip("\r\n")
                    cmd = line[:4].upper()
                    if cmd in ("EHLO", "HELO"):
                        self.reply("250 test")
                    elif cmd == "MAIL":
                        mail_from, rcpts = line.split(":", 1)[1].strip(), []
                        self.reply("250 OK")
                    elif cmd == "RCPT":
                        rcpts.append(line.split(":", 1)[1].strip())
                        self.reply("250 OK")
                    elif cmd == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        data = []
                        while True:
                            ln = self.rfile.readline().decode()
                            if ln in (".\r\n", ".\n", ""):
                                break
                            data.append(ln[1:] if ln.startswith("..") else ln)
                        receiver.messages.append({"from": mail_from, "to": rcpts, "data": "".join(data)})
                        self.reply("250 OK queued")
                    elif cmd in ("RSET", "NOOP"):
                        self.reply("250 OK")
                    elif cmd == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 not implemented")

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
