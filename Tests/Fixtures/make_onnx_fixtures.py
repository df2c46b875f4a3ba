#!/usr/bin/env python3
"""Builds the small ONNX operator fixtures used by the ModelIR importer and
executor tests.

For every fixture NAME this writes, into Tests/ModelIRTests/Fixtures/:

  NAME.onnx   a tiny graph built with onnx.helper (passes onnx.checker, full check)
  NAME.json   {"model": "NAME.onnx",
               "inputs":  [{"name", "shape", "data"}],   # data: flat row-major floats
               "outputs": [{"name", "shape", "data"}],   # onnxruntime CPU results
               "ops": [op types, first-use order], "opset": N, "notes": "..."}

plus three deliberately broken files for error tests (no JSON):
  corrupt.onnx, truncated.onnx, unknown_op.onnx.

Deterministic: every fixture draws from its own numpy generator seeded from its
name, so adding a fixture does not change the others. The expected outputs come
from onnxruntime, so they may differ in the last bit between CPUs; compare with a
tolerance (1e-4 relative / 1e-5 absolute is ample).

Run from anywhere:  python3 Tests/Fixtures/make_onnx_fixtures.py [--out DIR]
Needs numpy, onnx, onnxruntime. torch is not used.
"""
import argparse
import json
import os
import sys
import zlib

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "ModelIRTests", "Fixtures"))


# --------------------------------------------------------------------------
# Small builder


