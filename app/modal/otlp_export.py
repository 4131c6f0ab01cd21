"""OTLP/HTTP JSON export from a background thread, bounded.

Spans wait in a queue of at most MAX_QUEUE (more are dropped and counted);
every FLUSH_SECONDS the thread posts them to <endpoint>/v1/traces and the
duration histogram to <endpoint>/v1/metrics, each request giving up after
TIMEOUT_SECONDS. A failure is logged once until export works again.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
import urllib.request
from typing import Any
from urllib.parse import unquote

MAX_QUEUE = 2048
FLUSH_SECONDS = 1.0
METRICS_EVERY_SECONDS = 10.0
TIMEOUT_SECONDS = 3.0


def parse_headers(text: str) -> dict[str, str]:
    """OTEL_EXPORTER_OTLP_HEADERS: key=value pairs separated by commas, values percent-encoded."""
    headers = {}
    for member in text.split(","):
        name, equals, value = member.partition("=")
        if equals and name.strip():
            headers[name.strip().lower()] = unquote(value.strip())
    return headers


def attributes(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": key, "value": {"stringValue": str(value)}} for key, value in values.items()]


class Exporter:
    def __init__(self, endpoint: str, headers: dict[str, str], telemetry: Any) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.headers = {**headers, "content-type": "application/json"}
        self.telemetry = telemetry
        self.spans: queue.Queue[dict[str, Any]] = queue.Queue(MAX_QUEUE)
        self.dropped = 0
        self.failing = False
        self._metrics_at = 0.0
        self._stopped = threading.Event()
        threading.Thread(target=self._run, name="otlp-export", daemon=True).start()

    def add_span(self, span: dict[str, Any]) -> None:
        try:
            self.spans.put_nowait(span)
        except queue.Full:
            self.dropped += 1

    def _run(self) -> None:
        while not self._stopped.wait(FLUSH_SECONDS):
            self.flush()

    def stop(self) -> None:
        self._stopped.set()

    def flush(self) -> None:
        batch = []
        while not self.spans.empty() and len(batch) < 512:
            batch.append(self.spans.get_nowait())
        resource = {"attributes": attributes(self.telemetry.resource)}
        if batch:
            self._post("/v1/traces", {"resourceSpans": [{"resource": resource, "scopeSpans": [{"scope": {"name": "mcp-hosting"}, "spans": batch}]}]}, len(batch))
        if time.monotonic() - self._metrics_at >= METRICS_EVERY_SECONDS:
            self._metrics_at = time.monotonic()
            self._post_metrics(resource)

    def _post_metrics(self, resource: dict[str, Any]) -> None:
        histogram = self.telemetry.histogram
        points = [
            {
                "attributes": attributes(labels),
                "startTimeUnixNano": str(histogram.started_ns),
                "timeUnixNano": str(time.time_ns()),
                "count": str(point["count"]),
                "sum": point["sum"],
                "bucketCounts": [str(count) for count in point["buckets"]],
                "explicitBounds": list(histogram.bounds),
            }
            for labels, point in histogram.snapshot()
        ]
        if points:
            metric = {"name": "mcp.server.operation.duration", "unit": "s", "histogram": {"aggregationTemporality": 2, "dataPoints": points}}
            self._post("/v1/metrics", {"resourceMetrics": [{"resource": resource, "scopeMetrics": [{"scope": {"name": "mcp-hosting"}, "metrics": [metric]}]}]}, 0)

    def _post(self, path: str, payload: dict[str, Any], spans: int) -> None:
        request = urllib.request.Request(self.endpoint + path, data=json.dumps(payload).encode(), headers=self.headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                response.read()
            if self.failing:
                print(f"[telemetry] exporting to {self.endpoint} again", file=sys.stderr, flush=True)
            self.failing = False
        except Exception as error:  # noqa: BLE001 - any failure to export is reported the same way
            self.dropped += spans
            if not self.failing:
                print(
                    f"[telemetry] cannot export to {self.endpoint}{path} ({error}); telemetry is dropped until it answers, tool calls go on",
                    file=sys.stderr,
                    flush=True,
                )
            self.failing = True
