"""The course's first network: a 2-2-1 MLP learns XOR with plain gradient descent.

A linear model cannot separate XOR; one hidden layer of two tanh units can. The script
trains with full-batch gradient descent on the squared error and prints the loss going
down and the final predictions.

Run: ``python examples/xor.py``
"""

import numpy as np

import mlplab
from mlplab.training import Trainer

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
y = np.array([[0], [1], [1], [0]], dtype=np.float64)

net = mlplab.mlp([2, 2, 1], hidden_activation="tanh", output_activation="sigmoid", random_state=3)
trainer = Trainer("squared_error", "sgd", learning_rate=2.0, epochs=2000, batch_size=None)
history = trainer.fit(net, X, y)

print("epoch   loss")
for epoch in (0, 9, 99, 499, 999, 1999):
    print(f"{epoch + 1:5d}   {history['loss'][epoch]:.6f}")
print()
print("x1 x2 | target | output")
for xi, yi, out in zip(X, y, net.predict(X), strict=True):
    print(f" {xi[0]:.0f}  {xi[1]:.0f} |   {yi[0]:.0f}    | {out[0]:.3f}")
accuracy = np.mean((net.predict(X) > 0.5) == y)
print(f"\naccuracy: {accuracy:.0%}")
