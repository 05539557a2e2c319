"""One registry for the catalogs: activations, losses, initializers, schedules, optimizers.

Each catalog module keeps one :class:`Registry`, filled by its classes themselves: a class
that sets its own ``name`` (and optionally ``aliases``) registers when it is defined, from
:class:`Configurable`'s ``__init_subclass__``, in the registry its base class names. The
module's ``get()`` and ``names()`` are thin wrappers around the registry's, so every
catalog looks names up, hints at typos and rejects junk the same way.

The entries share two small bases: :class:`Configurable` (a name, aliases and
``get_config()``, which rebuilds the object as ``get(name, **get_config())``, and a repr
from it) and :class:`EqualByConfig` for the stateless entries that compare and hash by
their configuration (activations, losses, initializers).
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar

__all__ = ["Configurable", "EqualByConfig", "Registry", "constructor_parameters", "normalize"]

T = TypeVar("T")


def normalize(name: str) -> str:
    """The registry key of a name: stripped, lower case, ``-`` written as ``_``."""
    return name.strip().lower().replace("-", "_")


class Configurable:
    """What a registry entry has: a name, aliases and the parameters that rebuild it.

    Class attributes
    ----------------
    name : str
        Canonical registry name; a subclass that sets its own registers.
    aliases : tuple of str
        Other names that the catalog's ``get()`` accepts.
    """

    name: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    #: The catalog that a subclass setting its own ``name`` registers in, as it is
    #: defined; set on the catalog's base class right after its Registry is made.
    _registry: ClassVar[Registry[Any] | None] = None
    #: Class flags that say how a method works, by flag: a subclass that writes the
    #: method anew without stating the flag again gets False (what it does is unknown).
    _declared_by: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for flag, method in cls._declared_by.items():
            if method in cls.__dict__ and flag not in cls.__dict__:
                setattr(cls, flag, False)
        # Only a class that sets its own name registers: a user's subclass that tweaks a
        # catalog class inherits its name and must not clash with it.
        if cls._registry is not None and cls.__dict__.get("name"):
            cls._registry.register(cls)

    def get_config(self) -> dict[str, Any]:
        """Parameters that rebuild this object with its catalog's ``get(name, **config)``.

        One entry per parameter of the constructor, read from the attribute of the same
        name: every catalog class stores each argument under its own name (as
        scikit-learn's ``get_params`` expects of estimators), so no class writes this
        dict out by hand.
        """
        return {name: getattr(self, name) for name in constructor_parameters(type(self))}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({params})"


class EqualByConfig(Configurable):
    """A stateless entry: equal to another of the same class with the same config."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.get_config() == self.get_config()

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(self.get_config().items()))))


