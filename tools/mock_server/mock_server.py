#!/usr/bin/env python3
"""A scriptable mock of an OpenAI-compatible chat-completions server and of
plain HTTP endpoints, for the runtime's tool tests (Python 3 stdlib only).

    python3 mock_server.py --script script.json --log requests.jsonl [--port 0]
                           [--tls-cert cert.pem --tls-key key.pem]

It listens on 127.0.0.1 (port 0 picks a free one), prints the port on its
first line of stdout, and serves until killed (or `--max-seconds`, default
120, pass: it never outlives a test run).

The script is a JSON object:

    {"responses": [RESPONSE, ...], "default": RESPONSE}

Each request takes the first unused RESPONSE whose optional "path" equals
the request's path (query included) and whose optional "method" equals its
method; with none left it gets "default" (else 404). A RESPONSE is

    {"status": 200, "delay_ms": 0, "headers": {"Name": "value"},
     "body": "text"            # sent as is, or
     "json": {...},            # sent as JSON, or
     "content": "reply text",  # a chat completion whose message content it is
     "finish_reason": "stop"}  # (with "content")

Every request received is appended to the log file as one JSON line:
{"method", "path", "headers": {lower-case name: value}, "body"}, written
before the response is sent, so a test can assert what arrived (or that
nothing did).
"""

import argparse
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Script:
    def __init__(self, spec):
        self.responses = list(spec.get("responses", []))
        self.used = [False] * len(self.responses)
        self.default = spec.get("default")
        self.lock = threading.Lock()

    def take(self, method, path):
        with self.lock:
            for i, r in enumerate(self.responses):
                if self.used[i]:
                    continue
                if "path" in r and r["path"] != path:
                    continue
                if "method" in r and r["method"] != method:
                    continue
                self.used[i] = True
                return r
        return self.default


def completion(content, finish_reason):
    return {
        "id": "chatcmpl-mock",
        "object": "chat.completion",
        "created": 0,
        "model": "mock",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
    }


def make_handler(script, log_path, log_lock):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as two writes; with Nagle's algorithm the
        # second waits for the client's delayed ACK (40 ms per request).
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
            entry = {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
            with log_lock:
                with open(log_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(entry) + "\n")
            r = script.take(self.command, self.path)
            if r is None:
                r = {"status": 404, "body": "no scripted response"}
            time.sleep(r.get("delay_ms", 0) / 1000)
            if "content" in r:
                payload = json.dumps(
                    completion(r["content"], r.get("finish_reason", "stop"))
                ).encode()
                ctype = "application/json"
            elif "json" in r:
                payload = json.dumps(r["json"]).encode()
                ctype = "application/json"
            else:
                payload = r.get("body", "").encode()
                ctype = None
            try:
                self.send_response(r.get("status", 200))
                headers = r.get("headers", {})
                if ctype and "Content-Type" not in headers:
                    self.send_header("Content-Type", ctype)
                for k, v in headers.items():
                    for one in v if isinstance(v, list) else [v]:
                        self.send_header(k, one)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

    return Handler


class Server(ThreadingHTTPServer):
    # The default backlog of 5 drops connections when a test opens ten at
    # once (they come back only after a 1 s SYN retry).
    request_queue_size = 128
    daemon_threads = True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--script", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--max-seconds", type=float, default=120)
    a = p.parse_args()
    with open(a.script, encoding="utf-8") as f:
        script = Script(json.load(f))
    open(a.log, "w").close()
    server = Server(("127.0.0.1", a.port), make_handler(script, a.log, threading.Lock()))
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    threading.Timer(a.max_seconds, server.shutdown).start()
    server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
