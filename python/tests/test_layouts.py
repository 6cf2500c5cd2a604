"""Format 1.1 value layouts from Python (spec 6.5-6.7): nulls as masked
arrays and None, lists per row, chunked arrays by block. The expectations
are the inputs `tests/src/conformance.rs` wrote into
spec/conformance/layouts.gcol, spelled out here by hand."""

import pathlib

import numpy as np
import pytest

import gcol

LAYOUTS = pathlib.Path(__file__).resolve().parents[2] / "spec" / "conformance" / "layouts.gcol"

ALTS = [["A"], ["C", "T"], None, [], ["<DEL>"], ["G]1:100]"], ["A", "AT", "ATT"], None, ["*"], ["T"], ["<NON_REF>"], ["C"]]


@pytest.fixture(scope="module")
def f():
    return gcol.open(LAYOUTS)


def test_version_and_verify(f):
    assert f.version == (1, 1)
    assert f.verify()["pages"] > 0


def test_nullable_numbers_are_masked(f):
    qual = f.column("sites", "qual")
    assert isinstance(qual, np.ma.MaskedArray)
    assert qual.dtype == np.float32
    want = [1.5, None, 95.1, None, None, None, None, None, 7.0, -8.25, 9.0, 10.0]
    assert [None if m else float(v) for v, m in zip(qual.data, qual.mask)] == [
        None if w is None else float(np.float32(w)) for w in want
    ]
    assert f.validity("sites", "qual").tolist() == [w is not None for w in want]
    depth = f.column("sites", "depth", 2, 7)
    assert depth.mask.tolist() == [True, False, False, True, False]
    assert depth.compressed().tolist() == [29, 40, -1]


def test_nullable_strings_are_none(f):
    ids = f.column("sites", "id")
    assert ids == [b"rs1", None, b"rs3", b"rs3", None, None, b"rs7", b"rs8", None, b"rs10", b"rs11", None]


def test_lists(f):
    alts = f.lists("sites", "alt")
    assert alts == [None if a is None else [x.encode() for x in a] for a in ALTS]
    assert f.lists("sites", "alt", 5, 8) == [[b"G]1:100]"], [b"A", b"AT", b"ATT"], None]
    # Lists of nullable integers: masked arrays per row.
    ac = f.lists("sites", "ac")
    assert ac[1].tolist() == [3, None]
    assert ac[6].tolist() == [18, 19, 20]
    assert ac[2].tolist() == []
    # Lists of lists.
    tags = f.lists("sites", "tags")
    assert tags[0] == []
    assert tags[2] == [[b"t2.0.0"], [b"t2.1.0", b"t2.1.1"]]
    assert tags[11] == [[b"t11.0.0"], [b"t11.1.0", b"t11.1.1"]]


def genotypes():
    """The genotype array conformance.rs wrote: 5 sites x 3 samples x 2."""
    values = np.zeros((5, 3, 2), dtype=np.int8)
    mask = np.zeros((5, 3, 2), dtype=bool)
    for site in range(5):
        for sample in range(3):
            for k in range(2):
                missing = (sample == 2 and 2 <= site < 4) or (site == 0 and sample == 1 and k == 1)
                mask[site, sample, k] = missing
                values[site, sample, k] = 0 if missing else (site + sample + k) % 3
    return values, mask


def test_chunked_arrays(f):
    values, mask = genotypes()
    gt = f.array("calls", "gt")
    assert gt.shape == (5, 3, 2)
    assert (gt.mask == mask).all()
    assert (gt.filled(0) == values).all()
    # Every block agrees with the whole, at chunk edges too.
    for r0 in range(5):
        for r1 in range(r0, 6):
            for c0 in range(3):
                for c1 in range(c0, 4):
                    block = f.array("calls", "gt", rows=(r0, r1), columns=(c0, c1))
                    assert block.shape == (r1 - r0, c1 - c0, 2)
                    assert (block.filled(0) == values[r0:r1, c0:c1]).all()
                    assert (np.ma.getmaskarray(block) == mask[r0:r1, c0:c1]).all()
    dp = f.array("calls", "dp")
    assert not isinstance(dp, np.ma.MaskedArray)
    assert dp[:, :, 0].tolist() == [[10 * s + c for c in range(3)] for s in range(5)]


def test_wrong_layout_and_ranges(f):
    with pytest.raises(gcol.GcolError):
        f.lists("sites", "qual")
    with pytest.raises(gcol.GcolError):
        f.array("sites", "qual")
    with pytest.raises(IndexError):
        f.column("sites", "qual", 5, 100)
    with pytest.raises(gcol.GcolError):
        f.array("calls", "gt", rows=(0, 6))
