#!/usr/bin/env python3
"""Turn a CustomResourceDefinition (YAML, as published by its project) into strict JSON schemas.

Usage: crd2jsonschema.py OUT_DIR CRD.yaml...

Writes OUT_DIR/<group>/<kind>_<version>.json for every served version. The conversion:
- takes spec.versions[].schema.openAPIV3Schema;
- `x-kubernetes-int-or-string: true` becomes anyOf integer/string, `nullable: true` admits null;
- every object that lists `properties` and says nothing of `additionalProperties` (nor
  `x-kubernetes-preserve-unknown-fields`) gets `additionalProperties: false`: strict, like
  the API server's field validation;
- apiVersion and kind are pinned, metadata must carry a name and string labels/annotations;
- Go's inline `(?i)` flag moves to the front of a pattern, where Python's re accepts it;
- descriptions and CEL rules (`x-kubernetes-validations`, which need an API server) are
  dropped to keep the files small.
"""
import json
import os
import sys

import yaml

DROP = {"description", "x-kubernetes-validations", "example"}


def convert(node):
    if isinstance(node, list):
        return [convert(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in DROP:
            continue
        if key in ("properties", "patternProperties", "definitions"):
            out[key] = {k: convert(v) for k, v in value.items()}
        else:
            out[key] = convert(value)
    pattern = out.get("pattern")
    if isinstance(pattern, str) and "(?i)" in pattern[1:]:
        # Go accepts inline flags anywhere; Python's re only at the start.
        out["pattern"] = "(?i)" + pattern.replace("(?i)", "")
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out = {"anyOf": [{"type": "integer"}, {"type": "string"}], **out}
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    preserve = out.get("x-kubernetes-preserve-unknown-fields", False)
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


METADATA = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", "maxLength": 253},
        "namespace": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def main():
    out_dir, files = sys.argv[1], sys.argv[2:]
    for path in files:
        with open(path) as f:
            for crd in yaml.safe_load_all(f):
                if not crd or crd.get("kind") != "CustomResourceDefinition":
                    continue
                group = crd["spec"]["group"]
                kind = crd["spec"]["names"]["kind"]
                for version in crd["spec"]["versions"]:
                    if not version.get("served", True):
                        continue
                    schema = convert(version["schema"]["openAPIV3Schema"])
                    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
                    props = schema.setdefault("properties", {})
                    props["apiVersion"] = {"const": f"{group}/{version['name']}"}
                    props["kind"] = {"const": kind}
                    props["metadata"] = METADATA
                    schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind", "metadata"})
                    schema["additionalProperties"] = False
                    target = os.path.join(out_dir, group, f"{kind.lower()}_{version['name']}.json")
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with open(target, "w") as f:
                        json.dump(schema, f, indent=1, sort_keys=True)
                        f.write("\n")
                    print(f"{target}: {kind} {group}/{version['name']}")


if __name__ == "__main__":
    main()
