"""Notebook 1: from the perceptron to the MLP, or why XOR needs a hidden layer."""

from _cells import code, md, setup

TITLE = {
    "en": "From the perceptron to the MLP: why XOR needs a hidden layer",
    "pt": "Do perceptron à MLP: por que o XOR precisa de uma camada oculta",
    "es": "Del perceptrón al MLP: por qué el XOR necesita una capa oculta",
}

CELLS = [
    md(
        en="""
        # 1. From the perceptron to the MLP: why XOR needs a hidden layer

        A node of a neural network computes the weighted sum of its inputs, with a constant
        input $x_0 = 1$ whose weight $w_0$ is the bias, and applies an activation function:

        $$g(\\mathbf{x}) = \\sum_{i=0}^{K} w_i x_i = \\mathbf{w}^T\\mathbf{x}, \\qquad
        y = f(g(\\mathbf{x})).$$

        The perceptron's activation is the step: $y = 1$ if $g(\\mathbf{x}) \\geq \\theta$,
        else $0$. The course (*TP555, Artificial Neural Networks, Part II*, in Portuguese; our
        translation) puts the whole
        story of this notebook in three sentences: some of the perceptron's limitations
        (*"classifying only linearly separable classes"*) *"can be overcome by adding
        intermediate layers of perceptrons"*; *"an MLP with one hidden layer of two nodes
        and an output layer of one node can solve the XOR problem"*, which *"a single
        perceptron cannot"*; and *"the two hidden nodes learn linear separators that are
        combined into the resulting non-linear separation"*.

        We will see each of them happen: the perceptron learns AND and OR but not XOR; no
        straight line separates XOR; stacking linear layers does not help; two hidden step
        units do it by hand; and gradient descent finds such weights by itself.
        """,
        pt="""
        # 1. Do perceptron à MLP: por que o XOR precisa de uma camada oculta

        Um nó de uma rede neural calcula a soma ponderada de suas entradas, com uma entrada
        constante $x_0 = 1$ cujo peso $w_0$ é o bias, e aplica uma função de ativação:

        $$g(\\mathbf{x}) = \\sum_{i=0}^{K} w_i x_i = \\mathbf{w}^T\\mathbf{x}, \\qquad
        y = f(g(\\mathbf{x})).$$

        A ativação do perceptron é o degrau: $y = 1$ se $g(\\mathbf{x}) \\geq \\theta$, senão
        $0$. O curso (*TP555, Redes Neurais Artificiais, Parte II*) resume a história deste
        notebook em três frases: *"algumas das limitações dos perceptrons (e.g.,
        classificação apenas de classes linearmente separáveis) podem ser superadas
        adicionando-se camadas intermediárias de perceptrons"*; *"uma MLP com uma camada
        oculta com dois nós e uma camada de saída com um nó pode resolver o problema da
        lógica XOR. Lembrem-se que um único perceptron não é capaz de realizar essa
        tarefa"*; e *"os dois nós da camada oculta aprendem separadores lineares que são
        combinados para obter a separação não linear resultante"*.

        Vamos ver cada uma delas acontecer: o perceptron aprende o AND e o OR, mas não o XOR;
        nenhuma reta separa o XOR; empilhar camadas lineares não adianta; duas unidades
        ocultas com degrau resolvem o problema à mão; e o gradiente descendente encontra
        pesos assim sozinho.
        """,
        es="""
        # 1. Del perceptrón al MLP: por qué el XOR necesita una capa oculta

        Un nodo de una red neuronal calcula la suma ponderada de sus entradas, con una
        entrada constante $x_0 = 1$ cuyo peso $w_0$ es el sesgo (*bias*), y aplica una
        función de activación:

        $$g(\\mathbf{x}) = \\sum_{i=0}^{K} w_i x_i = \\mathbf{w}^T\\mathbf{x}, \\qquad
        y = f(g(\\mathbf{x})).$$

        La activación del perceptrón es el escalón: $y = 1$ si $g(\\mathbf{x}) \\geq
        \\theta$, si no $0$. El tema *Configuración de una red neuronal* del curso lo dice
        así: *"los modelos lineales presentan limitaciones por su falta de capacidad. Por
        ejemplo: un modelo lineal no puede aprender la función XOR"*, y la solución es
        *"usar una red multicapa para transformar la representación"*, con *"h: capa oculta
        de 2 neuronas"* y *"f: capa de salida de una neurona"*. Las transparencias de TP555
        añaden que *"los dos nodos de la capa oculta aprenden separadores lineales que se
        combinan para obtener la separación no lineal resultante"*.

        Veremos cada paso: el perceptrón aprende AND y OR pero no XOR; ninguna recta separa
        el XOR; apilar capas lineales no ayuda; dos unidades ocultas con escalón lo
        resuelven a mano; y el descenso por gradiente encuentra esos pesos por sí solo.
        """,
    ),
    setup(
        """
        import re
        from pathlib import Path

        import matplotlib.pyplot as plt
        import numpy as np
        from threadpoolctl import threadpool_limits

        import mlplab
        from mlplab import datasets, plotting
        from mlplab.live import LivePlot
        from mlplab.training import Trainer
        """,
        {
            "epoch": ("época", "época"),
            "wrong predictions": ("previsões erradas", "predicciones erróneas"),
            "perceptron learning rule": (
                "regra de aprendizado do perceptron",
                "regla de aprendizaje del perceptrón",
            ),
            "input space": ("espaço de entrada", "espacio de entrada"),
            "hidden space": ("espaço oculto", "espacio oculto"),
            "class": ("classe", "clase"),
            "P(class 1)": ("P(classe 1)", "P(clase 1)"),
            "loss": ("perda", "pérdida"),
            "training": ("treino", "entrenamiento"),
            "earlier restarts": ("reinícios anteriores", "reinicios anteriores"),
            "restart": ("reinício", "reinicio"),
        },
        translate=True,
    ),
    md(
        en="""
        ## The perceptron and its learning rule

        Rosenblatt's rule changes the weights only when the perceptron is wrong:
        $\\mathbf{w} \\leftarrow \\mathbf{w} + \\eta\\,(d - y)\\,\\mathbf{x}$, with $d$ the
        desired output. On a linearly separable problem it stops making mistakes after a
        finite number of passes (the perceptron convergence theorem). `mlplab` has the step
        function in its activation catalog; `datasets.logic` gives the truth tables.
        """,
        pt="""
        ## O perceptron e sua regra de aprendizado

        A regra de Rosenblatt só muda os pesos quando o perceptron erra:
        $\\mathbf{w} \\leftarrow \\mathbf{w} + \\eta\\,(d - y)\\,\\mathbf{x}$, com $d$ a saída
        desejada. Num problema linearmente separável, ele para de errar após um número
        finito de passadas (o teorema de convergência do perceptron). O `mlplab` tem a
        função degrau em seu catálogo de ativações; `datasets.logic` dá as tabelas-verdade.
        """,
        es="""
        ## El perceptrón y su regla de aprendizaje

        La regla de Rosenblatt solo cambia los pesos cuando el perceptrón se equivoca:
        $\\mathbf{w} \\leftarrow \\mathbf{w} + \\eta\\,(d - y)\\,\\mathbf{x}$, con $d$ la
        salida deseada. En un problema linealmente separable deja de equivocarse tras un
        número finito de pasadas (el teorema de convergencia del perceptrón). `mlplab` tiene
        la función escalón en su catálogo de activaciones; `datasets.logic` da las tablas de
        verdad.
        """,
    ),
    code(
        """
        step = mlplab.activations.get("step")  # 1 if g > 0 else 0


        def train_perceptron(X, d, epochs=12, rate=0.1):
            \"\"\"Rosenblatt's rule; the bias is the weight w0 of a constant input x0 = 1.\"\"\"
            X1 = np.column_stack([np.ones(len(X)), X])
            w = np.zeros(X1.shape[1])
            mistakes = []
            for _ in range(epochs):
                wrong = 0
                for x, target in zip(X1, d, strict=True):
                    y = step(np.array([x @ w]))[0]
                    w += rate * (target - y) * x
                    wrong += int(y != target)
                mistakes.append(wrong)
            return w, mistakes


        fig, ax = plt.subplots(figsize=(5, 2.6))
        for gate in ("and", "or", "xor"):
            X, d = datasets.logic(gate)
            w, mistakes = train_perceptron(X, d)
            print(f"{gate.upper():>3}: mistakes per epoch {mistakes}, w = {w.round(2)}")
            ax.plot(range(1, len(mistakes) + 1), mistakes, marker="o", label=gate.upper())
        ax.set(xlabel=T["epoch"], ylabel=T["wrong predictions"])
        ax.set_title(T["perceptron learning rule"])
        ax.legend()
        plt.show()
        """
    ),
    md(
        en="""
        AND and OR are learnt within a few epochs; on XOR the rule never stops correcting
        itself. This is not a matter of patience.

        ## No straight line separates XOR

        A perceptron answers 1 on one side of the line $w_0 + w_1 x_1 + w_2 x_2 = 0$. For
        XOR we would need $w_0 < 0$ (for $00 \\to 0$), $w_0 + w_2 \\geq 0$ ($01 \\to 1$),
        $w_0 + w_1 \\geq 0$ ($10 \\to 1$) and $w_0 + w_1 + w_2 < 0$ ($11 \\to 0$). Adding the
        two middle inequalities gives $w_0 + w_1 + w_2 \\geq -w_0 > 0$, which contradicts the
        last one. Let us also try some 69 000 lines:
        """,
        pt="""
        AND e OR são aprendidos em poucas épocas; no XOR a regra nunca para de se corrigir.
        Não é questão de paciência.

        ## Nenhuma reta separa o XOR

        Um perceptron responde 1 de um lado da reta $w_0 + w_1 x_1 + w_2 x_2 = 0$. Para o XOR
        precisaríamos de $w_0 < 0$ (para $00 \\to 0$), $w_0 + w_2 \\geq 0$ ($01 \\to 1$),
        $w_0 + w_1 \\geq 0$ ($10 \\to 1$) e $w_0 + w_1 + w_2 < 0$ ($11 \\to 0$). Somando as
        duas desigualdades do meio, $w_0 + w_1 + w_2 \\geq -w_0 > 0$, o que contradiz a
        última. Vamos também testar umas 69 000 retas:
        """,
        es="""
        AND y OR se aprenden en pocas épocas; con XOR la regla nunca deja de corregirse. No
        es cuestión de paciencia.

        ## Ninguna recta separa el XOR

        Un perceptrón responde 1 a un lado de la recta $w_0 + w_1 x_1 + w_2 x_2 = 0$. Para
        el XOR necesitaríamos $w_0 < 0$ (para $00 \\to 0$), $w_0 + w_2 \\geq 0$ ($01 \\to 1$),
        $w_0 + w_1 \\geq 0$ ($10 \\to 1$) y $w_0 + w_1 + w_2 < 0$ ($11 \\to 0$). Sumando las
        dos desigualdades del medio, $w_0 + w_1 + w_2 \\geq -w_0 > 0$, lo que contradice la
        última. Probemos además unas 69 000 rectas:
        """,
    ),
    code(
        """
        X, d = datasets.logic("xor")
        grid = np.linspace(-2, 2, 41)
        lines = np.stack(np.meshgrid(grid, grid, grid), axis=-1).reshape(-1, 3)  # (w0, w1, w2)
        answers = (lines[:, :1] + lines[:, 1:] @ X.T) >= 0  # one row of 4 answers per line
        accuracy = (answers == d).mean(axis=1)
        print(f"{len(lines)} lines; the best classifies {accuracy.max():.0%} of the XOR points")
        """
    ),
    md(
        en="""
        ## Stacking linear layers gives a linear model

        Adding a layer only helps if it is not linear. The Spanish part of the course says
        it in one line: if $f^1(x) = \\theta^T x$ and $f^2(h) = h^T w$, then
        $f(x) = x^T w'$ with $w' = \\theta w$. A 2-3-1 network with the identity activation
        is exactly one linear map:
        """,
        pt="""
        ## Empilhar camadas lineares dá um modelo linear

        Uma camada a mais só ajuda se não for linear. A parte em espanhol do curso diz isso
        em uma linha: se $f^1(x) = \\theta^T x$ e $f^2(h) = h^T w$, então $f(x) = x^T w'$ com
        $w' = \\theta w$. Uma rede 2-3-1 com ativação identidade é exatamente um único mapa
        linear:
        """,
        es="""
        ## Apilar capas lineales da un modelo lineal

        Una capa más solo ayuda si no es lineal. El curso lo dice así: *"si $f^1$ y $f^2$
        son lineales, ¡$f$ también lo es!"*: si $f^1(x) = \\theta^T x$ y $f^2(h) = h^T w$,
        entonces $f(x) = x^T w'$, donde $w' = \\theta w$; *"hay que usar una función no
        lineal, mediante la función de activación"*. Una red 2-3-1 con la activación
        identidad es exactamente una sola aplicación lineal:
        """,
    ),
    code(
        """
        linear_net = mlplab.mlp([2, 3, 1], "identity", "identity", random_state=0)
        (W1, b1), (W2, b2) = linear_net.layers[0].params, linear_net.layers[2].params
        one_layer = X @ (W1 @ W2) + (b1 @ W2 + b2)  # a single weight vector and bias
        print(linear_net)
        print("same outputs as one linear layer:", np.allclose(linear_net.predict(X), one_layer))
        """
    ),
    md(
        en="""
        ## A 2-2-1 network by hand

        Two step units draw two lines: $h_1$ fires above $x_1 + x_2 = 0.5$ (it computes OR)
        and $h_2$ above $x_1 + x_2 = 1.5$ (AND). XOR is "OR and not AND", one more line in
        the space of $(h_1, h_2)$: $y = \\text{step}(h_1 - h_2 - 0.5)$. In `mlplab` a network
        is a `Sequential` of layers; a `Dense` layer computes $u = xW + b$, so its `W` of
        shape (inputs, units) is the course's $\\mathbf{W}^T$.
        """,
        pt="""
        ## Uma rede 2-2-1 à mão

        Duas unidades degrau traçam duas retas: $h_1$ dispara acima de $x_1 + x_2 = 0.5$
        (calcula o OR) e $h_2$ acima de $x_1 + x_2 = 1.5$ (o AND). O XOR é "OR e não AND",
        mais uma reta no espaço de $(h_1, h_2)$: $y = \\text{degrau}(h_1 - h_2 - 0.5)$. No
        `mlplab` uma rede é um `Sequential` de camadas; uma camada `Dense` calcula
        $u = xW + b$, então seu `W` de formato (entradas, unidades) é o $\\mathbf{W}^T$ do
        curso.
        """,
        es="""
        ## Una red 2-2-1 a mano

        Dos unidades escalón trazan dos rectas: $h_1$ se activa por encima de
        $x_1 + x_2 = 0.5$ (calcula el OR) y $h_2$ por encima de $x_1 + x_2 = 1.5$ (el AND).
        El XOR es "OR y no AND", una recta más en el espacio de $(h_1, h_2)$:
        $y = \\text{escalón}(h_1 - h_2 - 0.5)$. En `mlplab` una red es un `Sequential` de
        capas; una capa `Dense` calcula $u = xW + b$, así que su `W` de forma (entradas,
        unidades) es la $\\mathbf{W}^T$ del curso.
        """,
    ),
    code(
        """
        from mlplab import Activation, Dense, Sequential

        layers = [Dense(2), Activation("step"), Dense(1), Activation("step")]
        by_hand = Sequential(layers, n_inputs=2)
        hidden, output = by_hand.layers[0], by_hand.layers[2]
        hidden.params[0][...] = [[1, 1], [1, 1]]  # column j holds the weights of hidden unit j
        hidden.params[1][...] = [-0.5, -1.5]  # h1 = OR, h2 = AND
        output.params[0][...] = [[1], [-1]]
        output.params[1][...] = [-0.5]  # y = h1 and not h2

        H = step(X @ hidden.params[0] + hidden.params[1])
        print(" x1 x2 | h1 h2 | y  d")
        for x, h, y, target in zip(X, H, by_hand.predict(X)[:, 0], d, strict=True):
            print(f"  {x[0]:.0f}  {x[1]:.0f} |  {h[0]:.0f}  {h[1]:.0f} | {y:.0f}  {target}")

        fig, axes = plt.subplots(1, 2, figsize=(7, 3.2))
        t = np.linspace(-0.5, 1.5, 2)
        axes[0].plot(t, 0.5 - t, "C0--", label="$h_1$: $x_1 + x_2 = 0.5$")
        axes[0].plot(t, 1.5 - t, "C1--", label="$h_2$: $x_1 + x_2 = 1.5$")
        axes[1].plot(t, t - 0.5, "k--", label="$y$: $h_1 - h_2 = 0.5$")
        for ax, points, name in ((axes[0], X, "x"), (axes[1], H, "h")):
            ax.scatter(*points.T, c=d, cmap="coolwarm", s=120, edgecolors="k", zorder=3)
            ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel=f"${name}_1$", ylabel=f"${name}_2$")
            ax.legend(fontsize=8, loc="upper right")
        axes[0].set_title(T["input space"])
        axes[1].set_title(T["hidden space"])
        plt.show()
        """
    ),
    md(
        en="""
        In the hidden space the points $01$ and $10$ land on the same spot $(1, 0)$, and one
        line separates the classes: the hidden layer changed the representation so that a
        linear output unit can finish the job.

        ## Learning the weights

        The step cannot be trained by gradient descent: *"its derivative is always zero,
        except at the origin, where it is undefined"*, as the course notes, which is why
        networks use smooth versions of it such as the logistic function and the hyperbolic
        tangent. Here a 2-2-1 network with tanh hidden units and a sigmoid output learns XOR
        by minimizing the cross-entropy (notebooks 3 and 4 show how the gradient is computed
        and used). A network without a hidden layer, trained the same way, stays at 0.5 for
        every point.
        """,
        pt="""
        No espaço oculto os pontos $01$ e $10$ caem no mesmo lugar $(1, 0)$, e uma reta
        separa as classes: a camada oculta mudou a representação de modo que uma unidade de
        saída linear termine o trabalho.

        ## Aprendendo os pesos

        O degrau não pode ser treinado por gradiente descendente: sua *"derivada [é] sempre
        igual a zero, exceto na origem, onde ela é indeterminada"*, como lembra o curso, e
        por isso as redes usam versões suavizadas dele, como a função logística e a tangente
        hiperbólica. Aqui uma rede 2-2-1 com unidades ocultas tanh e saída sigmoide aprende
        o XOR minimizando a entropia cruzada (os notebooks 3 e 4 mostram como o gradiente é
        calculado e usado). Uma rede sem camada oculta, treinada do mesmo jeito, fica em 0.5
        para todos os pontos.
        """,
        es="""
        En el espacio oculto los puntos $01$ y $10$ caen en el mismo sitio $(1, 0)$, y una
        recta separa las clases: la capa oculta cambió la representación para que una unidad
        de salida lineal termine el trabajo.

        ## Aprender los pesos

        El escalón no se puede entrenar por descenso por gradiente: su derivada es cero en
        todas partes salvo en el origen, donde no está definida; por eso las redes usan
        versiones suaves de él, como la sigmoide y la tangente hiperbólica. Aquí una red
        2-2-1 con unidades ocultas tanh y salida sigmoide aprende el XOR minimizando la
        entropía cruzada (los cuadernos 3 y 4 muestran cómo se calcula y se usa el
        gradiente). Una red sin capa oculta, entrenada igual, se queda en 0.5 para todos los
        puntos.
        """,
    ),
    code(
        """
        Y = d.reshape(-1, 1).astype(float)


        def train(sizes, seed, n_init=1):
            net = mlplab.mlp(sizes, "tanh", "sigmoid", random_state=seed)
            trainer = Trainer(
                "binary_crossentropy",
                "adam",
                learning_rate=0.05,
                epochs=1000,
                batch_size=None,
                random_state=seed,
            )
            history = trainer.fit(net, X, Y, n_init=n_init)
            return net, history


        no_hidden, _ = train([2, 1], seed=0)
        print("2-1 outputs:  ", no_hidden.predict(X)[:, 0].round(3))
        net, history = train([2, 2, 1], seed=0)
        print("2-2-1 outputs:", net.predict(X)[:, 0].round(3), "targets:", d)

        fig = tr(plotting.plot_decision_regions(net, X, d, resolution=120))
        fig.set_size_inches(4.4, 3.4)
        fig
        """
    ),
    md(
        en="""
        Gradient descent is a local search, and the error surface of even this tiny network
        has local minima: some initial weights end in one. The course's remedy: *"train the
        model several times, always initializing the weights at random"*, and keep the best.
        `Trainer.fit(..., n_init=k)` does exactly that.
        """,
        pt="""
        O gradiente descendente é uma busca local, e a superfície de erro até desta rede
        minúscula tem mínimos locais: alguns pesos iniciais terminam em um deles. O remédio
        do curso: *"treina-se o modelo várias vezes, sempre inicializando os pesos de forma
        aleatória"*, e fica-se com o melhor. `Trainer.fit(..., n_init=k)` faz exatamente
        isso.
        """,
        es="""
        El descenso por gradiente es una búsqueda local, y la superficie de error incluso de
        esta red diminuta tiene mínimos locales: algunos pesos iniciales acaban en uno. El
        remedio del curso: entrenar el modelo varias veces, inicializando siempre los pesos
        al azar, y quedarse con el mejor. `Trainer.fit(..., n_init=k)` hace exactamente eso.
        """,
    ),
    code(
        """
        def solved(net):
            return bool(np.all((net.predict(X)[:, 0] > 0.5) == d))


        runs = [solved(train([2, 2, 1], seed)[0]) for seed in range(10)]
        print(f"one initialization: {sum(runs)} of 10 seeds solve XOR")
        restarts = [solved(train([2, 2, 1], seed, n_init=5)[0]) for seed in range(10)]
        print(f"best of 5 initializations: {sum(restarts)} of 10 seeds solve XOR")
        """
    ),
    md(
        en="""
        Watch it happen: a seed whose single initialization gets stuck, trained again with
        `n_init=5`. A `LivePlot` in the trainer's callbacks draws the loss under the cell while
        the network trains and redraws it in place (in a terminal it is a progress bar); each
        restart starts a new curve, the earlier ones in grey. `Trainer.fit` keeps the restart
        with the lowest loss. A network prints as a table of its layers (`net.summary()`): the
        2-2-1 network has 9 weights, 6 in the hidden layer and 3 in the output.
        """,
        pt="""
        Veja acontecer: uma semente cuja única inicialização empaca, treinada de novo com
        `n_init=5`. Um `LivePlot` nos callbacks do treinador desenha a perda sob a célula enquanto
        a rede treina e a redesenha no lugar (num terminal é uma barra de progresso); cada
        reinício começa uma nova curva, as anteriores em cinza. `Trainer.fit` fica com o reinício
        de menor perda. Uma rede se imprime como uma tabela de suas camadas (`net.summary()`): a
        rede 2-2-1 tem 9 pesos, 6 na camada oculta e 3 na saída.
        """,
        es="""
        Veámoslo: una semilla cuya única inicialización se atasca, entrenada de nuevo con
        `n_init=5`. Un `LivePlot` en los callbacks del entrenador dibuja la pérdida bajo la celda
        mientras la red entrena y la redibuja en su sitio (en una terminal es una barra de
        progreso); cada reinicio empieza una curva nueva, las anteriores en gris. `Trainer.fit` se
        queda con el reinicio de menor pérdida. Una red se imprime como una tabla de sus capas
        (`net.summary()`): la red 2-2-1 tiene 9 pesos, 6 en la capa oculta y 3 en la salida.
        """,
    ),
    code(
        """
        stuck = next((seed for seed, ok in enumerate(runs) if not ok), 0)
        net = mlplab.mlp([2, 2, 1], "tanh", "sigmoid", random_state=stuck)
        live = LivePlot(on_draw=tr, figsize=(6, 3))  # tr: the labels in the notebook's language
        trainer = Trainer(
            "binary_crossentropy",
            "adam",
            learning_rate=0.05,
            epochs=1000,
            batch_size=None,
            random_state=stuck,
            callbacks=[live],
        )
        trainer.fit(net, X, Y, n_init=5)
        print(f"seed {stuck}, best of 5:", net.predict(X)[:, 0].round(3), "solved:", solved(net))
        print(net.summary())
        """
    ),
    md(
        en="""
        ## In the lab

        - **Experiment**: `mlplab experiment xor` trains the model without hidden layer and
          the 2-2-1 network from 20 seeds and writes a report with the decision regions
          (from Python: `mlplab.experiments.run("xor", "runs/lab")`).
        - **Playground** (start it with `mlplab playground`, then open the links):
          - [XOR without a hidden layer](http://127.0.0.1:8000/?ds=xor&h=&a=&f=x1,x2):
            press play, the boundary stays a straight line;
          - [the same model with the feature $x_1 x_2$](http://127.0.0.1:8000/?ds=xor&h=&a=&f=x1,x2,x1x2):
            a new representation of the input makes XOR linearly separable;
          - [a 2-2-1 network](http://127.0.0.1:8000/?ds=xor&h=2&a=tanh&f=x1,x2&lr=0.1):
            watch the two hidden units become two lines (*regenerate* draws new initial
            weights when a run gets stuck).

        Next: [2. Activation functions](02_activation_functions.ipynb).
        """,
        pt="""
        ## No laboratório

        - **Experimento**: `mlplab experiment xor` treina o modelo sem camada oculta e a rede
          2-2-1 a partir de 20 sementes e escreve um relatório com as regiões de decisão (em
          Python: `mlplab.experiments.run("xor", "runs/lab")`).
        - **Playground** (inicie com `mlplab playground` e abra os links):
          - [XOR sem camada oculta](http://127.0.0.1:8000/?ds=xor&h=&a=&f=x1,x2): aperte
            play, a fronteira continua uma reta;
          - [o mesmo modelo com o atributo $x_1 x_2$](http://127.0.0.1:8000/?ds=xor&h=&a=&f=x1,x2,x1x2):
            uma nova representação da entrada torna o XOR linearmente separável;
          - [uma rede 2-2-1](http://127.0.0.1:8000/?ds=xor&h=2&a=tanh&f=x1,x2&lr=0.1):
            veja as duas unidades ocultas virarem duas retas (*regenerate* sorteia novos
            pesos iniciais quando um treino empaca).

        Próximo: [2. Funções de ativação](02_activation_functions.ipynb).
        """,
        es="""
        ## En el laboratorio

        - **Experimento**: `mlplab experiment xor` entrena el modelo sin capa oculta y la red
          2-2-1 desde 20 semillas y escribe un informe con las regiones de decisión (desde
          Python: `mlplab.experiments.run("xor", "runs/lab")`).
        - **Playground** (arráncalo con `mlplab playground` y abre los enlaces):
          - [XOR sin capa oculta](http://127.0.0.1:8000/?ds=xor&h=&a=&f=x1,x2): pulsa play,
            la frontera sigue siendo una recta;
          - [el mismo modelo con el atributo $x_1 x_2$](http://127.0.0.1:8000/?ds=xor&h=&a=&f=x1,x2,x1x2):
            *"que el modelo aprenda una representación diferente de los datos de entrada,
            para que un modelo lineal sí que pueda separarlos"*, como dice el curso;
          - [una red 2-2-1](http://127.0.0.1:8000/?ds=xor&h=2&a=tanh&f=x1,x2&lr=0.1): mira
            cómo las dos unidades ocultas se vuelven dos rectas (*regenerate* sortea nuevos
            pesos iniciales cuando un entrenamiento se atasca).

        Siguiente: [2. Funciones de activación](02_activation_functions.ipynb).
        """,
    ),
]
