"""The base of the generated models (``models.py``): JSON in, typed fields out, the answer kept whole in ``raw``.

Decoding is tolerant on purpose: an unknown field stays in ``raw`` only, an enum value this SDK version does not
know stays a plain ``str``, and a missing field keeps its default, so a newer host never breaks an older SDK.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Callable, ClassVar, TypeVar

T = TypeVar("T", bound="Model")
E = TypeVar("E", bound=enum.Enum)


class Model:
    """Base of the typed results. Subclasses are dataclasses whose last field is ``raw``."""

    #: field name -> its JSON name (camelCase), written by the generator.
    _wire: ClassVar[dict[str, str]] = {}
    #: field name -> converter of its JSON value (nested models, lists of them, enums), written by the generator.
    _conv: ClassVar[dict[str, Callable[[Any], Any]]] = {}

    @classmethod
    def from_json(cls: type[T], data: Any) -> T:
        if not isinstance(data, dict):
            data = {}
        kwargs: dict[str, Any] = {}
        for name, key in cls._wire.items():
            if key not in data:
                continue
            value = data[key]
            conv = cls._conv.get(name)
            kwargs[name] = conv(value) if conv is not None and value is not None else value
        return cls(**kwargs, raw=data)  # type: ignore[call-arg]

    def to_json(self) -> dict[str, Any]:
        """The model as a JSON object (camelCase keys; fields left ``None`` are left out)."""
        out = dict(getattr(self, "raw", None) or {})
        for name, key in self._wire.items():
            value = getattr(self, name)
            if value is None:
                continue
            out[key] = _to_json(value)
        return out

    def __eq__(self, other: object) -> bool:
        """Equal to a model of the same class with the same fields, and to a dict equal to its JSON (so
        ``session.controls == {"model": "m"}`` reads as it did when such fields were plain dicts)."""
        if isinstance(other, dict):
            return self.to_json() == other
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self._wire)

    __hash__ = None  # type: ignore[assignment]

    def __getitem__(self, key: str) -> Any:
        """``obj["camelCaseKey"]`` reads the raw answer (handy for fields added after this SDK version)."""
        return self.raw[key]  # type: ignore[attr-defined]

    def get(self, key: str, default: Any = None) -> Any:
        """``obj.get("camelCaseKey")``: the raw answer's value, like ``dict.get``."""
        return self.raw.get(key, default)  # type: ignore[attr-defined]


def _to_json(value: Any) -> Any:
    if isinstance(value, Model):
        return value.to_json()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    return value


def model(cls: type[T]) -> Callable[[Any], T]:
    return cls.from_json


def list_of(conv: Callable[[Any], Any]) -> Callable[[Any], list[Any]]:
    return lambda items: [conv(i) if i is not None else None for i in items] if isinstance(items, list) else items


def dict_of(conv: Callable[[Any], Any]) -> Callable[[Any], dict[str, Any]]:
    return lambda items: {k: conv(v) for k, v in items.items()} if isinstance(items, dict) else items


def enum_of(cls: type[E]) -> Callable[[Any], E | Any]:
    """The member for a known value, else the value itself (a host newer than this SDK may send new ones)."""

    def conv(value: Any) -> E | Any:
        try:
            return cls(value)
        except ValueError:
            return value

    return conv


def fields_of(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.name != "raw"]
