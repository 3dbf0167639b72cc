"""Schemathesis hooks for the service's contract test: how a batch body
(`application/x-ndjson`, an array in the document) goes on the wire, one
item a line, as `onus eval --batch` reads it."""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, list):
        return "".join(json.dumps(item) + "\n" for item in value).encode("utf-8")
    if isinstance(value, str):
        return value.encode("utf-8")
    return (json.dumps(value) + "\n").encode("utf-8")
