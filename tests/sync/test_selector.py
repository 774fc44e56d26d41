"""Mango selectors as ``_changes?filter=_selector`` applies them (CouchDB's mango_selector.erl)."""

from __future__ import annotations

from typing import Any

import pytest

from sync import selector
from sync.errors import CouchError

DOC = {
    "_id": "p1", "type": "person", "name": "Ada", "age": 36, "score": 2.5, "active": True,
    "nick": None, "tags": ["a", "b", "c"], "empty": [], "address": {"city": "Kassel", "zip": "34117"},
    "visits": [{"day": 1, "hours": 2}, {"day": 2, "hours": 5}], "dotted.key": "yes", "neg": -7,
}

CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("empty selector matches all", {}, True),
    ("implicit $eq", {"type": "person"}, True),
    ("implicit $eq fails", {"type": "event"}, False),
    ("implicit $and", {"type": "person", "age": 36}, True),
    ("implicit $and, one fails", {"type": "person", "age": 37}, False),
    ("$eq number int vs float", {"age": {"$eq": 36.0}}, True),
    ("$eq true is not 1", {"active": {"$eq": 1}}, False),
    ("$eq null", {"nick": None}, True),
    ("$eq array equals only an equal array", {"tags": "a"}, False),
    ("$eq whole array", {"tags": {"$eq": ["a", "b", "c"]}}, True),
    ("$eq whole object", {"address": {"$eq": {"city": "Kassel", "zip": "34117"}}}, True),
    ("$ne", {"type": {"$ne": "event"}}, True),
    ("$ne on a missing field is false", {"missing": {"$ne": 1}}, False),
    ("$gt", {"age": {"$gt": 30}}, True),
    ("$gte equal", {"age": {"$gte": 36}}, True),
    ("$lt", {"age": {"$lt": 36}}, False),
    ("$lte", {"score": {"$lte": 2.5}}, True),
    ("range in one object", {"age": {"$gt": 30, "$lt": 40}}, True),
    ("range in one object fails", {"age": {"$gt": 30, "$lt": 35}}, False),
    ("collation: strings sort after numbers", {"name": {"$gt": 1000}}, True),
    ("collation: null sorts first", {"nick": {"$lt": False}}, True),
    ("$gt on a missing field", {"missing": {"$gt": 0}}, False),
    ("$in scalar", {"type": {"$in": ["event", "person"]}}, True),
    ("$in none", {"type": {"$in": ["event"]}}, False),
    ("$in array field: any element", {"tags": {"$in": ["z", "b"]}}, True),
    ("$nin", {"type": {"$nin": ["event"]}}, True),
    ("$nin hit", {"tags": {"$nin": ["c"]}}, False),
    ("$nin on a missing field is false", {"missing": {"$nin": [1]}}, False),
    ("$exists true", {"nick": {"$exists": True}}, True),
    ("$exists false on present", {"nick": {"$exists": False}}, False),
    ("$exists false on missing", {"missing": {"$exists": False}}, True),
    ("$type string", {"name": {"$type": "string"}}, True),
    ("$type number", {"score": {"$type": "number"}}, True),
    ("$type boolean is not number", {"active": {"$type": "number"}}, False),
    ("$type null", {"nick": {"$type": "null"}}, True),
    ("$type array", {"tags": {"$type": "array"}}, True),
    ("$type object", {"address": {"$type": "object"}}, True),
    ("$and", {"$and": [{"type": "person"}, {"age": {"$gt": 1}}]}, True),
    ("$and fails", {"$and": [{"type": "person"}, {"age": {"$gt": 100}}]}, False),
    ("$or", {"$or": [{"type": "event"}, {"name": "Ada"}]}, True),
    ("$or fails", {"$or": [{"type": "event"}, {"name": "Bob"}]}, False),
    ("$nor", {"$nor": [{"type": "event"}, {"name": "Bob"}]}, True),
    ("$nor fails", {"$nor": [{"type": "event"}, {"name": "Ada"}]}, False),
    ("$not", {"$not": {"type": "event"}}, True),
    ("$not on a field", {"age": {"$not": {"$gt": 40}}}, True),
    ("$not of a missing field", {"$not": {"missing": 1}}, True),
    ("$all", {"tags": {"$all": ["c", "a"]}}, True),
    ("$all missing element", {"tags": {"$all": ["a", "z"]}}, False),
    ("$all on a non-array", {"name": {"$all": ["Ada"]}}, False),
    ("$elemMatch with fields", {"visits": {"$elemMatch": {"day": 2, "hours": {"$gt": 4}}}}, True),
    ("$elemMatch needs one element for all", {"visits": {"$elemMatch": {"day": 1, "hours": 5}}}, False),
    ("$elemMatch on the element itself", {"tags": {"$elemMatch": {"$eq": "b"}}}, True),
    ("$allMatch", {"visits": {"$allMatch": {"hours": {"$gt": 1}}}}, True),
    ("$allMatch fails", {"visits": {"$allMatch": {"hours": {"$gt": 2}}}}, False),
    ("$size", {"tags": {"$size": 3}}, True),
    ("$size empty", {"empty": {"$size": 0}}, True),
    ("$size wrong", {"tags": {"$size": 2}}, False),
    ("$regex searches", {"name": {"$regex": "^A.a$"}}, True),
    ("$regex case", {"name": {"$regex": "(?i)ada"}}, True),
    ("$regex on a non-string", {"age": {"$regex": "3"}}, False),
    ("$mod", {"age": {"$mod": [5, 1]}}, True),
    ("$mod of a negative number keeps its sign, as Erlang's rem", {"neg": {"$mod": [5, -2]}}, True),
    ("$beginsWith", {"name": {"$beginsWith": "Ad"}}, True),
    ("dotted path", {"address.city": "Kassel"}, True),
    ("nested object is a path", {"address": {"city": "Kassel"}}, True),
    ("nested object path fails", {"address": {"city": "Berlin"}}, False),
    ("escaped dot is part of the name", {"dotted\\.key": "yes"}, True),
    ("numeric segment indexes an array", {"visits.1.hours": 5}, True),
    ("index out of range is missing", {"visits.9.hours": {"$exists": False}}, True),
    ("path through a scalar is missing", {"name.first": {"$exists": True}}, False),
    ("$_id", {"_id": {"$gt": "p"}}, True),
]


