"""Notebook 3: backpropagation as the recursion of sensitivities."""

from _cells import code, md, setup

TITLE = {
    "en": "Backpropagation: the recursion of sensitivities",
    "pt": "Retropropagação: a recursão das sensibilidades",
    "es": "Retropropagación: la recursión de las sensibilidades",
}

CELLS = [
    md(
        en="""
        # 3. Backpropagation: the recursion of sensitivities

        Gradient descent needs $\\partial J / \\partial w$ for every weight, but *"the weights
        of the hidden nodes do not appear explicitly in the expression of the error"*; the
        course (*TP555, Part II*) recalls that *"it took 17 years from the creation of the
        perceptron until a way to train neural networks was 'discovered'"*. Its notation:

        - $w^m_{i,j}$: the $j$-th weight of node $i$ of layer $m$, collected in
          $\\mathbf{W}^m$; $b^m_i$ its bias;
        - $u^m_i = \\sum_j w^m_{i,j}\\, y^{m-1}_j + b^m_i$: the *activation* (pre-activation)
          of the node, and $y^m_i = f^m(u^m_i)$ its output ($\\mathbf{y}^0 = \\mathbf{x}$);
        - the error of one example with desired outputs $d_j$: $J = \\sum_j (d_j - y^M_j)^2$.

        The key quantity is the **sensitivity** $\\delta^m_i = \\partial J / \\partial u^m_i$.
        With it every derivative is a product: $\\partial J / \\partial w^m_{i,j} =
        \\delta^m_i\\, y^{m-1}_j$ and $\\partial J / \\partial b^m_i = \\delta^m_i$. The
        sensitivities come from the output backwards:

        $$\\boldsymbol{\\delta}^M = -2\\,\\mathbf{F}'^M(\\mathbf{u}^M)(\\mathbf{d} - \\mathbf{y}),
        \\qquad
        \\boldsymbol{\\delta}^{m-1} = \\mathbf{F}'^{m-1}(\\mathbf{u}^{m-1})\\,
        (\\mathbf{W}^m)^T \\boldsymbol{\\delta}^m,$$

        with $\\mathbf{F}'^m$ the diagonal matrix of the derivatives $f'^m(u^m_i)$. We do
        the course's 2-2-1 example by hand, check it, compare it with `mlplab`, and then
        let `gradient_check` test `mlplab`'s backpropagation on networks too big to do by
        hand.
        """,
        pt="""
        # 3. Retropropagação: a recursão das sensibilidades

        O gradiente descendente precisa de $\\partial J / \\partial w$ para cada peso, mas
        *"os pesos dos nós das camadas ocultas não aparecem explicitamente na expressão do
        erro"*; o curso (*TP555, Parte II*) lembra que *"foram necessários 17 anos desde a
        criação do Perceptron até que se 'descobrisse' uma forma de treinar redes neurais"*.
        Sua notação:

        - $w^m_{i,j}$: o $j$-ésimo peso do $i$-ésimo nó da $m$-ésima camada, reunidos em
          $\\mathbf{W}^m$; $b^m_i$ seu peso de bias;
        - $u^m_i = \\sum_j w^m_{i,j}\\, y^{m-1}_j + b^m_i$: a **ativação** do nó, e
          $y^m_i = f^m(u^m_i)$ sua saída ($\\mathbf{y}^0 = \\mathbf{x}$);
        - o erro de um exemplo com saídas desejadas $d_j$: $J = \\sum_j (d_j - y^M_j)^2$.

        A grandeza-chave é a **sensibilidade** $\\delta^m_i = \\partial J / \\partial u^m_i$.
        Com ela toda derivada é um produto: $\\partial J / \\partial w^m_{i,j} =
        \\delta^m_i\\, y^{m-1}_j$ e $\\partial J / \\partial b^m_i = \\delta^m_i$. As
        sensibilidades vêm da saída para trás:

        $$\\boldsymbol{\\delta}^M = -2\\,\\mathbf{F}'^M(\\mathbf{u}^M)(\\mathbf{d} - \\mathbf{y}),
        \\qquad
        \\boldsymbol{\\delta}^{m-1} = \\mathbf{F}'^{m-1}(\\mathbf{u}^{m-1})\\,
        (\\mathbf{W}^m)^T \\boldsymbol{\\delta}^m,$$

        com $\\mathbf{F}'^m$ a matriz diagonal das derivadas $f'^m(u^m_i)$. Vamos fazer o
        exemplo 2-2-1 do curso à mão, conferi-lo, compará-lo com o `mlplab` e depois deixar
        o `gradient_check` testar a retropropagação do `mlplab` em redes grandes demais para
        fazer à mão.
        """,
        es="""
        # 3. Retropropagación: la recursión de las sensibilidades

        El descenso por gradiente necesita $\\partial J / \\partial w$ para cada peso, pero
        los pesos de las capas ocultas no aparecen explícitamente en la expresión del error.
        El curso (*Activation Functions*, PUC Chile) lo resume: *"backprop chains weight
        updates across the network"*. La notación de las transparencias de TP555:

        - $w^m_{i,j}$: el $j$-ésimo peso del nodo $i$ de la capa $m$, reunidos en
          $\\mathbf{W}^m$; $b^m_i$ su sesgo;
        - $u^m_i = \\sum_j w^m_{i,j}\\, y^{m-1}_j + b^m_i$: la *activación*
          (preactivación) del nodo, y $y^m_i = f^m(u^m_i)$ su salida
          ($\\mathbf{y}^0 = \\mathbf{x}$);
        - el error de un ejemplo con salidas deseadas $d_j$: $J = \\sum_j (d_j - y^M_j)^2$.

        La cantidad clave es la **sensibilidad** $\\delta^m_i = \\partial J / \\partial
        u^m_i$. Con ella toda derivada es un producto: $\\partial J / \\partial w^m_{i,j} =
        \\delta^m_i\\, y^{m-1}_j$ y $\\partial J / \\partial b^m_i = \\delta^m_i$. Las
        sensibilidades se calculan desde la salida hacia atrás:

        $$\\boldsymbol{\\delta}^M = -2\\,\\mathbf{F}'^M(\\mathbf{u}^M)(\\mathbf{d} - \\mathbf{y}),
        \\qquad
        \\boldsymbol{\\delta}^{m-1} = \\mathbf{F}'^{m-1}(\\mathbf{u}^{m-1})\\,
        (\\mathbf{W}^m)^T \\boldsymbol{\\delta}^m,$$

        con $\\mathbf{F}'^m$ la matriz diagonal de las derivadas $f'^m(u^m_i)$. Haremos a
        mano el ejemplo 2-2-1 del curso, lo comprobaremos, lo compararemos con `mlplab` y
        luego dejaremos que `gradient_check` pruebe la retropropagación de `mlplab` en redes
        demasiado grandes para hacerlas a mano.
        """,
    ),
    setup(
        """
        from pathlib import Path

        import matplotlib.pyplot as plt
        import numpy as np
        from threadpoolctl import threadpool_limits

        import mlplab
        from mlplab import Activation, Dense, Sequential, activations, gradient_check
        """,
        {
            "error J as a function of one weight": (
                "erro J em função de um peso",
                "error J en función de un peso",
            ),
            "tangent with the slope from backpropagation": (
                "tangente com a inclinação da retropropagação",
                "tangente con la pendiente de la retropropagación",
            ),
            "current weight": ("peso atual", "peso actual"),
        },
    ),
    md(
        en="""
        ## The 2-2-1 example, forward

        *"Find the gradient vector for all the weights of node 1 (hidden layer)"* of a
        network with two inputs, two hidden nodes and one output node, for one example
        $\\mathbf{x} = [x_1, x_2]$ with desired output $d$. The course leaves $f$ generic;
        we take tanh in the hidden layer and the logistic function at the output, and some
        initial weights. The forward step computes everything up to the error:
        """,
        pt="""
        ## O exemplo 2-2-1, etapa direta

        *"Encontrar o vetor gradiente para todos os pesos do nó 1 (camada oculta)"* de uma
        rede com duas entradas, dois nós ocultos e um nó de saída, para um *"único exemplo
        de entrada, $x = [x_1, x_2]$ e a respectiva saída desejada, $d$"*. O curso deixa $f$
        genérica; usamos tanh na camada oculta e a logística na saída, e uns pesos iniciais.
        A etapa direta calcula tudo até o erro:
        """,
        es="""
        ## El ejemplo 2-2-1, hacia delante

        Encontrar el vector gradiente de todos los pesos del nodo 1 (capa oculta) de una red
        con dos entradas, dos nodos ocultos y un nodo de salida, para un solo ejemplo
        $\\mathbf{x} = [x_1, x_2]$ con salida deseada $d$. El curso deja $f$ genérica;
        usamos tanh en la capa oculta y la sigmoide en la salida, y unos pesos iniciales. La
        pasada hacia delante calcula todo hasta el error:
        """,
    ),
    code(
        """
        f1, f2 = activations.get("tanh"), activations.get("sigmoid")
        x, d = np.array([0.5, -1.0]), 1.0
        W1 = np.array([[0.1, -0.3], [0.4, 0.2]])  # row i: the weights of hidden node i
        b1 = np.array([0.05, -0.1])
        W2 = np.array([[0.7, -0.5]])  # the output node's weights
        b2 = np.array([0.2])

        u1 = W1 @ x + b1
        y1 = f1(u1)
        u2 = W2 @ y1 + b2
        y2 = f2(u2)
        e = d - y2[0]
        J = e**2
        print(f"u¹ = {u1},  y¹ = {y1.round(4)}")
        print(f"u² = {u2.round(4)},  y² = {y2.round(4)},  e = {e:.4f},  J = e² = {J:.4f}")
        """
    ),
    md(
        en="""
        ## Backwards: the sensitivities

        The output sensitivity is a scalar here, $\\delta^2 = -2(d - y^2_1)\\, f'^2(u^2_1)$;
        the recursion gives the hidden layer's, and the gradient of each hidden node is its
        sensitivity times the node's inputs $[x_1, x_2, 1]$ (the 1 multiplies the bias):
        """,
        pt="""
        ## Para trás: as sensibilidades

        A sensibilidade da saída é um escalar aqui, $\\delta^2 = -2(d - y^2_1)\\,
        f'^2(u^2_1)$; a recursão dá a da camada oculta, e o gradiente de cada nó oculto é sua
        sensibilidade vezes as entradas do nó, $[x_1, x_2, 1]$ (o 1 multiplica o bias):
        """,
        es="""
        ## Hacia atrás: las sensibilidades

        La sensibilidad de la salida es aquí un escalar, $\\delta^2 = -2(d - y^2_1)\\,
        f'^2(u^2_1)$; la recursión da la de la capa oculta, y el gradiente de cada nodo
        oculto es su sensibilidad por las entradas del nodo, $[x_1, x_2, 1]$ (el 1
        multiplica el sesgo):
        """,
    ),
    code(
        """
        delta2 = -2 * (d - y2) * f2.derivative(u2)  # shape (1,)
        F1 = np.diag(f1.derivative(u1))  # F′¹(u¹)
        delta1 = F1 @ W2.T @ delta2  # δ¹ = F′¹(u¹) (W²)ᵀ δ²

        inputs = np.append(x, 1.0)  # [x1, x2, 1]
        gradients = np.outer(inputs, delta1)  # column i: [∂J/∂w¹_i1, ∂J/∂w¹_i2, ∂J/∂b¹_i]
        print("δ² =", delta2.round(5), "  δ¹ =", delta1.round(5))
        print("gradient of hidden node 1:", gradients[:, 0].round(5))

        # The course's closed form for node 1: -2 (d - y²) f′²(u²) w²₁₁ f′¹(u¹₁) [x1, x2, 1]
        closed = -2 * (d - y2[0]) * f2.derivative(u2)[0] * W2[0, 0] * f1.derivative(u1)[0] * inputs
        print("closed form:              ", closed.round(5))
        """
    ),
    md(
        en="""
        (With the course's convention, $w^m_{i,j}$ is the $j$-th weight of node $i$, so the
        weight from hidden node 1 to the output node is $w^2_{1,1}$, `W2[0, 0]` here; one
        slide writes it $w^2_{2,1}$.)

        ## Checking by finite differences

        A derivative can always be estimated from the function alone:
        $\\partial J / \\partial w \\approx (J(w + h) - J(w - h)) / 2h$. This costs two
        evaluations of $J$ per weight, where backpropagation gets all of them for about the
        price of one more forward pass, but it is the independent check that catches a wrong
        formula. We also run a deliberately wrong recursion that forgets the factor
        $\\mathbf{F}'^1$:
        """,
        pt="""
        (Na convenção do curso, $w^m_{i,j}$ é o $j$-ésimo peso do nó $i$, então o peso do nó
        oculto 1 para o nó de saída é $w^2_{1,1}$, aqui `W2[0, 0]`; um dos slides o escreve
        $w^2_{2,1}$.)

        ## Conferindo por diferenças finitas

        Uma derivada sempre pode ser estimada só com a função:
        $\\partial J / \\partial w \\approx (J(w + h) - J(w - h)) / 2h$. Isso custa duas
        avaliações de $J$ por peso, enquanto a retropropagação obtém todas pelo preço de
        mais ou menos uma etapa direta a mais, mas é a verificação independente que pega uma
        fórmula errada. Rodamos também uma recursão propositalmente errada, que esquece o
        fator $\\mathbf{F}'^1$:
        """,
        es="""
        (Con la convención del curso, $w^m_{i,j}$ es el $j$-ésimo peso del nodo $i$, así
        que el peso del nodo oculto 1 al nodo de salida es $w^2_{1,1}$, aquí `W2[0, 0]`;
        una de las transparencias lo escribe $w^2_{2,1}$.)

        ## Comprobación por diferencias finitas

        Una derivada siempre se puede estimar solo con la función:
        $\\partial J / \\partial w \\approx (J(w + h) - J(w - h)) / 2h$. Cuesta dos
        evaluaciones de $J$ por peso, mientras que la retropropagación las obtiene todas por
        el precio de más o menos una pasada hacia delante más, pero es la comprobación
        independiente que detecta una fórmula equivocada. Probamos también una recursión
        equivocada a propósito, que olvida el factor $\\mathbf{F}'^1$:
        """,
    ),
    code(
        """
        def error(W1, b1):
            return (d - f2(W2 @ f1(W1 @ x + b1) + b2)[0]) ** 2


        h = 1e-6
        numeric = np.zeros((3, 2))
        for i in range(2):  # hidden node i
            for j in range(3):  # its weights w¹_i1, w¹_i2 and its bias
                step = np.zeros((2, 3))
                step[i, j] = h
                plus = error(W1 + step[:, :2], b1 + step[:, 2])
                minus = error(W1 - step[:, :2], b1 - step[:, 2])
                numeric[j, i] = (plus - minus) / (2 * h)

        wrong = np.outer(inputs, W2.T @ delta2)  # the recursion without F′¹(u¹)
        for name, grad in (("backpropagation", gradients), ("without F′¹", wrong)):
            relative = np.max(np.abs(grad - numeric) / np.abs(numeric))
            print(f"{name:>15}: largest relative difference with finite differences {relative:.1e}")

        # The derivative is the slope of J along one weight: here w¹₁₁, at its current value.
        shifts = np.linspace(-2, 2, 101)
        along = [error(W1 + np.array([[s, 0], [0, 0]]), b1) for s in shifts]
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.plot(W1[0, 0] + shifts, along, label="J")
        ax.plot(
            W1[0, 0] + shifts,
            J + gradients[0, 0] * shifts,
            "--",
            label=T["tangent with the slope from backpropagation"],
        )
        ax.plot(W1[0, 0], J, "ko", label=T["current weight"])
        ax.set(xlabel="$w^1_{1,1}$", ylabel="J", title=T["error J as a function of one weight"])
        ax.legend(fontsize=8)
        plt.show()
        """
    ),
    md(
        en="""
        ## The same network in `mlplab`

        A `Dense` layer computes $\\mathbf{u} = \\mathbf{x}W + \\mathbf{b}$ on a row
        $\\mathbf{x}$, so its `W`, of shape (inputs, units), is the course's
        $(\\mathbf{W}^m)^T$. The loss `"squared_error"` is the mean over examples and outputs
        of $(d - y)^2$, which for one example and one output is exactly $J$.
        `loss_and_gradients` runs one forward and one backward pass and returns the loss and
        the gradient of every parameter, in the order of `named_parameters()`:
        """,
        pt="""
        ## A mesma rede no `mlplab`

        Uma camada `Dense` calcula $\\mathbf{u} = \\mathbf{x}W + \\mathbf{b}$ sobre uma linha
        $\\mathbf{x}$, então seu `W`, de formato (entradas, unidades), é o
        $(\\mathbf{W}^m)^T$ do curso. A perda `"squared_error"` é a média, sobre exemplos e
        saídas, de $(d - y)^2$, que para um exemplo e uma saída é exatamente $J$.
        `loss_and_gradients` faz uma etapa direta e uma reversa e devolve a perda e o
        gradiente de cada parâmetro, na ordem de `named_parameters()`:
        """,
        es="""
        ## La misma red en `mlplab`

        Una capa `Dense` calcula $\\mathbf{u} = \\mathbf{x}W + \\mathbf{b}$ sobre una fila
        $\\mathbf{x}$, así que su `W`, de forma (entradas, unidades), es la
        $(\\mathbf{W}^m)^T$ del curso. La pérdida `"squared_error"` es la media, sobre
        ejemplos y salidas, de $(d - y)^2$, que para un ejemplo y una salida es exactamente
        $J$. `loss_and_gradients` hace una pasada hacia delante y otra hacia atrás y
        devuelve la pérdida y el gradiente de cada parámetro, en el orden de
        `named_parameters()`:
        """,
    ),
    code(
        """
        layers = [Dense(2), Activation("tanh"), Dense(1), Activation("sigmoid")]
        net = Sequential(layers, n_inputs=2)
        for layer, W, b in ((net.layers[0], W1, b1), (net.layers[2], W2, b2)):
            layer.params[0][...] = W.T
            layer.params[1][...] = b

        loss, grads = net.loss_and_gradients(x.reshape(1, -1), np.array([[d]]), "squared_error")
        print(f"mlplab loss {loss:.6f}, J by hand {J:.6f}")
        for (name, _), grad in zip(net.named_parameters(), grads, strict=True):
            print(f"{name:>8}:", grad.round(5).tolist())
        hidden_ok = np.allclose(grads[0], gradients[:2]) and np.allclose(grads[1], delta1)
        output_ok = np.allclose(grads[2][:, 0], delta2 * y1) and np.allclose(grads[3], delta2)
        print("hidden layer matches:", hidden_ok, "  output layer matches:", output_ok)
        """
    ),
    md(
        en="""
        ## The recursion on a mini-batch, for any depth

        `mlplab` runs the same recursion on a whole mini-batch at once, one example per row.
        The loss is the mean over the $N$ examples, so $\\boldsymbol{\\delta}^M$ carries a
        factor $1/N$; then, layer by layer,
        $\\partial J / \\partial W = (\\mathbf{Y}^{m-1})^T \\boldsymbol{\\delta}^m$ (a sum
        over examples), $\\partial J / \\partial \\mathbf{b} = \\sum_n \\boldsymbol{\\delta}^m$
        and $\\boldsymbol{\\delta}^{m-1} = f'(\\mathbf{U}^{m-1}) \\odot
        (\\boldsymbol{\\delta}^m W^T)$. Here it is in a few lines for the course's three-layer
        network $y^3 = f^3(W^3 f^2(W^2 f^1(W^1 x + b^1) + b^2) + b^3)$, against `mlplab`:
        """,
        pt="""
        ## A recursão num mini-batch, para qualquer profundidade

        O `mlplab` roda a mesma recursão num mini-batch inteiro de uma vez, um exemplo por
        linha. A perda é a média sobre os $N$ exemplos, então $\\boldsymbol{\\delta}^M$ leva
        um fator $1/N$; depois, camada a camada,
        $\\partial J / \\partial W = (\\mathbf{Y}^{m-1})^T \\boldsymbol{\\delta}^m$ (uma soma
        sobre os exemplos), $\\partial J / \\partial \\mathbf{b} = \\sum_n
        \\boldsymbol{\\delta}^m$ e $\\boldsymbol{\\delta}^{m-1} = f'(\\mathbf{U}^{m-1})
        \\odot (\\boldsymbol{\\delta}^m W^T)$. Eis em poucas linhas, para a rede de três
        camadas do curso $y^3 = f^3(W^3 f^2(W^2 f^1(W^1 x + b^1) + b^2) + b^3)$, comparada
        com o `mlplab`:
        """,
        es="""
        ## La recursión en un mini-batch, para cualquier profundidad

        `mlplab` ejecuta la misma recursión sobre un mini-batch entero de una vez, un
        ejemplo por fila. La pérdida es la media sobre los $N$ ejemplos, así que
        $\\boldsymbol{\\delta}^M$ lleva un factor $1/N$; luego, capa a capa,
        $\\partial J / \\partial W = (\\mathbf{Y}^{m-1})^T \\boldsymbol{\\delta}^m$ (una
        suma sobre los ejemplos), $\\partial J / \\partial \\mathbf{b} = \\sum_n
        \\boldsymbol{\\delta}^m$ y $\\boldsymbol{\\delta}^{m-1} = f'(\\mathbf{U}^{m-1})
        \\odot (\\boldsymbol{\\delta}^m W^T)$. Aquí está en pocas líneas, para la red de tres
        capas $y^3 = f^3(W^3 f^2(W^2 f^1(W^1 x + b^1) + b^2) + b^3)$, frente a `mlplab`:
        """,
    ),
    code(
        """
        def backprop(net, X, D):
            \"\"\"Gradients of the mean squared error by the recursion of sensitivities.\"\"\"
            dense = [layer for layer in net.layers if isinstance(layer, Dense)]
            functions = [layer.function for layer in net.layers if isinstance(layer, Activation)]
            Y, U = [X], []
            for layer, f in zip(dense, functions, strict=True):  # forward: keep every U and Y
                U.append(Y[-1] @ layer.params[0] + layer.params[1])
                Y.append(f(U[-1]))
            delta = -2 * (D - Y[-1]) / D.size * functions[-1].derivative(U[-1])  # δᴹ
            grads = []
            for m in reversed(range(len(dense))):
                grads[:0] = [Y[m].T @ delta, delta.sum(axis=0)]  # ∂J/∂Wᵐ, ∂J/∂bᵐ
                if m > 0:
                    delta = functions[m - 1].derivative(U[m - 1]) * (delta @ dense[m].params[0].T)
            return grads


        rng = np.random.default_rng(0)
        X, D = rng.normal(size=(8, 3)), rng.uniform(size=(8, 2))
        deep = mlplab.mlp([3, 5, 4, 2], "tanh", "sigmoid", random_state=0)
        _, mlplab_grads = deep.loss_and_gradients(X, D, "squared_error")
        mine = backprop(deep, X, D)
        same = all(np.allclose(a, b) for a, b in zip(mine, mlplab_grads, strict=True))
        print("by hand == mlplab:", same)
        """
    ),
    md(
        en="""
        ## `gradient_check`

        `mlplab.gradient_check(network, loss, X, y)` compares backpropagation with finite
        differences for every parameter (a five-point stencil, accurate to $O(h^4)$) and
        returns the largest relative error of each array. Values around $10^{-7}$ or below
        mean the gradients are right. It works for every layer of the library, including
        those whose backward pass is not a simple product of derivatives: softmax fused with
        the cross-entropy (whose output sensitivity is simply $\\mathbf{p} - \\mathbf{y}$),
        batch normalization, dropout (with its random mask held fixed), PReLU and Maxout.
        """,
        pt="""
        ## `gradient_check`

        `mlplab.gradient_check(network, loss, X, y)` compara a retropropagação com
        diferenças finitas para cada parâmetro (um estêncil de cinco pontos, preciso até
        $O(h^4)$) e devolve o maior erro relativo de cada arranjo. Valores em torno de
        $10^{-7}$ ou menores indicam gradientes corretos. Funciona para todas as camadas da
        biblioteca, inclusive aquelas cuja etapa reversa não é um simples produto de
        derivadas: softmax combinada com a entropia cruzada (cuja sensibilidade de saída é
        simplesmente $\\mathbf{p} - \\mathbf{y}$), normalização de batch, dropout (com sua
        máscara aleatória fixa), PReLU e Maxout.
        """,
        es="""
        ## `gradient_check`

        `mlplab.gradient_check(network, loss, X, y)` compara la retropropagación con
        diferencias finitas para cada parámetro (un esquema de cinco puntos, preciso hasta
        $O(h^4)$) y devuelve el mayor error relativo de cada matriz. Valores en torno a
        $10^{-7}$ o menores indican gradientes correctos. Funciona con todas las capas de la
        biblioteca, incluso aquellas cuya pasada hacia atrás no es un simple producto de
        derivadas: la softmax combinada con la entropía cruzada (cuya sensibilidad de salida
        es simplemente $\\mathbf{p} - \\mathbf{y}$), la normalización por lotes, el dropout
        (con su máscara aleatoria fija), PReLU y Maxout.
        """,
    ),
    code(
        """
        errors = gradient_check(net, "squared_error", x.reshape(1, -1), np.array([[d]]))
        print("the 2-2-1 network:", {name: f"{err:.1e}" for name, err in errors.items()})

        labels = np.eye(3)[rng.integers(0, 3, size=16)]  # one-hot targets of 3 classes
        inputs = rng.normal(size=(16, 4))
        sizes = [4, 6, 5, 3]
        pieces = [Dense(6), mlplab.PReLU(), mlplab.Maxout(4, 3), Dense(3), Activation("softmax")]
        networks = {
            "elu, softmax + cross-entropy": mlplab.mlp(sizes, "elu", "softmax", random_state=1),
            "batch norm and dropout": mlplab.mlp(
                sizes, "tanh", "softmax", batch_norm=True, dropout=0.2, random_state=1
            ),
            "PReLU and Maxout layers": Sequential(pieces, n_inputs=4, random_state=1),
        }
        for name, network in networks.items():
            errors = gradient_check(network, "categorical_crossentropy", inputs, labels)
            worst = max(errors.values())
            print(f"{name:>28}: {network.n_params} parameters, largest error {worst:.1e}")
        """
    ),
    md(
        en="""
        In a notebook a network shows itself as the table of its layers: each one's output width,
        its parameters and their shapes. A Maxout layer of 4 units with 3 pieces holds
        $6 \\times 12 + 12 = 84$ weights, a PReLU one slope per unit. `network.summary()` gives the
        same table, and printed it is text.
        """,
        pt="""
        Num notebook uma rede se mostra como a tabela de suas camadas: a largura da saída de
        cada uma, seus parâmetros e as formas deles. Uma camada Maxout de 4 unidades com 3 peças
        tem $6 \\times 12 + 12 = 84$ pesos, uma PReLU uma inclinação por unidade.
        `network.summary()` dá a mesma tabela, e impressa ela é texto.
        """,
        es="""
        En un cuaderno una red se muestra como la tabla de sus capas: la anchura de la salida de
        cada una, sus parámetros y sus formas. Una capa Maxout de 4 unidades con 3 piezas tiene
        $6 \\times 12 + 12 = 84$ pesos, una PReLU una pendiente por unidad. `network.summary()` da
        la misma tabla, e impresa es texto.
        """,
    ),
    code(
        """
        networks["PReLU and Maxout layers"]
        """
    ),
    md(
        en="""
        The error grows when the loss is a less smooth function of the weights (a batch
        statistic, a maximum over pieces), but stays many orders of magnitude below the
        error of the wrong recursion above, about $10^{-1}$.

        ## In the lab

        - **Experiment**: `mlplab experiment vanishing-gradients`: the recursion multiplies
          the sensitivities by $f'$ at every layer, and with the sigmoid
          ($f' \\leq 0.25$) they shrink geometrically with depth (notebook 5).
        - **Example**: `python examples/xor.py` trains the 2-2-1 network on XOR and prints
          the loss going down.
        - **Playground**: [a 2-2-1 sigmoid network on XOR, one example per step](http://127.0.0.1:8000/?ds=xor&h=2&a=sigmoid&lr=0.3&bs=1):
          the bars under the network show the mean $|\\partial L / \\partial W|$ of each
          layer, computed by the same backpropagation.

        Next: [4. Gradient descent](04_gradient_descent.ipynb).
        """,
        pt="""
        O erro cresce quando a perda é uma função menos suave dos pesos (uma estatística do
        batch, um máximo entre peças), mas fica muitas ordens de grandeza abaixo do erro da
        recursão errada acima, cerca de $10^{-1}$.

        ## No laboratório

        - **Experimento**: `mlplab experiment vanishing-gradients`: a recursão multiplica as
          sensibilidades por $f'$ em cada camada e, com a sigmoide ($f' \\leq 0.25$), elas
          diminuem geometricamente com a profundidade (notebook 5).
        - **Exemplo**: `python examples/xor.py` treina a rede 2-2-1 no XOR e imprime a perda
          caindo.
        - **Playground**: [uma rede 2-2-1 sigmoide no XOR, um exemplo por passo](http://127.0.0.1:8000/?ds=xor&h=2&a=sigmoid&lr=0.3&bs=1):
          as barras sob a rede mostram a média de $|\\partial L / \\partial W|$ de cada
          camada, calculada pela mesma retropropagação.

        Próximo: [4. Gradiente descendente](04_gradient_descent.ipynb).
        """,
        es="""
        El error crece cuando la pérdida es una función menos suave de los pesos (una
        estadística del lote, un máximo entre piezas), pero queda muchos órdenes de magnitud
        por debajo del error de la recursión equivocada de arriba, cerca de $10^{-1}$.

        ## En el laboratorio

        - **Experimento**: `mlplab experiment vanishing-gradients`: la recursión multiplica
          las sensibilidades por $f'$ en cada capa y, con la sigmoide ($f' \\leq 0.25$),
          disminuyen geométricamente con la profundidad (cuaderno 5).
        - **Ejemplo**: `python examples/xor.py` entrena la red 2-2-1 en el XOR e imprime
          cómo baja la pérdida.
        - **Playground**: [una red 2-2-1 sigmoide en el XOR, un ejemplo por paso](http://127.0.0.1:8000/?ds=xor&h=2&a=sigmoid&lr=0.3&bs=1):
          las barras bajo la red muestran la media de $|\\partial L / \\partial W|$ de cada
          capa, calculada con la misma retropropagación.

        Siguiente: [4. Descenso por gradiente](04_gradient_descent.ipynb).
        """,
    ),
]
