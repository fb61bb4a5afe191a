"""A stencil fills its holes exactly as replacing each stand-in would."""

import pickle

from hypothesis import given
from hypothesis import strategies as st

from masthead.stencil import Stencil

MARKS = ["<!--slot:a-->", "<!--slot:b-->", "<!--slot:c-->"]
# Text around the marks: anything, including pieces of them.
filler = st.text(alphabet="<!-slot:abc> x\n", max_size=12)
# Values that cannot complete a mark with the text around them.
values = st.text(alphabet="xyz é", min_size=1, max_size=8)


@st.composite
def texts(draw):
    pieces = draw(st.lists(st.tuples(filler, st.sampled_from(MARKS)), max_size=8))
    return "".join(text + mark for text, mark in pieces) + draw(filler)


@given(texts(), st.lists(values, min_size=3, max_size=3))
def test_at_first_fills_like_replacing_the_first_of_each(text, filled):
    wanted = text
    for mark, value in zip(MARKS, filled, strict=True):
        wanted = wanted.replace(mark, value, 1)
    assert Stencil.at_first(text, MARKS).fill(dict(zip(MARKS, filled, strict=True))) == wanted


@given(texts(), st.lists(values, min_size=3, max_size=3))
def test_at_every_fills_like_replacing_all(text, filled):
    wanted = text
    for mark, value in zip(MARKS, filled, strict=True):
        wanted = wanted.replace(mark, value)
    assert Stencil.at_every(text, MARKS).fill(dict(zip(MARKS, filled, strict=True))) == wanted


def test_a_hole_without_a_value_keeps_its_stand_in():
    stencil = Stencil.at_first("a<!--slot:a-->b<!--slot:b-->c", MARKS)
    assert stencil.fill({"<!--slot:b-->": "B"}) == "a<!--slot:a-->bBc"
    assert Stencil.at_first("no marks", MARKS).fill({}) == "no marks"


def test_a_stencil_survives_the_shared_cache():
    stencil = Stencil.at_every("1<!--slot:a-->2<!--slot:a-->3", MARKS)
    again = pickle.loads(pickle.dumps(stencil))
    assert again.fill({"<!--slot:a-->": "-"}) == "1-2-3"
