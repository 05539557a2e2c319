"""Tests of mlplab._registry: the one Registry behind the five catalogs' get() and names()."""

import re

import pytest

from mlplab import activations, initializers, losses, optimizers, schedules
from mlplab._registry import Configurable, EqualByConfig, Registry, normalize

pytestmark = pytest.mark.filterwarnings("error")

# (catalog module, its base class, a name built without parameters, a parameter that name
# takes, a typo and the name it should suggest)
CATALOGS = {
    "activation": (activations, activations.Activation, "elu", {"alpha": 0.5}, "rleu", "relu"),
    "loss": (losses, losses.Loss, "huber", {"delta": 0.5}, "hubber", "huber"),
    "initializer": (
        initializers,
        initializers.Initializer,
        "normal",
        {"std": 0.1},
        "he_normol",
        "he_normal",
    ),
    "schedule": (schedules, schedules.Schedule, "constant", {"lr": 0.1}, "cosin", "cosine"),
    "optimizer": (optimizers, optimizers.Optimizer, "adam", {"learning_rate": 0.1}, "adma", "adam"),
}
KINDS = sorted(CATALOGS)


@pytest.fixture(params=KINDS)
def catalog(request):
    return request.param, *CATALOGS[request.param]


def test_each_catalog_uses_one_registry(catalog):
    kind, module, base, *_ = catalog
    reg = module.REGISTRY
    assert isinstance(reg, Registry) and reg.kind == kind and reg.base is base
    assert module.names() == reg.names()
    assert module.names(include_aliases=True) == reg.names(include_aliases=True)
    # No catalog keeps a registry of its own any more.
    assert not hasattr(module, "_REGISTRY") and not hasattr(module, "_ALIASES")


def test_names_are_sorted_unique_and_normalized(catalog):
    _, module, *_ = catalog
    plain, every = module.names(), module.names(include_aliases=True)
    assert plain == sorted(plain) and every == sorted(every)
    assert len(set(every)) == len(every)
    assert set(plain) < set(every)
    assert all(normalize(name) == name for name in every)


def test_every_alias_resolves_to_its_class(catalog):
    _, module, *_ = catalog
    reg = module.REGISTRY
    for key in module.names(include_aliases=True):
        cls = reg.lookup(key)
        assert key == cls.name or key in cls.aliases
        assert cls.name in module.names()
    aliases = set(module.names(include_aliases=True)) - set(module.names())
    assert aliases, "every catalog has at least one alias"


def test_lookup_ignores_case_dashes_and_spaces(catalog):
    _, module, *_ = catalog
    reg = module.REGISTRY
    for key in module.names(include_aliases=True):
        cls = reg.lookup(key)
        assert reg.lookup(key.upper()) is cls
        assert reg.lookup(f"  {key.replace('_', '-').title()} ") is cls
        assert key.upper() in reg


def test_unknown_name_names_the_kind_suggests_and_lists_sorted(catalog):
    kind, module, _, _, _, typo, closest = catalog
    with pytest.raises(ValueError) as info:
        module.get(typo)
    message = str(info.value)
    assert message.startswith(f"unknown {kind} {typo!r}.")
    assert f"Did you mean {closest!r}?" in message
    listed = message.split("Valid names: ")[1].split(", ")
    assert listed == sorted(listed)
    assert set(module.names(include_aliases=True)) <= set(listed)


def test_no_hint_when_nothing_is_close(catalog):
    _, module, *_ = catalog
    with pytest.raises(ValueError, match="Valid names") as info:
        module.get("qqqqqqqqqqqq")
    assert "Did you mean" not in str(info.value)


def test_instances_pass_through_and_classes_are_built(catalog):
    _, module, base, name, params, *_ = catalog
    obj = module.get(name, **params)
    assert isinstance(obj, base)
    assert module.get(obj) is obj
    built = module.get(type(obj), **params)
    assert type(built) is type(obj) and built.get_config() == obj.get_config()
    # What get_config() returns rebuilds the object by name.
    assert module.get(name, **obj.get_config()).get_config() == obj.get_config()


def test_params_with_an_instance_are_refused(catalog):
    _, module, _, name, params, *_ = catalog
    with pytest.raises(TypeError, match=r"params can only be given .* not an instance"):
        module.get(module.get(name), **params)


def test_unknown_params_are_named(catalog):
    _, module, _, name, params, *_ = catalog
    with pytest.raises(TypeError, match=r"'bogus'; it accepts: .*" + next(iter(params))):
        module.get(name, bogus=1)


@pytest.mark.parametrize("junk", [object(), [0.1], b"relu", True])
def test_junk_is_a_type_error_naming_the_kind(catalog, junk):
    kind, module, *_ = catalog
    with pytest.raises(TypeError, match=f"^{kind} must be "):
        module.get(junk)


