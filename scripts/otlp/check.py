"""Reads OTLP/HTTP JSON request bodies (one per line) on stdin and parses each strictly as
an ExportTraceServiceRequest, with OpenTelemetry's own protobuf definitions: an unknown
field, a wrong type or a malformed id fails. Prints the number of spans parsed.

OTLP's JSON encoding departs from protobuf's JSON mapping in one place: trace and span ids
are hex, not base64. So the ids are checked as hex and turned into base64 first."""
import base64
import json
import sys

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

IDS = {"traceId": 16, "spanId": 8, "parentSpanId": 8}


def ids_to_base64(v, where):
    if isinstance(v, dict):
        for k, x in v.items():
            if k in IDS and isinstance(x, str):
                raw = bytes.fromhex(x)  # ValueError on anything but hex
                if len(raw) != IDS[k] or not any(raw):
                    sys.exit(f"{where}: {k} {x!r} is not {IDS[k]} bytes of hex, not all zero")
                v[k] = base64.b64encode(raw).decode()
            else:
                ids_to_base64(x, where)
    elif isinstance(v, list):
        for x in v:
            ids_to_base64(x, where)


spans = 0
for n, line in enumerate(sys.stdin, 1):
    if not line.strip():
        continue
    body = json.loads(line)
    try:
        ids_to_base64(body, f"request {n}")
    except ValueError as e:
        sys.exit(f"request {n}: an id is not hex: {e}")
    req = ExportTraceServiceRequest()
    try:
        json_format.ParseDict(body, req, ignore_unknown_fields=False)
    except json_format.ParseError as e:
        sys.exit(f"request {n} is not a valid OTLP ExportTraceServiceRequest: {e}")
    spans += sum(len(ss.spans) for rs in req.resource_spans for ss in rs.scope_spans)
print(spans)
