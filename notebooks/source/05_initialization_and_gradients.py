"""Notebook 5: weight initialization and the gradient problems."""

from _cells import code, md, setup

TITLE = {
    "en": "Initialization and the gradient problems",
    "pt": "Inicialização e os problemas do gradiente",
    "es": "Inicialización y los problemas del gradiente",
}

CELLS = [
    md(
        en="""
        # 5. Initialization and the gradient problems

        Training is a local search, so where it starts matters. The course (*TP555, Part
        II*, our translation) lists what can go wrong: initial weights must *"break the
        symmetry"* between nodes, or nodes with the same inputs and activation learn the
        same thing; weights *"with very large magnitudes"* push sigmoid-like units into
        saturation, *"causing the vanishing of the gradient"*, and ReLU units into *"the
        explosion of the gradient"*; weights that are too small can make a ReLU network's
        gradient vanish too. The cure is a scale chosen so as to *"keep the mean of the
        activations at zero and their variance constant across the layers of the
        network"*. The same lecture adds three more remedies: ReLU-like activations, batch
        normalization and gradient clipping, and warns about *dying* ReLU units.

        We measure each of these with `mlplab.initializers`, `mlplab.diagnostics` and the
        `Trainer`.
        """,
        pt="""
        # 5. Inicialização e os problemas do gradiente

        O treinamento é uma busca local, então o ponto de partida importa. O curso (*TP555,
        Parte II*) lista o que pode dar errado: a inicialização precisa *"quebrar a
        simetria entre os nós, ou seja, nós com a mesma função de ativação e conectados aos
        mesmos nós, devem ter pesos iniciais diferentes, caso contrário, eles terão os
        mesmos pesos ao longo do treinamento"*; *"pesos com magnitudes muito grandes podem
        levar os nós com funções de ativação do tipo sigmoides a operarem na região de
        saturação, causando o desaparecimento do gradiente"* e os do tipo *"ReLU à explosão
        do gradiente"*; pesos pequenos demais também podem fazer o gradiente de uma rede
        ReLU desaparecer. O remédio é uma escala escolhida para *"manter a média das
        ativações dos nós igual a zero e suas variâncias constantes ao longo das várias
        camadas da rede"*. A mesma aula acrescenta outros três: ativações do tipo ReLU,
        normalização de batch e poda do gradiente, e alerta para a *ReLU agonizante*.

        Vamos medir cada um deles com `mlplab.initializers`, `mlplab.diagnostics` e o
        `Trainer`.
        """,
        es="""
        # 5. Inicialización y los problemas del gradiente

        El entrenamiento es una búsqueda local, así que el punto de partida importa. Los
        pesos iniciales deben romper la simetría entre nodos, o los nodos con las mismas
        entradas y activación aprenden lo mismo; pesos demasiado grandes llevan las unidades
        de tipo sigmoide a la saturación (el gradiente se desvanece) y las ReLU a la
        explosión del gradiente; pesos demasiado pequeños también pueden desvanecer el
        gradiente de una red ReLU. El tema *Configuración de una red neuronal* da las
        reglas: inicialización Xavier (Glorot) *"generalmente usado con tanh, pero con ReLU
        no funciona bien"*, y He, que *"corrige la inicialización Xavier para unidades
        ReLU"*. Las transparencias de TP555 añaden otros remedios: activaciones de tipo
        ReLU, normalización por lotes y recorte del gradiente, y advierten de las ReLU que
        *mueren*.

        Medimos cada uno con `mlplab.initializers`, `mlplab.diagnostics` y el `Trainer`.
        """,
    ),
    setup(
        """
        import re
        import warnings
        from pathlib import Path

        import matplotlib.pyplot as plt
        import numpy as np
        from IPython.display import Markdown, display
        from sklearn.preprocessing import StandardScaler
        from threadpoolctl import threadpool_limits

        import mlplab
        from mlplab import datasets, diagnostics, initializers, plotting
        from mlplab.diagnostics import Diagnostics
        from mlplab.live import LivePlot
        from mlplab.training import DivergenceWarning, Trainer
        """,
        {
            "layer": ("camada", "capa"),
            "hidden layer": ("camada oculta", "capa oculta"),
            "standard deviation of the outputs": (
                "desvio padrão das saídas",
                "desviación típica de las salidas",
            ),
            "mean |∂L/∂W| at initialization": (
                "média de |∂L/∂W| na inicialização",
                "media de |∂L/∂W| en la inicialización",
            ),
            "forward: activations": ("ida: ativações", "ida: activaciones"),
            "backward: gradients": ("volta: gradientes", "vuelta: gradientes"),
            "epoch": ("época", "época"),
            "training loss": ("perda de treino", "pérdida de entrenamiento"),
            "loss": ("perda", "pérdida"),
            "training": ("treino", "entrenamiento"),
            "weight gradients, epoch": (
                "gradientes dos pesos, época",
                "gradientes de los pesos, época",
            ),
            "over epochs": ("ao longo das épocas", "a lo largo de las épocas"),
            "L2 norm of the gradient": ("norma L2 do gradiente", "norma L2 del gradiente"),
            "without batch norm": ("sem normalização de batch", "sin normalización por lotes"),
            "with batch norm": ("com normalização de batch", "con normalización por lotes"),
            "dead units (ReLU family)": (
                "unidades mortas (família ReLU)",
                "unidades muertas (familia ReLU)",
            ),
            "saturated units (sigmoid/tanh family)": (
                "unidades saturadas (família sigmoide/tanh)",
                "unidades saturadas (familia sigmoide/tanh)",
            ),
            "fraction of units": ("fração das unidades", "fracción de las unidades"),
            "no layer of this family": (
                "nenhuma camada desta família",
                "ninguna capa de esta familia",
            ),
            "initializer": ("inicialização", "inicialización"),
            "formula": ("fórmula", "fórmula"),
            "measured": ("medido", "medido"),
        },
        translate=True,
    ),
    md(
        en="""
        ## The course's table of initializations

        For a layer with $m$ inputs and $n$ outputs (*fan-in* and *fan-out*):

        | initialization | activations | $r$ of $U(-r, r)$ | $\\sigma^2$ of $N(0, \\sigma^2)$ |
        |---|---|---|---|
        | Xavier/Glorot | linear, tanh, logistic, softmax | $\\sqrt{6/(m+n)}$ | $2/(m+n)$ |
        | He | ReLU and its variants | $\\sqrt{6/m}$ | $2/m$ |
        | LeCun | SELU | $\\sqrt{3/m}$ | $1/m$ |

        and the biases start at 0. (The Spanish lecture writes Xavier as
        $N(0, 1/\\sqrt{fan_{in}})$, which is LeCun's normal: both conventions circulate.)
        `mlplab.initializers` has all six; here are the variances they draw, against the
        formulas:
        """,
        pt="""
        ## A tabela de inicializações do curso

        *"Considerando uma camada com $m$ entradas e $n$ saídas"*:

        | inicialização | ativações | $r$ de $U(-r, r)$ | $\\sigma^2$ de $N(0, \\sigma^2)$ |
        |---|---|---|---|
        | Xavier/Glorot | linear, tanh, logística, softmax | $\\sqrt{6/(m+n)}$ | $2/(m+n)$ |
        | He | ReLU e suas variantes | $\\sqrt{6/m}$ | $2/m$ |
        | LeCun | SELU | $\\sqrt{3/m}$ | $1/m$ |

        e *"em geral, inicializa-se os pesos de bias com valores iguais a 0"*. (A aula em
        espanhol escreve a de Xavier como $N(0, 1/\\sqrt{fan_{in}})$, que é a normal de
        LeCun: as duas convenções circulam.) O `mlplab.initializers` tem as seis; eis as
        variâncias que elas sorteiam, comparadas com as fórmulas:
        """,
        es="""
        ## La tabla de inicializaciones del curso

        Para una capa con $m$ entradas y $n$ salidas (*fan-in* y *fan-out*), según las
        transparencias de TP555:

        | inicialización | activaciones | $r$ de $U(-r, r)$ | $\\sigma^2$ de $N(0, \\sigma^2)$ |
        |---|---|---|---|
        | Xavier/Glorot | lineal, tanh, sigmoide, softmax | $\\sqrt{6/(m+n)}$ | $2/(m+n)$ |
        | He | ReLU y sus variantes | $\\sqrt{6/m}$ | $2/m$ |
        | LeCun | SELU | $\\sqrt{3/m}$ | $1/m$ |

        y los sesgos empiezan en 0. (El tema en español escribe Xavier como
        $N(0, \\frac{1}{\\sqrt{fan_{in}^i}})$, que es la normal de LeCun: circulan las dos
        convenciones.) `mlplab.initializers` tiene las seis; estas son las varianzas que
        sortean, frente a las fórmulas:
        """,
    ),
    code(
        """
        m, n = 256, 128
        FORMULAS = {  # name: (variance, uniform bound r or None)
            "glorot_uniform": (2 / (m + n), np.sqrt(6 / (m + n))),
            "glorot_normal": (2 / (m + n), None),
            "he_uniform": (2 / m, np.sqrt(6 / m)),
            "he_normal": (2 / m, None),
            "lecun_uniform": (1 / m, np.sqrt(3 / m)),
            "lecun_normal": (1 / m, None),
        }
        rows = [
            "| "
            + T["initializer"]
            + " | σ² "
            + T["formula"]
            + " | σ² "
            + T["measured"]
            + " | r | max abs(W) |"
        ]
        rows.append("|---" * 5 + "|")
        for name, (variance, bound) in FORMULAS.items():
            W = initializers.get(name)((m, n), rng=0)
            r = "–" if bound is None else f"{bound:.4f}"
            cells = [f"`{name}`", f"{variance:.5f}", f"{W.var():.5f}", r, f"{np.abs(W).max():.4f}"]
            rows.append("| " + " | ".join(cells) + " |")
        display(Markdown("\\n".join(rows)))
        for activation in ("tanh", "relu", "selu"):
            print(f"recommended for {activation}:", initializers.for_activation(activation))
        """
    ),
    md(
        en="""
        The uniform draws never pass $r$; the normal ones are not truncated (for Keras's
        truncated normals, use `initializers.VarianceScaling(distribution="truncated_normal")`).

        ## Through ten layers: the forward signal and the backward gradient

        Ten hidden layers of 64 units on a 2-D problem (two standardized spirals), at
        initialization. `diagnostics.layer_statistics(network, X, y, loss)` makes one
        forward and one backward pass and reports, for every layer, the standard deviation
        of its outputs and the mean absolute value of its weight gradient. On the left, the
        outputs with matched initializations (tanh + Glorot, ReLU + He, SELU + LeCun) and
        mismatched ones; on the right, the gradients of sigmoid, tanh and ReLU networks,
        each with its recommended initialization.
        """,
        pt="""
        Os sorteios uniformes nunca passam de $r$; os normais não são truncados (para as
        normais truncadas do Keras, use
        `initializers.VarianceScaling(distribution="truncated_normal")`).

        ## Através de dez camadas: o sinal na ida e o gradiente na volta

        Dez camadas ocultas de 64 unidades num problema 2-D (duas espirais padronizadas),
        na inicialização. `diagnostics.layer_statistics(network, X, y, loss)` faz uma etapa
        direta e uma reversa e informa, para cada camada, o desvio padrão de suas saídas e a
        média do valor absoluto do gradiente dos seus pesos. À esquerda, as saídas com as
        inicializações casadas (tanh + Glorot, ReLU + He, SELU + LeCun) e descasadas; à
        direita, os gradientes de redes sigmoide, tanh e ReLU, cada uma com sua
        inicialização recomendada.
        """,
        es="""
        Los sorteos uniformes nunca pasan de $r$; los normales no se truncan (para las
        normales truncadas de Keras, usa
        `initializers.VarianceScaling(distribution="truncated_normal")`).

        ## A través de diez capas: la señal hacia delante y el gradiente hacia atrás

        Diez capas ocultas de 64 unidades en un problema 2-D (dos espirales
        estandarizadas), en la inicialización.
        `diagnostics.layer_statistics(network, X, y, loss)` hace una pasada hacia delante y
        otra hacia atrás e informa, para cada capa, de la desviación típica de sus salidas y
        de la media del valor absoluto del gradiente de sus pesos. A la izquierda, las
        salidas con las inicializaciones emparejadas (tanh + Glorot, ReLU + He, SELU +
        LeCun) y desemparejadas; a la derecha, los gradientes de redes sigmoide, tanh y
        ReLU, cada una con su inicialización recomendada.
        """,
    ),
    code(
        """
        X, labels = datasets.spirals(n_samples=500, noise=0.05, random_state=0)
        X = StandardScaler().fit_transform(X)
        Y = labels.reshape(-1, 1).astype(float)


        def statistics(activation, init, depth=10, width=64):
            sizes = [2] + [width] * depth + [1]
            net = mlplab.mlp(sizes, activation, "sigmoid", kernel_initializer=init, random_state=0)
            with np.errstate(all="ignore"):  # N(0, 1) weights overflow on purpose
                return diagnostics.layer_statistics(net, X, Y, "binary_crossentropy")


        SETUPS = {
            "tanh + Glorot": ("tanh", "glorot_normal"),
            "ReLU + He": ("relu", "he_normal"),
            "SELU + LeCun": ("selu", "lecun_normal"),
            "ReLU + Glorot": ("relu", "glorot_normal"),
            "tanh + N(0, 0.01²)": ("tanh", initializers.get("normal", std=0.01)),
            "ReLU + N(0, 1)": ("relu", initializers.get("normal", std=1.0)),
        }
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
        depth = np.arange(1, 11)
        for name, (activation, init) in SETUPS.items():
            stats = statistics(activation, init)[:-1]  # the hidden layers
            axes[0].plot(depth, [s["act_std"] for s in stats], marker=".", label=name)
        gradients = {}
        for activation, init in (
            ("sigmoid", "glorot_normal"),
            ("tanh", "glorot_normal"),
            ("relu", "he_normal"),
        ):
            stats = statistics(activation, init)[:-1]
            gradients[activation] = np.array([s["grad_mean_abs"] for s in stats])
            axes[1].plot(depth, gradients[activation], marker=".", label=activation)
        axes[0].set(yscale="log", xlabel=T["hidden layer"], title=T["forward: activations"])
        axes[0].set_ylabel(T["standard deviation of the outputs"])
        axes[1].set(yscale="log", xlabel=T["hidden layer"], title=T["backward: gradients"])
        axes[1].set_ylabel(T["mean |∂L/∂W| at initialization"])
        axes[0].legend(fontsize=7)
        axes[1].legend(fontsize=8)
        plt.show()
        for activation, norms in gradients.items():
            factor = (norms[0] / norms[-1]) ** (1 / (len(norms) - 1))
            ratio = norms[0] / norms[-1]
            print(f"{activation:>7}: layer 1 / layer 10 = {ratio:.1e}, ×{factor:.2f} per layer")
        """
    ),
    md(
        en="""
        On the left, the matched pairs keep the spread of the signal roughly constant over
        ten layers; ReLU with Glorot weights loses a factor of about $\\sqrt 2$ per layer
        (Glorot ignores that ReLU zeroes half its inputs, which He corrects), tiny weights
        make the signal die out, and $N(0, 1)$ weights make a ReLU network's signal grow by
        $\\sqrt{64/2} \\approx 6$ per layer, to millions.

        On the right is the **vanishing gradient**: *"in a network with $M$ layers,
        backpropagation has the effect of multiplying up to $M$ small values [...] to
        compute the gradients of the first layers, which means that the gradient decreases
        exponentially with $M$"*. With the sigmoid, whose derivative is at most 0.25, the
        first layer's gradient is about a millionth of the tenth layer's, a factor close to
        the course's 0.25 per layer: the first layers barely learn. With tanh and ReLU (and
        a matched initialization), the gradient reaches the first layer intact.

        ## Exploding gradients and clipping

        With the $N(0, 1)$ weights above, the ReLU network's gradients are huge too. Plain
        gradient descent then takes one enormous step and diverges. The `Trainer` notices
        (a NaN, an infinite or an exploding loss), warns, stops and keeps the last finite
        weights, never NaN ones. *Gradient clipping* (`clip_global_norm`, `clip_norm` or
        `clip_value`) *"limits the values of the gradients [...] mitigating only the
        explosion"*; He initialization removes the cause:
        """,
        pt="""
        À esquerda, os pares casados mantêm o espalhamento do sinal mais ou menos constante
        ao longo de dez camadas; a ReLU com pesos de Glorot perde um fator de cerca de
        $\\sqrt 2$ por camada (Glorot ignora que a ReLU zera metade das entradas, o que He
        corrige), pesos minúsculos fazem o sinal sumir, e pesos $N(0, 1)$ fazem o sinal de
        uma rede ReLU crescer $\\sqrt{64/2} \\approx 6$ vezes por camada, até milhões.

        À direita, a **dissipação do gradiente**: *"em uma rede com M camadas, a
        retropropagação tem o efeito de multiplicar até M valores pequenos (i.e., derivadas
        parciais das funções de ativação) para calcular os vetores gradiente das primeiras
        camadas. O que significa que o gradiente diminui exponencialmente com M"*. Com a
        sigmoide, cuja derivada é no máximo 0.25, o gradiente da primeira camada é cerca de
        um milionésimo do da décima, um fator próximo dos 0.25 por camada do curso: as
        primeiras camadas quase não aprendem. Com tanh e ReLU (e uma inicialização casada), o
        gradiente chega intacto à primeira camada.

        ## Explosão do gradiente e poda

        Com os pesos $N(0, 1)$ acima, os gradientes da rede ReLU também são enormes. O
        gradiente descendente simples dá então um passo gigantesco e diverge. O `Trainer`
        percebe (uma perda NaN, infinita ou explodindo), avisa, para e mantém os últimos
        pesos finitos, nunca pesos NaN. A *poda do gradiente* (`clip_global_norm`,
        `clip_norm` ou `clip_value`) *"limita (poda) os valores dos gradientes durante o
        treinamento para que eles não excedam algum limite pré-definido, mitigando apenas o
        problema da explosão do gradiente"*; a inicialização de He remove a causa:
        """,
        es="""
        A la izquierda, los pares emparejados mantienen la dispersión de la señal más o
        menos constante a lo largo de diez capas; la ReLU con pesos de Glorot pierde un
        factor de alrededor de $\\sqrt 2$ por capa (Glorot ignora que la ReLU anula la mitad
        de las entradas, lo que He corrige), pesos diminutos hacen que la señal se apague, y
        pesos $N(0, 1)$ hacen crecer la señal de una red ReLU unas $\\sqrt{64/2} \\approx 6$
        veces por capa, hasta millones.

        A la derecha, el **desvanecimiento del gradiente**: en una red de $M$ capas, la
        retropropagación multiplica hasta $M$ derivadas pequeñas para obtener el gradiente
        de las primeras capas, así que el gradiente decrece exponencialmente con $M$. Con
        la sigmoide, cuya derivada vale como mucho 0.25, el gradiente de la primera capa es
        una millonésima del de la décima, un factor cercano a los 0.25 por capa del curso:
        las primeras capas apenas aprenden. Con tanh y ReLU (y una inicialización
        emparejada), el gradiente llega intacto a la primera capa.

        ## Explosión del gradiente y recorte

        Con los pesos $N(0, 1)$ de arriba, los gradientes de la red ReLU también son
        enormes. El descenso por gradiente simple da entonces un paso gigantesco y diverge.
        El `Trainer` lo detecta (una pérdida NaN, infinita o disparada), avisa, se detiene y
        conserva los últimos pesos finitos, nunca pesos NaN. El *recorte del gradiente*
        (`clip_global_norm`, `clip_norm` o `clip_value`) limita el tamaño de los gradientes
        y solo mitiga la explosión; la inicialización de He elimina la causa:
        """,
    ),
    code(
        """
        Xs, ys = datasets.function("sine", n_samples=200)
        Xs = StandardScaler().fit_transform(Xs)
        Ys = ys.reshape(-1, 1)
        large = initializers.get("normal", std=1.0)
        for name, init, clip in (
            ("N(0, 1)", large, None),
            ("N(0, 1), clip_global_norm=1", large, 1.0),
            ("He", "he_normal", None),
        ):
            net = mlplab.mlp([1] + [32] * 8 + [1], "relu", kernel_initializer=init, random_state=0)
            trainer = Trainer(
                "squared_error",
                "sgd",
                learning_rate=0.01,
                epochs=100,
                clip_global_norm=clip,
                random_state=0,
            )
            with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
                warnings.simplefilter("always", DivergenceWarning)
                history = trainer.fit(net, Xs, Ys)
            start = np.mean((net.predict(Xs) - Ys) ** 2) if history.diverged else history["loss"][0]
            print(f"{name:>28}: {history.epochs:>3} epochs, diverged={history.diverged}", end="")
            if caught:
                print(f"\\n{'':>30}warning: {str(caught[0].message)[:90]}...")
            else:
                print(f", loss {history['loss'][0]:.3g} → {history['loss'][-1]:.3g}")
            print(f"{'':>30}weights finite: {all(np.isfinite(p).all() for p in net.params)}")
        """
    ),
    md(
        en="""
        Clipping keeps the run finite, but from weights that far off it makes slow progress;
        with He initialization the same network trains normally.

        ## Breaking the symmetry

        If all weights start equal, every hidden unit computes the same function, receives
        the same gradient and stays identical to its neighbours forever: the layer behaves
        like a single unit. A constant initialization makes it visible:
        """,
        pt="""
        A poda mantém o treino finito, mas a partir de pesos tão ruins o progresso é lento;
        com a inicialização de He a mesma rede treina normalmente.

        ## Quebrando a simetria

        Se todos os pesos começam iguais, todas as unidades ocultas calculam a mesma função,
        recebem o mesmo gradiente e continuam idênticas para sempre: a camada se comporta
        como uma única unidade. Uma inicialização constante torna isso visível:
        """,
        es="""
        El recorte mantiene el entrenamiento finito, pero desde pesos tan malos avanza
        despacio; con la inicialización de He la misma red entrena con normalidad.

        ## Romper la simetría

        Si todos los pesos empiezan iguales, todas las unidades ocultas calculan la misma
        función, reciben el mismo gradiente y siguen idénticas para siempre: la capa se
        comporta como una sola unidad. Una inicialización constante lo hace visible:
        """,
    ),
    code(
        """
        Xc, yc = datasets.circles(n_samples=200, noise=0.05, random_state=0)
        Yc = yc.reshape(-1, 1).astype(float)
        for name, init in (
            ("constant 0.5", initializers.get("constant", value=0.5)),
            ("Glorot", "glorot_uniform"),
        ):
            net = mlplab.mlp([2, 4, 1], "tanh", "sigmoid", kernel_initializer=init, random_state=0)
            trainer = Trainer("binary_crossentropy", "adam", learning_rate=0.01, random_state=0)
            trainer.fit(net, Xc, Yc)
            accuracy = np.mean((net.predict(Xc)[:, 0] > 0.5) == yc)
            print(f"{name}: accuracy {accuracy:.2f}; hidden weights (a column per unit):")
            print(net.layers[0].params[0].round(3))
        """
    ),
    md(
        en="""
        ## Dying ReLUs

        A ReLU unit whose pre-activation is negative for every example outputs 0 and gets a
        zero gradient: it never changes again. The course calls it the *dying ReLU*
        problem, often caused by a high learning rate (*"debido a veces por alto learning
        rate"*, says the Spanish lecture). Below, a 64-64-64-10 network on the digits,
        trained with plain SGD for 20 epochs; `layer_statistics` reports the fraction of
        dead units of each ReLU layer (leaky ReLU and ELU keep a gradient for negative
        inputs, so they cannot die: "–").
        """,
        pt="""
        ## ReLU agonizante

        Uma unidade ReLU cuja pré-ativação é negativa para todos os exemplos tem saída 0 e
        gradiente nulo: *"quando isso ocorre, o nó não tem seus pesos atualizados durante o
        treinamento, permanecendo inalterados"*. É o problema da *ReLU agonizante*, causado
        com frequência por um passo de aprendizagem alto (*"debido a veces por alto learning
        rate"*, diz a aula em espanhol). Abaixo, uma rede 64-64-64-10 nos dígitos, treinada
        com SGD simples por 20 épocas; `layer_statistics` informa a fração de unidades
        mortas de cada camada ReLU (a leaky ReLU e a ELU mantêm um gradiente para entradas
        negativas, então não morrem: "–").
        """,
        es="""
        ## ReLU que mueren

        Una unidad ReLU cuya preactivación es negativa para todos los ejemplos da 0 y recibe
        gradiente nulo: *"problema dying ReLUs: pueden morir. Nunca activarse, nunca
        actualizarse. Debido a veces por alto learning rate"*. Abajo, una red 64-64-64-10 en
        los dígitos, entrenada con SGD simple durante 20 épocas; `layer_statistics` da la
        fracción de unidades muertas de cada capa ReLU (la leaky ReLU y la ELU mantienen un
        gradiente para entradas negativas, así que no mueren: "–").
        """,
    ),
    code(
        """
        Xd, yd = datasets.digits()
        Xd, yd = StandardScaler().fit_transform(Xd)[:800], yd[:800]
        Yd = np.eye(10)[yd]


        def train_digits(activation, rate, bias=0.0, seed=0):
            net = mlplab.mlp([64, 64, 64, 10], activation, "softmax", bias=bias, random_state=seed)
            trainer = Trainer(
                "categorical_crossentropy", "sgd", learning_rate=rate, epochs=20, random_state=seed
            )
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", DivergenceWarning)
                history = trainer.fit(net, Xd, Yd)
            stats = diagnostics.layer_statistics(net, Xd, Yd, "categorical_crossentropy")[:-1]
            fractions = [s["dead_fraction"] for s in stats]
            dead = " ".join("  –  " if f is None else f"{f:5.0%}" for f in fractions)
            accuracy = np.mean(net.predict(Xd).argmax(axis=1) == yd)
            return dead, accuracy, history.diverged


        print("activation  rate   dead units (layer 1, 2)   accuracy")
        for activation in ("relu", "leaky_relu", "elu"):
            for rate in (0.01, 0.3, 1.0):
                dead, accuracy, diverged = train_digits(activation, rate)
                note = "  (diverged)" if diverged else ""
                print(f"{activation:>10}  {rate:>4}   {dead:>23}   {accuracy:8.1%}{note}")
        """
    ),
    md(
        en="""
        Watch the units die. `LivePlot(diagnostics=True)` draws, while the network trains, the
        records of a `Diagnostics` callback of the same run beside the loss: the mean and largest
        gradient of each layer's weights, each layer's gradient norm over the epochs, and the
        fraction of dead units of each ReLU layer, redrawn in place under the cell. The ReLU
        network at rate 1 again:
        """,
        pt="""
        Veja as unidades morrerem. `LivePlot(diagnostics=True)` desenha, enquanto a rede treina,
        os registros de um callback `Diagnostics` do mesmo treino ao lado da perda: o gradiente
        médio e o maior dos pesos de cada camada, a norma do gradiente de cada camada ao longo
        das épocas e a fração de unidades mortas de cada camada ReLU, redesenhados no lugar sob a
        célula. A rede ReLU com passo 1 de novo:
        """,
        es="""
        Mira cómo mueren las unidades. `LivePlot(diagnostics=True)` dibuja, mientras la red
        entrena, los registros de un callback `Diagnostics` del mismo entrenamiento junto a la
        pérdida: el gradiente medio y el mayor de los pesos de cada capa, la norma del gradiente
        de cada capa a lo largo de las épocas y la fracción de unidades muertas de cada capa
        ReLU, redibujados en su sitio bajo la celda. La red ReLU con tasa 1 otra vez:
        """,
    ),
    code(
        """
        net = mlplab.mlp([64, 64, 64, 10], "relu", "softmax", random_state=0)
        live = LivePlot(diagnostics=True, on_draw=tr, figsize=(11, 5.6))  # tr: the labels
        trainer = Trainer(
            "categorical_crossentropy",
            "sgd",
            learning_rate=1.0,
            epochs=20,
            callbacks=[Diagnostics(), live],
            random_state=0,
        )
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", DivergenceWarning)
            trainer.fit(net, Xd, Yd)
        """
    ),
    md(
        en="""
        At a rate of 1 most of the second ReLU layer has died and the network classifies
        the training set only half right; leaky ReLU has no dead units and learns (ELU, at
        that rate, diverges instead). The course also suggests *"a small positive bias (e.g.
        0.01)"*: `mlp(..., bias=0.01)` and the estimators' `bias=` set it. Over three seeds
        at rate 1 it is not a reliable cure:
        """,
        pt="""
        Com passo 1 a maior parte da segunda camada ReLU morreu e a rede classifica certo só
        metade do conjunto de treino; a leaky ReLU não tem unidades mortas e aprende (a ELU,
        com esse passo, diverge). O curso também sugere *"un bias positivo bajo (p.ej.
        0,01)"*: `mlp(..., bias=0.01)` e o `bias=` dos estimadores o definem. Em três
        sementes com passo 1, ele não é uma cura confiável:
        """,
        es="""
        Con tasa 1 la mayor parte de la segunda capa ReLU ha muerto y la red solo acierta
        la mitad del conjunto de entrenamiento; la leaky ReLU no tiene unidades muertas y
        aprende (la ELU, con esa tasa, diverge). El curso también sugiere: *"se suele usar un
        bias positivo bajo (p.ej. 0,01)"*: `mlp(..., bias=0.01)` y el `bias=` de los
        estimadores lo fijan. En tres semillas con tasa 1 no es un remedio fiable:
        """,
    ),
    code(
        """
        print("bias   seed   dead units (layer 1, 2)   accuracy")
        for bias in (0.0, 0.01):
            for seed in range(3):
                dead, accuracy, _ = train_digits("relu", 1.0, bias=bias, seed=seed)
                print(f"{bias:>4}   {seed:>4}   {dead:>23}   {accuracy:8.1%}")
        """
    ),
    md(
        en="""
        The course's advice (Spanish lecture) is to *monitor the percentage of dead units*.
        The estimators do it with `diagnostics=True`: `diagnostics_` records, after every
        epoch and for every layer, the gradient norms, the update sizes and the dead and
        saturated fractions, and `plotting.plot_unit_health` draws them. In this run (seed
        2, same rate) the second layer dies all at once in the third epoch, the loss stops
        improving (so training stops by itself) and the accuracy falls to chance; other
        seeds lose a few units or none. Dying is a matter of rate and of luck:
        """,
        pt="""
        O conselho do curso (aula em espanhol) é *"monitorizar el porcentaje de unidades
        muertas"*. Os estimadores fazem isso com `diagnostics=True`: `diagnostics_` registra,
        após cada época e para cada camada, as normas dos gradientes, o tamanho das
        atualizações e as frações de unidades mortas e saturadas, e
        `plotting.plot_unit_health` as desenha. Nesta execução (semente 2, mesmo passo) a
        segunda camada morre de uma vez na terceira época, a perda para de melhorar (e o
        treino para sozinho) e a acurácia cai ao nível do acaso; outras sementes perdem
        poucas unidades ou nenhuma. Morrer é questão de passo e de sorte:
        """,
        es="""
        El consejo del curso es *"monitorizar el porcentaje de unidades muertas"*. Los
        estimadores lo hacen con `diagnostics=True`: `diagnostics_` registra, tras cada
        época y para cada capa, las normas de los gradientes, el tamaño de las
        actualizaciones y las fracciones de unidades muertas y saturadas, y
        `plotting.plot_unit_health` las dibuja. En esta ejecución (semilla 2, misma tasa) la
        segunda capa muere de golpe en la tercera época, la pérdida deja de mejorar (y el
        entrenamiento se detiene solo) y la exactitud cae al nivel del azar; otras semillas
        pierden pocas unidades o ninguna. Morir es cuestión de tasa y de suerte:
        """,
    ),
    code(
        """
        clf = mlplab.MLPClassifier(
            hidden_layer_sizes=(64, 64),
            solver="sgd",
            learning_rate_init=1.0,
            momentum=0.0,
            batch_size=32,
            max_iter=20,
            diagnostics=True,
            random_state=2,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 20 epochs do not converge, and that is not the point
            clf.fit(Xd, yd)
        last = [r for r in clf.diagnostics_ if r["epoch"] == clf.n_iter_ - 1]
        print("dead fraction after the last epoch:", {r["name"]: r["dead_fraction"] for r in last})
        print(f"training accuracy {clf.score(Xd, yd):.1%}")
        tr(plotting.plot_unit_health(clf.diagnostics_))
        """
    ),
    md(
        en="""
        ## Batch normalization

        *"Batch normalization standardizes the activations of the layers and then shifts
        and scales them, keeping them within ranges that minimize both problems"*.
        `batch_norm=True` inserts a `BatchNorm` layer between each hidden `Dense` layer and
        its activation. A six-layer sigmoid network on the two moons, with plain SGD, barely
        moves without it, and learns with it:
        """,
        pt="""
        ## Normalização de batch

        A *"normalização de batch: padroniza as ativações das camadas da rede e, na
        sequência, as desloca e escalona, mantendo-as dentro de intervalos que minimizam
        ambos os problemas"*. `batch_norm=True` insere uma camada `BatchNorm` entre cada
        camada `Dense` oculta e sua ativação. Uma rede sigmoide de seis camadas nas duas
        luas, com SGD simples, quase não sai do lugar sem ela, e aprende com ela:
        """,
        es="""
        ## Normalización por lotes

        La normalización por lotes estandariza las activaciones de las capas y luego las
        desplaza y escala, manteniéndolas en rangos que mitigan ambos problemas.
        `batch_norm=True` inserta una capa `BatchNorm` entre cada capa `Dense` oculta y su
        activación. Una red sigmoide de seis capas en las dos lunas, con SGD simple, apenas
        se mueve sin ella, y aprende con ella:
        """,
    ),
    code(
        """
        Xm, ym = datasets.moons(n_samples=400, noise=0.1, random_state=0)
        Xm = StandardScaler().fit_transform(Xm)
        Ym = ym.reshape(-1, 1).astype(float)
        fig, ax = plt.subplots(figsize=(5.5, 3))
        for batch_norm, name in ((False, "without batch norm"), (True, "with batch norm")):
            net = mlplab.mlp(
                [2] + [32] * 6 + [1], "sigmoid", "sigmoid", batch_norm=batch_norm, random_state=0
            )
            history = Trainer(
                "binary_crossentropy", "sgd", learning_rate=0.1, epochs=50, random_state=0
            ).fit(net, Xm, Ym)
            accuracy = np.mean((net.predict(Xm)[:, 0] > 0.5) == ym)
            print(f"{name:>18}: accuracy {accuracy:.1%}")
            ax.plot(np.arange(1, 51), history["loss"], label=T[name])
        ax.set(xlabel=T["epoch"], ylabel=T["training loss"])
        ax.legend()
        plt.show()
        """
    ),
    md(
        en="""
        ## Summary

        In the words of the Spanish lecture's recap: use random initial values; with ReLU,
        He-normal is recommended, Xavier for tanh. `kernel_initializer="auto"` (the default
        of `mlplab.mlp`; in the estimators, after activations other than scikit-learn's
        four) does this for every activation of the catalog. When the network is deep:
        prefer activations that do not saturate, watch the gradients and the dead units,
        and reach for batch normalization and clipping.

        ## In the lab

        - **Experiments**: `mlplab experiment initialization` (the variance of the
          activations layer by layer, zero initialization),
          `mlplab experiment vanishing-gradients`, `mlplab experiment exploding-gradients`
          and `mlplab experiment dead-relu`.
        - **Playground** (`mlplab playground`):
          [six sigmoid layers on the spiral](http://127.0.0.1:8000/?ds=spiral&h=8,8,8,8,8,8&a=sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid&lr=0.3)
          (the gradient bars shrink toward the input) and
          [the same with batch norm](http://127.0.0.1:8000/?ds=spiral&h=8,8,8,8,8,8&a=sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid&lr=0.3&bn=1);
          [zero initialization](http://127.0.0.1:8000/?ds=circle&h=4,4&a=tanh,tanh&init=zeros)
          (the thumbnails of the hidden units never differ);
          [ReLU with a rate of 3](http://127.0.0.1:8000/?ds=circle&h=8,8&a=relu,relu&lr=3)
          (the dead-unit bars fill up) against
          [leaky ReLU](http://127.0.0.1:8000/?ds=circle&h=8,8&a=leaky_relu,leaky_relu&lr=3).

        Next: [6. The scikit-learn workflow](06_scikit_learn_workflow.ipynb).
        """,
        pt="""
        ## Resumo

        Nas palavras da recapitulação da aula em espanhol: *"usar valores aleatorios. Con
        ReLU se recomienda He-normal, Xavier para tanh"*. `kernel_initializer="auto"` (o
        padrão de `mlplab.mlp`; nos estimadores, depois de ativações que não sejam as quatro
        do scikit-learn) faz isso para todas as ativações do catálogo. Quando a rede é
        profunda: prefira ativações que não saturam, acompanhe os gradientes e as unidades
        mortas, e use normalização de batch e poda do gradiente.

        ## No laboratório

        - **Experimentos**: `mlplab experiment initialization` (a variância das ativações
          camada a camada, inicialização com zeros),
          `mlplab experiment vanishing-gradients`, `mlplab experiment exploding-gradients` e
          `mlplab experiment dead-relu`.
        - **Playground** (`mlplab playground`):
          [seis camadas sigmoides na espiral](http://127.0.0.1:8000/?ds=spiral&h=8,8,8,8,8,8&a=sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid&lr=0.3)
          (as barras de gradiente encolhem em direção à entrada) e
          [o mesmo com normalização de batch](http://127.0.0.1:8000/?ds=spiral&h=8,8,8,8,8,8&a=sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid&lr=0.3&bn=1);
          [inicialização com zeros](http://127.0.0.1:8000/?ds=circle&h=4,4&a=tanh,tanh&init=zeros)
          (as miniaturas das unidades ocultas nunca diferem);
          [ReLU com passo 3](http://127.0.0.1:8000/?ds=circle&h=8,8&a=relu,relu&lr=3) (as
          barras de unidades mortas se enchem) contra
          [leaky ReLU](http://127.0.0.1:8000/?ds=circle&h=8,8&a=leaky_relu,leaky_relu&lr=3).

        Próximo: [6. O fluxo de trabalho do scikit-learn](06_scikit_learn_workflow.ipynb).
        """,
        es="""
        ## Resumen

        La recapitulación del curso: *"Inicialización de pesos: usar valores aleatorios.
        Con ReLU se recomienda He-normal, Xavier para tanh."* `kernel_initializer="auto"`
        (el valor por defecto de `mlplab.mlp`; en los estimadores, tras activaciones
        distintas de las cuatro de scikit-learn) lo hace para todas las activaciones del
        catálogo. Cuando la red es profunda: prefiere activaciones que no saturen, vigila
        los gradientes y las unidades muertas, y recurre a la normalización por lotes y al
        recorte del gradiente.

        ## En el laboratorio

        - **Experimentos**: `mlplab experiment initialization` (la varianza de las
          activaciones capa a capa, inicialización con ceros),
          `mlplab experiment vanishing-gradients`, `mlplab experiment exploding-gradients` y
          `mlplab experiment dead-relu`.
        - **Playground** (`mlplab playground`):
          [seis capas sigmoides en la espiral](http://127.0.0.1:8000/?ds=spiral&h=8,8,8,8,8,8&a=sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid&lr=0.3)
          (las barras de gradiente encogen hacia la entrada) y
          [lo mismo con normalización por lotes](http://127.0.0.1:8000/?ds=spiral&h=8,8,8,8,8,8&a=sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid&lr=0.3&bn=1);
          [inicialización con ceros](http://127.0.0.1:8000/?ds=circle&h=4,4&a=tanh,tanh&init=zeros)
          (las miniaturas de las unidades ocultas nunca difieren);
          [ReLU con tasa 3](http://127.0.0.1:8000/?ds=circle&h=8,8&a=relu,relu&lr=3) (las
          barras de unidades muertas se llenan) frente a
          [leaky ReLU](http://127.0.0.1:8000/?ds=circle&h=8,8&a=leaky_relu,leaky_relu&lr=3).

        Siguiente: [6. El flujo de trabajo de scikit-learn](06_scikit_learn_workflow.ipynb).
        """,
    ),
]