class Registry(Generic[T]):
    """Names and aliases of one catalog's classes, and the lookup that builds them.

    Parameters
    ----------
    kind : str
        What the catalog holds, singular (``"activation"``); used in error messages.
    base : type
        Base class of the catalog: its instances pass through :meth:`get` and its
        subclasses are instantiated. Instances and subclasses of a class registered
        without deriving from it (the optimizers' LBFGS) are accepted too.
    default : str, optional
        Name that ``get(None)`` looks up; without one, None is refused.
    reserved : iterable of str
        Names that the catalog's own ``get()`` answers before the registry (the
        initializers' ``"auto"``): they cannot be registered and are listed among the
        valid names in error messages.
    notes : mapping of str to str
        For names that are no longer (or never were) entries, what to use instead; an
        unknown-name error for one of them says it rather than the closest match.
    accepts : str, optional
        What :meth:`get` accepts, in words, for its TypeError; by default "a name, an
        instance or a subclass of <base>".
    """

    def __init__(
        self,
        kind: str,
        base: type[T],
        *,
        default: str | None = None,
        reserved: tuple[str, ...] = (),
        notes: Mapping[str, str] | None = None,
        accepts: str | None = None,
    ) -> None:
        self.kind = kind
        self.base = base
        self.default = default
        self.reserved = tuple(reserved)
        self.notes = dict(notes or {})
        self.accepts = accepts or f"a name, an instance or a subclass of {base.__name__}"
        self._classes: dict[str, type[T]] = {}
        self._aliases: dict[str, str] = {}  # alias -> canonical name
        self._types: tuple[type, ...] = (base,)

    # -- filling -----------------------------------------------------------------------
    def register(self, cls: type[T]) -> type[T]:
        """Add `cls` under its own ``name`` and ``aliases``; returns `cls` (a decorator).

        Raises
        ------
        TypeError
            If `cls` does not set its own ``name``.
        ValueError
            For a name that is not already normalized (lower case, ``_`` not ``-``).
        RuntimeError
            For a name or alias that is taken.
        """
        name = cls.__dict__.get("name")
        if not isinstance(name, str) or not name:
            raise TypeError(f"{cls.__name__} must set its own name to register as a {self.kind}")
        # Only the class's own aliases: a subclass with a new name must not claim its
        # parent's.
        aliases = tuple(cls.__dict__.get("aliases", ()))
        keys = (name, *aliases)
        for key in keys:
            if normalize(key) != key:
                raise ValueError(
                    f"{self.kind} name {key!r} must be lower case with '_' between words, "
                    f"e.g. {normalize(key)!r}"
                )
            if key in self or key in self.reserved or keys.count(key) > 1:
                raise RuntimeError(f"{self.kind} name {key!r} registered twice")
        self._classes[name] = cls
        for alias in aliases:
            self._aliases[alias] = name
        if not issubclass(cls, self._types):
            self._types = (*self._types, cls)
        return cls

    # -- reading -----------------------------------------------------------------------
    def names(self, *, include_aliases: bool = False) -> list[str]:
        """Canonical names of every entry, sorted; optionally with the aliases mixed in.

        What each catalog's ``names()`` returns.

        Parameters
        ----------
        include_aliases : bool, default False
            Also list every alias, sorted in among the canonical names.

        Returns
        -------
        list of str
            Names that :meth:`get` accepts. The `reserved` names, which a catalog's
            ``get()`` answers itself (the initializers' ``"auto"``), are not listed.
        """
        if include_aliases:
            return sorted([*self._classes, *self._aliases])
        return sorted(self._classes)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (
            normalize(name) in self._classes or normalize(name) in self._aliases
        )

    def __len__(self) -> int:
        return len(self._classes)

    def lookup(self, name: str) -> type[T]:
        """The class registered under `name` or an alias of it.

        Names are case-insensitive, with ``-`` and ``_`` alike.

        Raises
        ------
        ValueError
            For an unknown name: the message names the closest valid name (or what to
            use instead, for a name in `notes`) and lists every valid name, sorted.
        """
        key = normalize(name)
        key = self._aliases.get(key, key)
        cls = self._classes.get(key)
        if cls is None:
            raise ValueError(self._unknown(name, key))
        return cls

    def get(self, obj: Any = None, /, **params: Any) -> T:
        """Build an entry from a name or a class, or pass an instance through.

        The lookup contract of every catalog: ``get()`` of the activations, losses,
        initializers, schedules and optimizers wraps this method, so each accepts and
        refuses the same things with the same errors.

        Parameters
        ----------
        obj : str, instance, class or None
            What to build:

            - a registered name or alias, case-insensitive and with ``-`` and ``_``
              alike (``"Leaky-ReLU"`` is ``"leaky_relu"``): its class, instantiated
              with `params`;
            - a class of the catalog: instantiated with `params`;
            - an instance of the catalog: returned as is;
            - None: the registry's `default` (the activations' identity); refused where
              there is none.
        **params
            Parameters of the entry, e.g. ``get("elu", alpha=0.5)``; checked against
            the class's constructor before it is called.

        Returns
        -------
        object
            An instance of the catalog's `base` (or of a class registered beside it):
            `obj` itself when it is one, otherwise a new object.

        Raises
        ------
        ValueError
            For an unknown name: the message names the closest valid name (or, for a
            name in `notes`, what to use instead) and lists every valid name, sorted.
        TypeError
            For anything that is neither a name, a class nor an instance of the catalog;
            for None without a default; for `params` given with an instance; and for
            parameters the class does not take (naming them and the ones it takes).
        """
        if obj is None and self.default is not None:
            obj = self.default
        if isinstance(obj, self._types):
            if params:
                raise TypeError(
                    f"params can only be given with a {self.kind} name or class, not an instance"
                )
            return obj
        if isinstance(obj, type) and issubclass(obj, self._types):
            cls = obj
        elif isinstance(obj, str):
            cls = self.lookup(obj)
        else:
            raise TypeError(f"{self.kind} must be {self.accepts}, got {type(obj).__name__}")
        _check_params(cls, params)
        return cls(**params)

    def _unknown(self, name: str, key: str) -> str:
        valid = sorted([*self.names(include_aliases=True), *self.reserved])
        if key in self.notes:
            hint = f" {self.notes[key]}"
        else:
            close = difflib.get_close_matches(key, valid, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
        return f"unknown {self.kind} {name!r}.{hint} Valid names: {', '.join(valid)}"

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {len(self)} entries)"


@functools.cache
def constructor_parameters(cls: type) -> tuple[str, ...]:
    """Names of the parameters of ``cls.__init__`` (not ``self``, ``*args``, ``**kwargs``)."""
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    skip = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return tuple(p.name for p in params if p.kind not in skip)


def _check_params(cls: type, params: dict[str, Any]) -> None:
    """Refuse unknown parameters with a message naming them and the accepted ones."""
    if not params:
        return
    accepted = inspect.signature(cls).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values()):
        return
    unknown = [k for k in params if k not in accepted]
    if unknown:
        valid = ", ".join(accepted) or "none"
        raise TypeError(
            f"{cls.__name__} got unexpected parameter(s) {', '.join(map(repr, unknown))}; "
            f"it accepts: {valid}"
        )
