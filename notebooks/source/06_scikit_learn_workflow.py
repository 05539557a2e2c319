"""Notebook 6: the course's homework with scikit-learn's workflow, then what mlplab adds."""

from _cells import code, md, setup

TITLE = {
    "en": "The scikit-learn workflow of the homework, and what mlplab adds",
    "pt": "O fluxo de trabalho do scikit-learn do exercício, e o que o mlplab acrescenta",
    "es": "El flujo de trabajo de scikit-learn del ejercicio, y lo que añade mlplab",
}

CELLS = [
    md(
        en="""
        # 6. The scikit-learn workflow, and what mlplab adds

        The course ends its MLP lecture (*TP555, Part II*) with homework, in our
        translation:

        1. *"Use the MLPRegressor and GridSearchCV classes of the SciKit-Learn library to
           find the number of hidden layers and nodes a neural network needs to
           approximate the functions presented in the previous slide. NOTE: a single
           hidden layer can approximate any continuous function; two or more can
           approximate functions with discontinuities."*
        2. *"Use the MLPClassifier and GridSearchCV classes and the load_digits function of
           the SciKit-Learn library to find the number of hidden layers and nodes needed to
           classify images of handwritten digits. NOTE: when calling load_digits, set the
           parameter return_X_y to True."*

        The functions are $x^2$ on $[-1, 1]$, $1/x$ on $[1, 100]$, $\\sin x$ on
        $[1, 2\\pi]$ and a step: $-1$ for $x < 0$, $0$ for $0 < x < 1$, $1$ for $x > 1$.
        `mlplab.MLPRegressor` and `mlplab.MLPClassifier` take every parameter of
        scikit-learn's classes with the same meaning, so the homework runs unchanged with
        one import changed; the last part shows what they add.
        """,
        pt="""
        # 6. O fluxo de trabalho do scikit-learn, e o que o mlplab acrescenta

        O curso fecha a aula de MLP (*TP555, Parte II*) com um exercício:

        1. *"Use as classes MLPRegressor e GridSearchCV da biblioteca SciKit-Learn para
           encontrar o número de camadas escondidas e nós necessários para que uma rede
           neural aproxime as funções apresentadas no slide anterior. OBS.: Uma única
           camada oculta é capaz de aproximar qualquer função contínua. Já duas ou mais
           conseguem aproximar funções com descontinuidade."*
        2. *"Use as classes MLPClassifier e GridSearchCV e a função load_digits da biblioteca
           SciKit-Learn para encontrar o número de camadas escondidas e nós necessários
           para classificar imagens de dígitos escritos à mão. OBS.: Ao invocar a função
           load_digits, configure o parâmetro return_X_y como True."*

        As funções são $x^2$ em $[-1, 1]$, $1/x$ em $[1, 100]$, $\\sin x$ em $[1, 2\\pi]$ e
        um degrau: $-1$ para $x < 0$, $0$ para $0 < x < 1$, $1$ para $x > 1$.
        `mlplab.MLPRegressor` e `mlplab.MLPClassifier` aceitam todos os parâmetros das
        classes do scikit-learn com o mesmo significado, então o exercício roda sem mudanças
        trocando um import; a última parte mostra o que eles acrescentam.
        """,
        es="""
        # 6. El flujo de trabajo de scikit-learn, y lo que añade mlplab

        Las transparencias de TP555 cierran la clase de MLP con un ejercicio (traducción
        nuestra):

        1. *"Usa las clases MLPRegressor y GridSearchCV de la biblioteca SciKit-Learn para
           encontrar el número de capas ocultas y de nodos que necesita una red neuronal
           para aproximar las funciones de la transparencia anterior. NOTA: una sola capa
           oculta puede aproximar cualquier función continua; dos o más pueden aproximar
           funciones con discontinuidades."*
        2. *"Usa las clases MLPClassifier y GridSearchCV y la función load_digits de la
           biblioteca SciKit-Learn para encontrar el número de capas ocultas y de nodos
           necesarios para clasificar imágenes de dígitos manuscritos. NOTA: al llamar a
           load_digits, pon el parámetro return_X_y a True."*

        Las funciones son $x^2$ en $[-1, 1]$, $1/x$ en $[1, 100]$, $\\sin x$ en $[1, 2\\pi]$
        y un escalón: $-1$ para $x < 0$, $0$ para $0 < x < 1$, $1$ para $x > 1$.
        `mlplab.MLPRegressor` y `mlplab.MLPClassifier` aceptan todos los parámetros de las
        clases de scikit-learn con el mismo significado, así que el ejercicio funciona sin
        cambios cambiando un import; la última parte muestra lo que añaden.
        """,
    ),
    setup(
        """
        import re
        import tempfile
        import warnings
        from pathlib import Path

        import matplotlib.pyplot as plt
        import numpy as np
        from IPython.display import Markdown, display
        from matplotlib.figure import Figure
        from sklearn.compose import TransformedTargetRegressor
        from sklearn.datasets import load_digits
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.model_selection import GridSearchCV, KFold, train_test_split
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from threadpoolctl import threadpool_limits

        import mlplab
        from mlplab import MLPClassifier, MLPRegressor, plotting
        from mlplab.live import LivePlot

        # Grid searches try small networks that stop at max_iter: not worth a warning each.
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        """,
        {
            "data": ("dados", "datos"),
            "network": ("rede", "red"),
            "best": ("melhor", "mejor"),
            "epoch": ("época", "época"),
            "loss": ("perda", "pérdida"),
            "score": ("escore", "puntuación"),
            "training": ("treino", "entrenamiento"),
            "validation": ("validação", "validación"),
            "learning rate": ("passo de aprendizagem", "tasa de aprendizaje"),
            "predicted": ("previsto", "predicho"),
            "true": ("verdadeiro", "verdadero"),
            "fraction of true class": (
                "fração da classe verdadeira",
                "fracción de la clase verdadera",
            ),
            "accuracy": ("acurácia", "exactitud"),
            "weight gradients, epoch": (
                "gradientes dos pesos, época",
                "gradientes de los pesos, época",
            ),
            "over epochs": ("ao longo das épocas", "a lo largo de las épocas"),
            "update / weight ratio": ("razão atualização / peso", "razón actualización / peso"),
            "validation accuracy": ("acurácia de validação", "exactitud de validación"),
            "L2 norm of the gradient": ("norma L2 do gradiente", "norma L2 del gradiente"),
            "rule-of-thumb ratio": ("razão de referência", "razón de referencia"),
            "layer": ("camada", "capa"),
            "hidden layers": ("camadas ocultas", "capas ocultas"),
            "function": ("função", "función"),
            "CV error / variance": ("erro na VC / variância", "error en VC / varianza"),
            "dense-grid error / variance": (
                "erro na grade densa / variância",
                "error en malla densa / varianza",
            ),
        },
        translate=True,
    ),
    md(
        en="""
        ## 1. `MLPRegressor` + `GridSearchCV` on the four functions

        Neural networks train best on inputs and targets of order 1, and $1/x$ on
        $[1, 100]$ is neither: a `StandardScaler` on $x$ (in a pipeline) and another on $y$
        (`TransformedTargetRegressor`) take care of it. L-BFGS suits these small, smooth,
        full-batch problems (scikit-learn's documentation recommends it for small data
        sets). `GridSearchCV` tries each architecture with 3-fold cross-validation on 200
        evenly spaced points; the error is the mean squared error divided by the variance
        of $y$ (0 is perfect, 1 is no better than predicting the mean), measured both by
        cross-validation and on a dense grid of 2000 points after refitting on all the
        data.
        """,
        pt="""
        ## 1. `MLPRegressor` + `GridSearchCV` nas quatro funções

        Redes neurais treinam melhor com entradas e saídas da ordem de 1, e $1/x$ em
        $[1, 100]$ não é nenhuma das duas coisas: um `StandardScaler` em $x$ (num pipeline)
        e outro em $y$ (`TransformedTargetRegressor`) resolvem isso. O L-BFGS convém a esses
        problemas pequenos, suaves e em batelada (a documentação do scikit-learn o recomenda
        para conjuntos de dados pequenos). O `GridSearchCV` testa cada arquitetura com
        validação cruzada em 3 partes sobre 200 pontos igualmente espaçados; o erro é o erro
        quadrático médio dividido pela variância de $y$ (0 é perfeito, 1 não é melhor que
        prever a média), medido na validação cruzada e numa grade densa de 2000 pontos
        depois de reajustar com todos os dados.
        """,
        es="""
        ## 1. `MLPRegressor` + `GridSearchCV` en las cuatro funciones

        Las redes neuronales entrenan mejor con entradas y salidas del orden de 1, y $1/x$
        en $[1, 100]$ no es ninguna de las dos cosas: un `StandardScaler` sobre $x$ (en un
        pipeline) y otro sobre $y$ (`TransformedTargetRegressor`) lo resuelven. L-BFGS
        conviene a estos problemas pequeños, suaves y por lotes (la documentación de
        scikit-learn lo recomienda para conjuntos de datos pequeños). `GridSearchCV` prueba
        cada arquitectura con validación cruzada en 3 partes sobre 200 puntos equiespaciados;
        el error es el error cuadrático medio dividido por la varianza de $y$ (0 es
        perfecto, 1 no mejora a predecir la media), medido por validación cruzada y en una
        malla densa de 2000 puntos tras reajustar con todos los datos.
        """,
    ),
    code(
        """
        def step(x):
            return np.where(x < 0, -1.0, np.where(x < 1, 0.0, 1.0))


        FUNCTIONS = {  # name: (function, interval)
            "x²": (np.square, (-1, 1)),
            "1/x": (np.reciprocal, (1, 100)),
            "sin x": (np.sin, (1, 2 * np.pi)),
            "step": (step, (-1, 2)),
        }
        SIZES = "regressor__mlpregressor__hidden_layer_sizes"  # the parameter, seen from outside
        GRID = {SIZES: [(2,), (4,), (16,), (4, 4), (16, 16)]}


        def search(regressor_class, f, interval):
            x = np.linspace(*interval, 200).reshape(-1, 1)
            options = {"activation": "tanh", "solver": "lbfgs", "max_iter": 500, "random_state": 0}
            network = regressor_class(**options)
            model = TransformedTargetRegressor(
                make_pipeline(StandardScaler(), network), transformer=StandardScaler()
            )
            cv = KFold(3, shuffle=True, random_state=0)
            result = GridSearchCV(model, GRID, cv=cv, scoring="neg_mean_squared_error")
            result.fit(x, f(x).ravel())
            dense = np.linspace(*interval, 2000).reshape(-1, 1)
            variance = np.var(f(dense))
            dense_error = np.mean((result.predict(dense) - f(dense).ravel()) ** 2) / variance
            return result, -result.best_score_ / np.var(f(x)), dense_error


        searches = {}
        sizes_tried = GRID[SIZES]
        header = [
            f"{T['function']}: {T['CV error / variance']}",
            *map(str, sizes_tried),
            T["dense-grid error / variance"],
        ]
        rows = ["| " + " | ".join(header) + " |"]
        rows.append("|---" * (len(sizes_tried) + 2) + "|")
        for name, (f, interval) in FUNCTIONS.items():
            result, _, dense_error = search(MLPRegressor, f, interval)
            searches[name] = result
            variance = np.var(f(np.linspace(*interval, 200)))
            errors = -result.cv_results_["mean_test_score"] / variance
            cells = [f"{e:.1e}" for e in errors]
            cells[result.best_index_] = f"**{cells[result.best_index_]}**"
            rows.append(f"| {name} | " + " | ".join(cells) + f" | {dense_error:.1e} |")
        display(Markdown("\\n".join(rows)))
        """
    ),
    code(
        """
        fig, axes = plt.subplots(1, 4, figsize=(11, 2.8))
        for ax, (name, (f, interval)) in zip(axes, FUNCTIONS.items(), strict=True):
            x = np.linspace(*interval, 200)
            dense = np.linspace(*interval, 2000).reshape(-1, 1)
            ax.plot(x, f(x), ".", color="0.6", ms=3, label=T["data"])
            ax.plot(dense[:, 0], searches[name].predict(dense), color="C3", label=T["network"])
            sizes = searches[name].best_params_[SIZES]
            ax.set_title(f"{name}: {T['best']} {sizes}")
        axes[0].legend(fontsize=8)
        plt.show()
        """
    ),
    md(
        en="""
        One hidden layer is enough for the continuous functions: from four tanh units on,
        $x^2$ and $\\sin x$ are fitted to about $10^{-4}$ of their variance or better. The
        search picks two layers for them, by margins that a 3-fold estimate cannot really
        tell apart. For $1/x$ the cross-validated error is ten times the dense-grid one:
        only a handful of the 200 points describe its steep part near $x = 1$, and a fold
        that leaves them out has to extrapolate. No network of smooth units fits the step's
        jumps exactly; its error concentrates there, and with 200 points cross-validation
        does not single out two layers. The course's note is about what networks can
        represent; a grid search only compares the candidates it is given, on the data at
        hand.

        The same search with scikit-learn's own class, for $\\sin x$: only the class
        changes.
        """,
        pt="""
        Uma camada oculta basta para as funções contínuas: a partir de quatro unidades tanh,
        $x^2$ e $\\sin x$ são ajustadas a cerca de $10^{-4}$ de sua variância ou melhor. A
        busca escolhe duas camadas para elas, por margens que uma estimativa em 3 partes não
        consegue realmente distinguir. Para $1/x$ o erro na validação cruzada é dez vezes o
        da grade densa: só um punhado dos 200 pontos descreve sua parte íngreme perto de
        $x = 1$, e uma parte que os deixa de fora precisa extrapolar. Nenhuma rede de
        unidades suaves ajusta exatamente os saltos do degrau; o erro se concentra ali, e com
        200 pontos a validação cruzada não destaca duas camadas. A observação do curso fala
        do que as redes conseguem representar; uma busca em grade só compara os candidatos
        que recebe, nos dados disponíveis.

        A mesma busca com a classe do próprio scikit-learn, para $\\sin x$: só a classe
        muda.
        """,
        es="""
        Una capa oculta basta para las funciones continuas: a partir de cuatro unidades
        tanh, $x^2$ y $\\sin x$ se ajustan a alrededor de $10^{-4}$ de su varianza o mejor.
        La búsqueda elige dos capas para ellas, por márgenes que una estimación en 3 partes
        no llega a distinguir. Para $1/x$ el error de validación cruzada es diez veces el de
        la malla densa: solo un puñado de los 200 puntos describe su parte empinada cerca de
        $x = 1$, y una parte que los deja fuera tiene que extrapolar. Ninguna red de
        unidades suaves ajusta exactamente los saltos del escalón; el error se concentra
        ahí, y con 200 puntos la validación cruzada no destaca dos capas. La nota del curso
        habla de lo que las redes pueden representar; una búsqueda en malla solo compara
        los candidatos que recibe, con los datos disponibles.

        La misma búsqueda con la clase de scikit-learn, para $\\sin x$: solo cambia la
        clase.
        """,
    ),
    code(
        """
        from sklearn.neural_network import MLPRegressor as ScikitLearnMLPRegressor

        for regressor_class in (ScikitLearnMLPRegressor, MLPRegressor):
            result, cv_error, dense_error = search(regressor_class, *FUNCTIONS["sin x"])
            sizes = result.best_params_[SIZES]
            module = regressor_class.__module__
            print(f"{module:>34}: best {sizes}, CV error / variance {cv_error:.1e}")
        """
    ),
    md(
        en="""
        The two agree on the kind of answer, not on every digit: both draw their initial
        weights from the same distribution, but not the same numbers.

        ## 2. `MLPClassifier` + `GridSearchCV` + `load_digits`

        1797 images of $8 \\times 8$ pixels. We hold out a quarter as a test set that the
        search never sees, standardize the pixels in a pipeline, and search the hidden
        layers with 3-fold cross-validation on the rest.
        """,
        pt="""
        As duas concordam no tipo de resposta, não em todos os dígitos: ambas sorteiam os
        pesos iniciais da mesma distribuição, mas não os mesmos números.

        ## 2. `MLPClassifier` + `GridSearchCV` + `load_digits`

        1797 imagens de $8 \\times 8$ pixels. Separamos um quarto como conjunto de teste que
        a busca nunca vê, padronizamos os pixels num pipeline e buscamos as camadas ocultas
        com validação cruzada em 3 partes no restante.
        """,
        es="""
        Las dos coinciden en el tipo de respuesta, no en cada dígito: ambas sortean los
        pesos iniciales de la misma distribución, pero no los mismos números.

        ## 2. `MLPClassifier` + `GridSearchCV` + `load_digits`

        1797 imágenes de $8 \\times 8$ píxeles. Apartamos una cuarta parte como conjunto de
        prueba que la búsqueda nunca ve, estandarizamos los píxeles en un pipeline y
        buscamos las capas ocultas con validación cruzada en 3 partes sobre el resto.
        """,
    ),
    code(
        """
        X, y = load_digits(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.25, stratify=y, random_state=0
        )
        classifier = make_pipeline(StandardScaler(), MLPClassifier(max_iter=50, random_state=0))
        grid = {"mlpclassifier__hidden_layer_sizes": [(16,), (64,), (128,), (64, 32)]}
        digits_search = GridSearchCV(classifier, grid, cv=3).fit(X_train, y_train)

        scores = digits_search.cv_results_["mean_test_score"]
        for sizes, accuracy in zip(grid["mlpclassifier__hidden_layer_sizes"], scores, strict=True):
            print(f"{sizes!s:>9}: cross-validated accuracy {accuracy:.3f}")
        test_accuracy = digits_search.score(X_test, y_test)
        print("best:", digits_search.best_params_, f"test accuracy {test_accuracy:.3f}")
        fig = tr(plotting.plot_confusion_matrix(y_test, digits_search.predict(X_test)))
        fig.set_size_inches(5.2, 4.2)
        fig
        """
    ),
    md(
        en="""
        ## 3. What mlplab adds

        The estimators keep scikit-learn's interface (they pass its `check_estimator`
        suite), so pipelines, grid searches and `clone` work as above. On top of it:

        - **any activation of the catalog**, and one per hidden layer: a grid search can
          range over `activation` like any other parameter;
        - **more solvers and schedules** (`rmsprop`, `adagrad`, `adamw`, `nadam`;
          `learning_rate="cosine"`, `"step"`, `"linear"`...), **batch norm**, **dropout**,
          **L1**, **weight decay**, **gradient clipping**, **restarts** (`n_init`),
          **class weights**;
        - a **validation set of your own** (`fit(..., validation_data=(X_val, y_val))`),
          with the validation loss and score of every epoch;
        - **diagnostics** of every layer during training (`diagnostics=True`, notebook 5);
        - a **safe file format** (`save` and `mlplab.load`: arrays and JSON, never pickle).
        """,
        pt="""
        ## 3. O que o mlplab acrescenta

        Os estimadores mantêm a interface do scikit-learn (passam na bateria
        `check_estimator` dele), então pipelines, buscas em grade e `clone` funcionam como
        acima. Além disso:

        - **qualquer ativação do catálogo**, e uma por camada oculta: uma busca em grade
          pode variar `activation` como qualquer outro parâmetro;
        - **mais otimizadores e reduções do passo** (`rmsprop`, `adagrad`, `adamw`,
          `nadam`; `learning_rate="cosine"`, `"step"`, `"linear"`...), **normalização de
          batch**, **dropout**, **L1**, **decaimento dos pesos**, **poda do gradiente**,
          **reinícios** (`n_init`), **pesos por classe**;
        - um **conjunto de validação próprio** (`fit(..., validation_data=(X_val, y_val))`),
          com a perda e o escore de validação de cada época;
        - **diagnósticos** de cada camada durante o treino (`diagnostics=True`, notebook 5);
        - um **formato de arquivo seguro** (`save` e `mlplab.load`: arranjos e JSON, nunca
          pickle).
        """,
        es="""
        ## 3. Lo que añade mlplab

        Los estimadores mantienen la interfaz de scikit-learn (pasan su batería
        `check_estimator`), así que pipelines, búsquedas en malla y `clone` funcionan como
        arriba. Además:

        - **cualquier activación del catálogo**, y una por capa oculta: una búsqueda en
          malla puede recorrer `activation` como cualquier otro parámetro;
        - **más optimizadores y reducciones de la tasa** (`rmsprop`, `adagrad`, `adamw`,
          `nadam`; `learning_rate="cosine"`, `"step"`, `"linear"`...), **normalización por
          lotes**, **dropout**, **L1**, **decaimiento de pesos**, **recorte del
          gradiente**, **reinicios** (`n_init`), **pesos por clase**;
        - un **conjunto de validación propio** (`fit(..., validation_data=(X_val, y_val))`),
          con la pérdida y la puntuación de validación de cada época;
        - **diagnósticos** de cada capa durante el entrenamiento (`diagnostics=True`,
          cuaderno 5);
        - un **formato de archivo seguro** (`save` y `mlplab.load`: matrices y JSON, nunca
          pickle).
        """,
    ),
    code(
        """
        activations_grid = {"mlpclassifier__activation": ["relu", "tanh", "elu", "gelu", "mish"]}
        classifier = make_pipeline(
            StandardScaler(), MLPClassifier(hidden_layer_sizes=(64,), max_iter=50, random_state=0)
        )
        activation_search = GridSearchCV(classifier, activations_grid, cv=3).fit(X_train, y_train)
        scores = activation_search.cv_results_["mean_test_score"]
        names = activations_grid["mlpclassifier__activation"]
        for name, accuracy in zip(names, scores, strict=True):
            print(f"{name:>5}: cross-validated accuracy {accuracy:.3f}")
        """
    ),
    md(
        en="""
        A modern configuration, with a validation set held out from the training data:
        ELU then GELU units, batch normalization, dropout, RMSProp with a cosine schedule,
        and diagnostics. A `LivePlot` in `callbacks` draws the loss, the validation
        accuracy and the gradients of each layer while the network trains, redrawn in
        place under the cell (in a terminal it is a progress bar); `verbose="live"` does
        the same without a callback.
        """,
        pt="""
        Uma configuração moderna, com um conjunto de validação separado dos dados de treino:
        unidades ELU e depois GELU, normalização de batch, dropout, RMSProp com redução
        cosseno do passo, e diagnósticos. Um `LivePlot` em `callbacks` desenha a perda, a
        acurácia de validação e os gradientes de cada camada enquanto a rede treina,
        redesenhados no lugar sob a célula (num terminal é uma barra de progresso);
        `verbose="live"` faz o mesmo sem callback.
        """,
        es="""
        Una configuración moderna, con un conjunto de validación apartado de los datos de
        entrenamiento: unidades ELU y luego GELU, normalización por lotes, dropout, RMSProp
        con reducción coseno de la tasa, y diagnósticos. Un `LivePlot` en `callbacks`
        dibuja la pérdida, la exactitud de validación y los gradientes de cada capa
        mientras la red entrena, redibujados en su sitio bajo la celda (en una terminal es
        una barra de progreso); `verbose="live"` hace lo mismo sin callback.
        """,
    ),
    code(
        """
        scaler = StandardScaler().fit(X_train)
        X_fit, X_val, y_fit, y_val = train_test_split(
            scaler.transform(X_train), y_train, test_size=0.2, stratify=y_train, random_state=0
        )
        live = LivePlot(diagnostics=True, score_name="accuracy", on_draw=tr)  # tr: the labels
        modern = MLPClassifier(
            hidden_layer_sizes=(128, 64),
            activation=["elu", "gelu"],
            batch_norm=True,
            dropout=0.1,
            solver="rmsprop",
            learning_rate="cosine",
            max_iter=30,
            diagnostics=True,
            callbacks=[live],
            random_state=0,
        ).fit(X_fit, y_fit, validation_data=(X_val, y_val))
        print(f"test accuracy {modern.score(scaler.transform(X_test), y_test):.3f}")
        """
    ),
    md(
        en="""
        In a notebook an estimator shows scikit-learn's diagram of its parameters and,
        under it, its network: each layer with its activation, width and parameter count,
        and the totals. `modern.summary()` is the same table as text, for a terminal.
        """,
        pt="""
        Num notebook um estimador mostra o diagrama dos seus parâmetros do scikit-learn e,
        abaixo dele, a sua rede: cada camada com sua ativação, largura e número de
        parâmetros, e os totais. `modern.summary()` é a mesma tabela em texto, para um
        terminal.
        """,
        es="""
        En un cuaderno un estimador muestra el diagrama de sus parámetros de scikit-learn
        y, debajo, su red: cada capa con su activación, anchura y número de parámetros, y
        los totales. `modern.summary()` es la misma tabla en texto, para una terminal.
        """,
    ),
    code(
        """
        modern
        """
    ),
    md(
        en="""
        The functions of `plotting` draw into axes of your own (`ax=`), so that one figure
        can hold several: here the size of each layer's updates over the epochs, and the
        test set's confusion matrix.
        """,
        pt="""
        As funções de `plotting` desenham em eixos seus (`ax=`), para que uma figura reúna
        várias: aqui o tamanho das atualizações de cada camada ao longo das épocas, e a
        matriz de confusão do conjunto de teste.
        """,
        es="""
        Las funciones de `plotting` dibujan en ejes propios (`ax=`), para que una figura
        reúna varias: aquí el tamaño de las actualizaciones de cada capa a lo largo de las
        épocas, y la matriz de confusión del conjunto de prueba.
        """,
    ),
    code(
        """
        fig = Figure(figsize=(10, 3.4), layout="constrained")
        left, right = fig.subplots(1, 2, width_ratios=[3, 2])
        plotting.plot_gradient_flow(modern.diagnostics_, panels="update_ratio", ax=left)
        predicted = modern.predict(scaler.transform(X_test))
        plotting.plot_confusion_matrix(y_test, predicted, ax=right)
        tr(fig)
        """
    ),
    md(
        en="""
        Saving and loading. A file holds data only: a `LivePlot` in `callbacks` cannot go
        in it (`save` says so and names the parameter), so we set `callbacks=None` first;
        `verbose="live"` would have been saved.
        """,
        pt="""
        Salvar e carregar. Um arquivo guarda só dados: um `LivePlot` em `callbacks` não
        cabe nele (o `save` avisa e nomeia o parâmetro), então definimos `callbacks=None`
        antes; `verbose="live"` teria sido salvo.
        """,
        es="""
        Guardar y cargar. Un archivo solo guarda datos: un `LivePlot` en `callbacks` no
        cabe en él (`save` lo dice y nombra el parámetro), así que ponemos `callbacks=None`
        antes; `verbose="live"` sí se habría guardado.
        """,
    ),
    code(
        """
        with tempfile.TemporaryDirectory() as folder:
            path = modern.set_params(callbacks=None).save(Path(folder) / "digits.npz")
            again = mlplab.load(path)
        print(
            type(again).__name__,
            "gives the same predictions:",
            np.array_equal(again.predict(X_val), modern.predict(X_val)),
        )
        """
    ),
    md(
        en="""
        ## In the lab

        - **Experiments**: `mlplab experiment universal-approximation` (depth × width on
          the four functions) and `mlplab experiment digits-grid` (the grid search of the
          second exercise, with a held-out test set).
        - **Command line**: `mlplab train --data my.csv --target label --hidden 64,32`
          trains on a CSV file of your own and writes the model and a report.
        - **Playground** (`mlplab playground`): a regression,
          [the two-Gaussian surface with 8 tanh units](http://127.0.0.1:8000/?ds=reg-gauss&h=8&a=tanh&lr=0.03),
          and [a modern configuration on the spiral](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=elu,gelu&opt=rmsprop&lr=0.01&sch=cosine&de=300&do=0.1&bn=1);
          *Python code* exports the scikit-learn-style script that rebuilds what is on the
          page with `MLPClassifier` or `MLPRegressor`.

        Back to [1. From the perceptron to the MLP](01_perceptron_to_mlp.ipynb).
        """,
        pt="""
        ## No laboratório

        - **Experimentos**: `mlplab experiment universal-approximation` (profundidade ×
          largura nas quatro funções) e `mlplab experiment digits-grid` (a busca em grade do
          segundo exercício, com um conjunto de teste separado).
        - **Linha de comando**: `mlplab train --data meu.csv --target rotulo --hidden 64,32`
          treina num arquivo CSV seu e escreve o modelo e um relatório.
        - **Playground** (`mlplab playground`): uma regressão,
          [a superfície de duas gaussianas com 8 unidades tanh](http://127.0.0.1:8000/?ds=reg-gauss&h=8&a=tanh&lr=0.03),
          e [uma configuração moderna na espiral](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=elu,gelu&opt=rmsprop&lr=0.01&sch=cosine&de=300&do=0.1&bn=1);
          *Python code* exporta o script no estilo do scikit-learn que reconstrói o que está
          na página com `MLPClassifier` ou `MLPRegressor`.

        De volta ao [1. Do perceptron à MLP](01_perceptron_to_mlp.ipynb).
        """,
        es="""
        ## En el laboratorio

        - **Experimentos**: `mlplab experiment universal-approximation` (profundidad ×
          anchura en las cuatro funciones) y `mlplab experiment digits-grid` (la búsqueda en
          malla del segundo ejercicio, con un conjunto de prueba apartado).
        - **Línea de comandos**: `mlplab train --data mio.csv --target etiqueta --hidden 64,32`
          entrena con un archivo CSV propio y escribe el modelo y un informe.
        - **Playground** (`mlplab playground`): una regresión,
          [la superficie de dos gaussianas con 8 unidades tanh](http://127.0.0.1:8000/?ds=reg-gauss&h=8&a=tanh&lr=0.03),
          y [una configuración moderna en la espiral](http://127.0.0.1:8000/?ds=spiral&h=8,8&a=elu,gelu&opt=rmsprop&lr=0.01&sch=cosine&de=300&do=0.1&bn=1);
          *Python code* exporta el script al estilo de scikit-learn que reconstruye lo que
          hay en la página con `MLPClassifier` o `MLPRegressor`.

        Volver a [1. Del perceptrón al MLP](01_perceptron_to_mlp.ipynb).
        """,
    ),
]
