#!/usr/bin/env python3
"""Records what the real Alertmanager sends, for triage's Go-template tests.

Starts a local HTTP recorder and an SMTP sink (aiosmtpd) on 127.0.0.1, writes an
Alertmanager configuration whose receivers all point at them, starts
`prometheus-alertmanager` on 127.0.0.1, posts fixed alerts through /api/v2/alerts and
saves what arrived:

  testdata/go_template/conformance/expected.json  one output per case of cases.txt
                                                 (text cases through a slack_configs `text`,
                                                 html cases through an email_configs `html`;
                                                 "<<ERROR>>" when Alertmanager sent nothing
                                                 because the template failed)
  testdata/go_template/defaults/<kind>.<n>.json|eml  every default-text notification

Usage: scripts/go_template/record_goldens.py [path/to/prometheus-alertmanager]
"""
import email
import email.policy
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "testdata", "go_template")
EXTERNAL_URL = "http://alertmanager.example.org:9093"
CONFORMANCE_RECEIVER = "team-x.ops"
DEFAULTS_RECEIVER = "defaults"

received = []  # (kind, path, body bytes)
mails = []
lock = threading.Lock()


class Recorder(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        with lock:
            received.append((self.command, self.path, body))
        if "gettoken" in self.path:
            out = b'{"errcode":0,"access_token":"tok","expires_in":7200}'
        elif self.path.startswith("/wechat"):
            out = b'{"errcode":0,"errmsg":"ok"}'
        elif self.path.startswith("/telegram"):
            out = b'{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"}}}'
        elif self.path.startswith("/sns"):
            out = (b'<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
                   b"<PublishResult><MessageId>1</MessageId></PublishResult>"
                   b"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>")
        elif self.path.startswith("/opsgenie"):
            out = b'{"result":"ok","took":0,"requestId":"r"}'
        else:
            out = b'{"status":"success","ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "text/xml" if self.path.startswith("/sns") else "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_POST = _answer
    do_GET = _answer
    do_PUT = _answer


class Server(ThreadingHTTPServer):
    request_queue_size = 512
    daemon_threads = True


class MailSink:
    async def handle_DATA(self, server, session, envelope):
        with lock:
            mails.append(envelope.content)
        return "250 OK"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def read_cases():
    cases = []
    with open(os.path.join(OUT, "conformance", "cases.txt"), encoding="utf-8") as f:
        text = f.read()
    for block in text.split("=== ")[1:]:
        head, _, body = block.partition("\n")
        parts = head.split()
        cases.append({"name": parts[0], "html": "html" in parts[1:], "template": body[:-1] if body.endswith("\n") else body})
    return cases


def config(http_port, smtp_port, cases):
    base = f"http://127.0.0.1:{http_port}"
    slack_cases = []
    email_cases = []
    for c in cases:
        if c["html"]:
            email_cases.append({
                "to": "case@example.org", "from": "am@example.org", "smarthost": f"127.0.0.1:{smtp_port}",
                "require_tls": False, "headers": {"Subject": c["name"]}, "html": c["template"], "text": "",
                "send_resolved": True,
            })
        else:
            slack_cases.append({
                "api_url": f"{base}/case", "channel": c["name"], "text": c["template"],
                "title": "", "title_link": "", "fallback": "", "username": "", "send_resolved": True,
            })
    defaults = {
        "name": DEFAULTS_RECEIVER,
        "slack_configs": [{"api_url": f"{base}/slack", "send_resolved": True}],
        "pagerduty_configs": [
            {"url": f"{base}/pagerduty-v2", "routing_key": "rk", "send_resolved": True},
        ],
        "opsgenie_configs": [{"api_url": f"{base}/opsgenie/", "api_key": "k", "send_resolved": True}],
        "wechat_configs": [{"api_url": f"{base}/wechat/", "corp_id": "c", "api_secret": "s", "to_user": "u", "send_resolved": True}],
        "victorops_configs": [{"api_url": f"{base}/victorops/", "api_key": "k", "routing_key": "r", "send_resolved": True}],
        "telegram_configs": [{"api_url": f"{base}/telegram", "bot_token": "t", "chat_id": 1, "send_resolved": True}],
        "discord_configs": [{"webhook_url": f"{base}/discord", "send_resolved": True}],
        "webex_configs": [{"api_url": f"{base}/webex", "room_id": "r", "http_config": {"authorization": {"credentials": "c"}}, "send_resolved": True}],
        "sns_configs": [{"api_url": f"{base}/sns", "topic_arn": "arn:aws:sns:us-east-1:123456789012:t",
                         "sigv4": {"region": "us-east-1", "access_key": "AK", "secret_key": "SK"}, "send_resolved": True}],
        "email_configs": [{"to": "defaults@example.org", "from": "am@example.org", "smarthost": f"127.0.0.1:{smtp_port}",
                           "require_tls": False, "send_resolved": True}],
    }
    return {
        "global": {"resolve_timeout": "5m"},
        "route": {
            "receiver": DEFAULTS_RECEIVER, "group_by": ["alertname", "suite"],
            "group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h",
            "routes": [{"receiver": CONFORMANCE_RECEIVER, "matchers": ['suite="conformance"']}],
        },
        "receivers": [{"name": CONFORMANCE_RECEIVER, "slack_configs": slack_cases, "email_configs": email_cases}, defaults],
    }


def alerts(suite, alertname):
    gen = "http://prometheus.example.org:9090/graph?g0.expr=up&g0.tab=1"
    common = {"alertname": alertname, "suite": suite, "job": "node", "site": "T2_CH_CERN"}
    return [
        {"labels": {**common, "instance": "node1:9100", "severity": "critical", "mountpoint": "/data"},
         "annotations": {"summary": 'Disk <full> & "quoted" it\'s', "description": "Only 3% left",
                         "runbook_url": "https://runbooks.example.org/disk?x=1&y=2"},
         "startsAt": "2026-01-02T03:04:05.123456789Z", "endsAt": "2099-01-01T00:00:00Z", "generatorURL": gen},
        {"labels": {**common, "instance": "node2:9100", "severity": "warning"},
         "annotations": {"summary": "Disk filling", "description": "Only 3% left"},
         "startsAt": "2026-01-02T03:05:00Z", "generatorURL": gen},
        {"labels": {**common, "instance": "node3:9100", "severity": "warning"},
         "annotations": {"summary": "Disk was full", "description": "Only 3% left"},
         "startsAt": "2026-01-02T02:00:00Z", "endsAt": "2026-01-02T05:00:00.5Z", "generatorURL": gen},
    ]


def single(suite, alertname):
    return [{"labels": {"alertname": alertname, "suite": suite, "instance": "db1:5432", "job": "postgres"},
             "annotations": {"summary": "Replication lag high"},
             "startsAt": "2026-03-04T05:06:07Z", "generatorURL": "http://prometheus.example.org:9090/graph"}]


def wait_quiet():
    """Waits until nothing new arrived for 5 s (failed cases never arrive)."""
    last, quiet = -1, 0
    while quiet < 10:
        time.sleep(0.5)
        with lock:
            now = len(received) + len(mails)
        quiet = quiet + 1 if now == last else 0
        last = now


def post(port, payload):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v2/alerts", data=json.dumps(payload).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(req, timeout=5).read()


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "prometheus-alertmanager"
    cases = read_cases()
    http_port, smtp_port, am_port = free_port(), free_port(), free_port()
    server = Server(("127.0.0.1", http_port), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    smtp = Controller(MailSink(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    work = tempfile.mkdtemp(prefix="am-goldens-")
    cfg = os.path.join(work, "alertmanager.yml")
    with open(cfg, "w") as f:
        json.dump(config(http_port, smtp_port, cases), f, indent=1)
    log = open(os.path.join(work, "am.log"), "w")
    am = subprocess.Popen([binary, f"--config.file={cfg}", f"--storage.path={work}/data",
                           f"--web.listen-address=127.0.0.1:{am_port}", "--cluster.listen-address=", "--log.level=debug",
                           f"--web.external-url={EXTERNAL_URL}"], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{am_port}/-/ready", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        post(am_port, alerts("conformance", "DiskFull") + alerts("defaults", "DiskFull") + single("defaults", "ReplicationLag"))
        wait_quiet()
        # Then ReplicationLag resolves: a notification with only resolved alerts.
        resolved = single("defaults", "ReplicationLag")
        resolved[0]["endsAt"] = "2026-03-04T06:00:00Z"
        post(am_port, resolved)
        wait_quiet()
    finally:
        am.terminate()
        am.wait(10)
        smtp.stop()
        server.shutdown()
    save(cases)
    print("work dir (config, log):", work)


def save(cases):
    expected = {}
    for method, path, body in received:
        if path == "/case":
            msg = json.loads(body)
            expected[msg["channel"]] = msg["attachments"][0]["text"]
    defaults_dir = os.path.join(OUT, "defaults")
    os.makedirs(defaults_dir, exist_ok=True)
    for f in os.listdir(defaults_dir):
        os.remove(os.path.join(defaults_dir, f))
    counts = {}
    for method, path, body in received:
        if path == "/case":
            continue
        kind = path.strip("/").split("/")[0].split("?")[0] or "root"
        if method == "GET":
            continue
        counts[kind] = counts.get(kind, 0) + 1
        ext = "txt" if kind == "sns" else "json"
        with open(os.path.join(defaults_dir, f"{kind}.{counts[kind]}.{ext}"), "wb") as f:
            if ext == "json":
                f.write(json.dumps(json.loads(body), indent=1, sort_keys=True, ensure_ascii=False).encode() + b"\n")
            else:
                f.write(body)
    n = 0
    for raw in mails:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        subject = str(msg["Subject"])
        html = msg.get_body(("html",))
        content = html.get_content() if html is not None else ""
        if subject in {c["name"] for c in cases}:
            expected[subject] = content
        else:
            n += 1
            with open(os.path.join(defaults_dir, f"email.{n}.html"), "w", encoding="utf-8") as f:
                f.write(content)
            with open(os.path.join(defaults_dir, f"email.{n}.subject"), "w", encoding="utf-8") as f:
                f.write(subject)
            text = msg.get_body(("plain",))
            if text is not None:
                with open(os.path.join(defaults_dir, f"email.{n}.txt"), "w", encoding="utf-8") as f:
                    f.write(text.get_content())
    for c in cases:
        expected.setdefault(c["name"], "<<ERROR>>")
    with open(os.path.join(OUT, "conformance", "expected.json"), "w", encoding="utf-8") as f:
        json.dump({c["name"]: expected[c["name"]] for c in cases}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{len(cases)} cases, {sum(1 for v in expected.values() if v == '<<ERROR>>')} errors; defaults:", counts, "mails:", n)


if __name__ == "__main__":
    main()
