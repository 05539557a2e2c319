"""Notebook 4: gradient descent, its variants, and learning-rate decay."""

from _cells import code, md, setup

TITLE = {
    "en": "Gradient descent: batch, stochastic, mini-batch, momentum, adaptive rates, L-BFGS",
    "pt": "Gradiente descendente: batelada, estocástico, mini-batch, momentum, passos "
    "adaptativos, L-BFGS",
    "es": "Descenso por gradiente: por lotes, estocástico, mini-batch, momentum, tasas "
    "adaptativas, L-BFGS",
}

CELLS = [
    md(
        en="""
        # 4. Gradient descent

        Learning is the minimization of an error function $J(\\mathbf{w})$ over the weights,
        *"conducted iteratively, which gives a more natural sense to the notion of
        learning"* (*TP555, Part II*). First-order methods follow the gradient,
        $\\mathbf{w}(k+1) \\leftarrow \\mathbf{w}(k) - \\alpha \\nabla J(\\mathbf{w}(k))$;
        second-order methods also use the Hessian,
        $\\mathbf{w}(k+1) \\leftarrow \\mathbf{w}(k) - \\alpha \\mathbf{H}^{-1} \\nabla J$, or
        an approximation of it such as L-BFGS. The gradient of $J$ is the mean of the *local
        gradients* of the examples, so the course asks: is it better to take a step after
        each example, to gather the whole gradient and take a single, more precise step, or
        something in between? That gives the three versions of gradient descent, and then
        the modifications that *"improve their performance without increasing their
        computational complexity much"*: learning-rate decay, momentum, Nesterov's momentum
        and adaptive learning rates.
        """,
        pt="""
        # 4. Gradiente descendente

        O aprendizado é a minimização de uma função de erro $J(\\mathbf{w})$ em relação aos
        pesos, um processo *"conduzido de forma iterativa, o que dá um sentido mais natural
        à noção de aprendizado"* (*TP555, Parte II*). Os métodos de primeira ordem seguem o
        gradiente, $\\mathbf{w}(k+1) \\leftarrow \\mathbf{w}(k) - \\alpha \\nabla
        J(\\mathbf{w}(k))$; os de segunda ordem usam também a Hessiana,
        $\\mathbf{w}(k+1) \\leftarrow \\mathbf{w}(k) - \\alpha \\mathbf{H}^{-1} \\nabla J$, ou
        uma aproximação dela, como o L-BFGS. O gradiente de $J$ é a média dos *gradientes
        locais* dos exemplos, e o curso pergunta: *"o que é melhor, [...] já dar um passo de
        otimização [...], reunir o gradiente completo e então dar um passo único e mais
        preciso ou um meio termo?"* Daí as três versões do gradiente descendente, e depois
        as modificações que *"melhoram seu desempenho sem aumentar muito sua complexidade
        computacional"*: redução gradual do passo, termo momentum, momento de Nesterov e
        passos de aprendizagem adaptativos.
        """,
        es="""
        # 4. Descenso por gradiente

        Aprender es minimizar una función de error $J(\\mathbf{w})$ respecto a los pesos, de
        forma iterativa. Los métodos de primer orden siguen el gradiente,
        $\\mathbf{w}(k+1) \\leftarrow \\mathbf{w}(k) - \\alpha \\nabla J(\\mathbf{w}(k))$; los
        de segundo orden usan también la hessiana, $\\mathbf{w}(k+1) \\leftarrow
        \\mathbf{w}(k) - \\alpha \\mathbf{H}^{-1} \\nabla J$, o una aproximación de ella como
        L-BFGS. El gradiente de $J$ es la media de los *gradientes locales* de los ejemplos,
        y las transparencias de TP555 preguntan: ¿es mejor dar un paso tras cada ejemplo,
        reunir el gradiente completo y dar un único paso más preciso, o algo intermedio? De
        ahí las tres versiones del descenso por gradiente, y luego las modificaciones que
        mejoran su rendimiento sin aumentar mucho su coste: reducción de la tasa de
        aprendizaje, momentum, momentum de Nesterov y tasas adaptativas.
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
        from threadpoolctl import threadpool_limits

        import mlplab
        from mlplab import datasets, losses, optimizers, schedules
        from mlplab.callbacks import Callback
        from mlplab.live import LivePlot
        from mlplab.training import DivergenceWarning, Trainer
        """,
        {
            "epoch": ("época", "época"),
            "weight updates": ("atualizações dos pesos", "actualizaciones de los pesos"),
            "loss on the whole training set": (
                "perda no conjunto de treino inteiro",
                "pérdida en todo el conjunto de entrenamiento",
            ),
            "batch": ("batelada", "por lotes"),
            "mini-batch of 16": ("mini-batch de 16", "mini-batch de 16"),
            "stochastic": ("estocástico", "estocástico"),
            "learning rate": ("passo de aprendizagem", "tasa de aprendizaje"),
            "learning-rate schedules": ("reduções do passo", "reducciones de la tasa"),
            "constant": ("constante", "constante"),
            "linear decay": ("redução linear", "reducción lineal"),
            "noise floor": ("piso do ruído", "suelo del ruido"),
            "full-batch optimum (L-BFGS)": (
                "ótimo com batelada (L-BFGS)",
                "óptimo por lotes (L-BFGS)",
            ),
            "step": ("passo", "paso"),
            "error J": ("erro J", "error J"),
            "minimum": ("mínimo", "mínimo"),
            "training loss": ("perda de treino", "pérdida de entrenamiento"),
            "epoch (L-BFGS: iteration)": ("época (L-BFGS: iteração)", "época (L-BFGS: iteración)"),
            "loss": ("perda", "pérdida"),
            "training": ("treino", "entrenamiento"),
            "validation": ("validação", "validación"),
            "validation accuracy": ("acurácia de validação", "exactitud de validación"),
        },
        translate=True,
    ),
    md(
        en="""
        ## Batch, stochastic and mini-batch

        The data: the course's $\\sin x$ on $[1, 2\\pi]$ with noise of standard deviation
        0.1, so the best possible mean squared error is about $0.1^2 = 0.01$. The network:
        1-16-1 with tanh. `Trainer(batch_size=None)` is batch gradient descent (one step per
        epoch), `batch_size=1` the stochastic version (a step per example, in a new random
        order each epoch, as the course requires) and anything between a mini-batch. A
        small `Callback` records the loss on the whole training set after every epoch, the
        same yardstick for all three. Each version gets the best learning rate of a small
        sweep.
        """,
        pt="""
        ## Batelada, estocástico e mini-batch

        Os dados: o $\\sin x$ do curso em $[1, 2\\pi]$ com ruído de desvio padrão 0.1; o
        melhor erro quadrático médio possível é então cerca de $0.1^2 = 0.01$. A rede:
        1-16-1 com tanh. `Trainer(batch_size=None)` é o gradiente descendente em batelada
        (um passo por época), `batch_size=1` a versão estocástica (um passo por exemplo,
        numa nova ordem aleatória a cada época: *"os exemplos [...] devem ser aleatoriamente
        escolhidos"*) e qualquer valor intermediário um mini-batch. Um pequeno `Callback`
        registra a perda no conjunto de treino inteiro após cada época, a mesma régua para
        as três. Cada versão recebe o melhor passo de aprendizagem de uma pequena varredura.
        """,
        es="""
        ## Por lotes, estocástico y mini-batch

        Los datos: el $\\sin x$ del curso en $[1, 2\\pi]$ con ruido de desviación típica 0.1,
        así que el mejor error cuadrático medio posible ronda $0.1^2 = 0.01$. La red: 1-16-1
        con tanh. `Trainer(batch_size=None)` es el descenso por gradiente por lotes (un paso
        por época), `batch_size=1` la versión estocástica (un paso por ejemplo, en un nuevo
        orden aleatorio cada época) y cualquier valor intermedio un mini-batch. Un pequeño
        `Callback` registra la pérdida en todo el conjunto de entrenamiento tras cada época,
        la misma vara de medir para las tres. Cada versión recibe la mejor tasa de
        aprendizaje de un pequeño barrido.
        """,
    ),
    code(
        """
        X, y = datasets.function("sine", n_samples=200, noise=0.1, random_state=0)
        X = (X - X.mean()) / X.std()
        Y = y.reshape(-1, 1)
        mse = losses.get("squared_error")


        class FullLoss(Callback):
            \"\"\"Record the loss on the whole training set at the end of every epoch.\"\"\"

            def __init__(self):
                self.values = []

            def on_epoch_end(self, trainer, logs):
                self.values.append(mse(Y, trainer.network.predict(X)))


        def fit(optimizer, learning_rate, batch_size, epochs=40):
            net = mlplab.mlp([1, 16, 1], "tanh", random_state=0)
            record = FullLoss()
            trainer = Trainer(
                "squared_error",
                optimizer,
                learning_rate=learning_rate,
                epochs=epochs,
                batch_size=batch_size,
                callbacks=[record],
                random_state=0,
            )
            with warnings.catch_warnings():
                # A too large rate diverges: the sweep below just skips it.
                warnings.simplefilter("ignore", DivergenceWarning)
                trainer.fit(net, X, Y)
            return np.array(record.values), net


        RATES = [0.003, 0.03, 0.3]
        versions = {"batch": None, "mini-batch of 16": 16, "stochastic": 1}
        curves = {}
        for name, batch_size in versions.items():
            with np.errstate(all="ignore"):  # the largest rates may overflow and stop
                runs = {rate: fit("sgd", rate, batch_size)[0] for rate in RATES}
            best = min(runs, key=lambda rate: runs[rate][-1] if len(runs[rate]) else np.inf)
            curves[name] = runs[best]
            print(f"{name:>16}: best rate {best:<5} final loss {runs[best][-1]:.4f}")

        fig, axes = plt.subplots(1, 2, figsize=(8, 3), sharey=True)
        for name, values in curves.items():
            steps_per_epoch = 1 if versions[name] is None else -(-len(X) // versions[name])
            epochs = np.arange(1, len(values) + 1)
            axes[0].plot(epochs, values, label=T[name])
            axes[1].plot(epochs * steps_per_epoch, values, label=T[name])
        axes[0].set(xlabel=T["epoch"], ylabel=T["loss on the whole training set"], yscale="log")
        axes[1].set(xlabel=T["weight updates"], xscale="log")
        axes[0].legend()
        plt.show()
        """
    ),
    md(
        en="""
        Per pass over the data, the stochastic version makes 200 updates where the batch
        version makes one, and gets much further; per update, the batch version's exact
        gradient is better. The mini-batch is the compromise deep learning uses, since it
        also lets each step work on a block of examples at once.

        ## Learning-rate decay

        With a constant rate the stochastic versions never settle: each step follows the
        gradient of a few examples, which is noisy. The course: *"we can reduce the learning
        step to make these versions better behaved and, hopefully, obtain convergence"*, by
        steps, exponentially or over time, for example linearly:

        $$\\alpha_j = \\left(1 - \\frac{j}{\\tau}\\right)\\alpha_0 + \\frac{j}{\\tau}\\,
        \\alpha_\\tau,$$

        constant at $\\alpha_\\tau$ after iteration $\\tau$. `mlplab.schedules` has these
        (`schedules.get("linear", lr=α₀, final_lr=α_τ, decay_steps=τ)`) and more:
        """,
        pt="""
        Por passada pelos dados, a versão estocástica faz 200 atualizações onde a batelada
        faz uma, e vai muito mais longe; por atualização, o gradiente exato da batelada é
        melhor. O mini-batch é o meio-termo usado em aprendizado profundo, pois também
        permite que cada passo trabalhe sobre um bloco de exemplos de uma vez.

        ## Redução gradual do passo de aprendizagem

        Com um passo constante, as versões estocásticas nunca se assentam: cada passo segue
        o gradiente de poucos exemplos, que é ruidoso. O curso: *"podemos reduzir o passo de
        aprendizagem para tornar essas versões mais comportadas e, esperançosamente, obter a
        convergência"*, *"por degraus, decaimento exponencial ou temporal"*, por exemplo
        linearmente:

        $$\\alpha_j = \\left(1 - \\frac{j}{\\tau}\\right)\\alpha_0 + \\frac{j}{\\tau}\\,
        \\alpha_\\tau,$$

        *"onde $j$ é o contador de iterações, $\\alpha_0$ é o valor inicial do passo, $\\tau$
        é o número da iteração a partir da qual o passo fica constante e $\\alpha_\\tau$ é o
        valor constante do passo após a $\\tau$-ésima iteração"*. O `mlplab.schedules` tem
        essas reduções (`schedules.get("linear", lr=α₀, final_lr=α_τ, decay_steps=τ)`) e
        outras:
        """,
        es="""
        Por pasada sobre los datos, la versión estocástica hace 200 actualizaciones donde la
        versión por lotes hace una, y llega mucho más lejos; por actualización, el gradiente
        exacto por lotes es mejor. El mini-batch es el término medio que usa el aprendizaje
        profundo, ya que además permite que cada paso trabaje sobre un bloque de ejemplos a
        la vez.

        ## Reducción de la tasa de aprendizaje

        Con una tasa constante las versiones estocásticas nunca se asientan: cada paso sigue
        el gradiente de pocos ejemplos, que es ruidoso. La solución del curso es reducir la
        tasa para que se comporten mejor y, con suerte, converjan: por escalones,
        exponencialmente o con el tiempo, por ejemplo de forma lineal:

        $$\\alpha_j = \\left(1 - \\frac{j}{\\tau}\\right)\\alpha_0 + \\frac{j}{\\tau}\\,
        \\alpha_\\tau,$$

        constante en $\\alpha_\\tau$ a partir de la iteración $\\tau$. `mlplab.schedules`
        las tiene (`schedules.get("linear", lr=α₀, final_lr=α_τ, decay_steps=τ)`) y otras:
        """,
    ),
    code(
        """
        t = np.arange(100)
        shapes = {
            "constant": schedules.get("constant", lr=0.1),
            "step": schedules.get("step", lr=0.1, step_size=30, gamma=0.3),
            "exponential": schedules.get("exponential", lr=0.1, gamma=0.97),
            "invscaling": schedules.get("invscaling", lr=0.1, power_t=0.5),
            "linear": schedules.get("linear", lr=0.1, final_lr=0.005, decay_steps=80),
            "cosine": schedules.get("cosine", lr=0.1, period=100, min_lr=0.005),
        }
        fig, ax = plt.subplots(figsize=(5.5, 3))
        for name, schedule in shapes.items():
            ax.plot(t, [schedule(j) for j in t], label=name)
        ax.set(xlabel=T["epoch"], ylabel=T["learning rate"], title=T["learning-rate schedules"])
        ax.legend(fontsize=8)
        plt.show()
        """
    ),
    md(
        en="""
        Now the stochastic version (one example per step) with a constant rate and with the
        course's linear decay to $\\alpha_\\tau = 0.001$ at epoch $\\tau = 45$. The
        reference is the full-batch optimum of the same network, found by L-BFGS:
        """,
        pt="""
        Agora a versão estocástica (um exemplo por passo) com passo constante e com a
        redução linear do curso até $\\alpha_\\tau = 0.001$ na época $\\tau = 45$. A
        referência é o ótimo em batelada da mesma rede, encontrado pelo L-BFGS:
        """,
        es="""
        Ahora la versión estocástica (un ejemplo por paso) con tasa constante y con la
        reducción lineal del curso hasta $\\alpha_\\tau = 0.001$ en la época $\\tau = 45$.
        La referencia es el óptimo por lotes de la misma red, encontrado con L-BFGS:
        """,
    ),
    code(
        """
        constant, _ = fit("sgd", 0.05, batch_size=1, epochs=60)
        linear = schedules.get("linear", lr=0.05, final_lr=0.001, decay_steps=45)
        decayed, _ = fit("sgd", linear, batch_size=1, epochs=60)
        optimum, _ = fit("lbfgs", None, batch_size=None, epochs=300)

        fig, ax = plt.subplots(figsize=(6, 3))
        ax.plot(np.arange(1, 61), constant, label=T["constant"])
        ax.plot(np.arange(1, 61), decayed, label=T["linear decay"])
        ax.axhline(optimum[-1], color="k", ls="--", lw=1, label=T["full-batch optimum (L-BFGS)"])
        ax.axhline(0.01, color="0.6", ls=":", lw=1, label=T["noise floor"])
        ax.set(xlabel=T["epoch"], ylabel=T["loss on the whole training set"], ylim=(0.008, 0.03))
        ax.legend(fontsize=8)
        plt.show()
        for name, values in (("constant", constant), ("linear decay", decayed)):
            last = values[-15:]
            print(
                f"{name:>12}: last 15 epochs from {last.min():.4f} to {last.max():.4f},"
                f" {last.mean() - optimum[-1]:.4f} above the optimum {optimum[-1]:.4f} on average"
            )
        """
    ),
    md(
        en="""
        With the decayed rate the stochastic version settles: over its last epochs the loss
        hardly moves, while with the constant rate it keeps jumping, and on average it ends
        closer to the full-batch optimum (which lies below the noise floor: with 49 weights
        the network fits part of the noise). The course's caveat holds too: we still had
        to choose $\\alpha_0$, $\\alpha_\\tau$ and $\\tau$.

        ## Momentum, Nesterov and adaptive rates

        These are easiest to see on a surface of two weights. Ours is a curved valley,
        $J(w_0, w_1) = (1 - w_0)^2 + 5(w_1 - w_0^2)^2$, with its minimum at $(1, 1)$: the
        kind of surface where, according to the course, Nesterov's method *"damps the
        oscillations, especially where the error surface looks like a valley"*. Each
        `mlplab.optimizers` object updates a list of arrays in place from their gradients
        (`optimizer.step([w], [grad])`), the same call the `Trainer` makes for a network.

        - **Momentum** (the course's form, `convention="average"`): a moving average of the
          gradients, $\\mathbf{v} \\leftarrow \\mu \\mathbf{v} + (1-\\mu)\\nabla J$,
          $\\mathbf{w} \\leftarrow \\mathbf{w} - \\alpha \\mathbf{v}$. scikit-learn and
          PyTorch use $\\mathbf{v} \\leftarrow \\mu\\mathbf{v} - \\alpha\\nabla J$,
          $\\mathbf{w} \\leftarrow \\mathbf{w} + \\mathbf{v}$ (`convention="classical"`),
          whose steps are $1/(1-\\mu)$ times longer for the same $\\alpha$.
        - **Nesterov**: the gradient is taken at the look-ahead point
          $\\mathbf{w} - \\alpha\\mathbf{v}$.
        - **AdaGrad, RMSProp, Adam**: a separate step for each weight, scaled by the
          history of its own gradients.
        - **L-BFGS**: a quasi-Newton method that approximates the inverse Hessian from the
          last gradients (through SciPy).

        Every method gets the best rate of a sweep over 200 steps:
        """,
        pt="""
        Com o passo reduzido a versão estocástica se assenta: nas últimas épocas a perda
        quase não se move, enquanto com o passo constante continua pulando, e em média
        termina mais perto do ótimo em batelada (que fica abaixo do piso do ruído: com 49
        pesos a rede ajusta parte do ruído). A ressalva do curso também vale: *"ainda
        temos que encontrar os valores ideais para os hiperparâmetros, nesse caso,
        $\\alpha_0$, $\\alpha_\\tau$ e $\\tau$"*.

        ## Momentum, Nesterov e passos adaptativos

        Eles são mais fáceis de ver numa superfície de dois pesos. A nossa é um vale curvo,
        $J(w_0, w_1) = (1 - w_0)^2 + 5(w_1 - w_0^2)^2$, com mínimo em $(1, 1)$: o tipo de
        superfície em que, segundo o curso, o momento de Nesterov *"amortiza as oscilações,
        especialmente em regiões onde a superfície de erro se assemelha à forma de um
        vale"*. Cada objeto de `mlplab.optimizers` atualiza uma lista de arranjos no lugar a
        partir de seus gradientes (`optimizer.step([w], [grad])`), a mesma chamada que o
        `Trainer` faz para uma rede.

        - **Momentum** (a forma do curso, `convention="average"`): *"uma média movente de
          estimativas do vetor gradiente"*, $\\mathbf{v} \\leftarrow \\mu \\mathbf{v} +
          (1-\\mu)\\nabla J$, $\\mathbf{w} \\leftarrow \\mathbf{w} - \\alpha \\mathbf{v}$. O
          scikit-learn e o PyTorch usam $\\mathbf{v} \\leftarrow \\mu\\mathbf{v} -
          \\alpha\\nabla J$, $\\mathbf{w} \\leftarrow \\mathbf{w} + \\mathbf{v}$
          (`convention="classical"`), cujos passos são $1/(1-\\mu)$ vezes maiores para o
          mesmo $\\alpha$.
        - **Nesterov**: o gradiente é calculado *"em relação ao próximo vetor de pesos"*,
          $\\mathbf{w} - \\alpha\\mathbf{v}$.
        - **AdaGrad, RMSProp, Adam**: *"passos de aprendizagem diferentes para cada peso"*,
          escalados pelo histórico dos seus próprios gradientes.
        - **L-BFGS**: um método quasi-Newton que aproxima a inversa da Hessiana a partir
          dos últimos gradientes (via SciPy).

        Cada método recebe o melhor passo de uma varredura de 200 passos:
        """,
        es="""
        Con la tasa reducida la versión estocástica se asienta: en las últimas épocas la
        pérdida apenas se mueve, mientras que con la tasa constante sigue saltando, y en
        promedio termina más cerca del óptimo por lotes (que queda por debajo del suelo del
        ruido: con 49 pesos la red ajusta parte del ruido). La salvedad también vale: todavía hubo
        que elegir $\\alpha_0$, $\\alpha_\\tau$ y $\\tau$.

        ## Momentum, Nesterov y tasas adaptativas

        Se ven mejor en una superficie de dos pesos. La nuestra es un valle curvo,
        $J(w_0, w_1) = (1 - w_0)^2 + 5(w_1 - w_0^2)^2$, con mínimo en $(1, 1)$: el tipo de
        superficie donde el momentum de Nesterov amortigua las oscilaciones. Cada objeto de
        `mlplab.optimizers` actualiza en su sitio una lista de matrices a partir de sus
        gradientes (`optimizer.step([w], [grad])`), la misma llamada que hace el `Trainer`
        para una red.

        - **Momentum** (la forma del curso, `convention="average"`): una media móvil de los
          gradientes, $\\mathbf{v} \\leftarrow \\mu \\mathbf{v} + (1-\\mu)\\nabla J$,
          $\\mathbf{w} \\leftarrow \\mathbf{w} - \\alpha \\mathbf{v}$. scikit-learn y
          PyTorch usan $\\mathbf{v} \\leftarrow \\mu\\mathbf{v} - \\alpha\\nabla J$,
          $\\mathbf{w} \\leftarrow \\mathbf{w} + \\mathbf{v}$ (`convention="classical"`),
          cuyos pasos son $1/(1-\\mu)$ veces más largos para el mismo $\\alpha$.
        - **Nesterov**: el gradiente se toma en el punto adelantado
          $\\mathbf{w} - \\alpha\\mathbf{v}$.
        - **AdaGrad, RMSProp, Adam**: un paso distinto para cada peso, escalado por la
          historia de sus propios gradientes.
        - **L-BFGS**: un método cuasi-Newton que aproxima la inversa de la hessiana a partir
          de los últimos gradientes (con SciPy).

        Cada método recibe la mejor tasa de un barrido de 200 pasos:
        """,
    ),
    code(
        """
        def valley(w):
            return (1 - w[0]) ** 2 + 5 * (w[1] - w[0] ** 2) ** 2


        def valley_gradient(w):
            across = w[1] - w[0] ** 2
            return np.array([-2 * (1 - w[0]) - 20 * w[0] * across, 10 * across])


        METHODS = {
            "SGD": lambda rate: optimizers.SGD(rate),
            "momentum": lambda rate: optimizers.SGD(rate, momentum=0.9, convention="average"),
            "Nesterov": lambda rate: optimizers.SGD(
                rate, momentum=0.9, nesterov=True, convention="average"
            ),
            "AdaGrad": lambda rate: optimizers.AdaGrad(rate),
            "RMSProp": lambda rate: optimizers.RMSProp(rate),
            "Adam": lambda rate: optimizers.Adam(rate),
        }
        start = np.array([-1.5, 2.0])


        def descend(optimizer, steps=200):
            w = start.copy()
            path = [w.copy()]
            with np.errstate(all="ignore"):  # a too large rate overflows: that run just loses
                for _ in range(steps):
                    optimizer.step([w], [valley_gradient(w)])
                    path.append(w.copy())
            return np.array(path)


        def settled(path):
            \"\"\"The highest J of its last 20 steps: where a method stays, not where it is.\"\"\"
            return np.nan_to_num(max(valley(w) for w in path[-20:]), nan=np.inf)


        paths = {}
        for name, make in METHODS.items():
            tries = {rate: descend(make(rate)) for rate in (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1)}
            best = min(tries, key=lambda rate: settled(tries[rate]))
            paths[name] = tries[best]
            print(f"{name:>8}: rate {best:<5} J after 200 steps {valley(tries[best][-1]):.1e}")

        points = [start]
        result = optimizers.LBFGS(max_iter=200).minimize(
            lambda w: (valley(w), valley_gradient(w)), start, callback=points.append
        )
        paths["L-BFGS"] = np.array(points)
        print(f"  L-BFGS: {result.nit} iterations, {result.nfev} evaluations, J {result.fun:.1e}")
        """
    ),
    code(
        """
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
        g0, g1 = np.meshgrid(np.linspace(-2, 2, 200), np.linspace(-1, 3, 200))
        heights = np.log10(valley(np.array([g0, g1])) + 1e-3)
        axes[0].contour(g0, g1, heights, levels=15, cmap="Greys", linewidths=0.6)
        for name, path in paths.items():
            axes[0].plot(path[:, 0], path[:, 1], lw=1.2, label=name)
            axes[1].plot(np.maximum([valley(w) for w in path], 1e-16), lw=1.2, label=name)
        axes[0].plot(1, 1, "k*", ms=10)
        axes[0].set(xlim=(-2, 2), ylim=(-1, 3), xlabel="$w_0$", ylabel="$w_1$")
        axes[1].set(xlabel=T["step"], ylabel=T["error J"], yscale="log")
        axes[1].legend(fontsize=8)
        plt.show()
        """
    ),
    md(
        en="""
        Plain SGD creeps along the floor of the valley. Momentum, with the same kind of
        step, tolerates a rate ten times larger because the average cancels the oscillations
        across the valley, and gains speed where the gradients keep pointing the same way;
        Nesterov's look-ahead does as well. Adam adapts each coordinate's step and reaches
        the minimum too, while AdaGrad (whose steps shrink as it sums squared gradients) and
        RMSProp (which keeps bouncing at a constant rate) do no better than SGD here. L-BFGS
        needs about twenty iterations: second-order information pays off when the gradient
        can be computed exactly, that is, in full batch.

        ## On a network

        The same comparison on a real network: 600 handwritten digits (`datasets.digits`,
        pixels scaled to $[0, 1]$), a 64-32-10 tanh network with a softmax output and the
        cross-entropy, mini-batches of 32, 20 epochs. Again each optimizer gets the best
        rate of a sweep, and the table shows the whole sweep:
        """,
        pt="""
        O SGD simples rasteja pelo fundo do vale. O momentum, com o mesmo tipo de passo,
        tolera um passo dez vezes maior porque a média cancela as oscilações de um lado a
        outro do vale, e *"ganha impulso"* onde os gradientes continuam apontando na mesma
        direção; o Nesterov também. O Adam adapta o passo de cada coordenada e também chega
        ao mínimo, enquanto o AdaGrad (cujos passos encolhem à medida que soma os quadrados
        dos gradientes) e o RMSProp (que continua pulando com passo constante) não se saem
        melhor que o SGD aqui. O L-BFGS precisa de umas vinte iterações: a informação de
        segunda ordem compensa quando o gradiente pode ser calculado exatamente, ou seja, em
        batelada.

        ## Numa rede

        A mesma comparação numa rede de verdade: 600 dígitos manuscritos
        (`datasets.digits`, pixels escalados para $[0, 1]$), uma rede 64-32-10 tanh com saída
        softmax e entropia cruzada, mini-batches de 32, 20 épocas. De novo cada otimizador
        recebe o melhor passo de uma varredura, e a tabela mostra a varredura inteira:
        """,
        es="""
        El SGD simple se arrastra por el fondo del valle. El momentum, con el mismo tipo de
        paso, tolera una tasa diez veces mayor porque la media cancela las oscilaciones de
        un lado a otro del valle, y gana velocidad donde los gradientes siguen apuntando en
        la misma dirección; el de Nesterov también. Adam adapta el paso de cada coordenada y
        también llega al mínimo, mientras que AdaGrad (cuyos pasos se encogen a medida que
        suma los cuadrados de los gradientes) y RMSProp (que sigue rebotando con tasa
        constante) no lo hacen mejor que el SGD aquí. L-BFGS necesita unas veinte
        iteraciones: la información de segundo orden compensa cuando el gradiente se puede
        calcular exactamente, es decir, por lotes.

        ## En una red

        La misma comparación en una red de verdad: 600 dígitos manuscritos
        (`datasets.digits`, píxeles escalados a $[0, 1]$), una red 64-32-10 tanh con salida
        softmax y entropía cruzada, mini-batches de 32, 20 épocas. Otra vez cada optimizador
        recibe la mejor tasa de un barrido, y la tabla muestra el barrido entero:
        """,
    ),
    code(
        """
        pixels, digits = datasets.digits()
        pixels, digits = pixels[:600] / 16, digits[:600]
        onehot = np.eye(10)[digits]


        def train_digits(optimizer, rate, epochs=20):
            net = mlplab.mlp([64, 32, 10], "tanh", "softmax", random_state=0)
            trainer = Trainer(
                "categorical_crossentropy",
                optimizer,
                learning_rate=rate,
                epochs=epochs,
                batch_size=32,
                random_state=0,
            )
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", DivergenceWarning)
                history = trainer.fit(net, pixels, onehot)
            return history["loss"]


        SWEEP = [0.001, 0.01, 0.1, 1.0]
        rows = ["| | " + " | ".join(f"α = {rate}" for rate in SWEEP) + " |", "|---" * 5 + "|"]
        best_curves = {}
        for name, make in METHODS.items():
            finals = {}
            for rate in SWEEP:
                curve = train_digits(make(rate), rate)
                finals[rate] = curve[-1] if len(curve) == 20 else np.inf  # a stopped run lost
                if finals[rate] == min(finals.values()):
                    best_curves[name] = curve
            rows.append(f"| {name} | " + " | ".join(f"{v:.4f}" for v in finals.values()) + " |")
        display(Markdown("\\n".join(rows)))
        best_curves["L-BFGS"] = train_digits("lbfgs", None)

        fig, ax = plt.subplots(figsize=(6, 3.2))
        for name, curve in best_curves.items():
            ax.plot(np.arange(1, len(curve) + 1), curve, label=name)
        ax.set(xlabel=T["epoch (L-BFGS: iteration)"], ylabel=T["training loss"], yscale="log")
        ax.legend(fontsize=8, ncol=2)
        plt.show()
        """
    ),
    md(
        en="""
        The table (final training loss; *inf* would mark a run that diverged) shows
        two things the slides only hint at. Momentum in the course's form behaves like SGD
        at the same $\\alpha$, because a moving average of gradients is not larger than the
        gradients; its gain appears when the rate is raised. And the adaptive methods,
        which the course credits with needing no manual tuning *"in most cases"*, do depend
        on their rate: RMSProp and Adam are best around 0.001 to 0.01 and fail at 1, where
        SGD is at its best. On the error surfaces of real networks, with plateaus and saddle
        points, the course's advice stands: momentum and adaptive methods help to cross
        flat regions, and training several times from random initial weights (notebook 1)
        guards against a bad local minimum.
        """,
        pt="""
        A tabela (perda de treino final; *inf* marcaria um treino que divergiu) mostra duas
        coisas que os slides só insinuam. O momentum na forma do curso se comporta como o
        SGD com o mesmo $\\alpha$, porque uma média móvel de gradientes não é maior que os
        gradientes; seu ganho aparece quando o passo aumenta. E os métodos adaptativos, dos
        quais o curso diz que *"na maioria dos casos, não é necessário se ajustar
        manualmente nenhum hiperparâmetro"*, dependem sim do seu passo: RMSProp e Adam vão
        melhor entre 0.001 e 0.01 e falham em 1, onde o SGD está no seu melhor. Nas
        superfícies de erro de redes reais, com platôs e pontos de sela, o conselho do curso
        continua valendo: momentum e métodos adaptativos ajudam a atravessar regiões planas,
        e treinar várias vezes a partir de pesos iniciais aleatórios (notebook 1) protege
        contra um mínimo local ruim.
        """,
        es="""
        La tabla (pérdida de entrenamiento final; *inf* marcaría un entrenamiento que
        divergió) muestra dos cosas que las transparencias solo insinúan. El momentum en la
        forma del curso se comporta como el SGD con el mismo $\\alpha$, porque una media
        móvil de gradientes no es mayor que los gradientes; su ganancia aparece al subir la
        tasa. Y los métodos adaptativos, de los que se dice que casi no requieren ajuste
        manual, sí dependen de su tasa: RMSProp y Adam van mejor entre 0.001 y 0.01 y
        fallan en 1, donde el SGD está en su mejor momento. En las superficies de error de
        redes reales, con mesetas y puntos de silla, el consejo sigue en pie: el momentum y
        los métodos adaptativos ayudan a cruzar regiones planas, y entrenar varias veces
        desde pesos iniciales aleatorios (cuaderno 1) protege contra un mal mínimo local.
        """,
    ),
    md(
        en="""
        The training loss is not the whole story. A `LivePlot` in the trainer's callbacks
        draws the curves while the network trains, redrawn in place under the cell (in a
        terminal it is a progress bar): here Adam at $\\alpha = 0.01$ for 60 epochs on the
        same 600 digits, with 300 more held out as validation data and the accuracy on them
        as the metric. The training loss keeps falling towards zero; the validation loss and
        accuracy stop improving after about 20 epochs: from there on the network learns
        these 600 digits rather than digits.
        """,
        pt="""
        A perda de treino não conta tudo. Um `LivePlot` nos callbacks do treinador desenha
        as curvas enquanto a rede treina, redesenhadas no lugar sob a célula (num terminal é
        uma barra de progresso): aqui Adam com $\\alpha = 0.01$ por 60 épocas nos mesmos 600
        dígitos, com outros 300 separados como dados de validação e a acurácia neles como
        métrica. A perda de treino continua caindo até perto de zero; a perda e a acurácia
        de validação param de melhorar depois de umas 20 épocas: daí em diante a rede
        aprende estes 600 dígitos, não dígitos.
        """,
        es="""
        La pérdida de entrenamiento no lo cuenta todo. Un `LivePlot` en los callbacks del
        entrenador dibuja las curvas mientras la red entrena, redibujadas en su sitio bajo
        la celda (en una terminal es una barra de progreso): aquí Adam con $\\alpha = 0.01$
        durante 60 épocas en los mismos 600 dígitos, con otros 300 apartados como datos de
        validación y la exactitud en ellos como métrica. La pérdida de entrenamiento sigue
        bajando hasta casi cero; la pérdida y la exactitud de validación dejan de mejorar
        tras unas 20 épocas: desde ahí la red aprende estos 600 dígitos, no dígitos.
        """,
    ),
    code(
        """
        held_out = datasets.digits()
        val_pixels, val_digits = held_out[0][600:900] / 16, held_out[1][600:900]


        def accuracy(onehot_true, probabilities):
            return float(np.mean(probabilities.argmax(axis=1) == onehot_true.argmax(axis=1)))


        live = LivePlot(score_name="accuracy", on_draw=tr, figsize=(9, 3))  # tr: the labels
        net = mlplab.mlp([64, 32, 10], "tanh", "softmax", random_state=0)
        trainer = Trainer(
            "categorical_crossentropy",
            "adam",
            learning_rate=0.01,
            epochs=60,
            batch_size=32,
            metric=accuracy,
            callbacks=[live],
            random_state=0,
        )
        validation = (val_pixels, np.eye(10)[val_digits])
        history = trainer.fit(net, pixels, onehot, validation_data=validation)
        best = int(np.argmin(history["val_loss"]))
        print(f"lowest validation loss at epoch {best + 1}; validation accuracy then", end=" ")
        print(f"{history['val_score'][best]:.1%}, at the end {history['val_score'][-1]:.1%}")
        """
    ),
    md(
        en="""
        ## In the lab

        - **Experiments**: `mlplab experiment optimizers` (SGD, momentum, Nesterov,
          AdaGrad, RMSProp, Adam and L-BFGS on the same network) and
          `mlplab experiment learning-rate-schedules`.
        - **Playground** (`mlplab playground`), the spiral with one example per step:
          [SGD](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=tanh,tanh&opt=sgd&lr=0.03&bs=1),
          [momentum 0.9](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=tanh,tanh&opt=momentum&mom=0.9&lr=0.03&bs=1),
          [Nesterov](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=tanh,tanh&opt=nesterov&mom=0.9&lr=0.03&bs=1),
          [Adam](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=tanh,tanh&opt=adam&lr=0.01&bs=1),
          and [SGD with a linear decay over 300 epochs](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=tanh,tanh&opt=sgd&lr=0.1&bs=1&sch=linear&de=300);
          the batch size slider goes from stochastic to batch.

        Next: [5. Initialization and the gradient problems](05_initialization_and_gradients.ipynb).
        """,
        pt="""
        ## No laboratório

        - **Experimentos**: `mlplab experiment optimizers` (SGD, momentum, Nesterov,
          AdaGrad, RMSProp, Adam e L-BFGS na mesma rede) e
          `mlplab experiment learning-rate-schedules`.
        - **Playground** (`mlplab playground`), a espiral com um exemplo por passo:
          [SGD](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=tanh,tanh&opt=sgd&lr=0.03&bs=1),
          [momentum 0.9](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=tanh,tanh&opt=momentum&mom=0.9&lr=0.03&bs=1),
          [Nesterov](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=tanh,tanh&opt=nesterov&mom=0.9&lr=0.03&bs=1),
          [Adam](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=tanh,tanh&opt=adam&lr=0.01&bs=1)
          e [SGD com redução linear em 300 épocas](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=tanh,tanh&opt=sgd&lr=0.1&bs=1&sch=linear&de=300);
          o controle de tamanho do batch vai do estocástico à batelada.

        Próximo: [5. Inicialização e os problemas do
        gradiente](05_initialization_and_gradients.ipynb).
        """,
        es="""
        ## En el laboratorio

        - **Experimentos**: `mlplab experiment optimizers` (SGD, momentum, Nesterov,
          AdaGrad, RMSProp, Adam y L-BFGS en la misma red) y
          `mlplab experiment learning-rate-schedules`.
        - **Playground** (`mlplab playground`), la espiral con un ejemplo por paso:
          [SGD](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=tanh,tanh&opt=sgd&lr=0.03&bs=1),
          [momentum 0.9](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=tanh,tanh&opt=momentum&mom=0.9&lr=0.03&bs=1),
          [Nesterov](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=tanh,tanh&opt=nesterov&mom=0.9&lr=0.03&bs=1),
          [Adam](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=tanh,tanh&opt=adam&lr=0.01&bs=1)
          y [SGD con reducción lineal en 300 épocas](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=tanh,tanh&opt=sgd&lr=0.1&bs=1&sch=linear&de=300);
          el control del tamaño de lote va del estocástico al de lotes.

        Siguiente: [5. Inicialización y los problemas del
        gradiente](05_initialization_and_gradients.ipynb).
        """,
    ),
]
