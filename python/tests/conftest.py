"""Shared fixtures: real data from ../shared/data (or $GCOL_TEST_DATA),
converted once per session."""

import gzip
import os
import pathlib

import pytest

import gcol

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(os.environ.get("GCOL_TEST_DATA", ROOT.parent / "shared" / "data"))


def skipped(what):
    """Skip a test that cannot run `what`; with GCOL_REQUIRE_DATA=1 (as
    .ci/run sets) fail it instead, and log it for scripts/test.sh's summary."""
    if os.environ.get("GCOL_REQUIRE_DATA") == "1":
        pytest.fail(f"cannot run {what}, and GCOL_REQUIRE_DATA=1 requires it")
    log = os.environ.get("GCOL_SKIP_LOG")
    if log:
        with builtins_open(log, "a") as f:
            f.write(f"python: {what}\n")
    pytest.skip(f"SKIPPED: {what}")


builtins_open = open


def need(relative):
    path = DATA / relative
    if not path.exists():
        skipped(f"{path} not found (set GCOL_TEST_DATA)")
    return path


def need_module(name):
    """Import a peer module, or skip (fail under GCOL_REQUIRE_DATA=1)."""
    try:
        return __import__(name, fromlist=["_"])
    except ImportError:
        skipped(f"python module {name} not installed")


def plain_copy(source, directory):
    """A decompressed copy of a (gzip/BGZF) file, for peers that need one."""
    target = directory / source.name.removesuffix(".gz")
    if not target.exists():
        if source.suffix == ".gz":
            with gzip.open(source) as f:
                raw = f.read()
        else:
            raw = source.read_bytes()
        target.write_bytes(raw)
    return target


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("gcol")


@pytest.fixture(scope="session")
def converted(workdir):
    """name -> (path of .gcol, path of the plain source)"""
    cache = {}

    def get(relative, **options):
        key = (relative, tuple(sorted(options.items())))
        if key not in cache:
            source = need(relative)
            suffix = "".join(f"_{k}_{v}" for k, v in sorted(options.items()))
            out = workdir / (source.name.replace(".", "_") + suffix + ".gcol")
            gcol.convert([source], out, names=["x"], **options)
            cache[key] = (out, plain_copy(source, workdir))
        return cache[key]

    return get