class Fixture:
    """Collects nodes, initializers, inputs and outputs for one graph."""

    def __init__(self, name, opset, notes="", ir_version=None, inits_as_inputs=False):
        self.name = name
        self.opset = opset
        self.notes = notes
        self.ir_version = ir_version
        self.inits_as_inputs = inits_as_inputs
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.nodes = []
        self.inits = []
        self.inputs = []   # (name, declared dims, data ndarray)
        self.outputs = []  # (name, declared dims or None = from the run)
        self.run_per_sample = False

    # data helpers ---------------------------------------------------------
    def randn(self, *shape, scale=1.0, decimals=3):
        return np.round(self.rng.standard_normal(shape) * scale, decimals).astype(np.float32)

    def uniform(self, lo, hi, *shape, decimals=3):
        return np.round(self.rng.uniform(lo, hi, shape), decimals).astype(np.float32)

    # graph helpers --------------------------------------------------------
    def input(self, name, data, declared=None):
        data = np.asarray(data, dtype=np.float32)
        self.inputs.append((name, list(declared) if declared is not None else list(data.shape), data))
        return name

    def init(self, name, value, raw=True):
        arr = np.asarray(value)
        if raw:
            t = numpy_helper.from_array(arr, name)
        else:  # typed storage (float_data / int64_data) instead of raw_data
            dtype = helper.np_dtype_to_tensor_dtype(arr.dtype)
            t = helper.make_tensor(name, dtype, arr.shape, arr.flatten().tolist(), raw=False)
        self.inits.append(t)
        return name

    def f32(self, name, value, raw=True):
        return self.init(name, np.asarray(value, dtype=np.float32), raw)

    def i64(self, name, value, raw=True):
        return self.init(name, np.asarray(value, dtype=np.int64), raw)

    def node(self, op, inputs, outputs, name=None, **attrs):
        if isinstance(outputs, str):
            outputs = [outputs]
        self.nodes.append(helper.make_node(op, inputs, outputs,
                                           name=name or f"{op.lower()}_{len(self.nodes)}", **attrs))
        return outputs[0]

    def output(self, name, declared=None):
        self.outputs.append((name, declared))

    def bn(self, x, c, out, prefix, **attrs):
        """BatchNormalization with random but sane parameters."""
        scale = self.f32(f"{prefix}.weight", self.uniform(0.5, 1.5, c))
        bias = self.f32(f"{prefix}.bias", self.randn(c, scale=0.2))
        mean = self.f32(f"{prefix}.running_mean", self.randn(c, scale=0.2))
        var = self.f32(f"{prefix}.running_var", self.uniform(0.5, 1.5, c))
        return self.node("BatchNormalization", [x, scale, bias, mean, var], out, name=prefix, **attrs)

    def conv(self, x, cin, cout, k, out, prefix, bias=True, group=1, **attrs):
        w = self.f32(f"{prefix}.weight",
                     self.randn(cout, cin // group, k, k, scale=1.0 / np.sqrt(cin // group * k * k)))
        ins = [x, w]
        if bias:
            ins.append(self.f32(f"{prefix}.bias", self.randn(cout, scale=0.1)))
        return self.node("Conv", ins, out, name=prefix, kernel_shape=[k, k], group=group, **attrs)

    # building / running ---------------------------------------------------
    def value_info(self, name, dims):
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)

    def model(self, output_dims):
        inputs = [self.value_info(n, d) for n, d, _ in self.inputs]
        if self.inits_as_inputs:  # pre-IR-4 exporters list every initializer as an input too
            inputs += [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in self.inits]
        outputs = [self.value_info(n, d) for (n, _), d in zip(self.outputs, output_dims)]
        graph = helper.make_graph(self.nodes, self.name, inputs, outputs, initializer=self.inits)
        opsets = [helper.make_opsetid("", self.opset)]
        ir = self.ir_version or helper.find_min_ir_version_for(opsets)
        m = helper.make_model(graph, opset_imports=opsets, ir_version=ir,
                              producer_name="bitbudget-fixtures", producer_version="1",
                              doc_string=self.notes)
        return m

    def run(self, model_bytes, feeds):
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.log_severity_level = 3  # silence 'initializer appears in graph inputs'
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        sess = ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])
        return sess.run([n for n, _ in self.outputs], feeds)

    def build(self, out_dir):
        # First pass: outputs declared with unknown shape, to learn their shapes.
        feeds = {n: d for n, _, d in self.inputs}
        if self.run_per_sample:
            first = {n: d[:1] for n, d in feeds.items()}
            probe = self.run(self.model([None] * len(self.outputs)).SerializeToString(), first)
        else:
            probe = self.run(self.model([None] * len(self.outputs)).SerializeToString(), feeds)
        dims = []
        sym = any(isinstance(d[0], str) for _, d, _ in self.inputs if d)
        for (n, declared), value in zip(self.outputs, probe):
            if declared is not None:
                dims.append(declared)
            else:
                shape = list(value.shape)
                if sym and shape:
                    shape[0] = "N"
                dims.append(shape)
        model = self.model(dims)
        onnx.checker.check_model(model, full_check=True)
        data = model.SerializeToString()

        if self.run_per_sample:
            # The model's batch is fixed; run each sample alone and stack them.
            n = next(iter(feeds.values())).shape[0]
            per = [self.run(data, {k: v[i:i + 1] for k, v in feeds.items()}) for i in range(n)]
            results = [np.concatenate([p[j] for p in per], axis=0) for j in range(len(self.outputs))]
        else:
            results = self.run(data, feeds)

        with open(os.path.join(out_dir, self.name + ".onnx"), "wb") as f:
            f.write(data)
        ops = []
        for nd in self.nodes:
            if nd.op_type not in ops:
                ops.append(nd.op_type)
        doc = {
            "model": self.name + ".onnx",
            "inputs": [{"name": n, "shape": list(d.shape), "data": floats(d)} for n, _, d in self.inputs],
            "outputs": [{"name": n, "shape": list(r.shape), "data": floats(r)}
                        for (n, _), r in zip(self.outputs, results)],
            "ops": ops,
            "opset": self.opset,
            "notes": self.notes,
        }
        with open(os.path.join(out_dir, self.name + ".json"), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        return doc


def floats(a):
    """Flat list of float32 values written with their shortest round-trip text."""
    a = np.asarray(a, dtype=np.float32).ravel()
    if not np.all(np.isfinite(a)):
        raise ValueError("non-finite value in fixture data")
    return [float(str(v)) for v in a]


# --------------------------------------------------------------------------
# Fixtures. Each function returns a configured Fixture.

FIXTURES = []


def fixture(fn):
    FIXTURES.append(fn)
    return fn


# Conv ---------------------------------------------------------------------

@fixture
def conv_basic():
    f = Fixture("conv_basic", 13, "3x3 conv with bias, pads 1, batch 2.")
    x = f.input("x", f.randn(2, 3, 5, 5))
    f.output(f.conv(x, 3, 4, 3, "y", "conv", pads=[1, 1, 1, 1], strides=[1, 1]))
    return f


@fixture
def conv_stride2_nobias():
    f = Fixture("conv_stride2_nobias", 11, "3x3 conv, stride 2, pads 1, no bias input (2 inputs).")
    x = f.input("x", f.randn(1, 3, 7, 7))
    f.output(f.conv(x, 3, 4, 3, "y", "conv", bias=False, pads=[1, 1, 1, 1], strides=[2, 2]))
    return f


@fixture
def conv_pads_asym():
    f = Fixture("conv_pads_asym", 13,
                "3x2 kernel, strides [2,1], asymmetric pads [h_begin=0, w_begin=1, h_end=2, w_end=0]. "
                "ONNX pads order is all begins then all ends.")
    x = f.input("x", f.randn(1, 2, 6, 5))
    w = f.f32("conv.weight", f.randn(3, 2, 3, 2, scale=0.4))
    b = f.f32("conv.bias", f.randn(3, scale=0.1))
    f.output(f.node("Conv", [x, w, b], "y", kernel_shape=[3, 2], strides=[2, 1], pads=[0, 1, 2, 0]))
    return f


@fixture
def conv_dilation2():
    f = Fixture("conv_dilation2", 13, "3x3 conv, dilations 2, pads 2 (same size output).")
    x = f.input("x", f.randn(1, 2, 7, 7))
    f.output(f.conv(x, 2, 3, 3, "y", "conv", pads=[2, 2, 2, 2], dilations=[2, 2]))
    return f


@fixture
def conv_groups2():
    f = Fixture("conv_groups2", 13, "group=2: 4 input channels, 6 outputs, weight [6,2,3,3].")
    x = f.input("x", f.randn(1, 4, 5, 5))
    f.output(f.conv(x, 4, 6, 3, "y", "conv", group=2, pads=[1, 1, 1, 1]))
    return f


@fixture
def conv_depthwise():
    f = Fixture("conv_depthwise", 13,
                "Depthwise: y0 group=C=4 weight [4,1,3,3] stride 2 pads 1; "
                "y1 depth multiplier 2, group 4, weight [8,1,3,3].")
    x = f.input("x", f.randn(1, 4, 6, 6))
    f.output(f.conv(x, 4, 4, 3, "y0", "dw", group=4, pads=[1, 1, 1, 1], strides=[2, 2]))
    f.output(f.conv(x, 4, 8, 3, "y1", "dw_mult2", group=4, pads=[1, 1, 1, 1]))
    return f


@fixture
def conv_autopad():
    f = Fixture("conv_autopad", 11,
                "auto_pad on 8x8 input, 3x3 kernel, stride 2 (total pad 1): "
                "y_upper SAME_UPPER pads (0 begin, 1 end); y_lower SAME_LOWER (1 begin, 0 end); "
                "y_valid VALID (no pads, 3x3 out). No pads attribute in any of them.")
    x = f.input("x", f.randn(1, 2, 8, 8))
    w = f.f32("conv.weight", f.randn(3, 2, 3, 3, scale=0.3))
    b = f.f32("conv.bias", f.randn(3, scale=0.1))
    for mode, out in (("SAME_UPPER", "y_upper"), ("SAME_LOWER", "y_lower"), ("VALID", "y_valid")):
        f.output(f.node("Conv", [x, w, b], out, kernel_shape=[3, 3], strides=[2, 2], auto_pad=mode))
    return f


@fixture
def legacy_conv_1x1():
    f = Fixture("legacy_conv_1x1", 7,
                "Old-exporter style: opset 7, IR version 3, every initializer also listed in "
                "graph.input (not a runtime input: it has an initializer), weights stored in "
                "float_data instead of raw_data, no kernel_shape attribute (infer it from W).",
                ir_version=3, inits_as_inputs=True)
    x = f.input("x", f.randn(2, 4, 3, 3))
    w = f.f32("conv.weight", f.randn(5, 4, 1, 1, scale=0.5), raw=False)
    b = f.f32("conv.bias", f.randn(5, scale=0.1), raw=False)
    f.output(f.node("Conv", [x, w, b], "y"))
    return f


# BatchNormalization ---------------------------------------------------------

@fixture
def batchnorm_opset7():
    f = Fixture("batchnorm_opset7", 7,
                "BatchNormalization-7 with spatial=1 attribute and epsilon 1e-3; IR 3 with "
                "initializers listed as inputs.", ir_version=3, inits_as_inputs=True)
    x = f.input("x", f.randn(2, 3, 4, 4))
    f.output(f.bn(x, 3, "y", "bn", epsilon=1e-3, spatial=1))
    return f


@fixture
def batchnorm_opset9():
    f = Fixture("batchnorm_opset9", 9, "BatchNormalization-9, epsilon 1e-3, momentum attribute (ignored).")
    x = f.input("x", f.randn(2, 3, 4, 4))
    f.output(f.bn(x, 3, "y", "bn", epsilon=1e-3, momentum=0.9))
    return f


@fixture
def batchnorm_opset15():
    f = Fixture("batchnorm_opset15", 15, "BatchNormalization-15, no attributes (default epsilon 1e-5).")
    x = f.input("x", f.randn(2, 3, 4, 4))
    f.output(f.bn(x, 3, "y", "bn"))
    return f


# Activations ------------------------------------------------------------------

@fixture
def relu():
    f = Fixture("relu", 13, "Relu.")
    x = f.input("x", f.randn(1, 3, 4, 4))
    f.output(f.node("Relu", [x], "y"))
    return f


@fixture
def leaky_relu():
    f = Fixture("leaky_relu", 16, "LeakyRelu-16: y0 alpha 0.1; y1 default alpha 0.01.")
    x = f.input("x", f.randn(1, 3, 4, 4))
    f.output(f.node("LeakyRelu", [x], "y0", alpha=0.1))
    f.output(f.node("LeakyRelu", [x], "y1"))
    return f


@fixture
def sigmoid():
    f = Fixture("sigmoid", 13, "Sigmoid.")
    x = f.input("x", f.randn(1, 3, 4, 4, scale=3.0))
    f.output(f.node("Sigmoid", [x], "y"))
    return f


@fixture
def hard_sigmoid():
    f = Fixture("hard_sigmoid", 6,
                "HardSigmoid-6: y0 alpha 0.25 beta 0.4; y1 defaults alpha 0.2 beta 0.5. "
                "Note PyTorch's hardsigmoid is alpha 1/6, beta 0.5.")
    x = f.input("x", f.randn(1, 3, 4, 4, scale=3.0))
    f.output(f.node("HardSigmoid", [x], "y0", alpha=0.25, beta=0.4))
    f.output(f.node("HardSigmoid", [x], "y1"))
    return f


@fixture
def hard_swish():
    f = Fixture("hard_swish", 14, "HardSwish-14: x * max(0, min(1, x/6 + 0.5)).")
    x = f.input("x", f.randn(1, 3, 4, 4, scale=3.0))
    f.output(f.node("HardSwish", [x], "y"))
    return f


@fixture
def clip_opset6_attrs():
    f = Fixture("clip_opset6_attrs", 9,
                "Clip-6 (valid in opsets 6-10) with min/max ATTRIBUTES: y0 min 0 max 6 (ReLU6); "
                "y1 only min=-0.5 (max defaults to +FLT_MAX).")
    x = f.input("x", f.randn(1, 3, 4, 4, scale=4.0))
    f.output(f.node("Clip", [x], "y0", min=0.0, max=6.0))
    f.output(f.node("Clip", [x], "y1", min=-0.5))
    return f


@fixture
def clip_opset11_inputs():
    f = Fixture("clip_opset11_inputs", 11, "Clip-11 with min and max as scalar (rank-0) initializer INPUTS.")
    x = f.input("x", f.randn(1, 3, 4, 4, scale=4.0))
    lo = f.f32("clip.min", np.float32(0.0))
    hi = f.f32("clip.max", np.float32(6.0))
    f.output(f.node("Clip", [x, lo, hi], "y"))
    return f


@fixture
def clip_opset13_omitted():
    f = Fixture("clip_opset13_omitted", 13,
                "Clip-13 optional inputs: y0 = Clip(x, min) (max omitted by count); "
                "y1 = Clip(x, '', max) (min omitted by an EMPTY input name); "
                "y2 = Clip(x) (no bounds, identity). min comes from a Constant node.")
    x = f.input("x", f.randn(1, 3, 4, 4, scale=4.0))
    lo = f.node("Constant", [], "clip.min", value=numpy_helper.from_array(np.array(-1.0, np.float32)))
    hi = f.f32("clip.max", np.float32(2.0))
    f.output(f.node("Clip", [x, lo], "y0"))
    f.output(f.node("Clip", [x, "", hi], "y1"))
    f.output(f.node("Clip", [x], "y2"))
    return f


# Pooling -------------------------------------------------------------------------

@fixture
def maxpool():
    f = Fixture("maxpool", 12, "MaxPool-12 kernel 3, stride 2, pads 1 on 7x7.")
    x = f.input("x", f.randn(1, 2, 7, 7))
    f.output(f.node("MaxPool", [x], "y", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]))
    return f


