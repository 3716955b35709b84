#!/usr/bin/env python3
"""The dependency policy of deny.toml, checked offline over `cargo metadata`, and the minimum
Rust version.

`python3 .ci/dependencies.py` (from the repository root) reads deny.toml and the resolved graph
of every feature and target (`cargo metadata --locked --all-features`), and fails when:
- a crate's license expression is not satisfied by `[licenses] allow` (SPDX: OR, AND, WITH,
  parentheses, and the old `MIT/Apache-2.0`); the workspace's unpublished crates are skipped
  as `[licenses.private] ignore = true` says;
- a crate is resolved in more than one version, after removing the reviewed versions of
  `[bans] skip` (a skip entry that matches nothing is reported, so the list stays short);
- a workspace crate declares a `rust-version` older than the newest `rust-version` any
  resolved dependency declares (the dependency would not build with it).
What it cannot check offline, cargo-deny's advisories, is `cargo deny check advisories`.
"""
import json
import re
import subprocess
import sys
import tomllib


def version_tuple(text):
    """`1.89` and `1.89.0` alike, as (1, 89, 0)."""
    parts = [int(part) for part in re.findall(r"\d+", text or "0")]
    return tuple((parts + [0, 0, 0])[:3])


def license_allowed(expression, allowed):
    """Whether the SPDX expression can be satisfied using only allowed licenses."""
    tokens = re.findall(r"\(|\)|[^\s()/]+|/", expression)
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else None

    def take():
        nonlocal position
        position += 1
        return tokens[position - 1]

    def primary():
        if peek() == "(":
            take()
            value = either()
            if take() != ")":
                raise ValueError("unbalanced parentheses")
            return value
        name = take().rstrip("+")
        if peek() == "WITH":
            take()
            name = f"{name} WITH {take()}"
        return name in allowed

    def both():
        value = primary()
        while peek() == "AND":
            take()
            value = primary() and value
        return value

    def either():
        value = both()
        while peek() in ("OR", "/"):
            take()
            value = both() or value
        return value

    result = either()
    if peek() is not None:
        raise ValueError(f"unexpected {peek()!r}")
    return result


def main():
    policy = tomllib.load(open("deny.toml", "rb"))
    metadata = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--locked", "--all-features", "--format-version", "1"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    workspace = set(metadata["workspace_members"])
    packages = metadata["packages"]
    problems = []

    # Licenses.
    allowed = set(policy["licenses"]["allow"])
    ignore_private = policy["licenses"].get("private", {}).get("ignore", False)
    used = set()
    for package in packages:
        private = package["id"] in workspace and package.get("publish") == []
        if private and ignore_private:
            continue
        expression = package.get("license")
        name = f"{package['name']} {package['version']}"
        if not expression:
            problems.append(f"license: {name} declares no SPDX license expression")
            continue
        try:
            ok = license_allowed(expression, allowed)
        except (ValueError, IndexError) as error:
            problems.append(f"license: {name}: cannot read {expression!r}: {error}")
            continue
        if not ok:
            problems.append(f"license: {name} is {expression!r}, not within deny.toml's allow list")
        used.add(expression)
    print(f"licenses: {len(used)} distinct expressions, all within: {', '.join(sorted(allowed))}")

    # Duplicate versions.
    skipped = set()
    for entry in policy["bans"].get("skip", []):
        spec = entry["crate"] if isinstance(entry, dict) else entry
        skipped.add(spec)
    versions = {}
    for package in packages:
        versions.setdefault(package["name"], set()).add(package["version"])
    matched = set()
    for name, found in sorted(versions.items()):
        kept = {version for version in found if f"{name}@{version}" not in skipped}
        matched |= {f"{name}@{version}" for version in found} & skipped
        if len(kept) > 1:
            problems.append(
                f"duplicate: {name} is resolved in versions {', '.join(sorted(kept, key=version_tuple))}; "
                "unify them, or review and add the older to deny.toml's [bans] skip with a reason"
            )
        elif len(found) > 1:
            print(f"duplicate (reviewed in deny.toml): {name} {', '.join(sorted(found, key=version_tuple))}")
    for stale in sorted(skipped - matched):
        print(f"note: deny.toml skips {stale}, which is no longer resolved: remove it")

    # Minimum Rust version.
    dependencies = [p for p in packages if p["id"] not in workspace and p.get("rust_version")]
    newest = max(dependencies, key=lambda p: version_tuple(p["rust_version"]))
    needed = version_tuple(newest["rust_version"])
    for package in packages:
        if package["id"] not in workspace:
            continue
        declared = package.get("rust_version")
        if not declared:
            problems.append(f"rust-version: {package['name']} declares none")
        elif version_tuple(declared) < needed:
            problems.append(
                f"rust-version: {package['name']} declares {declared}, but {newest['name']} "
                f"{newest['version']} needs {newest['rust_version']}: raise [workspace.package] "
                "rust-version (a minor release, said in CHANGELOG.md)"
            )
    print(
        f"rust-version: the newest a dependency declares is {newest['rust_version']} "
        f"({newest['name']} {newest['version']})"
    )

    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
