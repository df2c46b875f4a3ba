"""Writes Tests/Fixtures/net_engine_tiny.onnx: a tiny ResNet-style classifier for the integer
engine tests (3x8x8 input, dynamic batch, 5 classes): Conv+BN+ReLU, a residual block, an
option-A downsampling block (strided conv + Slice/Pad shortcut), GlobalAveragePool, Flatten,
Gemm. Seeded; run once, the .onnx is committed."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)
nodes, inits = [], []


def const(name, a):
    inits.append(numpy_helper.from_array(np.asarray(a), name))
    return name


def conv_bn(x, name, cin, cout, stride=1, relu=True):
    w = const(name + ".w", (rng.standard_normal((cout, cin, 3, 3)) * np.sqrt(2.0 / (cin * 9))).astype(np.float32))
    nodes.append(helper.make_node("Conv", [x, w], [name], name=name, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[stride, stride]))
    bn = [const(name + ".bn." + k, v.astype(np.float32)) for k, v in
          [("s", rng.uniform(0.5, 1.5, cout)), ("b", rng.standard_normal(cout) * 0.1),
           ("m", rng.standard_normal(cout) * 0.1), ("v", rng.uniform(0.5, 1.5, cout))]]
    nodes.append(helper.make_node("BatchNormalization", [name] + bn, [name + ".bn"], name=name + ".bn"))
    out = name + ".bn"
    if relu:
        nodes.append(helper.make_node("Relu", [out], [name + ".relu"], name=name + ".relu"))
        out = name + ".relu"
    return out


x = conv_bn("input", "conv1", 3, 4)
y = conv_bn(conv_bn(x, "b1.conv1", 4, 4), "b1.conv2", 4, 4, relu=False)
nodes.append(helper.make_node("Add", [y, x], ["b1.add"], name="b1.add"))
nodes.append(helper.make_node("Relu", ["b1.add"], ["b1.relu"], name="b1.relu"))
y = conv_bn(conv_bn("b1.relu", "b2.conv1", 4, 8, stride=2), "b2.conv2", 8, 8, relu=False)
s = [const("sc.starts", np.array([0, 0], np.int64)), const("sc.ends", np.array([2**63 - 1] * 2, np.int64)),
     const("sc.axes", np.array([2, 3], np.int64)), const("sc.steps", np.array([2, 2], np.int64))]
nodes.append(helper.make_node("Slice", ["b1.relu"] + s, ["b2.slice"], name="b2.shortcut.slice"))
nodes.append(helper.make_node("Pad", ["b2.slice", const("sc.pads", np.array([0, 2, 0, 0, 0, 2, 0, 0], np.int64))], ["b2.pad"],
                              name="b2.shortcut.pad", mode="constant"))
nodes.append(helper.make_node("Add", [y, "b2.pad"], ["b2.add"], name="b2.add"))
nodes.append(helper.make_node("Relu", ["b2.add"], ["b2.relu"], name="b2.relu"))
nodes.append(helper.make_node("GlobalAveragePool", ["b2.relu"], ["pool"], name="pool"))
nodes.append(helper.make_node("Flatten", ["pool"], ["flat"], name="flatten", axis=1))
const("fc.w", (rng.standard_normal((5, 8)) * 0.5).astype(np.float32))
const("fc.b", (rng.standard_normal(5) * 0.1).astype(np.float32))
nodes.append(helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], name="fc", transB=1))
g = helper.make_graph(nodes, "engine_tiny", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 8, 8])],
                      [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 5])], inits)
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="bitbudget-tests")
m.ir_version = 7
onnx.checker.check_model(m)
onnx.save(m, "Tests/Fixtures/net_engine_tiny.onnx")