@fixture
def maxpool_ceil():
    f = Fixture("maxpool_ceil", 10,
                "MaxPool-10 ceil_mode=1 on 6x6: y0 kernel 3 stride 2 -> 3x3 (floor would give 2x2); "
                "y1 kernel 3 stride 2 pads 1 -> 4x4 (floor 3x3). y2 same as y1 with ceil_mode 0.")
    x = f.input("x", f.randn(1, 2, 6, 6))
    f.output(f.node("MaxPool", [x], "y0", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1))
    f.output(f.node("MaxPool", [x], "y1", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1))
    f.output(f.node("MaxPool", [x], "y2", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]))
    return f


@fixture
def avgpool():
    f = Fixture("avgpool", 11,
                "AveragePool-11 on 6x6: y_exclude kernel 3 stride 2 pads 1 count_include_pad=0 "
                "(border windows divide by the in-image count); y_include same with "
                "count_include_pad=1 (always divide by 9); y_plain kernel 2 stride 2 no pads.")
    x = f.input("x", f.randn(1, 2, 6, 6))
    f.output(f.node("AveragePool", [x], "y_exclude", kernel_shape=[3, 3], strides=[2, 2],
                    pads=[1, 1, 1, 1], count_include_pad=0))
    f.output(f.node("AveragePool", [x], "y_include", kernel_shape=[3, 3], strides=[2, 2],
                    pads=[1, 1, 1, 1], count_include_pad=1))
    f.output(f.node("AveragePool", [x], "y_plain", kernel_shape=[2, 2], strides=[2, 2]))
    return f


