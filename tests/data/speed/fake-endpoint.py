#!/usr/bin/env python3
"""A broken model endpoint for `agentrace speed` tests. Mode (argv[1]):
unauthorized: 401 with an OpenAI error body; malformed: a 200 event stream of bad JSON;
not-a-model: 200 with a JSON body of no model protocol. Prints its URL on stdout."""
import http.server
import json
import sys

MODE = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if MODE == "unauthorized":
            error = {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}
            self.send(401, "application/json", json.dumps(error).encode())
        elif MODE == "malformed":
            self.send(200, "text/event-stream", b'data: {"choices": [{"delta": {"content": \n\n')
        else:
            self.send(200, "application/json", b'{"hello": "world"}')

    def do_GET(self):
        self.send(404, "text/plain", b"no\n")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
