#!/usr/bin/env python3
"""Writes data/fabric_example_answers.json from Microsoft's Fabric REST API description.

Usage: python3 scripts/fabric_example_answers.py REFERENCE_DIR > data/fabric_example_answers.json
where REFERENCE_DIR holds microsoft/fabric-rest-api-specs (one folder per area, each with
swagger.json and examples/). Per operation it keeps only what the sandbox answers: method,
full path template (`/v1/...`), operationId, and the first example's first 2xx status and
body (examples by name, 200 or 201 preferred). Nothing else of the description is copied.
"""
import json
import os
import sys

METHODS = ("get", "put", "post", "patch", "delete")


def answer(area_dir, operation):
    """The first example's 200 or 201 answer, else its first 2xx, else the first declared 2xx."""
    found = []
    examples = operation.get("x-ms-examples") or {}
    for name in sorted(examples):
        ref = examples[name].get("$ref")
        if not ref:
            continue
        try:
            with open(os.path.join(area_dir, ref), encoding="utf-8-sig") as file:
                example = json.load(file)
        except FileNotFoundError:  # a few references name a file the description lacks
            continue
        responses = example.get("responses") or {}
        for status in sorted(responses):
            if status.startswith("2"):
                found.append((int(status), responses[status].get("body")))
    for status, body in found:
        if status in (200, 201):
            return status, body
    if found:
        return found[0]
    for status in sorted(operation.get("responses") or {}):
        if status.startswith("2"):
            return int(status), None
    return 200, None


def main(reference):
    operations = []
    for area in sorted(os.listdir(reference)):
        area_dir = os.path.join(reference, area)
        swagger_path = os.path.join(area_dir, "swagger.json")
        if not os.path.isfile(swagger_path):
            continue
        with open(swagger_path, encoding="utf-8-sig") as file:
            swagger = json.load(file)
        base = swagger.get("basePath", "/v1").rstrip("/")
        for path, item in sorted(swagger.get("paths", {}).items()):
            for method in METHODS:
                operation = item.get(method)
                if operation is None:
                    continue
                status, body = answer(area_dir, operation)
                entry = {
                    "operation_id": operation.get("operationId", ""),
                    "method": method.upper(),
                    "path": base + path,
                    "status": status,
                }
                if body is not None:
                    entry["body"] = body
                operations.append(entry)
    operations.sort(key=lambda op: (op["path"], op["method"]))
    catalogue = {
        "about": "Generated from microsoft/fabric-rest-api-specs (MIT, see THIRD-PARTY-NOTICES) by "
        "scripts/fabric_example_answers.py; do not edit.",
        "operations": operations,
    }
    json.dump(catalogue, sys.stdout, separators=(",", ":"), ensure_ascii=False, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../../../shared/reference/fabric")