@fixture
def global_avgpool():
    f = Fixture("global_avgpool", 13, "GlobalAveragePool on non-square 4x5, batch 2 -> [2,3,1,1].")
    x = f.input("x", f.randn(2, 3, 4, 5))
    f.output(f.node("GlobalAveragePool", [x], "y"))
    return f


# Elementwise binary ----------------------------------------------------------------

@fixture
def binary_broadcast():
    f = Fixture("binary_broadcast", 13,
                "Numpy broadcasting. x, x2: [2,4,3,3]. add_c = x + [1,4,1,1]; sub_s = x - scalar "
                "(rank 0); mul_c = x * [4,1,1] (lower rank); div_s = x / [1] (2.5); "
                "add_xx = x + x2; rsub = [1,4,1,1] - x (small operand first); mul_w = x * [3] "
                "(last axis).")
    x = f.input("x", f.randn(2, 4, 3, 3))
    x2 = f.input("x2", f.randn(2, 4, 3, 3))
    c1 = f.f32("c_1c11", f.randn(1, 4, 1, 1))
    c2 = f.f32("c_c11", f.uniform(0.5, 1.5, 4, 1, 1))
    s = f.f32("scalar", np.float32(0.75))
    d = f.f32("div_1", np.array([2.5], np.float32))
    w = f.f32("w_last", f.randn(3))
    f.output(f.node("Add", [x, c1], "add_c"))
    f.output(f.node("Sub", [x, s], "sub_s"))
    f.output(f.node("Mul", [x, c2], "mul_c"))
    f.output(f.node("Div", [x, d], "div_s"))
    f.output(f.node("Add", [x, x2], "add_xx"))
    f.output(f.node("Sub", [c1, x], "rsub"))
    f.output(f.node("Mul", [x, w], "mul_w"))
    return f


@fixture
def binary_opset7():
    f = Fixture("binary_opset7", 7,
                "Add-7/Mul-7/Sub-7/Div-7 (first opset with numpy broadcasting; no broadcast/axis "
                "attributes). IR 3, initializers listed as inputs.", ir_version=3, inits_as_inputs=True)
    x = f.input("x", f.randn(1, 4, 3, 3))
    c = f.f32("c", f.randn(1, 4, 1, 1))
    s = f.f32("s", np.array([1.5], np.float32))
    a = f.node("Add", [x, c], "a")
    m = f.node("Mul", [a, s], "m")
    d = f.node("Div", [m, s], "d")
    f.output(f.node("Sub", [d, c], "y"))
    return f


# Shape / data movement --------------------------------------------------------------

@fixture
def concat_axis1():
    f = Fixture("concat_axis1", 11, "Concat axis 1 of three inputs with 2, 3 and 1 channels.")
    a = f.input("a", f.randn(1, 2, 3, 3))
    b = f.input("b", f.randn(1, 3, 3, 3))
    c = f.input("c", f.randn(1, 1, 3, 3))
    f.output(f.node("Concat", [a, b, c], "y", axis=1))
    return f


@fixture
def pad_opset2_attrs():
    f = Fixture("pad_opset2_attrs", 9,
                "Pad-2 (opsets 2-10) with ATTRIBUTES: y0 mode constant, pads "
                "[0,0,1,2, 0,0,2,1] (begins then ends, per axis N,C,H,W), value 0.5; "
                "y1 channel padding [0,1,0,0, 0,2,0,0], mode and value omitted (constant 0).")
    x = f.input("x", f.randn(1, 2, 3, 3))
    f.output(f.node("Pad", [x], "y0", mode="constant", pads=[0, 0, 1, 2, 0, 0, 2, 1], value=0.5))
    f.output(f.node("Pad", [x], "y1", pads=[0, 1, 0, 0, 0, 2, 0, 0]))
    return f


