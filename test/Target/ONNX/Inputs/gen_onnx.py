#!/usr/bin/python3
"""ONNX test models for sparq-translate --import-onnx, with numpy references.

  gen_onnx.py gen CASE DIR     write DIR/CASE.onnx (+ external data files) and,
                               for execution cases, DIR/CASE.npz: random inputs
                               and the outputs of an independent numpy
                               implementation of the ONNX semantics
  gen_onnx.py wrap NPZ         read the imported module on stdin, print it with
                               an @entry that calls @main on NPZ's inputs and
                               prints every output (printMemrefF32/I64)
  gen_onnx.py check NPZ [--rtol R --atol A] [--labels Y.npy]
                               read mlir-runner's output on stdin, compare each
                               output with NPZ's reference: |y - ref| <=
                               atol + rtol |ref| elementwise; print PASS/FAIL;
                               with --labels, also print the top-1 accuracy
                               of output 0 (rows of logits)
  gen_onnx.py fuzz SRC DIR N TOOL...
                               run TOOL... on N copies of SRC with random bytes
                               changed; each run must succeed or fail cleanly
                               (exit code 0, or 1 with an 'error:' message)
  gen_onnx.py pack NPZ --in X.npy... --out REF.npy...
                               write NPZ for wrap/check from .npy files
  gen_onnx.py truncate SRC DST N
                               write the first N bytes of SRC to DST
  gen_onnx.py prefixes SRC DIR TOOL...
                               run TOOL... on every 7th strict prefix of SRC
                               (written to DIR) and require each run to fail
                               cleanly: exit code 1 and an 'error:' message

Needs Debian's python3-onnx and python3-numpy. Deterministic (fixed seeds).
"""

import math
import os
import re
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
I64 = TensorProto.INT64


# ----------------------------------------------------------------------------
# Numpy references of ONNX semantics (float64, rounded to float32 at the end).
# ----------------------------------------------------------------------------
def conv_ref(x, w, b=None, strides=(1, 1), pads=(0, 0, 0, 0),
             dilations=(1, 1), group=1):
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    sh, sw = strides
    dh, dw = dilations
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    ho = (xp.shape[2] - ((kh - 1) * dh + 1)) // sh + 1
    wo = (xp.shape[3] - ((kw - 1) * dw + 1)) // sw + 1
    out = np.zeros((n, f, ho, wo))
    fg = f // group
    for g in range(group):
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, g * cg:(g + 1) * cg,
                           i * dh:i * dh + sh * (ho - 1) + 1:sh,
                           j * dw:j * dw + sw * (wo - 1) + 1:sw]
                out[:, g * fg:(g + 1) * fg] += np.einsum(
                    'nchw,fc->nfhw', patch, w[g * fg:(g + 1) * fg, :, i, j])
    if b is not None:
        out += b[None, :, None, None]
    return out


