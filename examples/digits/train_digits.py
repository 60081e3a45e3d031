#!/usr/bin/python3
"""Train two small digit classifiers and export them to ONNX.

Uses scikit-learn's bundled handwritten digits (8x8 images, 1797 samples,
Debian package python3-sklearn), trains with plain numpy (hand-written Adam,
float64) and writes, next to this script:

  mlp.onnx          image[N,1,8,8] -> Flatten -> Gemm(64->64, transB) -> Relu
                    -> Gemm(64->10, transB) -> logits[N,10]
  cnn.onnx          image[N,1,8,8] -> Conv(1->8, 3x3, pad 1) -> Relu
                    -> MaxPool(2x2) -> Conv(8->16, 3x3, pad 1) -> Relu
                    -> Flatten -> Gemm(256->10, transB) -> logits[N,10]
  test_x.npy        float32 [297, 1, 8, 8] test images, pixels / 16
  test_y.npy        int64 [297] test labels
  mlp_logits.npy    float32 [297, 10] numpy logits of the exported (float32)
  cnn_logits.npy    weights on the test images, computed in float64

Weights are stored like PyTorch exports them ([out, in] Gemm weights,
transB = 1); N is a symbolic batch dimension. Deterministic: fixed seeds, the
split of examples/mlp (the last 297 of numpy.random.RandomState(0)
.permutation(1797) are the test set). Run: /usr/bin/python3 train_digits.py
"""

import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits

OUT = os.path.dirname(os.path.abspath(__file__))
N_TEST = 297


def load_data():
    d = load_digits()
    x = (d.data / 16.0).reshape(-1, 1, 8, 8)
    y = d.target.astype(np.int64)
    perm = np.random.RandomState(0).permutation(len(y))
    tr, te = perm[:-N_TEST], perm[-N_TEST:]
    return x[tr], y[tr], x[te], y[te]


