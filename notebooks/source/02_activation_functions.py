"""Notebook 2: activation functions and their derivatives."""

from _cells import code, md, setup

TITLE = {
    "en": "Activation functions and their derivatives",
    "pt": "Funções de ativação e suas derivadas",
    "es": "Funciones de activación y sus derivadas",
}

CELLS = [
    md(
        en="""
        # 2. Activation functions and their derivatives

        Without a non-linear activation a network is a linear model (notebook 1). Which
        non-linearity, though? The course (*TP555, Part II*) explains why the step was
        abandoned: its *"derivative is always zero, except at the origin"*, so until deep
        networks *"the rule was to use the logistic or hyperbolic tangent functions, which
        are smoothed versions of the step"*. Then depth made their small derivatives a
        problem, and ReLU and its variants took over.

        This notebook goes through the course's catalog with `mlplab.activations`, where
        every function comes with its exact derivative and its facts (formula, range,
        saturation, recommended initialization, reference): the classic functions and their
        derivatives, saturation, zero-centred outputs, softmax, and the course's table of
        modern activations.
        """,
        pt="""
        # 2. Funções de ativação e suas derivadas

        Sem uma ativação não linear uma rede é um modelo linear (notebook 1). Mas qual não
        linearidade? O curso (*TP555, Parte II*) explica por que o degrau foi abandonado:
        *"derivada sempre igual a zero, exceto na origem, onde ela é indeterminada"*; por
        isso, *"até o surgimento das redes neurais profundas, a regra era utilizar as funções
        logística ou tangente hiperbólica, que são versões suavizadas da função degrau"*.
        Depois a profundidade tornou suas derivadas pequenas um problema, e a ReLU e suas
        variantes assumiram.

        Este notebook percorre o catálogo do curso com `mlplab.activations`, onde cada função
        vem com sua derivada exata e seus dados (fórmula, imagem, saturação, inicialização
        recomendada, referência): as funções clássicas e suas derivadas, a saturação, as
        saídas centradas em zero, a softmax e a tabela de ativações modernas do curso.
        """,
        es="""
        # 2. Funciones de activación y sus derivadas

        Sin una activación no lineal una red es un modelo lineal (cuaderno 1). Pero ¿qué no
        linealidad? El escalón tiene derivada nula en casi todas partes y no sirve para
        entrenar por gradiente; hasta las redes profundas se usaban sus versiones suaves, la
        sigmoide y la tangente hiperbólica. Luego la profundidad convirtió sus derivadas
        pequeñas en un problema, y la ReLU y sus variantes tomaron el relevo. El curso
        (*Configuración de una red neuronal*) da las pautas: para la capa de salida,
        *"sigmoide si clasificación binaria, softmax para multiclase"*; para las capas
        ocultas, *"usar ReLU, o Leaky ReLU, ELU"*.

        Este cuaderno recorre el catálogo del curso con `mlplab.activations`, donde cada
        función viene con su derivada exacta y sus datos (fórmula, rango, saturación,
        inicialización recomendada, referencia): las funciones clásicas y sus derivadas, la
        saturación, las salidas centradas en cero, la softmax y la tabla de activaciones
        modernas del curso.
        """,
    ),
    setup(
        """
        from pathlib import Path

        import matplotlib.pyplot as plt
        import numpy as np
        from IPython.display import Markdown, display
        from threadpoolctl import threadpool_limits

        from mlplab import activations, diagnostics, plotting
        """,
        {
            "derivative": ("derivada", "derivada"),
            "saturated: f′ below 1% of its maximum": (
                "saturada: f′ abaixo de 1% do seu máximo",
                "saturada: f′ por debajo del 1% de su máximo",
            ),
            "pre-activation u": ("pré-ativação u", "preactivación u"),
            "course": ("curso", "curso"),
            "mlplab name": ("nome no mlplab", "nombre en mlplab"),
            "formula": ("fórmula", "fórmula"),
            "range": ("imagem", "rango"),
            "zero-centred": ("centrada em zero", "centrada en cero"),
            "saturates": ("satura", "satura"),
            "initializer": ("inicialização", "inicialización"),
            "reference": ("referência", "referencia"),
            "yes": ("sim", "sí"),
            "no": ("não", "no"),
            "none": ("não", "no"),
            "left": ("à esquerda", "a la izquierda"),
            "right": ("à direita", "a la derecha"),
            "both": ("dos dois lados", "a ambos lados"),
            "activation": ("ativação", "activación"),
        },
    ),
    md(
        en="""
        ## The classic functions

        Each activation is an object: `f(x)` is the function, `f.derivative(x)` its exact
        derivative with respect to the pre-activation, `f.info` its facts.
        `plotting.plot_activations` draws a function (solid) with its derivative (dashed).
        """,
        pt="""
        ## As funções clássicas

        Cada ativação é um objeto: `f(x)` é a função, `f.derivative(x)` sua derivada exata em
        relação à pré-ativação, `f.info` seus dados. `plotting.plot_activations` desenha uma
        função (linha cheia) com sua derivada (tracejada).
        """,
        es="""
        ## Las funciones clásicas

        Cada activación es un objeto: `f(x)` es la función, `f.derivative(x)` su derivada
        exacta respecto a la preactivación, `f.info` sus datos. `plotting.plot_activations`
        dibuja una función (línea continua) con su derivada (discontinua).
        """,
    ),
    code(
        """
        CLASSIC = ["sigmoid", "tanh", "relu", "leaky_relu", "elu"]
        sigmoid = activations.get("sigmoid")
        print(sigmoid.info.formula, "|", sigmoid.info.output_range, "|", sigmoid.info.reference)

        fig = plotting.plot_activations(CLASSIC, x_range=(-5, 5))
        fig.set_size_inches(9, 4.2)
        fig
        """
    ),
    md(
        en="""
        The course asks, for the sigmoid and for ReLU: *what happens when $x = -10$? When
        $x = 0$? When $x = 10$?* (*Activation Functions*, PUC Minas). Here are the values and
        the derivatives:
        """,
        pt="""
        O curso pergunta, para a sigmoide e para a ReLU: *"O que acontece quando $x = -10$?
        O que acontece quando $x = 0$? O que acontece quando $x = 10$?"* (*Funções de
        Ativação*, PUC Minas). Eis os valores e as derivadas:
        """,
        es="""
        El curso pregunta, para la sigmoide: *"¿Qué ocurre si x=-10, x=0, x=10?"*
        (*Configuración de una red neuronal*). Estos son los valores y las derivadas:
        """,
    ),
    code(
        """
        x = np.array([-10.0, 0.0, 10.0])
        rows = ["| f | f(−10) | f(0) | f(10) | f′(−10) | f′(0) | f′(10) |", "|---" * 7 + "|"]
        for name in CLASSIC:
            f = activations.get(name)
            values = [f"{v:.3g}" for v in (*f(x), *f.derivative(x))]
            rows.append(f"| `{name}` | " + " | ".join(values) + " |")
        display(Markdown("\\n".join(rows)))
        """
    ),
    md(
        en="""
        At $\\pm 10$ the sigmoid and tanh are flat: their derivative is about $10^{-5}$ and
        $10^{-8}$, so almost no gradient flows through a unit there. ReLU keeps a derivative
        of 1 for any positive input, and 0 for any negative one. At the kink $x = 0$ its
        derivative is undefined; `mlplab` uses 0 there, as PyTorch does, which is the usual
        convention: *"software implementations usually return one of the one-sided
        derivatives"* (*Activation Functions*, PUC Chile).

        ## The derivatives, exactly

        The course derives $\\sigma' = \\sigma(1 - \\sigma) \\leq 0.25$ and
        $\\tanh' = 1 - \\tanh^2 \\leq 1$, and notes $\\tanh(x) = 2\\sigma(2x) - 1$. Let us
        check these, and every derivative of the catalog against central finite
        differences of its own function (away from kinks):
        """,
        pt="""
        Em $\\pm 10$ a sigmoide e a tanh são planas: suas derivadas valem cerca de $10^{-5}$
        e $10^{-8}$, e quase nenhum gradiente passa por uma unidade ali. A ReLU mantém
        derivada 1 para qualquer entrada positiva e 0 para qualquer negativa. No bico
        $x = 0$ a derivada é indeterminada (*"a derivada é indeterminada para $g(x) = 0$"*,
        diz o curso); o `mlplab` usa 0 ali, como o PyTorch, que é a convenção usual.

        ## As derivadas, exatas

        O curso deduz $\\sigma' = \\sigma(1 - \\sigma) \\leq 0.25$ e
        $\\tanh' = 1 - \\tanh^2 \\leq 1$, e lembra que $\\tanh(x) = 2\\sigma(2x) - 1$. Vamos
        conferir, e comparar cada derivada do catálogo com diferenças finitas centradas da
        própria função (longe dos bicos):
        """,
        es="""
        En $\\pm 10$ la sigmoide y la tanh son planas: sus derivadas valen unos $10^{-5}$ y
        $10^{-8}$, y casi ningún gradiente atraviesa una unidad ahí: *"las neuronas
        saturadas 'matan' el gradiente"*. La ReLU mantiene derivada 1 para cualquier entrada
        positiva y 0 para cualquier negativa. En el pico $x = 0$ la derivada no está
        definida; `mlplab` usa 0 ahí, como PyTorch, que es la convención habitual.

        ## Las derivadas, exactas

        $\\sigma' = \\sigma(1 - \\sigma) \\leq 0.25$, $\\tanh' = 1 - \\tanh^2 \\leq 1$ y
        $\\tanh(x) = 2\\sigma(2x) - 1$. Comprobémoslo, y comparemos cada derivada del
        catálogo con diferencias finitas centradas de su propia función (lejos de los
        picos):
        """,
    ),
    code(
        """
        u = np.linspace(-6, 6, 1201)
        tanh = activations.get("tanh")
        print("max σ′ =", sigmoid.derivative(u).max(), "  max tanh′ =", tanh.derivative(u).max())
        print("σ′ = σ(1 − σ):", np.allclose(sigmoid.derivative(u), sigmoid(u) * (1 - sigmoid(u))))
        print("tanh(x) = 2σ(2x) − 1:", np.allclose(tanh(u), 2 * sigmoid(2 * u) - 1))

        h = 1e-5
        worst = {}
        for name in activations.names():
            f = activations.get(name)
            if not f.elementwise or f.stochastic:  # softmax & co. act on rows; rrelu is random
                continue
            # Keep away from kinks (and from 0, where some second derivatives jump).
            far = np.min(np.abs(u[:, None] - np.array([*f.kinks, 0.0])), axis=1) > 1e-3
            x = u[far]
            numeric = (f(x + h) - f(x - h)) / (2 * h)
            worst[name] = np.max(np.abs(numeric - f.derivative(x)) / np.maximum(1, np.abs(numeric)))
        print(f"{len(worst)} activations; largest error of the exact derivatives:", end=" ")
        print(f"{max(worst.values()):.1e} ({max(worst, key=worst.get)})")
        """
    ),
    md(
        en="""
        ## Saturation

        *"Saturated neurons have gradients close to zero"* (PUC Chile): a sigmoid or tanh
        unit whose pre-activation is large in magnitude passes back almost nothing. `mlplab`'s
        diagnostics call a unit saturated when $|f'(u)|$ is below 1% of the function's
        largest derivative (`diagnostics.SATURATION_LEVEL`). How often does that happen when
        the pre-activations spread wider, as they do with large weights?
        """,
        pt="""
        ## Saturação

        A sigmoide *"'espreme' os valores para o intervalo [0,1] – pode 'matar' (zerar) os
        gradientes"* (PUC Minas): uma unidade sigmoide ou tanh cuja pré-ativação é grande em
        módulo devolve quase nada. Os diagnósticos do `mlplab` chamam uma unidade de saturada
        quando $|f'(u)|$ fica abaixo de 1% da maior derivada da função
        (`diagnostics.SATURATION_LEVEL`). Com que frequência isso acontece quando as
        pré-ativações se espalham mais, como acontece com pesos grandes?
        """,
        es="""
        ## Saturación

        *"Las neuronas saturadas 'matan' el gradiente"*: una unidad sigmoide o tanh cuya
        preactivación es grande en valor absoluto apenas devuelve nada. Los diagnósticos de
        `mlplab` llaman saturada a una unidad cuando $|f'(u)|$ queda por debajo del 1% de la
        mayor derivada de la función (`diagnostics.SATURATION_LEVEL`). ¿Con qué frecuencia
        ocurre cuando las preactivaciones se dispersan más, como con pesos grandes?
        """,
    ),
    code(
        """
        fig, ax = plt.subplots(figsize=(6, 3))
        u = np.linspace(-10, 10, 801)
        for name, color in (("sigmoid", "C0"), ("tanh", "C1")):
            f = activations.get(name)
            slope = f.derivative(u)
            level = diagnostics.SATURATION_LEVEL * diagnostics.max_derivative(f)
            ax.plot(u, slope, color=color, label=f"{name}′")
            ax.fill_between(u, 0, 1, where=slope < level, color=color, alpha=0.12, lw=0)
        ax.set(xlabel=T["pre-activation u"], ylabel=T["derivative"], ylim=(0, 1.05))
        ax.set_title(T["saturated: f′ below 1% of its maximum"])
        ax.legend()
        plt.show()

        rng = np.random.default_rng(0)
        print("spread of u   sigmoid saturated   tanh saturated")
        for spread in (0.5, 1, 2, 5, 10):
            u_samples = rng.normal(0, spread, 100_000)
            shares = []
            for f in (sigmoid, tanh):
                level = diagnostics.SATURATION_LEVEL * diagnostics.max_derivative(f)
                shares.append(np.mean(f.derivative(u_samples) < level))
            print(f"{spread:>11}   {shares[0]:>17.1%}   {shares[1]:>14.1%}")
        """
    ),
    md(
        en="""
        Through $M$ layers the backpropagated gradient is multiplied by $M$ such
        derivatives, at most $0.25^M$ for the sigmoid: notebook 5 measures this vanishing
        gradient in deep networks.

        ## Zero-centred outputs

        The second bad property of the sigmoid (PUC Chile): its outputs are not zero
        centred. For a unit fed by $x_i > 0$, $\\partial L / \\partial w_i =
        (\\partial L / \\partial f)\\, x_i$ *"has always the same sign as
        $\\partial L/\\partial f$. Therefore all weight gradients are positive or negative"*,
        which makes updates zig-zag; *"this is also why one should use zero mean data"*.
        Below, for 10 000 examples, the share whose five weight gradients all have the same
        sign, when the unit reads sigmoid outputs and when it reads tanh outputs:
        """,
        pt="""
        Ao longo de $M$ camadas, o gradiente retropropagado é multiplicado por $M$ derivadas
        assim, no máximo $0.25^M$ para a sigmoide: o notebook 5 mede essa dissipação do
        gradiente em redes profundas.

        ## Saídas centradas em zero

        A sigmoide *"não é centrada em torno de zero"*. *"Considere o que acontece quando a
        entrada de um neurônio ($x$) é sempre positiva [...] O que se pode dizer sobre os
        gradientes em relação a $\\mathbf{w}$? Sempre todos positivos ou negativos :( [...]
        É também por isso que se deseja dados com média zero!"* (PUC Minas). Como
        $\\partial L / \\partial w_i = (\\partial L / \\partial f)\\, x_i$, com $x_i > 0$ todos
        têm o sinal de $\\partial L / \\partial f$. Abaixo, para 10 000 exemplos, a fração em
        que os cinco gradientes dos pesos têm o mesmo sinal, quando a unidade lê saídas de
        sigmoides e quando lê saídas de tanh:
        """,
        es="""
        A lo largo de $M$ capas, el gradiente retropropagado se multiplica por $M$ derivadas
        así, como mucho $0.25^M$ para la sigmoide: el cuaderno 5 mide este desvanecimiento
        del gradiente en redes profundas.

        ## Salidas centradas en cero

        Otra desventaja: *"la salida de la sigmoide no está centrada en cero"*. *"Las
        salidas son siempre positivas (y por tanto, las entradas de los siguientes nodos de
        la red), por tanto: los gradientes para los pesos son siempre negativos o positivos!
        La actualización de pesos dará lugar a un zig-zag"*. Como
        $\\partial L / \\partial w_i = (\\partial L / \\partial f)\\, x_i$, con $x_i > 0$ todos
        tienen el signo de $\\partial L / \\partial f$. Abajo, para 10 000 ejemplos, la
        fracción en la que los cinco gradientes de los pesos tienen el mismo signo, cuando
        la unidad lee salidas de sigmoides y cuando lee salidas de tanh:
        """,
    ),
    code(
        """
        u_prev = rng.normal(size=(10_000, 5))  # pre-activations of the previous layer
        upstream = rng.normal(size=(10_000, 1))  # ∂L/∂u of the unit, one per example
        for name in ("sigmoid", "tanh"):
            inputs = activations.get(name)(u_prev)
            grads = upstream * inputs  # ∂L/∂w_i for each example
            same_sign = np.mean(np.all(grads > 0, axis=1) | np.all(grads < 0, axis=1))
            print(f"{name:>7} inputs: mean {inputs.mean():+.2f}, one sign in {same_sign:.0%}")
        """
    ),
    md(
        en="""
        The same holds for ReLU outputs, which are never negative: zero-centring the inputs
        (a `StandardScaler`) and preferring zero-centred units (tanh, ELU, SELU) avoids it;
        summing gradients over a mini-batch also mitigates it.

        ## Softmax

        For a winner-take-all output the course uses softmax,
        $\\operatorname{softmax}(z)_j = e^{z_j} / \\sum_k e^{z_k}$: it turns scores into
        probabilities, *"pushing the highest value up and the rest down"*, and
        $\\log \\operatorname{softmax}(z_i) = z_i - \\log \\sum_k e^{z_k}$ pairs naturally with
        the cross-entropy. It acts on a whole row, not elementwise, so its derivative is a
        Jacobian: `mlplab` applies it as a vector-Jacobian product (`f.vjp`).
        """,
        pt="""
        O mesmo vale para as saídas da ReLU, que nunca são negativas: centrar as entradas em
        zero (um `StandardScaler`) e preferir unidades centradas em zero (tanh, ELU, SELU)
        evita o problema; somar os gradientes num mini-batch também o atenua.

        ## Softmax

        Para uma saída do tipo "o vencedor leva tudo", usa-se a softmax,
        $\\operatorname{softmax}(z)_j = e^{z_j} / \\sum_k e^{z_k}$: ela transforma escores em
        probabilidades, empurrando o maior para cima e os demais para baixo, e
        $\\log \\operatorname{softmax}(z_i) = z_i - \\log \\sum_k e^{z_k}$ combina
        naturalmente com a entropia cruzada. Ela age sobre uma linha inteira, não elemento a
        elemento, e sua derivada é uma jacobiana: o `mlplab` a aplica como um produto
        vetor-jacobiana (`f.vjp`).
        """,
        es="""
        Lo mismo vale para las salidas de la ReLU, que nunca son negativas: centrar las
        entradas en cero (un `StandardScaler`) y preferir unidades centradas en cero (tanh,
        ELU, SELU) lo evita; sumar los gradientes en un mini-batch también lo atenúa (*"se
        ve compensado cuando usamos batch"*).

        ## Softmax

        *"Se suele usar en la capa de salida para clasificación multiclase (mutuamente
        excluyente)"*: $\\sigma(z)_j = e^{z_j} / \\sum_k e^{z_k}$ convierte puntuaciones en
        *"probabilidades por clase"*, empujando la mayor hacia arriba y las demás hacia
        abajo, y $\\log \\operatorname{softmax}(z_i) = z_i - \\log \\sum_k e^{z_k}$ combina de
        forma natural con la entropía cruzada. Actúa sobre una fila entera, no elemento a
        elemento, y su derivada es una jacobiana: `mlplab` la aplica como un producto
        vector-jacobiana (`f.vjp`).
        """,
    ),
    code(
        """
        softmax = activations.get("softmax")
        scores = np.array([[2.0, 1.0, 0.1]])
        for scale in (1, 5):
            print(f"softmax({scale} × {scores[0]}) =", softmax(scale * scores).round(3)[0])
        log_softmax = activations.get("log_softmax")
        print(
            "log softmax = z − log Σ e^z:",
            np.allclose(log_softmax(scores), scores - np.log(np.exp(scores).sum())),
        )
        """
    ),
    md(
        en="""
        ## The course's table

        The course ends its ReLU section with a table, *"Neural Network Activation
        Functions: a small subset!"*, of eighteen functions. All of them are in the catalog
        (`activations.names()` lists its 37), with the facts below; *max f′* is the largest
        slope, which bounds how much a unit can amplify a gradient. PReLU's slope $\\alpha$
        and Maxout's pieces are learnt: they are also layers (`mlplab.PReLU`,
        `mlplab.Maxout`).
        """,
        pt="""
        ## A tabela do curso

        O curso fecha a parte da ReLU com uma tabela, *"Neural Network Activation Functions:
        a small subset!"*, de dezoito funções. Todas estão no catálogo (`activations.names()`
        lista as 37), com os dados abaixo; *máx f′* é a maior inclinação, que limita quanto
        uma unidade pode amplificar um gradiente. A inclinação $\\alpha$ da PReLU
        (*"BackProp sobre $\\alpha$"*) e as peças da Maxout são aprendidas: elas também são
        camadas (`mlplab.PReLU`, `mlplab.Maxout`).
        """,
        es="""
        ## La tabla del curso

        Las transparencias de TP555 cierran la parte de la ReLU con una tabla, *"Neural
        Network Activation Functions: a small subset!"*, de dieciocho funciones. Todas están
        en el catálogo (`activations.names()` lista las 37), con los datos de abajo; *máx
        f′* es la mayor pendiente, que limita cuánto puede amplificar un gradiente una
        unidad. La pendiente $\\alpha$ de la PReLU y las piezas de la Maxout se aprenden:
        también son capas (`mlplab.PReLU`, `mlplab.Maxout`).
        """,
    ),
    code(
        """
        COURSE_TABLE = {
            "ReLU": "relu", "GELU": "gelu", "PReLU": "prelu", "ELU": "elu", "Swish": "swish",
            "SELU": "selu", "SoftPlus": "softplus", "Mish": "mish", "RReLU": "rrelu",
            "HardSwish": "hard_swish", "Sigmoid": "sigmoid", "SoftSign": "softsign",
            "Tanh": "tanh", "Hard tanh": "hard_tanh", "Hard Sigmoid": "hard_sigmoid",
            "Tanh Shrink": "tanhshrink", "Soft Shrink": "softshrink", "Hard Shrink": "hardshrink",
        }  # fmt: skip
        header = ["course", "mlplab name", "formula", "range", "zero-centred", "saturates"]
        header.append("initializer")
        rows = ["| " + " | ".join(T[h] for h in header) + " | max f′ |", "|---" * 8 + "|"]
        for course_name, name in COURSE_TABLE.items():
            f = activations.get(name)
            info = f.info
            formula = info.formula.replace("|", "\\\\vert ")  # a bare | would split the cell
            cells = [
                course_name, f"`{name}`", f"${formula}$", info.output_range,
                T["yes"] if info.zero_centred else T["no"], T[info.saturates], info.initializer,
                f"{diagnostics.max_derivative(f):.3g}",
            ]  # fmt: skip
            rows.append("| " + " | ".join(cells) + " |")
        display(Markdown("\\n".join(rows)))
        """
    ),
    code(
        """
        fig = plotting.plot_activations(list(COURSE_TABLE.values()), x_range=(-4, 4))
        fig.set_size_inches(9, 9.5)
        fig
        """
    ),
    md(
        en="""
        ## Which one to use?

        The course's practical guidelines (*Configuración de una red neuronal*, our
        translation): *"do not use the sigmoid in hidden layers; use ReLU, taking care with
        the learning rate and, if possible, monitoring the percentage of dead units; if that
        hurts a lot, try Leaky ReLU or ELU; also try tanh, but expect it to work worse than
        ReLU"*. The initializer column is the other half of that advice (notebook 5):
        `mlplab.mlp(..., kernel_initializer="auto")` and the estimators pick it from the
        activation.

        ## In the lab

        - **Command line**: `mlplab activations` prints this catalog;
          `mlplab activations gelu mish --plot act.png` draws some of it.
        - **Experiments**: `mlplab experiment activation-race` (how many epochs each
          activation needs to reach a training error on digits) and
          `mlplab experiment zero-centred` (raw against standardized inputs, sigmoid against
          tanh).
        - **Playground** (`mlplab playground`):
          [two sigmoid layers on the spiral](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=sigmoid,sigmoid&lr=0.1),
          [the same with ReLU](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=relu,relu&lr=0.1) and
          [with ELU](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=elu,elu&lr=0.1); the bars
          under the network show the saturated and the dead units of each layer.

        Next: [3. Backpropagation](03_backpropagation.ipynb).
        """,
        pt="""
        ## Qual usar?

        As orientações práticas do curso (*Configuración de una red neuronal*, tradução
        nossa): *"não usar sigmoide nas camadas ocultas; usar ReLU, tomando cuidado com a
        taxa de aprendizagem e, se possível, monitorando a porcentagem de unidades mortas;
        se isso atrapalhar muito, testar Leaky ReLU ou ELU; testar também tanh, mas esperar
        que funcione pior que ReLU"*. A coluna de inicialização é a outra metade do conselho
        (notebook 5): `mlplab.mlp(..., kernel_initializer="auto")` e os estimadores a
        escolhem a partir da ativação.

        ## No laboratório

        - **Linha de comando**: `mlplab activations` imprime este catálogo;
          `mlplab activations gelu mish --plot act.png` desenha parte dele.
        - **Experimentos**: `mlplab experiment activation-race` (quantas épocas cada
          ativação precisa para atingir um erro de treino nos dígitos) e
          `mlplab experiment zero-centred` (entradas brutas contra padronizadas, sigmoide
          contra tanh).
        - **Playground** (`mlplab playground`):
          [duas camadas sigmoides na espiral](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=sigmoid,sigmoid&lr=0.1),
          [o mesmo com ReLU](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=relu,relu&lr=0.1) e
          [com ELU](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=elu,elu&lr=0.1); as barras sob
          a rede mostram as unidades saturadas e mortas de cada camada.

        Próximo: [3. Retropropagação](03_backpropagation.ipynb).
        """,
        es="""
        ## ¿Cuál usar?

        Las pautas prácticas del curso: *"No usar sigmoide en capas ocultas. Usar ReLU,
        llevando cuidado con el learning rate, y si es posible, monitorizar el porcentaje de
        unidades muertas. Si esto nos afecta mucho, probar Leaky ReLU o ELU. Probar también
        tanh, pero podemos esperar que funcione peor que ReLU."* La columna de
        inicialización es la otra mitad del consejo (cuaderno 5):
        `mlplab.mlp(..., kernel_initializer="auto")` y los estimadores la eligen a partir de
        la activación.

        ## En el laboratorio

        - **Línea de comandos**: `mlplab activations` imprime este catálogo;
          `mlplab activations gelu mish --plot act.png` dibuja una parte.
        - **Experimentos**: `mlplab experiment activation-race` (cuántas épocas necesita
          cada activación para alcanzar un error de entrenamiento en los dígitos) y
          `mlplab experiment zero-centred` (entradas en bruto frente a estandarizadas,
          sigmoide frente a tanh).
        - **Playground** (`mlplab playground`):
          [dos capas sigmoides en la espiral](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=sigmoid,sigmoid&lr=0.1),
          [lo mismo con ReLU](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=relu,relu&lr=0.1) y
          [con ELU](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=elu,elu&lr=0.1); las barras
          bajo la red muestran las unidades saturadas y muertas de cada capa.

        Siguiente: [3. Retropropagación](03_backpropagation.ipynb).
        """,
    ),
]