@fixture
def pad_opset11_inputs():
    f = Fixture("pad_opset11_inputs", 13,
                "Pad-11/13 with INPUTS: y0 pads int64 [0,0,1,0, 0,0,1,2] and constant_value "
                "scalar 1.5; y1 channel padding [0,2,0,0, 0,2,0,0] with constant_value omitted "
                "(0), as in resnet20's option-A shortcut.")
    x = f.input("x", f.randn(1, 2, 3, 3))
    p0 = f.i64("pads0", [0, 0, 1, 0, 0, 0, 1, 2])
    cv = f.f32("value", np.float32(1.5))
    p1 = f.i64("pads1", [0, 2, 0, 0, 0, 2, 0, 0])
    f.output(f.node("Pad", [x, p0, cv], "y0", mode="constant"))
    f.output(f.node("Pad", [x, p1], "y1", mode="constant"))
    return f


@fixture
def slice_opset1_attrs():
    f = Fixture("slice_opset1_attrs", 9,
                "Slice-1 (opsets 1-9) with ATTRIBUTES, x [2,3,4,5]: y0 axes [2] starts [1] ends [3]; "
                "y1 axes [1,3] starts [0,-3] ends [INT64_MAX,-1]; y2 no axes (leading axes 0..3) "
                "starts [0,0,1,1] ends [1,2,3,100] (100 clamps to 5).")
    x = f.input("x", f.randn(2, 3, 4, 5))
    f.output(f.node("Slice", [x], "y0", axes=[2], starts=[1], ends=[3]))
    f.output(f.node("Slice", [x], "y1", axes=[1, 3], starts=[0, -3], ends=[INT64_MAX, -1]))
    f.output(f.node("Slice", [x], "y2", starts=[0, 0, 1, 1], ends=[1, 2, 3, 100]))
    return f


@fixture
def slice_opset10_inputs():
    f = Fixture("slice_opset10_inputs", 13,
                "Slice-10/13 with INPUTS, x [2,3,4,5]: y0 starts [0,0] ends [INT64_MAX,INT64_MAX] "
                "axes [2,3] steps [2,2] (resnet20 option-A shortcut); y1 starts [-2] ends [100] "
                "axes [-1] (no steps); y2 starts [-1] ends [INT64_MIN] axes [1] steps [-1] (reverse "
                "channels); y3 only starts [0,1] ends [1,3] (axes omitted: 0,1); y4 axes [3] "
                "starts [4] ends [0] steps [-2].")
    x = f.input("x", f.randn(2, 3, 4, 5))
    b = lambda n, v: f.i64(n, v)
    f.output(f.node("Slice", [x, b("s0", [0, 0]), b("e0", [INT64_MAX, INT64_MAX]), b("a0", [2, 3]),
                              b("st0", [2, 2])], "y0"))
    f.output(f.node("Slice", [x, b("s1", [-2]), b("e1", [100]), b("a1", [-1])], "y1"))
    f.output(f.node("Slice", [x, b("s2", [-1]), b("e2", [INT64_MIN]), b("a2", [1]), b("st2", [-1])], "y2"))
    f.output(f.node("Slice", [x, b("s3", [0, 1]), b("e3", [1, 3])], "y3"))
    f.output(f.node("Slice", [x, b("s4", [4]), b("e4", [0]), b("a4", [3]), b("st4", [-2])], "y4"))
    return f


@fixture
def flatten():
    f = Fixture("flatten", 13, "Flatten of [2,3,2,2]: y0 axis 1 -> [2,12]; y1 axis omitted (default 1); "
                               "y2 axis 2 -> [6,4].")
    x = f.input("x", f.randn(2, 3, 2, 2))
    f.output(f.node("Flatten", [x], "y0", axis=1))
    f.output(f.node("Flatten", [x], "y1"))
    f.output(f.node("Flatten", [x], "y2", axis=2))
    return f


@fixture
def reshape():
    f = Fixture("reshape", 13, "Reshape of [2,3,4,2]: y0 shape [0,-1] -> [2,24] (0 copies the input dim); "
                               "y1 [0,4,-1,3] -> [2,4,2,3]; y2 [-1,6] -> [8,6].")
    x = f.input("x", f.randn(2, 3, 4, 2))
    f.output(f.node("Reshape", [x, f.i64("shape0", [0, -1])], "y0"))
    f.output(f.node("Reshape", [x, f.i64("shape1", [0, 4, -1, 3])], "y1"))
    f.output(f.node("Reshape", [x, f.i64("shape2", [-1, 6])], "y2"))
    return f


@fixture
def transpose():
    f = Fixture("transpose", 13, "Transpose of [1,2,3,4]: y0 perm [0,2,3,1] (NCHW->NHWC); "
                                 "y1 no perm (reverse all axes) -> [4,3,2,1].")
    x = f.input("x", f.randn(1, 2, 3, 4))
    f.output(f.node("Transpose", [x], "y0", perm=[0, 2, 3, 1]))
    f.output(f.node("Transpose", [x], "y1"))
    return f


@fixture
def squeeze_unsqueeze_opset11():
    f = Fixture("squeeze_unsqueeze_opset11", 11,
                "Axes as ATTRIBUTES (opsets 1-12). x [1,3,1,2]: y0 Squeeze axes [2] -> [1,3,2]; "
                "y1 Unsqueeze(y0) axes [0,-1] (negative = relative to OUTPUT rank) -> [1,1,3,2,1]; "
                "y2 Squeeze axes [0,-2] -> [3,2].")
    x = f.input("x", f.randn(1, 3, 1, 2))
    s = f.node("Squeeze", [x], "y0", axes=[2])
    f.output(s)
    f.output(f.node("Unsqueeze", [s], "y1", axes=[0, -1]))
    f.output(f.node("Squeeze", [x], "y2", axes=[0, -2]))
    return f


