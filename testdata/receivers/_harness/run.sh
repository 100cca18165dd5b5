#!/bin/bash
# Records what Alertmanager 0.25 sends: recorder on 19871, Alertmanager on 19872.
set -e
H=$(dirname "$0")
OUT=$1
rm -rf "$OUT" data; mkdir -p "$OUT" data
python3 $H/recorder.py 19871 "$OUT" & REC=$!
for i in $(seq 50); do curl -s http://127.0.0.1:19871/ready >/dev/null && break; sleep 0.1; done
rm -rf "$OUT"/ready "$OUT"/root
prometheus-alertmanager --config.file=$H/am.yml --storage.path=data --web.listen-address=127.0.0.1:19872 \
  --cluster.listen-address= --web.external-url=http://am.example.org:9093 --log.level=debug 2> am.log & AM=$!
trap 'kill $AM $REC' EXIT
for i in $(seq 50); do curl -sf http://127.0.0.1:19872/-/ready >/dev/null && break; sleep 0.2; done
post() { # $1 = endsAt or empty
  kinds="pagerduty_v2 opsgenie victorops sns telegram telegram_html discord webex wechat"
  body="["
  for k in $kinds; do for inst in host-a:9100 host-b:9100; do
    ends=""; [ -n "$1" ] && ends=",\"endsAt\":\"$1\""
    body="$body{\"labels\":{\"alertname\":\"DiskFull\",\"kind\":\"$k\",\"instance\":\"$inst\",\"severity\":\"critical\"},\"annotations\":{\"summary\":\"Disk almost full on $inst\",\"description\":\"Only 3% left\"},\"generatorURL\":\"http://prometheus.example.org/graph?g0.expr=up\",\"startsAt\":\"2024-05-01T10:00:00Z\"$ends},"
  done; done
  body="${body%,}]"
  curl -sf -XPOST -H 'Content-Type: application/json' --data "$body" http://127.0.0.1:19872/api/v2/alerts
}
post ""
sleep 6
post "2024-05-01T10:30:00Z"
sleep 8
