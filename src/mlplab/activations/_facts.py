"""The facts of every activation, as one table: what ``Activation.info`` holds.

Plots, the documentation, ``mlplab activations`` and the experiments read these facts
from each activation's ``info``; every catalog class takes its row from :data:`FACTS`
by its registry name, so the whole comparison reads in one place.
"""

from __future__ import annotations

from ._base import ActivationInfo

__all__ = ["FACTS"]

# One row per registered activation, keyed by its name, in catalog order; the columns are
# ActivationInfo's fields, in order (centred: zero-centred; init: the initializer the
# function recommends). A range may name the function's parameters ("(-alpha, inf)"); the
# yes/no columns hold at the default parameters (leaky_relu is monotonic only for a slope
# >= 0, elu is smooth only for alpha = 1). The columns are aligned by hand, so the
# formatter leaves the table alone.
# fmt: off
FACTS: dict[str, ActivationInfo] = {
    # name: ActivationInfo(
    #   formula (LaTeX),
    #   output range                          centred monotonic smooth saturates bounded init
    #   reference),

    # -- identity and step -------------------------------------------------------------------------
    "identity": ActivationInfo(
        r"x",
        "(-inf, inf)",                          True,   True,     True,  "none",   False,  "glorot",
        ""),
    "step": ActivationInfo(
        r"\mathbb{1}[x > 0]",
        "{0, 1}",                               False,  True,     False, "both",   True,   "glorot",
        "McCulloch & Pitts 1943; Rosenblatt 1958"),

    # -- sigmoid family ----------------------------------------------------------------------------
    "sigmoid": ActivationInfo(
        r"\sigma(x) = \frac{1}{1 + e^{-x}}",
        "(0, 1)",                               False,  True,     True,  "both",   True,   "glorot",
        "Rumelhart, Hinton & Williams 1986"),
    "hard_sigmoid": ActivationInfo(
        r"\min(\max(0, x + 3), 6) / 6",
        "[0, 1]",                               False,  True,     False, "both",   True,   "glorot",
        "Courbariaux et al. 2015; Howard et al. 2019"),
    "log_sigmoid": ActivationInfo(
        r"\log \frac{1}{1 + e^{-x}}",
        "(-inf, 0)",                            False,  True,     True,  "right",  False,  "glorot",
        "log of the logistic (Rumelhart, Hinton & Williams 1986)"),

    # -- tanh family -------------------------------------------------------------------------------
    "tanh": ActivationInfo(
        r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
        "(-1, 1)",                              True,   True,     True,  "both",   True,   "glorot",
        "LeCun et al. 1998 (Efficient BackProp)"),
    "hard_tanh": ActivationInfo(
        r"\min(\max(x, a), b)",
        "[min_val, max_val]",                   True,   True,     False, "both",   True,   "glorot",
        "Collobert 2004"),
    "tanhshrink": ActivationInfo(
        r"x - \tanh(x)",
        "(-inf, inf)",                          True,   True,     True,  "none",   False,  "glorot",
        "Torch nn library (Collobert, Kavukcuoglu & Farabet 2011)"),
    "softsign": ActivationInfo(
        r"\frac{x}{1 + |x|}",
        "(-1, 1)",                              True,   True,     True,  "both",   True,   "glorot",
        "Elliott 1993; Turian, Bergstra & Bengio 2009"),
    "arctan": ActivationInfo(
        r"\arctan(x)",
        "(-pi/2, pi/2)",                        True,   True,     True,  "both",   True,   "glorot",
        "classical (inverse tangent)"),

    # -- ReLU family -------------------------------------------------------------------------------
    "relu": ActivationInfo(
        r"\max(0, x)",
        "[0, inf)",                             False,  True,     False, "left",   False,  "he",
        "Nair & Hinton 2010; Glorot, Bordes & Bengio 2011"),
    "relu6": ActivationInfo(
        r"\min(\max(0, x), 6)",
        "[0, 6]",                               False,  True,     False, "both",   True,   "he",
        "Krizhevsky 2010"),
    "leaky_relu": ActivationInfo(
        r"\max(0, x) + a \min(0, x)",
        "(-inf, inf)",                          False,  True,     False, "none",   False,  "he",
        "Maas, Hannun & Ng 2013"),
    "prelu": ActivationInfo(
        r"\max(0, x) + \alpha \min(0, x)",
        "(-inf, inf)",                          False,  True,     False, "none",   False,  "he",
        "He et al. 2015"),
    "rrelu": ActivationInfo(
        r"\max(0, x) + a \min(0, x),\ a \sim U(l, u)",
        "(-inf, inf)",                          False,  True,     False, "none",   False,  "he",
        "Xu et al. 2015"),
    "threshold": ActivationInfo(
        r"x \text{ if } x > t \text{ else } v",
        "[value, inf) when value <= threshold", False,  True,     False, "left",   False,  "he",
        "PyTorch nn.Threshold"),

    # -- softplus ----------------------------------------------------------------------------------
    "softplus": ActivationInfo(
        r"\frac{1}{\beta} \log(1 + e^{\beta x})",
        "(0, inf)",                             False,  True,     True,  "left",   False,  "he",
        "Dugas et al. 2001"),

    # -- ELU family --------------------------------------------------------------------------------
    "elu": ActivationInfo(
        r"x \text{ if } x > 0 \text{ else } \alpha (e^{x} - 1)",
        "(-alpha, inf)",                        False,  True,     True,  "left",   False,  "he",
        "Clevert, Unterthiner & Hochreiter 2015"),
    "selu": ActivationInfo(
        r"\lambda \left(x \text{ if } x > 0 \text{ else } \alpha (e^{x} - 1)\right)",
        "(-scale*alpha, inf)",                  False,  True,     False, "left",   False,  "lecun",
        "Klambauer et al. 2017"),
    "celu": ActivationInfo(
        r"\max(0, x) + \min(0, \alpha (e^{x/\alpha} - 1))",
        "(-alpha, inf)",                        False,  True,     True,  "left",   False,  "he",
        "Barron 2017"),

    # -- GELU, swish, mish -------------------------------------------------------------------------
    "gelu": ActivationInfo(
        r"x \Phi(x) = \frac{x}{2}\left(1 + \mathrm{erf}(x/\sqrt{2})\right)",
        "[-0.17, inf)",                         False,  False,    True,  "left",   False,  "he",
        "Hendrycks & Gimpel 2016"),
    "swish": ActivationInfo(
        r"x \sigma(\beta x)",
        "[-0.28/beta, inf)",                    False,  False,    True,  "left",   False,  "he",
        "Ramachandran, Zoph & Le 2017"),
    "silu": ActivationInfo(
        r"x \sigma(x)",
        "[-0.2785, inf)",                       False,  False,    True,  "left",   False,  "he",
        "Hendrycks & Gimpel 2016; Elfwing, Uchibe & Doya 2018"),
    "hard_swish": ActivationInfo(
        r"x \frac{\min(\max(0, x + 3), 6)}{6}",
        "[-0.375, inf)",                        False,  False,    False, "left",   False,  "he",
        "Howard et al. 2019"),
    "mish": ActivationInfo(
        r"x \tanh(\log(1 + e^{x}))",
        "[-0.3088, inf)",                       False,  False,    True,  "left",   False,  "he",
        "Misra 2019"),
    "squareplus": ActivationInfo(
        r"\frac{x + \sqrt{x^2 + b}}{2}",
        "(0, inf)",                             False,  True,     True,  "left",   False,  "he",
        "Barron 2021"),

    # -- exponential -------------------------------------------------------------------------------
    "exponential": ActivationInfo(
        r"e^{x}",
        "(0, inf)",                             False,  True,     True,  "left",   False,  "glorot",
        "classical (Keras 'exponential')"),

    # -- radial, periodic and other shapes ---------------------------------------------------------
    "gaussian": ActivationInfo(
        r"e^{-x^2}",
        "(0, 1]",                               False,  False,    True,  "both",   True,   "glorot",
        "Broomhead & Lowe 1988"),
    "sinusoid": ActivationInfo(
        r"\sin(x)",
        "[-1, 1]",                              True,   False,    True,  "none",   True,   "glorot",
        "Sopena, Romero & Alquezar 1999; Sitzmann et al. 2020"),
    "sinc": ActivationInfo(
        r"\frac{\sin x}{x}",
        "[-0.2172, 1]",                         False,  False,    True,  "both",   True,   "glorot",
        "Woodward & Davies 1952 (the name sinc)"),
    "bent_identity": ActivationInfo(
        r"\frac{\sqrt{x^2 + 1} - 1}{2} + x",
        "(-inf, inf)",                          False,  True,     True,  "none",   False,  "glorot",
        "no canonical paper (common in activation tables)"),

    # -- shrinkage ---------------------------------------------------------------------------------
    "softshrink": ActivationInfo(
        r"\mathrm{sign}(x) \max(|x| - \lambda, 0)",
        "(-inf, inf)",                          True,   True,     False, "none",   False,  "glorot",
        "Donoho & Johnstone 1994"),
    "hardshrink": ActivationInfo(
        r"x \cdot \mathbb{1}[|x| > \lambda]",
        "(-inf, -lambd) U {0} U (lambd, inf)",  True,   True,     False, "none",   False,  "glorot",
        "Donoho & Johnstone 1994"),

    # -- row-wise ----------------------------------------------------------------------------------
    "softmax": ActivationInfo(
        r"\frac{e^{x_i}}{\sum_j e^{x_j}}",
        "(0, 1), rows sum to 1",                False,  True,     True,  "both",   True,   "glorot",
        "Bridle 1990"),
    "log_softmax": ActivationInfo(
        r"x_i - \log \sum_j e^{x_j}",
        "(-inf, 0]",                            False,  True,     True,  "right",  False,  "glorot",
        "Bridle 1990 (log of softmax)"),
    "softmin": ActivationInfo(
        r"\frac{e^{-x_i}}{\sum_j e^{-x_j}}",
        "(0, 1), rows sum to 1",                False,  False,    True,  "both",   True,   "glorot",
        "softmax of -x (Bridle 1990)"),
    "sparsemax": ActivationInfo(
        r"\arg\min_{p \in \Delta} \lVert p - x \rVert^2",
        "[0, 1], rows sum to 1",                False,  True,     False, "both",   True,   "glorot",
        "Martins & Astudillo 2016"),
}
# fmt: on