@fixture
def squeeze_unsqueeze_opset13():
    f = Fixture("squeeze_unsqueeze_opset13", 13,
                "Axes as INPUTS (opset 13+). x [1,3,1,2]: y0 Squeeze(x, [2]) -> [1,3,2]; "
                "y1 Squeeze(x) no axes (drop all 1-dims) -> [3,2]; y2 Unsqueeze(y1, [1]) -> [3,1,2].")
    x = f.input("x", f.randn(1, 3, 1, 2))
    f.output(f.node("Squeeze", [x, f.i64("axes0", [2])], "y0"))
    s = f.node("Squeeze", [x], "y1")
    f.output(s)
    f.output(f.node("Unsqueeze", [s, f.i64("axes1", [1])], "y2"))
    return f


# Dense -----------------------------------------------------------------------------------

@fixture
def gemm():
    f = Fixture("gemm", 13,
                "Gemm-13. a [2,6], at [6,2]: y0 transB=1 B [4,6] C [4]; y1 transA=1 on at, B [6,4], "
                "C [1,4], alpha 0.5, beta 2; y2 no C; y3 C rank-0 scalar, beta 0.5.")
    a = f.input("a", f.randn(2, 6))
    at = f.input("at", f.randn(6, 2))
    bt = f.f32("b_t", f.randn(4, 6, scale=0.4))
    b = f.f32("b", f.randn(6, 4, scale=0.4))
    c = f.f32("c_n", f.randn(4, scale=0.1))
    c1 = f.f32("c_1n", f.randn(1, 4, scale=0.1))
    cs = f.f32("c_s", np.float32(0.3))
    f.output(f.node("Gemm", [a, bt, c], "y0", transB=1))
    f.output(f.node("Gemm", [at, b, c1], "y1", transA=1, alpha=0.5, beta=2.0))
    f.output(f.node("Gemm", [a, b], "y2"))
    f.output(f.node("Gemm", [a, b, cs], "y3", beta=0.5))
    return f


@fixture
def gemm_opset7():
    f = Fixture("gemm_opset7", 7, "Gemm-7 (C required, unidirectional broadcast of C [4]), transB=1, "
                                  "alpha/beta attributes explicit 1.0; IR 3, initializers listed as inputs.",
                ir_version=3, inits_as_inputs=True)
    a = f.input("a", f.randn(2, 6))
    bt = f.f32("fc.weight", f.randn(4, 6, scale=0.4))
    c = f.f32("fc.bias", f.randn(4, scale=0.1))
    f.output(f.node("Gemm", [a, bt, c], "y", transB=1, alpha=1.0, beta=1.0))
    return f


@fixture
def matmul():
    f = Fixture("matmul", 13, "Linear layer as MatMul + Add: y0 = x @ W (W [6,4] constant); y1 = y0 + b [4].")
    x = f.input("x", f.randn(2, 6))
    w = f.f32("fc.weight_t", f.randn(6, 4, scale=0.4))
    b = f.f32("fc.bias", f.randn(4, scale=0.1))
    m = f.node("MatMul", [x, w], "y0")
    f.output(m)
    f.output(f.node("Add", [m, b], "y1"))
    return f


@fixture
def softmax_opset11():
    f = Fixture("softmax_opset11", 11,
                "Softmax-11 COERCES to 2-D: x [2,3,4] axis=1 is a softmax over the flattened 12 "
                "values of each batch item (y0). y1: axis omitted (default 1, same as y0). "
                "y2: axis -1 (last axis only).")
    x = f.input("x", f.randn(2, 3, 4))
    f.output(f.node("Softmax", [x], "y0", axis=1))
    f.output(f.node("Softmax", [x], "y1"))
    f.output(f.node("Softmax", [x], "y2", axis=-1))
    return f


@fixture
def softmax_opset13():
    f = Fixture("softmax_opset13", 13,
                "Softmax-13 is per-axis: x [2,3,4] axis=1 normalises over the 3 values of axis 1 "
                "(y0, differs from opset 11). y1: axis omitted (default -1).")
    x = f.input("x", f.randn(2, 3, 4))
    f.output(f.node("Softmax", [x], "y0", axis=1))
    f.output(f.node("Softmax", [x], "y1"))
    return f


@fixture
def reduce_mean_opset13():
    f = Fixture("reduce_mean_opset13", 13,
                "ReduceMean-13 axes ATTRIBUTE, x [2,3,4,4]: y0 axes [2,3] keepdims 1; y1 axes [2,3] "
                "keepdims 0; y2 axes [-1] keepdims omitted (1); y3 no axes (all) keepdims 1 -> [1,1,1,1].")
    x = f.input("x", f.randn(2, 3, 4, 4))
    f.output(f.node("ReduceMean", [x], "y0", axes=[2, 3], keepdims=1))
    f.output(f.node("ReduceMean", [x], "y1", axes=[2, 3], keepdims=0))
    f.output(f.node("ReduceMean", [x], "y2", axes=[-1]))
    f.output(f.node("ReduceMean", [x], "y3", keepdims=1))
    return f


@fixture
def reduce_mean_opset18():
    f = Fixture("reduce_mean_opset18", 18,
                "ReduceMean-18 axes INPUT, x [2,3,4,4]: y0 axes [2,3] keepdims 1; y1 axes [2,3] "
                "keepdims 0; y2 axes input omitted -> reduce all, keepdims 1.")
    x = f.input("x", f.randn(2, 3, 4, 4))
    ax = f.i64("axes", [2, 3])
    f.output(f.node("ReduceMean", [x, ax], "y0", keepdims=1))
    f.output(f.node("ReduceMean", [x, ax], "y1", keepdims=0))
    f.output(f.node("ReduceMean", [x], "y2"))
    return f


@fixture
def dropout_opset7():
    f = Fixture("dropout_opset7", 7, "Dropout-7 with ratio ATTRIBUTE 0.3 is identity at inference; then Relu. "
                                     "IR 3.", ir_version=3)
    x = f.input("x", f.randn(1, 3, 4, 4))
    d = f.node("Dropout", [x], "d", ratio=0.3)
    f.output(f.node("Relu", [d], "y"))
    return f


