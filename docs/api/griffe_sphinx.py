"""Griffe extension for the API reference: numpydoc as Sphinx reads it, for mkdocstrings.

mlplab's numpydoc docstrings name other objects with Sphinx roles
(``:class:`~mlplab.network.Sequential```, ``:meth:`fit```, ``:math:`\\sigma(x)```), which
mkdocstrings shows verbatim. This extension rewrites each role, before rendering:

- a role naming a public mlplab object becomes a link to its entry (an optional
  cross-reference: where the object has no entry of its own, such as an undocumented
  attribute, it stays inline code); names are looked up as Python does (the class, its
  bases, the module), then from the top of the package;
- a role naming something private or outside mlplab becomes inline code;
- a role in a public docstring naming nothing that exists is reported as a warning,
  so the strict build fails on it;
- ``:math:`...``` becomes inline code holding the LaTeX.

It also spells out scikit-learn's set-of-types form, ``X : {array-like, sparse matrix} of
shape (n_samples, n_features)``, as ``array-like or sparse matrix of shape ...``: griffe
reads braces as a set of values whose first is the default, which would show X as
optional with default ``array-like`` and drop its shape. And it gives each name of a
grouped parameter entry (``sample_weight, l2, l1``) an entry of its own with the shared
description: griffe would show every name of the group with the first one's type and default.

Loaded by ``mkdocs.yml`` (``extensions: [docs/api/griffe_sphinx.py]``); not part of the package.
"""

from __future__ import annotations

import html
import importlib.util
import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(mod|class|func|meth|attr|data|exc|obj|const|math):`([^`]+)`")
_CALLABLE = {"func", "meth"}
# "name : {a, b} more" in a parameter list, where "more" is not just ", default=..."
_TYPE_SET = re.compile(
    r"^(?P<lead>[ \t]*\*{0,2}\w+(?:, \*{0,2}\w+)* : )\{(?P<set>[^{}\n]+)\}"
    r"(?P<rest>(?!,\s*(?:default|optional))[^\n]+)$",
    flags=re.M,
)
# "a, b" or "a, b : type" opening an entry of a Parameters section
_GROUP = re.compile(r"^(?P<indent>[ \t]*)(?P<names>\*{0,2}\w+(?:, \*{0,2}\w+)+)(?P<type> : .+)?$")
_HEADER_RULE = re.compile(r"[ \t]*-{3,}[ \t]*")
_PARAMETER_SECTIONS = {"parameters", "other parameters"}


def _lookup(scope: griffe.Object, dotted: str) -> griffe.Object | griffe.Alias | None:
    """The object that ``dotted`` names, seen from ``scope`` (None if it is not in mlplab)."""
    head, _, rest = dotted.partition(".")
    found = None
    node: Any = scope if scope.is_class or scope.is_module else scope.parent
    while node is not None and found is None:
        members = node.all_members if node.is_class else node.members
        if head in members:
            found = members[head]
        node = node.parent
    if found is None:
        top = scope.package
        if head == top.name:
            found, rest = top, rest
        elif head in top.members:
            found = top.members[head]
    try:
        for part in filter(None, rest.split(".")):
            found = found[part]
    except (KeyError, TypeError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None
    return found


def _is_public(obj: griffe.Object | griffe.Alias) -> bool:
    try:
        path = obj.final_target.path if obj.is_alias else obj.path
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return False
    return not any(part.startswith("_") and not part.startswith("__") for part in path.split("."))


def _spell_type_set(match: re.Match[str]) -> str:
    *most, last = (item.strip() for item in match["set"].split(","))
    joined = f"{', '.join(most)} or {last}" if most else last
    return f"{match['lead']}{joined}{match['rest']}"


def _split_groups(text: str) -> str:
    lines, out, section, i = text.split("\n"), [], None, 0
    while i < len(lines):
        line = lines[i]
        if line.strip() and i + 1 < len(lines) and _HEADER_RULE.fullmatch(lines[i + 1]):
            section = line.strip().lower()
        group = _GROUP.match(line) if section in _PARAMETER_SECTIONS else None
        if group is None:
            out.append(line)
            i += 1
            continue
        indent, j = len(group["indent"]), i + 1
        while j < len(lines) and (
            not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent
        ):
            j += 1
        body = lines[i + 1 : j]
        while body and not body[-1].strip():
            body.pop()  # the blank lines after the entry stay after the last copy
        for name in group["names"].split(", "):
            out += [f"{group['indent']}{name}{group['type'] or ''}", *body]
        out += lines[i + 1 + len(body) : j]
        i = j
    return "\n".join(out)


def _rewrite(scope: griffe.Object, text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        role, target = match.groups()
        if role == "math":
            return f"`{target}`"
        short = target.startswith("~")
        name = target.lstrip("~")
        label = name.rsplit(".", 1)[-1] if short else name
        if role in _CALLABLE:
            label += "()"
        code = f"<code>{html.escape(label)}</code>"
        found = _lookup(scope, name)
        if found is None:
            outside = importlib.util.find_spec(name.partition(".")[0]) is not None
            if not outside and _is_public(scope):
                griffe.logger.warning(
                    "%s: %s: :%s:`%s` names nothing in %s",
                    scope.relative_filepath,
                    scope.path,
                    role,
                    target,
                    scope.package.name,
                )
            return code
        if not _is_public(found):
            return code
        return f'<autoref optional identifier="{found.path}">{code}</autoref>'

    text = _split_groups(_TYPE_SET.sub(_spell_type_set, text))
    return _ROLE.sub(replace, text)


def _walk(obj: griffe.Object, seen: set[str]) -> None:
    if obj.path in seen:
        return
    seen.add(obj.path)
    if obj.docstring is not None:
        obj.docstring.value = _rewrite(obj, obj.docstring.value)
    for member in obj.members.values():
        if not member.is_alias:
            _walk(member, seen)


class SphinxNumpydoc(griffe.Extension):
    """Rewrite every docstring of a loaded package as described in this module."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        _walk(pkg, set())
