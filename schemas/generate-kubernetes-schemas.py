#!/usr/bin/env python3
"""Generate kubelint's bundled Kubernetes schemas.

Source: the Apache-2.0 PyPI package `kubernetes-validate` (pinned below),
whose wheel ships standalone JSON Schemas (draft 2020-12) for every
Kubernetes minor version in `kubernetes-json-schema/vX.Y.0-local-strict/`
(`additionalProperties: false` everywhere, as `kubectl --validate=strict`).

Outputs (both committed, so builds need no network):

* `kubernetes-schemas.bin` -- every version's definitions, compacted and
  zlib-compressed. Descriptions, formats and patch/list-type annotations
  are dropped (they do not change what validates); each distinct
  definition body is stored once and shared by every version that has it.
  Layout of the decompressed payload:

      KUBELINT-SCHEMAS 1\\n
      <header JSON>\\n
      <sections>

  The header gives the source, the versions and, per section, its
  [offset, length] in <sections>. The `names` section lists every
  definition name of every version as [name, apiVersion, kind] (the last
  two null unless the definition is a top-level kind); a version's section
  is a JSON array aligned with it, giving each name's pool index in that
  version (-1: absent). The `pool` section is the distinct definition
  bodies (compact JSON, `$ref`s of the form `#/$defs/NAME`) one after
  another; the `pool_index` section gives their end offsets.

* `kubernetes-api-versions.json` -- the removed and deprecated API
  versions: derived from the schemas of every version in the wheel (a
  group/version/kind that disappears from one minor version to the next is
  removed there; an alpha or beta version is deprecated once a more stable
  version of the same kind is served beside it), plus the removals before
  the oldest version in the wheel, from the Kubernetes deprecated API
  migration guide.

Usage: python3 schemas/generate-kubernetes-schemas.py [WHEEL]
Without WHEEL the pinned wheel is fetched with `pip download`.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
import zlib

PACKAGE = "kubernetes-validate"
VERSION = "1.37.0"
WHEEL = f"kubernetes_validate-{VERSION}-py3-none-any.whl"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_BIN = os.path.join(HERE, "kubernetes-schemas.bin")
OUT_APIS = os.path.join(HERE, "kubernetes-api-versions.json")

# Keywords that carry no validation meaning for kubelint.
STRIP = {
    "description",
    "format",
    "$schema",
    "$id",
    "x-kubernetes-group-version-kind",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-list-type",
    "x-kubernetes-map-type",
    "x-kubernetes-patch-merge-key",
    "x-kubernetes-patch-strategy",
    "x-kubernetes-unions",
}

# Both are `oneOf` of two types that both allow null, so `null` would match
# twice and fail `oneOf`; a plain type list says the same without that trap
# and without a cascade of branch errors.
REPLACE = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"type": ["string", "integer", "null"]},
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": ["string", "number", "null"]},
}

# Removals before the oldest version in the wheel (1.25), from the
# Kubernetes "Deprecated API Migration Guide" (removed APIs by release).
# (apiVersion, kinds, removed in, replacement apiVersion or None, note)
GUIDE_REMOVALS = [
    ("extensions/v1beta1", ["Deployment", "DaemonSet", "ReplicaSet"], 16, "apps/v1", None),
    ("apps/v1beta1", ["Deployment", "StatefulSet", "ControllerRevision"], 16, "apps/v1", None),
    ("apps/v1beta2", ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ControllerRevision"], 16, "apps/v1", None),
    ("extensions/v1beta1", ["NetworkPolicy"], 16, "networking.k8s.io/v1", None),
    ("extensions/v1beta1", ["PodSecurityPolicy"], 16, "policy/v1beta1", None),
    ("admissionregistration.k8s.io/v1beta1", ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"], 22, "admissionregistration.k8s.io/v1", None),
    ("apiextensions.k8s.io/v1beta1", ["CustomResourceDefinition"], 22, "apiextensions.k8s.io/v1", None),
    ("apiregistration.k8s.io/v1beta1", ["APIService"], 22, "apiregistration.k8s.io/v1", None),
    ("authentication.k8s.io/v1beta1", ["TokenReview"], 22, "authentication.k8s.io/v1", None),
    ("authorization.k8s.io/v1beta1", ["SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview"], 22, "authorization.k8s.io/v1", None),
    ("certificates.k8s.io/v1beta1", ["CertificateSigningRequest"], 22, "certificates.k8s.io/v1", None),
    ("coordination.k8s.io/v1beta1", ["Lease"], 22, "coordination.k8s.io/v1", None),
    ("extensions/v1beta1", ["Ingress"], 22, "networking.k8s.io/v1", None),
    ("networking.k8s.io/v1beta1", ["Ingress", "IngressClass"], 22, "networking.k8s.io/v1", None),
    ("rbac.authorization.k8s.io/v1beta1", ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"], 22, "rbac.authorization.k8s.io/v1", None),
    ("scheduling.k8s.io/v1beta1", ["PriorityClass"], 22, "scheduling.k8s.io/v1", None),
    ("storage.k8s.io/v1beta1", ["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"], 22, "storage.k8s.io/v1", None),
    ("batch/v1beta1", ["CronJob"], 25, "batch/v1", None),
    ("discovery.k8s.io/v1beta1", ["EndpointSlice"], 25, "discovery.k8s.io/v1", None),
    ("events.k8s.io/v1beta1", ["Event"], 25, "events.k8s.io/v1", None),
    ("autoscaling/v2beta1", ["HorizontalPodAutoscaler"], 25, "autoscaling/v2", None),
    ("policy/v1beta1", ["PodDisruptionBudget"], 25, "policy/v1", None),
    ("policy/v1beta1", ["PodSecurityPolicy"], 25, None,
     "PodSecurityPolicy has no replacement API: enforce the Pod Security Standards with Pod Security Admission (namespace labels pod-security.kubernetes.io/enforce) or a policy engine"),
    ("node.k8s.io/v1beta1", ["RuntimeClass"], 25, "node.k8s.io/v1", None),
]


def fetch_wheel():
    tmp = tempfile.mkdtemp()
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-d", tmp, f"{PACKAGE}=={VERSION}"],
        check=True,
    )
    return os.path.join(tmp, WHEEL)


def compact_json(value):
    return json.dumps(value, separators=(",", ":")).encode()


def minor_of(folder):
    m = re.fullmatch(r"v1\.(\d+)\.0-local-strict", folder)
    return int(m.group(1)) if m else None


def clean(node):
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k in STRIP:
                continue
            if k in ("properties", "patternProperties", "$defs"):
                out[k] = {pk: clean(pv) for pk, pv in v.items()}
            else:
                out[k] = clean(v)
        return out
    if isinstance(node, list):
        return [clean(x) for x in node]
    return node


def api_version(gvk):
    return f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]


def stability(version):
    """Sort key: GA above beta above alpha, then the numbers."""
    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not m:
        return (-1, 0, 0)
    stage = {"alpha": 0, "beta": 1, None: 2}[m.group(2)]
    return (stage, int(m.group(1)), int(m.group(3) or 0))


def group_version(av):
    return av.rsplit("/", 1) if "/" in av else ("", av)


def main():
    wheel = sys.argv[1] if len(sys.argv) > 1 else fetch_wheel()
    digest = hashlib.sha256(open(wheel, "rb").read()).hexdigest()
    z = zipfile.ZipFile(wheel)
    prefix = "kubernetes_validate/kubernetes-json-schema/"
    folders = sorted(
        {n[len(prefix):].split("/")[0] for n in z.namelist() if n.startswith(prefix)},
    )
    minors = sorted(m for m in (minor_of(f) for f in folders) if m is not None)
    license_text = z.read(f"kubernetes_validate-{VERSION}.dist-info/licenses/LICENSE").decode()
    assert "Apache License" in license_text, "expected the Apache-2.0 license"

    pool = []  # distinct definition bodies (compact JSON)
    pool_ids = {}
    names = {}  # name -> (apiVersion, kind) or (None, None)
    tables = {}  # minor -> {name: pool index}
    present = {}  # (apiVersion, kind) -> set of minors
    for minor in minors:
        raw = json.loads(z.read(f"{prefix}v1.{minor}.0-local-strict/_definitions.json"))
        defs = raw["$defs"]
        table = {}
        for name in sorted(defs):
            body = defs[name]
            gvks = body.get("x-kubernetes-group-version-kind") or []
            gvk = (None, None)
            if len(gvks) == 1:
                gvk = (api_version(gvks[0]), gvks[0]["kind"])
                present.setdefault(gvk, set()).add(minor)
            # A definition that is a kind in one version and shared by many
            # kinds in another (meta/v1 Status) is no kind.
            names[name] = gvk if names.get(name, gvk) == gvk else (None, None)
            compact = REPLACE.get(name) or clean(body)
            text = json.dumps(compact, separators=(",", ":"), sort_keys=True)
            if text not in pool_ids:
                pool_ids[text] = len(pool)
                pool.append(text)
            table[name] = pool_ids[text]
        tables[minor] = table
    order = sorted(names)
    sections = [("names", compact_json([[n, *names[n]] for n in order]))]
    for minor in minors:
        sections.append((f"1.{minor}", compact_json([tables[minor].get(n, -1) for n in order])))

    pool_bytes = b""
    ends = []
    for text in pool:
        pool_bytes += text.encode()
        ends.append(len(pool_bytes))
    sections.append(("pool_index", compact_json(ends)))
    sections.append(("pool", pool_bytes))

    offsets = {}
    body = b""
    for name, data in sections:
        offsets[name] = [len(body), len(data)]
        body += data
    header = {
        "source": {
            "package": PACKAGE,
            "version": VERSION,
            "wheel_sha256": digest,
            "license": "Apache-2.0",
        },
        "versions": [f"1.{m}" for m in minors],
        "sections": offsets,
    }
    payload = b"KUBELINT-SCHEMAS 1\n" + json.dumps(header, separators=(",", ":"), sort_keys=True).encode() + b"\n" + body
    with open(OUT_BIN, "wb") as f:
        f.write(zlib.compress(payload, 9))

    write_api_versions(present, minors, digest)
    print(
        f"{len(minors)} versions (1.{minors[0]}..1.{minors[-1]}), {len(pool)} distinct definitions, "
        f"{len(payload)} bytes -> {os.path.getsize(OUT_BIN)} bytes compressed",
    )


def write_api_versions(present, minors, digest):
    newest = minors[-1]
    by_group_kind = {}
    for (av, kind), seen in present.items():
        group, version = group_version(av)
        by_group_kind.setdefault((group, kind), []).append((version, seen))
    entries = {}
    for (av, kind), seen in present.items():
        group, version = group_version(av)
        last = max(seen)
        removed = None
        if last < newest:
            removed = min(m for m in minors if m > last)
        # The most stable other version of the kind: served when this one
        # is removed, else alongside it.
        better = [
            (stability(v), v, s)
            for v, s in by_group_kind[(group, kind)]
            if v != version and stability(v) > stability(version)
        ]
        replacement = None
        deprecated = None
        if better:
            at = removed if removed is not None else last
            alive = [b for b in better if at in b[2]] or better
            best = max(alive)
            replacement = f"{group}/{best[1]}" if group else best[1]
            overlap = sorted(seen & set().union(*(b[2] for b in better)))
            if stability(version)[0] < 2 and overlap:
                deprecated = overlap[0]
        if removed is None and deprecated is None:
            continue
        entries[(av, kind)] = {
            "apiVersion": av,
            "kind": kind,
            "deprecatedIn": f"1.{deprecated}" if deprecated is not None else None,
            "removedIn": f"1.{removed}" if removed is not None else None,
            "replacement": replacement,
            "note": None,
            "source": "schemas",
        }
    for av, kinds, removed, replacement, note in GUIDE_REMOVALS:
        for kind in kinds:
            if (av, kind) in entries:
                continue
            entries[(av, kind)] = {
                "apiVersion": av,
                "kind": kind,
                "deprecatedIn": None,
                "removedIn": f"1.{removed}",
                "replacement": replacement,
                "note": note,
                "source": "deprecation-guide",
            }
    out = {
        "description": "Removed and deprecated Kubernetes API versions, generated by generate-kubernetes-schemas.py",
        "source": {"package": PACKAGE, "version": VERSION, "wheel_sha256": digest},
        "versions": [f"1.{m}" for m in minors],
        "apis": [entries[k] for k in sorted(entries)],
    }
    with open(OUT_APIS, "w") as f:
        json.dump(out, f, indent=1, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main()