def test_none_keeps_each_catalogs_meaning(catalog):
    kind, module, *_ = catalog
    if kind == "activation":
        assert module.get(None) == activations.Identity()  # no activation is the identity
        assert module.get() == activations.Identity()
    else:
        with pytest.raises(TypeError, match=f"{kind} must be .*got NoneType"):
            module.get(None)


def test_catalog_specific_inputs_stay():
    constant = schedules.get(0.5)
    assert type(constant) is schedules.Constant and constant.rate(7) == 0.5
    assert initializers.get("AUTO", activation="tanh") == initializers.get("glorot_uniform")
    assert isinstance(optimizers.get("L-BFGS"), optimizers.LBFGS)
    opt = optimizers.LBFGS(max_iter=3)
    assert optimizers.get(opt) is opt  # registered without deriving from Optimizer
    assert isinstance(optimizers.get(optimizers.LBFGS, tol=0.0), optimizers.LBFGS)


# -- a registry of its own, to fill without touching the catalogs -------------------------
class Thing(EqualByConfig):
    def __init__(self, *, size: int = 1) -> None:
        self.size = size

    def get_config(self):
        return {"size": self.size}


def make_registry(**kwargs) -> Registry:
    return Registry("thing", Thing, **kwargs)


def test_register_reads_name_and_aliases_from_the_class():
    reg = make_registry()

    @reg.register
    class Big(Thing):
        name = "big"
        aliases = ("large", "huge")

    assert reg.names() == ["big"] and reg.names(include_aliases=True) == ["big", "huge", "large"]
    assert reg.lookup("Huge") is Big and len(reg) == 1
    assert reg.get("large", size=3) == Big(size=3)
    assert repr(Big(size=2)) == "Big(size=2)"
    assert hash(Big(size=2)) == hash(Big(size=2)) and Big(size=2) != Big(size=3)

    class Bigger(Big):  # inherits the name and aliases: registering it is an error
        pass

    with pytest.raises(TypeError, match="must set its own name"):
        reg.register(Bigger)

    @reg.register
    class Biggest(Big):  # a new name; the parent's aliases stay the parent's
        name = "biggest"

    assert reg.lookup("huge") is Big and reg.names(include_aliases=True).count("huge") == 1


def test_register_refuses_taken_and_unnormalized_names():
    reg = make_registry(reserved=("auto",))

    @reg.register
    class Small(Thing):
        name = "small"
        aliases = ("tiny",)

    for name, aliases, error, key in [
        ("small", (), RuntimeError, "small"),
        ("little", ("tiny",), RuntimeError, "tiny"),
        ("mini", ("mini",), RuntimeError, "mini"),
        ("auto", (), RuntimeError, "auto"),
        ("Wee", (), ValueError, "Wee"),
        ("wee", ("wee-one",), ValueError, "wee-one"),
    ]:
        cls = type("Other", (Thing,), {"name": name, "aliases": aliases})
        with pytest.raises(error, match=re.escape(repr(key))):
            reg.register(cls)
    assert reg.names(include_aliases=True) == ["small", "tiny"]


def test_reserved_names_and_notes_appear_in_errors():
    reg = make_registry(reserved=("auto",), notes={"gone": "Use 'small' instead."})

    @reg.register
    class Small(Thing):
        name = "small"

    with pytest.raises(ValueError, match=r"Did you mean 'auto'\? Valid names: auto, small$"):
        reg.get("autp")
    with pytest.raises(ValueError, match=r"unknown thing 'Gone'\. Use 'small' instead\."):
        reg.get("Gone")


def test_default_and_accepts():
    reg = make_registry(default="small", accepts="a name or a Thing")

    @reg.register
    class Small(Thing):
        name = "small"

    assert reg.get() == Small() and reg.get(None, size=4) == Small(size=4)
    with pytest.raises(TypeError, match=r"^thing must be a name or a Thing, got int$"):
        reg.get(3)
    with pytest.raises(TypeError, match="not an instance"):
        reg.get(Small(), size=2)


def test_a_class_registered_outside_the_base_is_accepted():
    reg = make_registry()

    @reg.register
    class Loner(Configurable):
        name = "loner"

    assert type(reg.get("loner")) is Loner
    obj = Loner()
    assert reg.get(obj) is obj and type(reg.get(Loner)) is Loner
    with pytest.raises(TypeError, match="thing must be"):
        reg.get(int)


def test_classes_without_a_signature_check_are_left_to_python():
    reg = make_registry()

    @reg.register
    class Open(Thing):
        name = "open"

        def __init__(self, **kwargs):
            self.kwargs = kwargs

        def get_config(self):
            return dict(self.kwargs)

    assert reg.get("open", anything=1).kwargs == {"anything": 1}
