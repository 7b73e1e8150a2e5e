"""Shared fixtures: the repository's rule file and seed unit, and the CLI's own output to
compare with (the `jixiao` binary: $JIXIAO_BIN, else target/{release,debug}/jixiao, else
built with cargo)."""

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import jixiao

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "rules" / "yueyang-2021.jx"
SEED = ROOT / "examples" / "yueyang-2021" / "chengguan-zhifa.toml"
UNITS_CSV = ROOT / "examples" / "yueyang-2021" / "units.csv"
SCHEMA = ROOT / "docs" / "schema" / "evaluation.schema.json"


def _cli() -> str:
    given = os.environ.get("JIXIAO_BIN")
    if given:
        return given
    targets = [Path(os.environ["CARGO_TARGET_DIR"])] if os.environ.get("CARGO_TARGET_DIR") else []
    targets.append(ROOT / "target")
    for target in targets:
        for profile in ("release", "debug"):
            exe = target / profile / "jixiao"
            if exe.exists():
                return str(exe)
    cargo = shutil.which("cargo")
    if cargo is None:
        pytest.fail("找不到 jixiao 命令行程序：设置 JIXIAO_BIN，或先 cargo build -p jixiao-cli")
    subprocess.run([cargo, "build", "-q", "-p", "jixiao-cli"], cwd=ROOT, check=True)
    return str((targets[0] if targets else ROOT / "target") / "debug" / "jixiao")


@pytest.fixture(scope="session")
def cli():
    exe = _cli()

    def run(*args: str) -> str:
        done = subprocess.run([exe, *args], cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
        assert done.returncode == 0, done.stderr
        return done.stdout

    return run


@pytest.fixture(scope="session")
def rules():
    return jixiao.Rules.load(str(RULES))


@pytest.fixture()
def seed():
    with open(SEED, "rb") as f:
        return tomllib.load(f)


@pytest.fixture(scope="session")
def schema():
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


EXACT_REFS = {"#/$defs/exact", "#/$defs/exactOrNull", "#/$defs/decimalOrNull"}


def _resolve(schema, node):
    if "$ref" in node and node["$ref"] not in EXACT_REFS:
        name = node["$ref"].rsplit("/", 1)[1]
        return schema["$defs"][name]
    return node


def exact_of(text: str):
    """The exact number a contract string writes, independently of the package."""
    if "/" in text:
        n, d = text.split("/")
        return Fraction(int(n), int(d))
    return Decimal(text)


def convert_by_schema(schema, value, node=None):
    """The CLI's JSON with every string the schema marks exact turned into Decimal/Fraction:
    what the package must return. Driven by the schema file, not by the package's code."""
    node = _resolve(schema, schema if node is None else node)
    if node.get("$ref") in EXACT_REFS:
        return None if value is None else exact_of(value)
    if "oneOf" in node:
        for option in node["oneOf"]:
            if option.get("type") == "null" and value is None:
                return None
        options = [o for o in node["oneOf"] if o.get("type") != "null"]
        return convert_by_schema(schema, value, options[0]) if options else value
    if isinstance(value, dict):
        props = node.get("properties", {})
        extra = node.get("additionalProperties")
        out = {}
        for k, v in value.items():
            child = props.get(k, extra if isinstance(extra, dict) else {})
            out[k] = convert_by_schema(schema, v, child)
        return out
    if isinstance(value, list):
        return [convert_by_schema(schema, v, node.get("items", {})) for v in value]
    return value


def without_data_provenance(evaluation):
    """The data file's name and hash: the CLI's are of the file, the package's of no file."""
    out = dict(evaluation)
    out["provenance"] = {k: v for k, v in evaluation["provenance"].items() if not k.startswith("data_")}
    return out