# ----------------------------------------------------------------------------
# Layers (forward returns a cache for backward)
# ----------------------------------------------------------------------------
def im2col(x):
    """3x3, pad 1, stride 1: [N, C, H, W] -> [N, H*W, C*9] (c, ki, kj)."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = np.stack([xp[:, :, i:i + h, j:j + w]
                     for i in range(3) for j in range(3)], axis=2)
    return cols.reshape(n, c * 9, h * w).transpose(0, 2, 1)


def col2im(dcols, shape):
    n, c, h, w = shape
    d = dcols.transpose(0, 2, 1).reshape(n, c, 9, h, w)
    dxp = np.zeros((n, c, h + 2, w + 2))
    k = 0
    for i in range(3):
        for j in range(3):
            dxp[:, :, i:i + h, j:j + w] += d[:, :, k]
            k += 1
    return dxp[:, :, 1:-1, 1:-1]


def conv_fwd(x, w, b):
    n, _, h, wd = x.shape
    f = w.shape[0]
    cols = im2col(x)
    out = cols @ w.reshape(f, -1).T + b
    return out.transpose(0, 2, 1).reshape(n, f, h, wd), (x.shape, cols, w)


def conv_bwd(dout, cache):
    shape, cols, w = cache
    n, f = dout.shape[:2]
    d = dout.reshape(n, f, -1).transpose(0, 2, 1)
    dw = np.einsum('npk,npf->fk', cols, d).reshape(w.shape)
    db = d.sum(axis=(0, 1))
    dx = col2im(d @ w.reshape(f, -1), shape)
    return dx, dw, db


def pool_fwd(x):
    n, c, h, w = x.shape
    r = x.reshape(n, c, h // 2, 2, w // 2, 2)
    out = r.max(axis=(3, 5))
    mask = r == out[:, :, :, None, :, None]
    return out, mask


def pool_bwd(dout, mask):
    d = mask * dout[:, :, :, None, :, None]
    n, c, h2, _, w2, _ = d.shape
    return d.reshape(n, c, h2 * 2, w2 * 2)


# ----------------------------------------------------------------------------
# Models: params dict, forward(params, x, train) -> logits, backward
# ----------------------------------------------------------------------------
def mlp_init(rng):
    return {'fc1.weight': rng.standard_normal((64, 64)) * np.sqrt(2 / 64),
            'fc1.bias': np.zeros(64),
            'fc2.weight': rng.standard_normal((10, 64)) * np.sqrt(2 / 64),
            'fc2.bias': np.zeros(10)}


def mlp_grad(p, x, onehot=None):
    h0 = x.reshape(len(x), -1)
    z1 = h0 @ p['fc1.weight'].T + p['fc1.bias']
    h1 = np.maximum(z1, 0)
    logits = h1 @ p['fc2.weight'].T + p['fc2.bias']
    if onehot is None:
        return logits
    dz = softmax_xent_grad(logits, onehot)
    g = {'fc2.weight': dz.T @ h1, 'fc2.bias': dz.sum(0)}
    dh1 = dz @ p['fc2.weight'] * (z1 > 0)
    g['fc1.weight'] = dh1.T @ h0
    g['fc1.bias'] = dh1.sum(0)
    return logits, g


def cnn_init(rng):
    return {'conv1.weight': rng.standard_normal((8, 1, 3, 3)) * np.sqrt(2 / 9),
            'conv1.bias': np.zeros(8),
            'conv2.weight': rng.standard_normal((16, 8, 3, 3)) * np.sqrt(2 / 72),
            'conv2.bias': np.zeros(16),
            'fc.weight': rng.standard_normal((10, 256)) * np.sqrt(2 / 256),
            'fc.bias': np.zeros(10)}


def cnn_grad(p, x, onehot=None):
    c1, k1 = conv_fwd(x, p['conv1.weight'], p['conv1.bias'])
    r1 = np.maximum(c1, 0)
    m1, mask = pool_fwd(r1)
    c2, k2 = conv_fwd(m1, p['conv2.weight'], p['conv2.bias'])
    r2 = np.maximum(c2, 0)
    f = r2.reshape(len(x), -1)
    logits = f @ p['fc.weight'].T + p['fc.bias']
    if onehot is None:
        return logits
    dz = softmax_xent_grad(logits, onehot)
    g = {'fc.weight': dz.T @ f, 'fc.bias': dz.sum(0)}
    dr2 = (dz @ p['fc.weight']).reshape(r2.shape) * (c2 > 0)
    dm1, g['conv2.weight'], g['conv2.bias'] = conv_bwd(dr2, k2)
    dr1 = pool_bwd(dm1, mask) * (c1 > 0)
    _, g['conv1.weight'], g['conv1.bias'] = conv_bwd(dr1, k1)
    return logits, g


def softmax_xent_grad(logits, onehot):
    e = np.exp(logits - logits.max(1, keepdims=True))
    return (e / e.sum(1, keepdims=True) - onehot) / len(logits)


def train(init, grad, x, y, epochs, lr, seed):
    rng = np.random.RandomState(seed)
    p = init(rng)
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(v) for k, v in p.items()}
    t = 0
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for i in range(0, len(x), 32):
            idx = order[i:i + 32]
            _, g = grad(p, x[idx], np.eye(10)[y[idx]])
            t += 1
            for k in p:
                g[k] = g[k] + 1e-4 * p[k]
                m[k] = 0.9 * m[k] + 0.1 * g[k]
                v[k] = 0.999 * v[k] + 0.001 * g[k] ** 2
                mh, vh = m[k] / (1 - 0.9 ** t), v[k] / (1 - 0.999 ** t)
                p[k] -= lr * mh / (np.sqrt(vh) + 1e-8)
    return {k: a.astype(np.float32) for k, a in p.items()}


# ----------------------------------------------------------------------------
# Export
# ----------------------------------------------------------------------------
def export(name, nodes, params, path):
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info('image', TensorProto.FLOAT,
                                       ['N', 1, 8, 8])],
        [helper.make_tensor_value_info('logits', TensorProto.FLOAT,
                                       ['N', 10])],
        [numpy_helper.from_array(v, k) for k, v in params.items()])
    model = helper.make_model(graph, producer_name='sparq-digits-example',
                              opset_imports=[helper.make_opsetid('', 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save_model(model, path)


MLP_NODES = [
    helper.make_node('Flatten', ['image'], ['x'], name='flatten'),
    helper.make_node('Gemm', ['x', 'fc1.weight', 'fc1.bias'], ['h'],
                     name='fc1', transB=1),
    helper.make_node('Relu', ['h'], ['r'], name='relu1'),
    helper.make_node('Gemm', ['r', 'fc2.weight', 'fc2.bias'], ['logits'],
                     name='fc2', transB=1),
]

CNN_NODES = [
    helper.make_node('Conv', ['image', 'conv1.weight', 'conv1.bias'], ['c1'],
                     name='conv1', kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    helper.make_node('Relu', ['c1'], ['r1'], name='relu1'),
    helper.make_node('MaxPool', ['r1'], ['p1'], name='pool1',
                     kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node('Conv', ['p1', 'conv2.weight', 'conv2.bias'], ['c2'],
                     name='conv2', kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    helper.make_node('Relu', ['c2'], ['r2'], name='relu2'),
    helper.make_node('Flatten', ['r2'], ['f'], name='flatten'),
    helper.make_node('Gemm', ['f', 'fc.weight', 'fc.bias'], ['logits'],
                     name='fc', transB=1),
]


def main():
    x_tr, y_tr, x_te, y_te = load_data()
    np.save(os.path.join(OUT, 'test_x.npy'), x_te.astype(np.float32))
    np.save(os.path.join(OUT, 'test_y.npy'), y_te)
    x32 = x_te.astype(np.float32).astype(np.float64)
    for name, init, grad, nodes, epochs, lr in [
            ('mlp', mlp_init, mlp_grad, MLP_NODES, 40, 3e-3),
            ('cnn', cnn_init, cnn_grad, CNN_NODES, 30, 3e-3)]:
        p = train(init, grad, x_tr, y_tr, epochs, lr, seed=1)
        export(name, nodes, p, os.path.join(OUT, name + '.onnx'))
        p64 = {k: v.astype(np.float64) for k, v in p.items()}
        logits = grad(p64, x32)
        np.save(os.path.join(OUT, name + '_logits.npy'),
                logits.astype(np.float32))
        train_acc = (grad(p64, x_tr).argmax(1) == y_tr).mean()
        test_acc = (logits.argmax(1) == y_te).mean()
        n_params = sum(v.size for v in p.values())
        print('%s: %d parameters, train accuracy %.2f%%, test accuracy '
              '%.2f%% (%d/%d)' % (name, n_params, 100 * train_acc,
                                  100 * test_acc, (logits.argmax(1) == y_te)
                                  .sum(), len(y_te)))


if __name__ == '__main__':
    main()