def pool_ref(x, k, strides, pads, kind, count_include_pad=0, ceil=False):
    kh, kw = k
    sh, sw = strides
    padw = ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3]))
    if kind == 'max':
        xp = np.pad(x, padw, constant_values=-np.inf)
    else:
        xp = np.pad(x, padw)
        ones = np.ones(x.shape[2:])
        cnt = (np.pad(ones, padw[2:], constant_values=1.0) if count_include_pad
               else np.pad(ones, padw[2:]))
    if ceil:
        # ceil_mode: one more window where a partial one fits, unless it would
        # start in the end padding; the extension is never counted.
        sizes = []
        for d, (kk, ss) in enumerate([(kh, sh), (kw, sw)]):
            n = -(-(xp.shape[2 + d] - kk) // ss) + 1
            if (n - 1) * ss >= x.shape[2 + d] + pads[d]:
                n -= 1
            sizes.append(n)
        ext = [max(0, (sizes[0] - 1) * sh + kh - xp.shape[2]),
               max(0, (sizes[1] - 1) * sw + kw - xp.shape[3])]
        extw = ((0, 0), (0, 0), (0, ext[0]), (0, ext[1]))
        xp = np.pad(xp, extw, constant_values=-np.inf if kind == 'max' else 0)
        if kind != 'max':
            cnt = np.pad(cnt, extw[2:])
    ho = (xp.shape[2] - kh) // sh + 1
    wo = (xp.shape[3] - kw) // sw + 1
    out = np.zeros(x.shape[:2] + (ho, wo))
    for i in range(ho):
        for j in range(wo):
            win = xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            if kind == 'max':
                out[:, :, i, j] = win.max(axis=(2, 3))
            else:
                out[:, :, i, j] = win.sum(axis=(2, 3)) / cnt[
                    i * sh:i * sh + kh, j * sw:j * sw + kw].sum()
    return out


def softmax_ref(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


erf = np.vectorize(math.erf)


def bn_ref(x, s, b, m, v, eps):
    sh = (1, -1) + (1,) * (x.ndim - 2)
    return ((x - m.reshape(sh)) / np.sqrt(v.reshape(sh) + eps) * s.reshape(sh)
            + b.reshape(sh))


def layernorm_ref(x, scale, bias, axis, eps):
    axes = tuple(range(axis, x.ndim))
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * scale + bias


# ----------------------------------------------------------------------------
# Cases: each returns (nodes, inputs {name: array}, initializers {name: array},
# reference outputs {name: array}, opset). Inputs are random, fixed seeds.
# ----------------------------------------------------------------------------
def rnd(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


@case
def mlp(rng):
    x = rnd(rng, 2, 16)
    w1, b1 = rnd(rng, 32, 16, scale=0.3), rnd(rng, 32)  # [out, in]: transB
    w2, b2 = rnd(rng, 32, 10, scale=0.3), rnd(rng, 10)  # [in, out]
    nodes = [
        helper.make_node('Gemm', ['x', 'fc1.weight', 'fc1.bias'], ['h'],
                         name='fc1', transB=1),
        helper.make_node('Relu', ['h'], ['r'], name='relu1'),
        helper.make_node('Gemm', ['r', 'fc2.weight', 'fc2.bias'], ['z'],
                         name='fc2', alpha=0.5, beta=2.0),
        helper.make_node('Softmax', ['z'], ['y'], name='softmax', axis=-1),
    ]
    h = np.maximum(x.astype(np.float64) @ w1.T + b1, 0)
    z = 0.5 * (h @ w2) + 2.0 * b2
    return nodes, {'x': x}, {'fc1.weight': w1, 'fc1.bias': b1,
                             'fc2.weight': w2, 'fc2.bias': b2}, \
        {'y': softmax_ref(z, -1)}, 13


@case
def gemm_trans_a(rng):
    a = rnd(rng, 6, 3)                     # transA: [K, M]
    w = rnd(rng, 6, 5)
    c = rnd(rng, 3, 1)                     # broadcast along N
    nodes = [helper.make_node('Gemm', ['a', 'w', 'c'], ['y'], name='g',
                              transA=1, alpha=1.5, beta=-1.0)]
    return nodes, {'a': a}, {'w': w, 'c': c}, \
        {'y': 1.5 * (a.T.astype(np.float64) @ w) - c}, 13


@case
def matmul(rng):
    a = rnd(rng, 2, 3, 4, 5)
    w = rnd(rng, 5, 6)
    p = rnd(rng, 3, 4, 5)
    q = rnd(rng, 3, 5, 2)
    r = rnd(rng, 2, 1, 4, 5)
    s = rnd(rng, 3, 5, 2)
    v = rnd(rng, 5)
    nodes = [
        helper.make_node('MatMul', ['a', 'w'], ['y0'], name='mm_weight'),
        helper.make_node('MatMul', ['p', 'q'], ['y1'], name='mm_batch'),
        helper.make_node('MatMul', ['r', 's'], ['y2'], name='mm_bcast'),
        helper.make_node('MatMul', ['a', 'v'], ['y3'], name='mm_vec'),
    ]
    f = lambda t: t.astype(np.float64)
    return nodes, {'a': a, 'p': p, 'q': q, 'r': r, 's': s}, {'w': w, 'v': v}, \
        {'y0': f(a) @ w, 'y1': f(p) @ q, 'y2': f(r) @ s, 'y3': f(a) @ v}, 13


@case
def elementwise(rng):
    x = rnd(rng, 2, 3, 4)
    y = rnd(rng, 3, 1)
    z = (np.abs(rnd(rng, 4)) + 0.5).astype(np.float32)
    nodes = [
        helper.make_node('Add', ['x', 'y'], ['add'], name='add'),
        helper.make_node('Sub', ['y', 'x'], ['sub'], name='sub'),
        helper.make_node('Mul', ['x', 'z'], ['mul'], name='mul'),
        helper.make_node('Div', ['x', 'z'], ['div'], name='div'),
        helper.make_node('Pow', ['z', 'x'], ['pow'], name='pow'),
        helper.make_node('Pow', ['x', 'two'], ['sq'], name='square'),
        helper.make_node('Sqrt', ['z'], ['sqrt'], name='sqrt'),
        helper.make_node('Neg', ['x'], ['neg'], name='neg'),
        helper.make_node('Exp', ['x'], ['exp'], name='exp'),
        helper.make_node('Tanh', ['x'], ['tanh'], name='tanh'),
        helper.make_node('Sigmoid', ['x'], ['sigmoid'], name='sigmoid'),
        helper.make_node('LeakyRelu', ['x'], ['leaky'], name='leaky',
                         alpha=0.2),
        helper.make_node('Relu', ['x'], ['relu'], name='relu'),
        helper.make_node('Erf', ['x'], ['erf'], name='erf'),
    ]
    xd = x.astype(np.float64)
    ref = {'add': xd + y, 'sub': y - xd, 'mul': xd * z, 'div': xd / z,
           'pow': np.power(z.astype(np.float64), xd), 'sq': xd * xd,
           'sqrt': np.sqrt(z), 'neg': -xd, 'exp': np.exp(xd),
           'tanh': np.tanh(xd), 'sigmoid': 1 / (1 + np.exp(-xd)),
           'leaky': np.where(xd < 0, 0.2 * xd, xd), 'relu': np.maximum(xd, 0),
           'erf': erf(xd)}
    return nodes, {'x': x, 'y': y}, {'z': z, 'two': np.float32(2.0)}, ref, 13


@case
def gelu(rng):
    x = rnd(rng, 3, 8)
    nodes = [helper.make_node('Gelu', ['x'], ['y0'], name='gelu'),
             helper.make_node('Gelu', ['x'], ['y1'], name='gelu_tanh',
                              approximate='tanh')]
    xd = x.astype(np.float64)
    t = np.tanh(math.sqrt(2 / math.pi) * (xd + 0.044715 * xd ** 3))
    return nodes, {'x': x}, {}, {'y0': 0.5 * xd * (1 + erf(xd / math.sqrt(2))),
                                 'y1': 0.5 * xd * (1 + t)}, 20


@case
def conv(rng):
    x = rnd(rng, 1, 4, 9, 8)
    w1, b1 = rnd(rng, 6, 4, 3, 3, scale=0.3), rnd(rng, 6)
    w2 = rnd(rng, 6, 2, 3, 2, scale=0.3)       # group 2
    w3, b3 = rnd(rng, 4, 1, 3, 3, scale=0.3), rnd(rng, 4)  # depthwise
    nodes = [
        helper.make_node('Conv', ['x', 'w1', 'b1'], ['y1'], name='conv_s2',
                         strides=[2, 1], pads=[1, 0, 2, 1], dilations=[1, 2]),
        helper.make_node('Conv', ['x', 'w2'], ['y2'], name='conv_g2', group=2,
                         auto_pad='SAME_UPPER', kernel_shape=[3, 2]),
        helper.make_node('Conv', ['x', 'w3', 'b3'], ['y3'], name='conv_dw',
                         group=4, pads=[1, 1, 1, 1]),
    ]
    # SAME_UPPER for kernel 3x2 stride 1: total pads 2 and 1, extra at end.
    ref = {'y1': conv_ref(x, w1, b1, (2, 1), (1, 0, 2, 1), (1, 2)),
           'y2': conv_ref(x, w2, None, pads=(1, 0, 1, 1), group=2),
           'y3': conv_ref(x, w3, b3, pads=(1, 1, 1, 1), group=4)}
    return nodes, {'x': x}, {'w1': w1, 'b1': b1, 'w2': w2, 'w3': w3, 'b3': b3}, \
        ref, 13


@case
def conv_bn(rng):
    x = rnd(rng, 2, 3, 6, 6)
    w, b = rnd(rng, 5, 3, 3, 3, scale=0.3), rnd(rng, 5)
    s, beta, m = rnd(rng, 5), rnd(rng, 5), rnd(rng, 5)
    v = (np.abs(rnd(rng, 5)) + 0.5).astype(np.float32)
    s2, beta2, m2 = rnd(rng, 3), rnd(rng, 3), rnd(rng, 3)
    v2 = (np.abs(rnd(rng, 3)) + 0.5).astype(np.float32)
    nodes = [
        helper.make_node('Conv', ['x', 'w', 'b'], ['c'], name='conv1',
                         pads=[1, 1, 1, 1]),
        helper.make_node('BatchNormalization', ['c', 's', 'beta', 'm', 'v'],
                         ['y'], name='bn1', epsilon=1e-3),
        # On a graph input: no conv to fold into.
        helper.make_node('BatchNormalization',
                         ['x', 's2', 'beta2', 'm2', 'v2'], ['y2'], name='bn0'),
    ]
    c = conv_ref(x, w, b, pads=(1, 1, 1, 1))
    return nodes, {'x': x}, {'w': w, 'b': b, 's': s, 'beta': beta, 'm': m,
                             'v': v, 's2': s2, 'beta2': beta2, 'm2': m2,
                             'v2': v2}, \
        {'y': bn_ref(c, s, beta, m, v, 1e-3),
         'y2': bn_ref(x.astype(np.float64), s2, beta2, m2, v2, 1e-5)}, 13


@case
def pool(rng):
    x = rnd(rng, 1, 3, 7, 6)
    nodes = [
        helper.make_node('MaxPool', ['x'], ['mp'], name='maxpool',
                         kernel_shape=[3, 2], strides=[2, 2],
                         pads=[1, 0, 1, 1]),
        helper.make_node('AveragePool', ['x'], ['ap0'], name='avgpool',
                         kernel_shape=[3, 3], strides=[2, 1],
                         pads=[1, 1, 1, 1]),
        helper.make_node('AveragePool', ['x'], ['ap1'], name='avgpool_incl',
                         kernel_shape=[2, 3], pads=[1, 1, 0, 1],
                         count_include_pad=1),
        helper.make_node('MaxPool', ['x'], ['mpc'], name='maxpool_ceil',
                         kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
        helper.make_node('AveragePool', ['x'], ['apc'], name='avgpool_ceil',
                         kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1,
                         pads=[1, 1, 1, 1]),
        helper.make_node('GlobalAveragePool', ['x'], ['gap'], name='gap'),
        helper.make_node('Flatten', ['gap'], ['flat'], name='flatten'),
    ]
    xd = x.astype(np.float64)
    gap = xd.mean(axis=(2, 3), keepdims=True)
    return nodes, {'x': x}, {}, {
        'mp': pool_ref(xd, (3, 2), (2, 2), (1, 0, 1, 1), 'max'),
        'ap0': pool_ref(xd, (3, 3), (2, 1), (1, 1, 1, 1), 'avg'),
        'ap1': pool_ref(xd, (2, 3), (1, 1), (1, 1, 0, 1), 'avg', 1),
        'mpc': pool_ref(xd, (2, 2), (2, 2), (0, 0, 0, 0), 'max', ceil=True),
        'apc': pool_ref(xd, (3, 3), (2, 2), (1, 1, 1, 1), 'avg', ceil=True),
        'gap': gap, 'flat': gap.reshape(1, 3)}, 13


@case
def shapes(rng):
    x = rnd(rng, 2, 3, 4)
    emb = rnd(rng, 10, 4)
    ids = np.array([[1, 9, 0], [-1, 3, 3]], dtype=np.int64)
    cond = rng.standard_normal((2, 4)) > 0
    nodes = [
        # Outputs that are views of a function argument need
        # bufferization.clone, which --sparq-cpu-reference does not lower
        # yet: compute x from the input first.
        helper.make_node('Add', ['xin', 'zerof'], ['x'], name='copy'),
        # Shape arithmetic that must fold: reshape x to [batch, -1].
        helper.make_node('Shape', ['x'], ['shp'], name='shape'),
        helper.make_node('Gather', ['shp', 'zero'], ['n'], name='gather_n',
                         axis=0),
        helper.make_node('Unsqueeze', ['n', 'axes0'], ['n1'], name='unsq_n'),
        helper.make_node('Concat', ['n1', 'minus1'], ['newshape'],
                         name='concat_shape', axis=0),
        helper.make_node('Reshape', ['x', 'newshape'], ['flat'],
                         name='reshape'),
        helper.make_node('Reshape', ['x', 'shape0'], ['r0'], name='reshape0'),
        helper.make_node('Transpose', ['x'], ['t'], name='transpose',
                         perm=[2, 0, 1]),
        helper.make_node('Concat', ['x', 'x'], ['cat'], name='concat', axis=1),
        helper.make_node('Unsqueeze', ['x', 'axes13'], ['u'], name='unsq'),
        helper.make_node('Squeeze', ['u', 'axes13'], ['sq'], name='squeeze'),
        helper.make_node('Slice', ['x', 'st', 'en', 'ax', 'sp'], ['sl'],
                         name='slice'),
        helper.make_node('Split', ['x', 'split'], ['s0', 's1'], name='split',
                         axis=2),
        helper.make_node('Gather', ['emb', 'ids'], ['g'], name='embedding'),
        helper.make_node('Gather', ['x', 'one'], ['g1'], name='gather_axis1',
                         axis=1),
        helper.make_node('Where', ['cond', 'g1', 'half'], ['w'], name='where'),
        helper.make_node('Squeeze', ['sl'], ['sq1'], name='squeeze_all'),
        helper.make_node('ReduceMean', ['x'], ['rm'], name='reduce_mean',
                         axes=[0, 2], keepdims=1),
        helper.make_node('ReduceMean', ['x'], ['rm2'], name='reduce_mean2',
                         axes=[-1], keepdims=0),
        helper.make_node('Cast', ['ids'], ['idsf'], name='cast', to=F),
        helper.make_node('Identity', ['t'], ['id'], name='identity'),
        helper.make_node('Dropout', ['id'], ['drop'], name='dropout'),
    ]
    inits = {'zero': np.array(0, dtype=np.int64),
             'axes0': np.array([0], dtype=np.int64),
             'minus1': np.array([-1], dtype=np.int64),
             'shape0': np.array([0, 4, -1], dtype=np.int64),
             'axes13': np.array([1, 3], dtype=np.int64),
             'st': np.array([-1, 1, 0], dtype=np.int64),
             'en': np.array([2, 100, 100], dtype=np.int64),
             'ax': np.array([0, 2, 1], dtype=np.int64),
             'sp': np.array([1, 2, 1], dtype=np.int64),
             'split': np.array([1, 3], dtype=np.int64),
             'emb': emb, 'one': np.array(1, dtype=np.int64), 'cond': cond,
             'half': np.float32(0.5), 'zerof': np.float32(0.0)}
    xd = x.astype(np.float64)
    sl = xd[1:2, :, 1::2]                       # [1, 3, 2]
    ref = {'flat': xd.reshape(2, -1), 'r0': xd.reshape(2, 4, 3),
           'cat': np.concatenate([xd, xd], 1),
           'sq': xd, 'sl': sl, 's0': xd[:, :, :1], 's1': xd[:, :, 1:],
           'g': np.take(emb, ids, axis=0), 'g1': xd[:, 1, :],
           'w': np.where(cond, xd[:, 1, :], 0.5), 'sq1': sl.squeeze(0),
           'rm': xd.mean(axis=(0, 2), keepdims=True),
           'rm2': xd.mean(axis=-1), 'idsf': ids.astype(np.float64),
           'drop': xd.transpose(2, 0, 1)}
    return nodes, {'xin': x, 'ids': ids}, inits, ref, 13


@case
def transformer(rng):
    x = rnd(rng, 2, 5, 8)
    scale, bias = rnd(rng, 8), rnd(rng, 8)
    wq = rnd(rng, 8, 8, scale=0.3)
    nodes = [
        helper.make_node('LayerNormalization', ['x', 'scale', 'bias'], ['ln'],
                         name='ln', epsilon=1e-5),
        helper.make_node('MatMul', ['ln', 'wq'], ['q'], name='q_proj'),
        helper.make_node('Transpose', ['q'], ['kt'], name='kt', perm=[0, 2, 1]),
        helper.make_node('MatMul', ['q', 'kt'], ['att'], name='scores'),
        helper.make_node('Softmax', ['att'], ['p'], name='softmax', axis=-1),
        helper.make_node('LogSoftmax', ['att'], ['lp'], name='logsoftmax',
                         axis=1),
        helper.make_node('ReduceMean', ['p', 'axes'], ['pm'], name='mean18',
                         keepdims=0),
    ]
    xd = x.astype(np.float64)
    ln = layernorm_ref(xd, scale, bias, 2, 1e-5)
    q = ln @ wq
    att = q @ q.transpose(0, 2, 1)
    p = softmax_ref(att, -1)
    lp = att - att.max(axis=1, keepdims=True)
    lp = lp - np.log(np.exp(lp).sum(axis=1, keepdims=True))
    return nodes, {'x': x}, {'scale': scale, 'bias': bias, 'wq': wq,
                             'axes': np.array([1], dtype=np.int64)}, \
        {'ln': ln, 'p': p, 'lp': lp, 'pm': p.mean(axis=1)}, 18


@case
def softmax_opset11(rng):
    x = rnd(rng, 2, 3, 4)
    nodes = [helper.make_node('Softmax', ['x'], ['y'], name='softmax')]
    # Before opset 13: coerced to 2-D at axis 1.
    y = softmax_ref(x.astype(np.float64).reshape(2, 12), -1).reshape(2, 3, 4)
    return nodes, {'x': x}, {}, {'y': y}, 11


# Import-only cases (no execution).
@case
def external(rng):
    w = rnd(rng, 16, 32)
    nodes = [helper.make_node('MatMul', ['x', 'w'], ['y'], name='fc')]
    return nodes, {'x': rnd(rng, 1, 16)}, {'w': w}, {'y': None}, 13


@case
def dynamic_batch(rng):
    nodes = [helper.make_node('Relu', ['x'], ['y'], name='relu')]
    return nodes, {'x': rnd(rng, 1, 4)}, {}, {'y': None}, 13


def bad(op, attrs=None, opset=13, inputs=('x',), domain=''):
    def fn(rng):
        n = helper.make_node(op, list(inputs), ['y'], name='bad_node',
                             domain=domain, **(attrs or {}))
        return [n], {'x': rnd(rng, 1, 4)}, {}, {'y': None}, opset
    return fn


CASES['unsupported_op'] = bad('NonMaxSuppression')
CASES['custom_domain'] = bad('MyOp', domain='com.example')
CASES['bad_attribute'] = bad('Relu', {'frobnicate': 1})
CASES['bad_attribute_value'] = bad('Conv', {'auto_pad': 'SIDEWAYS'},
                                   inputs=('x4', 'w'))
CASES['gemm_one_input'] = bad('Gemm')
CASES['bad_gelu'] = bad('Gelu', {'approximate': 'cubic'}, opset=20)


def make_model(name, d, rng):
    nodes, inputs, inits, ref, opset = CASES[name](rng)
    if name == 'bad_attribute_value':
        inputs = {'x4': rnd(rng, 1, 2, 5, 5)}
        inits = {'w': rnd(rng, 3, 2, 3, 3)}
    graph_inputs = []
    for k, v in inputs.items():
        shape = list(v.shape)
        if name == 'dynamic_batch':
            shape = ['batch', 'feat']
        graph_inputs.append(helper.make_tensor_value_info(
            k, helper.np_dtype_to_tensor_dtype(v.dtype)
            if hasattr(helper, 'np_dtype_to_tensor_dtype')
            else onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[v.dtype], shape))
    outputs = []
    for k, v in ref.items():
        if v is None:
            outputs.append(helper.make_tensor_value_info(k, F, None))
        else:
            outputs.append(helper.make_tensor_value_info(
                k, F if v.dtype.kind == 'f' else I64, list(v.shape)))
    initializers = [numpy_helper.from_array(np.asarray(v), k)
                    for k, v in inits.items()]
    graph = helper.make_graph(nodes, name, graph_inputs, outputs,
                              initializers)
    model = helper.make_model(
        graph, producer_name='sparq-gen-onnx',
        opset_imports=[helper.make_opsetid('', opset)])
    model.ir_version = 8
    if opset <= 17 and all(v is not None for v in ref.values()):
        onnx.checker.check_model(model)
    path = os.path.join(d, name + '.onnx')
    if name == 'external':
        onnx.save_model(model, path, save_as_external_data=True,
                        all_tensors_to_one_file=True,
                        location=name + '.weights', size_threshold=0)
    else:
        onnx.save_model(model, path)
    if all(v is not None for v in ref.values()):
        arrays = {}
        for i, v in enumerate(inputs.values()):
            arrays['in_%d' % i] = v
        for i, v in enumerate(ref.values()):
            arrays['out_%d' % i] = (v.astype(np.float32) if v.dtype.kind == 'f'
                                    else v)
        np.savez(os.path.join(d, name + '.npz'), **arrays)


# ----------------------------------------------------------------------------
# Harness
# ----------------------------------------------------------------------------
MLIR_TYPES = {np.dtype(np.float32): 'f32', np.dtype(np.int64): 'i64'}


def tensor_type(a):
    dims = ''.join('%dx' % d for d in a.shape)
    return 'tensor<%s%s>' % (dims, MLIR_TYPES[a.dtype])


def memref_type(a):
    dims = ''.join('%dx' % d for d in a.shape)
    return 'memref<%s%s>' % (dims, MLIR_TYPES[a.dtype])


def load(npz):
    data = np.load(npz)
    ins = [data['in_%d' % i] for i in range(len(data.files))
           if 'in_%d' % i in data.files]
    outs = [data['out_%d' % i] for i in range(len(data.files))
            if 'out_%d' % i in data.files]
    return ins, outs


def cmd_wrap(npz):
    text = sys.stdin.read()
    ins, outs = load(npz)
    lines = ['  func.func private @printMemrefF32(memref<*xf32>)',
             '  func.func private @printMemrefI64(memref<*xi64>)',
             '  func.func @entry() {']
    for i, a in enumerate(ins):
        lines.append('    %%in%d = arith.constant dense<"0x%s"> : %s' % (
            i, np.ascontiguousarray(a).tobytes().hex().upper(), tensor_type(a)))
    args = ', '.join('%%in%d' % i for i in range(len(ins)))
    atys = ', '.join(tensor_type(a) for a in ins)
    rtys = ', '.join(tensor_type(a) for a in outs)
    lines.append('    %%r:%d = func.call @main(%s) : (%s) -> (%s)' % (
        len(outs), args, atys, rtys))
    for i, a in enumerate(outs):
        elt = MLIR_TYPES[a.dtype]
        lines.append('    %%m%d = bufferization.to_buffer %%r#%d : %s to %s' % (
            i, i, tensor_type(a), memref_type(a)))
        lines.append('    %%u%d = memref.cast %%m%d : %s to memref<*x%s>' % (
            i, i, memref_type(a), elt))
        lines.append('    func.call @printMemref%s(%%u%d) : (memref<*x%s>) -> ()'
                     % (elt.upper(), i, elt))
    lines += ['    return', '  }']
    # Insert before the closing brace of the module (the last line that is
    # exactly "}" before any {-# dialect_resources #-} section).
    body = text.split('\n{-#')[0]
    rest = text[len(body):]
    cut = body.rstrip().rfind('\n}')
    if cut < 0:
        sys.exit('wrap: no module found on stdin')
    sys.stdout.write(body[:cut] + '\n' + '\n'.join(lines) + body[cut:] + rest)


def parse_memrefs(text):
    chunks = text.split('Unranked Memref')[1:]
    out = []
    for c in chunks:
        data = c.split('data =', 1)[1]
        nums = re.findall(r'-?(?:nan|inf|\d+(?:\.\d*)?(?:e[-+]?\d+)?)', data)
        out.append(np.array([float(n) for n in nums]))
    return out


def cmd_check(npz, rtol, atol, labels=None):
    _, outs = load(npz)
    got = parse_memrefs(sys.stdin.read())
    if len(got) != len(outs):
        print('FAIL: %d outputs printed, %d expected' % (len(got), len(outs)))
        return 1
    worst = 0.0
    ok = True
    for i, (g, r) in enumerate(zip(got, outs)):
        r = r.astype(np.float64).ravel()
        if g.shape != r.shape:
            print('FAIL: output %d has %d elements, expected %d' %
                  (i, g.size, r.size))
            return 1
        err = np.abs(g - r)
        bad = ~(err <= atol + rtol * np.abs(r))
        worst = max(worst, float(err.max()) if err.size else 0.0)
        if bad.any():
            j = int(np.argmax(bad))
            print('FAIL: output %d element %d: got %r, expected %r' %
                  (i, j, g[j], r[j]))
            ok = False
    if labels is not None:
        y = np.load(labels)
        pred = got[0].reshape(len(y), -1).argmax(1)
        print('top-1 accuracy %d/%d' % ((pred == y).sum(), len(y)))
    if ok:
        print('PASS %d outputs, max |y - ref| = %.3g (atol %g, rtol %g)' %
              (len(outs), worst, atol, rtol))
    return 0 if ok else 1


def main():
    cmd = sys.argv[1]
    if cmd == 'gen':
        name, d = sys.argv[2], sys.argv[3]
        os.makedirs(d, exist_ok=True)
        make_model(name, d, np.random.RandomState(sum(map(ord, name))))
    elif cmd == 'wrap':
        cmd_wrap(sys.argv[2])
    elif cmd == 'check':
        args = sys.argv[3:]
        rtol = float(args[args.index('--rtol') + 1]) if '--rtol' in args else 1e-4
        atol = float(args[args.index('--atol') + 1]) if '--atol' in args else 1e-5
        labels = args[args.index('--labels') + 1] if '--labels' in args else None
        sys.exit(cmd_check(sys.argv[2], rtol, atol, labels))
    elif cmd == 'pack':
        arrays, kind, n = {}, None, {'in': 0, 'out': 0}
        for a in sys.argv[3:]:
            if a in ('--in', '--out'):
                kind = a[2:]
                continue
            arrays['%s_%d' % (kind, n[kind])] = np.load(a)
            n[kind] += 1
        np.savez(sys.argv[2], **arrays)
    elif cmd == 'truncate':
        data = open(sys.argv[2], 'rb').read()
        open(sys.argv[3], 'wb').write(data[:int(sys.argv[4])])
    elif cmd == 'fuzz':
        import subprocess
        data = bytearray(open(sys.argv[2], 'rb').read())
        path = os.path.join(sys.argv[3], 'fuzz.onnx')
        rng = np.random.RandomState(0)
        ok = 0
        for _ in range(int(sys.argv[4])):
            m = bytearray(data)
            for pos in rng.randint(0, len(m), rng.randint(1, 4)):
                m[pos] = rng.randint(0, 256)
            open(path, 'wb').write(bytes(m))
            p = subprocess.run(sys.argv[5:] + [path], capture_output=True,
                               text=True, errors='replace')
            if p.returncode == 0:
                ok += 1
            elif p.returncode != 1 or 'error:' not in p.stderr:
                open(path + '.crash', 'wb').write(bytes(m))
                print('FAIL: exit %d, stderr %r (input kept in %s.crash)' %
                      (p.returncode, p.stderr[-300:], path))
                sys.exit(1)
        print('PASS %s mutated files: %d imported, the others rejected' %
              (sys.argv[4], ok))
    elif cmd == 'prefixes':
        import subprocess
        data = open(sys.argv[2], 'rb').read()
        path = os.path.join(sys.argv[3], 'prefix.onnx')
        runs = 0
        for n in range(0, len(data), 7):
            open(path, 'wb').write(data[:n])
            p = subprocess.run(sys.argv[4:] + [path], capture_output=True,
                               text=True, errors='replace')
            runs += 1
            if p.returncode != 1 or 'error:' not in p.stderr:
                print('FAIL: prefix of %d bytes: exit %d, stderr %r' %
                      (n, p.returncode, p.stderr[-300:]))
                sys.exit(1)
        print('PASS %d truncated files of %d rejected' % (runs, len(data)))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
