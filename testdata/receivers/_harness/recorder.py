#!/usr/bin/env python3
"""Records every HTTP request it receives as one JSON file per request (method, path, query,
headers, body), and answers as each receiver's API would on success. Used to record what
Prometheus Alertmanager 0.25 sends to each integration. Listens on 127.0.0.1 only."""
import json, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OUT = sys.argv[2]
LOCK = threading.Lock()
COUNT = [0]

def answer(path):
    if path.startswith("/telegram/"):
        return 200, "application/json", '{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":123,"type":"private"}}}'
    if path.startswith("/wechat/") and "gettoken" in path:
        return 200, "application/json", '{"errcode":0,"errmsg":"ok","access_token":"recorded-token","expires_in":7200}'
    if path.startswith("/wechat/"):
        return 200, "application/json", '{"errcode":0,"errmsg":"ok"}'
    if path.startswith("/sns/"):
        return 200, "text/xml", '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>'
    if path.startswith("/victorops/"):
        return 200, "application/json", '{"result":"success","entity_id":"e"}'
    if path.startswith("/pagerduty/"):
        return 202, "application/json", '{"status":"success","message":"Event processed","dedup_key":"d"}'
    if path.startswith("/opsgenie/"):
        return 202, "application/json", '{"result":"Request will be processed","took":0.1,"requestId":"x"}'
    if path.startswith("/discord/"):
        return 204, "application/json", ''
    return 200, "application/json", '{}'

class H(BaseHTTPRequestHandler):
    def do_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        path, _, query = self.path.partition("?")
        kind = path.strip("/").split("/")[0] or "root"
        with LOCK:
            COUNT[0] += 1
            i = COUNT[0]
        rec = {"seq": i, "method": self.command, "path": path, "query": query,
               "headers": {k: v for k, v in self.headers.items()}, "body": body}
        d = os.path.join(OUT, kind)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"request-{i:03d}.json"), "w") as f:
            json.dump(rec, f, indent=2, ensure_ascii=False)
            f.write("\n")
        code, ctype, text = answer(path)
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    do_POST = do_GET = do_PUT = do_any
    def log_message(self, *a):
        pass

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
