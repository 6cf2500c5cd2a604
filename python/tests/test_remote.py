"""Remote files (issue 17): `gcol.open("http://...")` reads a .gcol served
by a local server that counts requests, with results equal to the local
file's and to pyfaidx on the source FASTA; two requests at open, each page
once; errors as Python exceptions naming the URL."""

import shutil

import numpy as np
import pytest

import gcol
from conftest import need_module
from range_server import RangeServer

CONFORMANCE = __import__("pathlib").Path(__file__).resolve().parents[2] / "spec" / "conformance"


@pytest.fixture()
def server(tmp_path):
    with RangeServer(tmp_path) as srv:
        srv.root = tmp_path
        yield srv


def test_sequences_over_http_equal_local_and_pyfaidx(server, converted):
    pyfaidx = need_module("pyfaidx")
    path, fasta = converted("fasta/scerevisiae_S288C_R64_16chr.fa.gz")
    shutil.copy(path, server.root / "yeast.gcol")
    server.reset()
    f = gcol.open(server.url("yeast.gcol"), cache=gcol.PageCache(64 << 20))
    assert server.requests == 2
    assert f.remote_stats == {"requests": 2, "bytes": server.bytes}
    local = gcol.open(path)
    assert f.datasets == local.datasets
    assert f.manifest == local.manifest
    seqs, here = f["x"], local["x"]
    peer = pyfaidx.Fasta(str(fasta), sequence_always_upper=False)
    for name, start, end in [("BK006935.2", 0, 230218), ("BK006938.2", 1000, 9000), ("BK006949.2", 500_000, 600_000)]:
        got = seqs.fetch(name, start, end)
        assert got == here.fetch(name, start, end)
        assert got == str(peer[name][start:end])
    # Again: nothing fetched.
    before = server.requests
    seqs.fetch("BK006938.2", 1000, 9000)
    assert server.requests == before
    ranges = [r for _, _, r, _ in server.log if r]
    assert len(ranges) == len(set(ranges)), "a range was asked for twice"
    assert f.remote_stats["requests"] == server.requests
    assert server.bytes < path.stat().st_size / 2


def test_every_kind_reads_over_http(server, tmp_path):
    pa = need_module("pyarrow")
    for name in ["variants.gcol", "features.gcol", "graph.gcol", "alignments.gcol", "layouts.gcol"]:
        shutil.copy(CONFORMANCE / name, server.root / name)
        remote, local = gcol.open(server.url(name)), gcol.open(CONFORMANCE / name)
        for d in local.datasets:
            assert remote.content_hash(d) == local.content_hash(d), (name, d)
        assert remote.verify(deep=True)["pages"] == local.verify(deep=True)["pages"]
    v = gcol.open(server.url("variants.gcol"))["calls"]
    lv = gcol.open(CONFORMANCE / "variants.gcol")["calls"]
    assert v.sites().equals(lv.sites())
    np.testing.assert_array_equal(v.genotypes(), lv.genotypes())
    v.to_vcf(tmp_path / "remote.vcf")
    lv.to_vcf(tmp_path / "local.vcf")
    assert (tmp_path / "remote.vcf").read_bytes() == (tmp_path / "local.vcf").read_bytes()
    t = gcol.open(server.url("features.gcol"))["gff3"]
    assert isinstance(t, gcol.Table)
    assert pa.table(t).equals(pa.table(gcol.open(CONFORMANCE / "features.gcol")["gff3"]))
    g = gcol.open(server.url("graph.gcol"))["signal"]
    assert pa.table(g).equals(pa.table(gcol.open(CONFORMANCE / "graph.gcol")["signal"]))


def test_remote_errors_are_python_exceptions(server):
    with pytest.raises(FileNotFoundError, match="404"):
        gcol.open(server.url("missing.gcol"))
    (server.root / "x.fa").write_bytes(b">x\nACGT\n")
    with pytest.raises(gcol.CorruptFileError):
        gcol.open(server.url("x.fa"))
    with pytest.raises(OSError, match="127.0.0.1:1/"):
        gcol.open("http://127.0.0.1:1/x.gcol")
    local = gcol.open(CONFORMANCE / "tables.gcol")
    assert local.remote_stats is None


def test_copy_of_a_url_is_a_verified_download(server, tmp_path):
    shutil.copy(CONFORMANCE / "features.gcol", server.root / "features.gcol")
    out = tmp_path / "out"
    out.mkdir()
    gcol.copy(server.url("features.gcol"), out / "features.gcol")
    assert (out / "features.gcol").read_bytes() == (CONFORMANCE / "features.gcol").read_bytes()


@pytest.fixture()
def s3(monkeypatch):
    """A local S3-compatible server (moto) with bucket ``gcol-test``; the
    environment points gcol at it as it would at AWS."""
    need_module("moto")
    boto3 = need_module("boto3")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ENDPOINT": f"http://{host}:{port}",
        "AWS_ALLOW_HTTP": "true",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    client = boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="gcol-test")
    try:
        yield client
    finally:
        server.stop()


def test_s3_objects_read_as_local_files(s3, tmp_path):
    pa = need_module("pyarrow")
    for name in ["sequences_dna.gcol", "variants.gcol", "features.gcol", "graph.gcol", "alignments.gcol"]:
        s3.put_object(Bucket="gcol-test", Key=name, Body=(CONFORMANCE / name).read_bytes())
        remote = gcol.open(f"s3://gcol-test/{name}", cache=gcol.PageCache(1 << 20))
        local = gcol.open(CONFORMANCE / name)
        assert remote.manifest == local.manifest
        for d in local.datasets:
            assert remote.content_hash(d) == local.content_hash(d), (name, d)
        assert remote.verify(deep=True)["pages"] == local.verify(deep=True)["pages"]
        assert remote.remote_stats["requests"] >= 1
    seqs = gcol.open("s3://gcol-test/sequences_dna.gcol")["dna"]
    here = gcol.open(CONFORMANCE / "sequences_dna.gcol")["dna"]
    assert seqs.fetch("lambda_5k", 100, 900) == here.fetch("lambda_5k", 100, 900)
    t = gcol.open("s3://gcol-test/features.gcol")["gff3"]
    assert pa.table(t).equals(pa.table(gcol.open(CONFORMANCE / "features.gcol")["gff3"]))
    gcol.copy("s3://gcol-test/variants.gcol", tmp_path / "v.gcol")
    assert (tmp_path / "v.gcol").read_bytes() == (CONFORMANCE / "variants.gcol").read_bytes()
    with pytest.raises(FileNotFoundError, match="404"):
        gcol.open("s3://gcol-test/missing.gcol")