@fixture
def dropout_opset12():
    f = Fixture("dropout_opset12", 12,
                "Dropout-12 with ratio INPUT (0.25), no training_mode input (inference: identity), "
                "and a second output 'mask' (bool) that nothing consumes and is not a graph output.")
    x = f.input("x", f.randn(1, 3, 4, 4))
    r = f.f32("ratio", np.float32(0.25))
    d = f.node("Dropout", [x, r], ["d", "mask"])
    f.output(f.node("Relu", [d], "y"))
    return f


@fixture
def constant_identity():
    f = Fixture("constant_identity", 13,
                "Constant nodes (PyTorch style): y0 = Identity(x * C), C a Constant float tensor "
                "[1,3,1,1] stored in float_data; y1 = Reshape(x, S), S a Constant int64 [0,-1] stored "
                "in int64_data; y2 = Identity(x) (graph output that is an alias of the input).")
    x = f.input("x", f.randn(2, 3, 2, 2))
    c = helper.make_tensor("cval", TensorProto.FLOAT, [1, 3, 1, 1], [0.5, -1.0, 2.0], raw=False)
    s = helper.make_tensor("sval", TensorProto.INT64, [2], [0, -1], raw=False)
    cn = f.node("Constant", [], "c", value=c)
    sn = f.node("Constant", [], "s", value=s)
    m = f.node("Mul", [x, cn], "m")
    f.output(f.node("Identity", [m], "y0"))
    f.output(f.node("Reshape", [x, sn], "y1"))
    f.output(f.node("Identity", [x], "y2"))
    return f


# Mini networks ---------------------------------------------------------------------------

@fixture
def net_torchvision():
    f = Fixture("net_torchvision", 13,
                "torchvision-style classifier, symbolic batch 'N' (data batch 2): Conv(no bias)-BN-"
                "Relu-MaxPool-Conv-BN-Relu-GlobalAveragePool-Flatten-Gemm(transB)-Softmax. Outputs "
                "logits and probs.")
    x = f.input("input", f.randn(2, 3, 8, 8), declared=["N", 3, 8, 8])
    h = f.conv(x, 3, 4, 3, "c1", "conv1", bias=False, pads=[1, 1, 1, 1])
    h = f.bn(h, 4, "b1", "bn1")
    h = f.node("Relu", [h], "r1")
    h = f.node("MaxPool", [h], "p1", kernel_shape=[2, 2], strides=[2, 2])
    h = f.conv(h, 4, 8, 3, "c2", "conv2", bias=False, pads=[1, 1, 1, 1])
    h = f.bn(h, 8, "b2", "bn2")
    h = f.node("Relu", [h], "r2")
    h = f.node("GlobalAveragePool", [h], "gap")
    h = f.node("Flatten", [h], "flat", axis=1)
    w = f.f32("fc.weight", f.randn(5, 8, scale=0.5))
    b = f.f32("fc.bias", f.randn(5, scale=0.1))
    logits = f.node("Gemm", [h, w, b], "logits", transB=1)
    f.output(logits)
    f.output(f.node("Softmax", [logits], "probs", axis=1))
    return f


@fixture
def net_mobilenet_block():
    f = Fixture("net_mobilenet_block", 14,
                "MobileNetV2-style inverted residual, batch 'N' (data 2): 1x1 expand 4->8 + BN + "
                "Clip(0,6) (inputs form), 3x3 depthwise group 8 + BN + HardSwish, 1x1 project 8->4 "
                "+ BN, residual Add with the input.")
    x = f.input("input", f.randn(2, 4, 6, 6), declared=["N", 4, 6, 6])
    lo = f.f32("relu6.min", np.float32(0.0))
    hi = f.f32("relu6.max", np.float32(6.0))
    h = f.conv(x, 4, 8, 1, "e", "expand", bias=False)
    h = f.bn(h, 8, "eb", "expand_bn")
    h = f.node("Clip", [h, lo, hi], "e6")
    h = f.conv(h, 8, 8, 3, "d", "dw", bias=False, group=8, pads=[1, 1, 1, 1])
    h = f.bn(h, 8, "db", "dw_bn")
    h = f.node("HardSwish", [h], "dhs")
    h = f.conv(h, 8, 4, 1, "p", "project", bias=False)
    h = f.bn(h, 4, "pb", "project_bn")
    f.output(f.node("Add", [x, h], "output"))
    return f


@fixture
def net_residual():
    f = Fixture("net_residual", 9,
                "ResNet basic blocks, opset 9 (BatchNormalization-9), IR 4 with initializers also "
                "listed in graph.input (keep_initializers_as_inputs style), batch 'N' (data 2). "
                "Block 1: identity shortcut. Block 2: stride 2, 4->8 channels, 1x1 conv + BN "
                "projection shortcut.", ir_version=4, inits_as_inputs=True)
    x = f.input("input", f.randn(2, 4, 6, 6), declared=["N", 4, 6, 6])
    h = f.conv(x, 4, 4, 3, "b1c1", "l1.conv1", bias=False, pads=[1, 1, 1, 1])
    h = f.bn(h, 4, "b1n1", "l1.bn1")
    h = f.node("Relu", [h], "b1r1")
    h = f.conv(h, 4, 4, 3, "b1c2", "l1.conv2", bias=False, pads=[1, 1, 1, 1])
    h = f.bn(h, 4, "b1n2", "l1.bn2")
    h = f.node("Add", [h, x], "b1add")
    y1 = f.node("Relu", [h], "b1out")
    h = f.conv(y1, 4, 8, 3, "b2c1", "l2.conv1", bias=False, pads=[1, 1, 1, 1], strides=[2, 2])
    h = f.bn(h, 8, "b2n1", "l2.bn1")
    h = f.node("Relu", [h], "b2r1")
    h = f.conv(h, 8, 8, 3, "b2c2", "l2.conv2", bias=False, pads=[1, 1, 1, 1])
    h = f.bn(h, 8, "b2n2", "l2.bn2")
    s = f.conv(y1, 4, 8, 1, "b2sc", "l2.shortcut.conv", bias=False, strides=[2, 2])
    s = f.bn(s, 8, "b2sn", "l2.shortcut.bn")
    h = f.node("Add", [h, s], "b2add")
    f.output(f.node("Relu", [h], "output"))
    return f


