"""Mango selectors, as ``_changes?filter=_selector`` applies them: pure, data in and data out.

A selector is parsed once into a small tree (:func:`parse`, which raises CouchDB's 400 for
what ``mango_selector:normalize`` refuses) and then matched against document bodies
(:meth:`Selector.matches`). The semantics follow CouchDB's ``mango_selector.erl`` rather than
MongoDB's:

* Several fields in one object are an implicit ``$and``; a field whose value is not an object
  of operators is an implicit ``$eq``; ``{"a": {"b": 1}}`` means the field path ``a.b``.
* Field paths are dotted (``\\.`` is a literal dot); a numeric segment indexes an array.
* A missing field matches nothing but ``{"$exists": false}`` (and what ``$not``/``$nor`` invert).
* ``$eq`` and the comparisons use CouchDB's collation across types (null < false < true <
  numbers < strings < arrays < objects), so ``{"$gt": 5}`` also matches a string, and an
  array is equal only to an equal array (no MongoDB-style "contains"). Strings compare by
  code point here, where CouchDB uses ICU collation: the two differ only in ordering of
  mixed-case or accented strings, never in equality.
* ``$regex`` searches the string (PCRE ``re:run`` in CouchDB); its pattern is bounded to
  :data:`MAX_REGEX_LENGTH` characters, and selectors to :data:`MAX_DEPTH` levels.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import errors

# Longest ``$regex`` pattern accepted: enough for any real filter, short enough to read.
MAX_REGEX_LENGTH = 256
# Deepest nesting of operators accepted (a deeper selector is a 400, not a recursion error).
MAX_DEPTH = 32

_COMBINATIONS = frozenset({"$and", "$or", "$nor", "$not"})
_TYPES = frozenset({"null", "boolean", "number", "string", "array", "object"})
_MISSING = object()


@dataclass(frozen=True, slots=True)
class _Node:
    """One test: a combination (``$and``, ``$or``, ``$nor``, ``$not``) of ``children``, or
    operator ``op`` with argument ``arg`` on the value at ``path`` (``()``: the value itself)."""

    op: str
    path: tuple[str, ...] = ()
    arg: Any = None
    children: tuple[_Node, ...] = ()


@dataclass(frozen=True, slots=True)
class Selector:
    """A parsed selector: :meth:`matches` tells whether a document body passes."""

    root: _Node

    def matches(self, doc: Any) -> bool:
        """Whether ``doc`` (a JSON value, normally a document body) passes the selector."""
        return _match(self.root, doc)


def parse(selector: Any) -> Selector:
    """Check and parse a selector.

    :param selector: the ``selector`` member of the request body, a JSON object
    :raises CouchError: bad_request with CouchDB's reason for what it refuses
    """
    if not isinstance(selector, dict):
        raise errors.bad_request("Selector error: expected a JSON object")
    return Selector(_parse(selector, (), 0))


def _parse(selector: dict[str, Any], prefix: tuple[str, ...], depth: int) -> _Node:
    if depth > MAX_DEPTH:
        raise errors.bad_request(f"Selector error: nested deeper than {MAX_DEPTH} levels")
    nodes = []
    for key, value in selector.items():
        if key.startswith("$"):
            nodes.append(_operator(key, value, prefix, depth))
        else:
            path = prefix + _field_path(key)
            if isinstance(value, dict) and value:
                nodes.append(_parse(value, path, depth + 1))
            else:
                nodes.append(_Node("$eq", path, value))
    return nodes[0] if len(nodes) == 1 else _Node("$and", children=tuple(nodes))


def _operator(op: str, arg: Any, path: tuple[str, ...], depth: int) -> _Node:
    if op in ("$and", "$or", "$nor"):
        if not isinstance(arg, list) or not all(isinstance(item, dict) for item in arg):
            raise _bad_arg(op, "an array of selectors")
        return _Node(op, children=tuple(_parse(item, path, depth + 1) for item in arg))
    if op == "$not":
        if not isinstance(arg, dict):
            raise _bad_arg(op, "a selector")
        return _Node(op, children=(_parse(arg, path, depth + 1),))
    check = _ARGUMENTS.get(op)
    if check is None:
        raise errors.bad_request(f"Invalid operator: {op[:64]}")
    if op in ("$elemMatch", "$allMatch"):
        if not isinstance(arg, dict):
            raise _bad_arg(op, "a selector")
        return _Node(op, path, children=(_parse(arg, (), depth + 1),))
    expected = check(arg)
    if expected:
        raise _bad_arg(op, expected)
    if op == "$regex":
        try:
            return _Node(op, path, re.compile(arg))
        except re.error:
            raise _bad_arg(op, "a valid regular expression") from None
    return _Node(op, path, arg)


def _bad_arg(op: str, expected: str) -> errors.CouchError:
    return errors.bad_request(f"Bad argument for operator {op}: expected {expected}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# What each condition operator takes: a check that returns what was expected, or "".
_ARGUMENTS: dict[str, Callable[[Any], str]] = {
    **{op: (lambda _arg: "") for op in ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$elemMatch", "$allMatch")},
    **{op: (lambda arg: "" if isinstance(arg, list) else "an array") for op in ("$in", "$nin", "$all")},
    "$exists": lambda arg: "" if isinstance(arg, bool) else "a boolean",
    "$type": lambda arg: "" if arg in _TYPES else "one of " + ", ".join(sorted(_TYPES)),
    "$size": lambda arg: "" if _is_int(arg) and arg >= 0 else "a non-negative integer",
    "$mod": lambda arg: "" if (isinstance(arg, list) and len(arg) == 2 and all(_is_int(n) for n in arg)
                               and arg[0] != 0) else "[divisor, remainder], integers, divisor not 0",
    "$regex": lambda arg: "" if isinstance(arg, str) and len(arg) <= MAX_REGEX_LENGTH
    else f"a string of at most {MAX_REGEX_LENGTH} characters",
    "$beginsWith": lambda arg: "" if isinstance(arg, str) else "a string",
}


def _field_path(field: str) -> tuple[str, ...]:
    """``a.b\\.c`` → ``("a", "b.c")``, as ``mango_util:parse_field``."""
    parts = re.split(r"(?<!\\)\.", field)
    return tuple(part.replace("\\.", ".") for part in parts)


def _resolve(value: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        if isinstance(value, dict):
            value = value.get(name, _MISSING)
        elif isinstance(value, list) and name.isdigit() and int(name) < len(value):
            value = value[int(name)]
        else:
            return _MISSING
        if value is _MISSING:
            break
    return value


def _match(node: _Node, doc: Any) -> bool:
    op = node.op
    if op in _COMBINATIONS:
        if op == "$and":
            return all(_match(child, doc) for child in node.children)
        if op == "$or":
            return any(_match(child, doc) for child in node.children)
        return not any(_match(child, doc) for child in node.children)  # $nor, $not
    value = _resolve(doc, node.path)
    if value is _MISSING:
        return op == "$exists" and node.arg is False
    return _CONDITIONS[op](value, node)


def _in(value: Any, args: list[Any]) -> bool:
    candidates = value if isinstance(value, list) else [value]
    return any(compare(candidate, arg) == 0 for candidate in candidates for arg in args)


def _all(value: Any, args: list[Any]) -> bool:
    if not isinstance(value, list) or not args:
        return False
    if len(args) == 1 and isinstance(args[0], list) and compare(args[0], value) == 0:
        return True  # CouchDB: {"$all": [[1, 2]]} matches the array [1, 2] itself
    return all(any(compare(item, arg) == 0 for item in value) for arg in args)


def _rem(value: int, divisor: int) -> int:
    """Erlang's ``rem``: the remainder takes the sign of ``value`` (Python's ``%`` of ``divisor``)."""
    remainder = abs(value) % abs(divisor)
    return -remainder if value < 0 else remainder


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


_CONDITIONS: dict[str, Callable[[Any, _Node], bool]] = {
    "$eq": lambda value, node: compare(value, node.arg) == 0,
    "$ne": lambda value, node: compare(value, node.arg) != 0,
    "$gt": lambda value, node: compare(value, node.arg) > 0,
    "$gte": lambda value, node: compare(value, node.arg) >= 0,
    "$lt": lambda value, node: compare(value, node.arg) < 0,
    "$lte": lambda value, node: compare(value, node.arg) <= 0,
    "$in": lambda value, node: _in(value, node.arg),
    "$nin": lambda value, node: not _in(value, node.arg),
    "$all": lambda value, node: _all(value, node.arg),
    "$exists": lambda _value, node: node.arg is True,
    "$type": lambda value, node: _type_name(value) == node.arg,
    "$size": lambda value, node: isinstance(value, list) and len(value) == node.arg,
    "$mod": lambda value, node: _is_int(value) and _rem(value, node.arg[0]) == node.arg[1],
    "$regex": lambda value, node: isinstance(value, str) and node.arg.search(value) is not None,
    "$beginsWith": lambda value, node: isinstance(value, str) and value.startswith(node.arg),
    "$elemMatch": lambda value, node: isinstance(value, list) and any(
        _match(node.children[0], item) for item in value),
    "$allMatch": lambda value, node: isinstance(value, list) and bool(value) and all(
        _match(node.children[0], item) for item in value),
}


def _rank(value: Any) -> int:
    if value is None:
        return 0
    if value is False:
        return 1
    if value is True:
        return 2
    if isinstance(value, int | float):
        return 3
    if isinstance(value, str):
        return 4
    return 5 if isinstance(value, list) else 6


def compare(left: Any, right: Any) -> int:
    """-1, 0 or 1 by CouchDB's collation of JSON values (strings by code point).

    :param left: a JSON value
    :param right: a JSON value
    """
    left_rank, right_rank = _rank(left), _rank(right)
    if left_rank != right_rank:
        return -1 if left_rank < right_rank else 1
    if left_rank == 5:
        for a, b in zip(left, right, strict=False):
            order = compare(a, b)
            if order:
                return order
        return (len(left) > len(right)) - (len(left) < len(right))
    if left_rank == 6:
        return compare(list(map(list, left.items())), list(map(list, right.items())))
    if left_rank in (3, 4):
        return int(left > right) - int(left < right)
    return 0
