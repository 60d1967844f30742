#!/usr/bin/env python3
"""Follows the CORA change feed, resuming after the last position it handled."""
import json, pathlib, time, urllib.request

BASE = "http://127.0.0.1:8080"
HEADERS = {"X-Principal-Id": "11111111-2222-3333-4444-555555555555"}
STATE = pathlib.Path("cora-feed.position")

def handle(event):  # update a search index, mint a DOI, start an archive job ...
    print(event["position"], event["event_type"], event["stream_type"], event["stream_id"], flush=True)

after = int(STATE.read_text()) if STATE.exists() else 0
while True:
    request = urllib.request.Request(f"{BASE}/events?after={after}&limit=1000", headers=HEADERS)
    page = json.load(urllib.request.urlopen(request))
    for event in page["events"]:
        handle(event)
        after = event["position"]
        STATE.write_text(str(after))  # after handling: a crash repeats at most one event
    if not page["events"]:
        time.sleep(1)
