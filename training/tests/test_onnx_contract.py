"""The ONNX contract of training/MODEL_IO.md, on freshly exported (untrained, seeded) models: the graph's
declared inputs and outputs (names, element types, dynamic axes, opset), and what the runtime's own
onnxruntime-node returns for them (shapes, dtypes)."""
import json
import os
import subprocess

import numpy as np
import onnx
import pytest
import torch

from npr_train.models import ALPHABET, READER_H, READER_W, REGIONS, Detector, Reader, export_onnx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECOGNITION = os.path.join(ROOT, "packages", "recognition")

FLOAT, UINT8 = onnx.TensorProto.FLOAT, onnx.TensorProto.UINT8


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.manual_seed(0)
    d = tmp_path_factory.mktemp("onnx")
    paths = {"detector": str(d / "detector.onnx"), "reader": str(d / "reader.onnx")}
    export_onnx(Detector(), paths["detector"], "detector")
    export_onnx(Reader(extra=1), paths["reader"], "reader")
    return paths


def _io(values):
    """name -> (element type, dims as ints or axis names)"""
    return {v.name: (v.type.tensor_type.elem_type,
                     [d.dim_param if d.dim_param else d.dim_value for d in v.type.tensor_type.shape.dim]) for v in values}


def test_detector_graph_declares_uint8_rows_in_and_stride_8_maps_out(exported):
    m = onnx.load(exported["detector"])
    onnx.checker.check_model(m)
    assert m.opset_import[0].version == 13
    ins, outs = _io(m.graph.input), _io(m.graph.output)
    assert list(ins) == ["image"] and ins["image"][0] == UINT8
    dims = ins["image"][1]
    assert dims[0] == 1 and dims[3] == 3 and isinstance(dims[1], str) and isinstance(dims[2], str)
    assert list(outs) == ["heatmap", "geometry"]
    assert outs["heatmap"][0] == FLOAT and outs["geometry"][0] == FLOAT
    assert outs["heatmap"][1][:2] == [1, 1] and outs["geometry"][1][:2] == [1, 10]
    assert all(isinstance(a, str) for a in outs["heatmap"][1][2:] + outs["geometry"][1][2:])


def test_reader_graph_declares_batched_float_crops_in_and_ctc_region_plate_out(exported):
    m = onnx.load(exported["reader"])
    onnx.checker.check_model(m)
    assert m.opset_import[0].version == 13
    ins, outs = _io(m.graph.input), _io(m.graph.output)
    assert list(ins) == ["image"] and ins["image"][0] == FLOAT
    n = ins["image"][1][0]
    assert isinstance(n, str) and ins["image"][1][1:] == [3, READER_H, READER_W]
    assert list(outs) == ["logits", "region", "plate"]
    assert outs["logits"] == (FLOAT, [n, 32, len(ALPHABET) + 1])
    assert outs["region"] == (FLOAT, [n, len(REGIONS)])
    assert outs["plate"] == (FLOAT, [n])


RUN_JS = r"""
const ort = require('onnxruntime-node');
(async () => {
  const [det, rd] = JSON.parse(process.argv[1]);
  const out = {};
  const d = await ort.InferenceSession.create(det);
  const img = new ort.Tensor('uint8', new Uint8Array(64 * 96 * 3).map((_, i) => (i * 37) % 256), [1, 64, 96, 3]);
  const a = await d.run({ image: img });
  out.detector = Object.fromEntries(Object.entries(a).map(([k, t]) => [k, { type: t.type, dims: t.dims,
    min: Math.min(...t.data), max: Math.max(...t.data) }]));
  const r = await ort.InferenceSession.create(rd);
  const x = new ort.Tensor('float32', new Float32Array(3 * 3 * 32 * 128).fill(0.5), [3, 3, 32, 128]);
  const b = await r.run({ image: x });
  out.reader = Object.fromEntries(Object.entries(b).map(([k, t]) => [k, { type: t.type, dims: t.dims }]));
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
"""


def test_the_runtime_runs_both_exports_with_the_documented_shapes(exported):
    assert os.path.isdir(os.path.join(RECOGNITION, "node_modules", "onnxruntime-node")), (
        "onnxruntime-node is not installed: run `pnpm install` at the repository root first")
    p = subprocess.run(["node", "-e", RUN_JS, json.dumps([exported["detector"], exported["reader"]])], cwd=RECOGNITION,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout.strip().splitlines()[-1])
    det = out["detector"]
    assert det["heatmap"]["type"] == "float32" and det["heatmap"]["dims"] == [1, 1, 8, 12]
    assert det["geometry"]["type"] == "float32" and det["geometry"]["dims"] == [1, 10, 8, 12]
    assert 0.0 <= det["heatmap"]["min"] <= det["heatmap"]["max"] <= 1.0  # through the sigmoid in the graph
    rd = out["reader"]
    assert rd["logits"] == {"type": "float32", "dims": [3, 32, len(ALPHABET) + 1]}
    assert rd["region"] == {"type": "float32", "dims": [3, len(REGIONS)]}
    assert rd["plate"] == {"type": "float32", "dims": [3]}


def test_exported_detector_matches_the_torch_model_on_uint8_rows(exported):
    """The graph's own uint8 -> float / 255 conversion: torch on the same pixels gives the same heatmap."""
    torch.manual_seed(0)
    net = Detector().eval()
    x = torch.from_numpy((np.arange(64 * 96 * 3) * 37 % 256).astype(np.uint8).reshape(1, 64, 96, 3))
    with torch.no_grad():
        heat, geom = net(x.permute(0, 3, 1, 2).float() / 255)
    assert heat.shape == (1, 1, 8, 12) and geom.shape == (1, 10, 8, 12)
    p = subprocess.run(["node", "-e", RUN_JS, json.dumps([exported["detector"], exported["reader"]])], cwd=RECOGNITION,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    det = json.loads(p.stdout.strip().splitlines()[-1])["detector"]["heatmap"]
    assert abs(det["min"] - heat.min().item()) < 1e-4 and abs(det["max"] - heat.max().item()) < 1e-4