@fixture
def net_option_a():
    f = Fixture("net_option_a", 13,
                "resnet20-style downsampling block with the parameter-free 'option A' shortcut: "
                "Slice(steps 2 on H,W, ends INT64_MAX) + Pad of the channel axis "
                "[0,2,0,0, 0,2,0,0], added to conv(stride 2)-BN-Relu-conv-BN; batch 'N' (data 2).")
    x = f.input("input", f.randn(2, 4, 6, 6), declared=["N", 4, 6, 6])
    h = f.conv(x, 4, 8, 3, "c1", "conv1", bias=False, pads=[1, 1, 1, 1], strides=[2, 2])
    h = f.bn(h, 8, "n1", "bn1")
    h = f.node("Relu", [h], "r1")
    h = f.conv(h, 8, 8, 3, "c2", "conv2", bias=False, pads=[1, 1, 1, 1])
    h = f.bn(h, 8, "n2", "bn2")
    s = f.node("Slice", [x, f.i64("sc.starts", [0, 0]), f.i64("sc.ends", [INT64_MAX, INT64_MAX]),
                         f.i64("sc.axes", [2, 3]), f.i64("sc.steps", [2, 2])], "sc_slice")
    s = f.node("Pad", [s, f.i64("sc.pads", [0, 2, 0, 0, 0, 2, 0, 0])], "sc_pad", mode="constant")
    h = f.node("Add", [h, s], "add")
    f.output(f.node("Relu", [h], "output"))
    return f


@fixture
def net_fixed_batch():
    f = Fixture("net_fixed_batch", 11,
                "Input DECLARED [1,3,8,8] (fixed batch 1, like vnncomp exports) and a Reshape to "
                "[1,-1] before Gemm, but the fixture input has batch 2. onnxruntime cannot run "
                "batch 2 on this graph; expected outputs were produced one sample at a time and "
                "stacked. The BitBudget runtime must treat the declared leading 1 (of the input "
                "and of the Reshape target) as the batch dimension.")
    f.run_per_sample = True
    x = f.input("input", f.randn(2, 3, 8, 8), declared=[1, 3, 8, 8])
    h = f.conv(x, 3, 4, 3, "c1", "conv1", pads=[1, 1, 1, 1], strides=[2, 2])
    h = f.node("Relu", [h], "r1")
    h = f.node("Reshape", [h, f.i64("flat_shape", [1, -1])], "flat")
    w = f.f32("fc.weight", f.randn(5, 64, scale=0.15))
    b = f.f32("fc.bias", f.randn(5, scale=0.1))
    f.output(f.node("Gemm", [h, w, b], "logits", transB=1), declared=[1, 5])
    return f


# --------------------------------------------------------------------------
# Broken files


def parses(data):
    try:
        onnx.ModelProto.FromString(data)
        return True
    except Exception:
        return False


def write_bad_files(out_dir, valid_model_path):
    # corrupt.onnx: random bytes that do not parse as a ModelProto.
    seed = 1234
    while True:
        data = np.random.default_rng(seed).integers(0, 256, 512, dtype=np.uint8).tobytes()
        if not parses(data):
            break
        seed += 1
    with open(os.path.join(out_dir, "corrupt.onnx"), "wb") as f:
        f.write(data)

    # truncated.onnx: first half of a valid model; the cut lands inside the graph
    # field, whose declared length then runs past the end of the file.
    with open(valid_model_path, "rb") as f:
        whole = f.read()
    cut = len(whole) // 2
    while parses(whole[:cut]):
        cut += 1
    with open(os.path.join(out_dir, "truncated.onnx"), "wb") as f:
        f.write(whole[:cut])

    # unknown_op.onnx: well-formed protobuf, but op "FancyOp" (node "fancy_1") in
    # the default domain does not exist; onnx.checker rejects it on purpose.
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu_0"),
             helper.make_node("FancyOp", ["r"], ["y"], name="fancy_1", alpha=1.0)]
    graph = helper.make_graph(nodes, "unknown_op", [x], [y])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=7,
                          producer_name="bitbudget-fixtures", producer_version="1")
    with open(os.path.join(out_dir, "unknown_op.onnx"), "wb") as f:
        f.write(m.SerializeToString())
    return ["corrupt.onnx", "truncated.onnx", "unknown_op.onnx"]


def main(argv=None):
    ap = argparse.ArgumentParser(description="Build BitBudget's ONNX operator fixtures.")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--only", nargs="*", help="build only these fixture names")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)

    names = []
    for fn in FIXTURES:
        if args.only and fn.__name__ not in args.only:
            continue
        fx = fn()
        assert fx.name == fn.__name__, fx.name
        doc = fx.build(args.out)
        names.append(fx.name)
        sizes = ",".join("x".join(map(str, o["shape"])) or "scalar" for o in doc["outputs"])
        print(f"{fx.name:28s} opset {fx.opset:2d}  ops {' '.join(doc['ops'])}  -> {sizes}")

    if not args.only:
        bad = write_bad_files(args.out, os.path.join(args.out, "net_torchvision.onnx"))
        print("broken files:", " ".join(bad))
    total = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    print(f"{len(names)} fixtures, {total / 1024:.1f} KiB in {args.out}")


if __name__ == "__main__":
    sys.exit(main())