@pytest.mark.parametrize(("name", "query", "expected"), CASES, ids=[case[0] for case in CASES])
def test_matches(name: str, query: dict[str, Any], expected: bool) -> None:
    assert selector.parse(query).matches(DOC) is expected


INVALID: list[tuple[Any, str]] = [
    ([], "Selector error: expected a JSON object"),
    ("type", "Selector error: expected a JSON object"),
    ({"a": {"$foo": 1}}, "Invalid operator: $foo"),
    ({"$where": "1"}, "Invalid operator: $where"),
    ({"$and": {"a": 1}}, "Bad argument for operator $and"),
    ({"$or": [1]}, "Bad argument for operator $or"),
    ({"$not": [{"a": 1}]}, "Bad argument for operator $not"),
    ({"a": {"$in": 1}}, "Bad argument for operator $in"),
    ({"a": {"$nin": "x"}}, "Bad argument for operator $nin"),
    ({"a": {"$all": {}}}, "Bad argument for operator $all"),
    ({"a": {"$exists": 1}}, "Bad argument for operator $exists"),
    ({"a": {"$type": "int"}}, "Bad argument for operator $type"),
    ({"a": {"$size": -1}}, "Bad argument for operator $size"),
    ({"a": {"$size": True}}, "Bad argument for operator $size"),
    ({"a": {"$mod": [0, 1]}}, "Bad argument for operator $mod"),
    ({"a": {"$regex": 5}}, "Bad argument for operator $regex"),
    ({"a": {"$regex": "("}}, "Bad argument for operator $regex"),
    ({"a": {"$regex": "a" * (selector.MAX_REGEX_LENGTH + 1)}}, "Bad argument for operator $regex"),
    ({"a": {"$elemMatch": 1}}, "Bad argument for operator $elemMatch"),
]


@pytest.mark.parametrize(("query", "reason"), INVALID, ids=[str(case[0])[:40] for case in INVALID])
def test_invalid_selector_is_a_400(query: Any, reason: str) -> None:
    with pytest.raises(CouchError) as caught:
        selector.parse(query)
    assert (caught.value.status, caught.value.error) == (400, "bad_request")
    assert caught.value.reason.startswith(reason)


def test_nesting_is_bounded() -> None:
    deep: dict[str, Any] = {"a": 1}
    for _ in range(selector.MAX_DEPTH + 2):
        deep = {"$not": deep}
    with pytest.raises(CouchError) as caught:
        selector.parse(deep)
    assert caught.value.status == 400


def test_regex_of_the_longest_allowed_length_is_accepted() -> None:
    assert selector.parse({"a": {"$regex": "a" * selector.MAX_REGEX_LENGTH}}).matches({"a": "a" * 300})


def test_collation_orders_types_as_couchdb() -> None:
    ordered = [None, False, True, -1, 0, 2.5, 10, "", "a", "b", [], [1], [1, 2], [2], {}, {"a": 1}]
    for low, high in zip(ordered, ordered[1:], strict=False):
        assert selector.compare(low, high) == -1
        assert selector.compare(high, low) == 1
