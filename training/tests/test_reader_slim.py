"""A slim reader (`reader train --width W`) and distillation from the committed one (`--teacher`): the slim
reader is the same graph with fewer channels, saved and reloaded as what it is, and the distillation loss
is zero at agreement and taught by its gradient."""
import os

import torch

from npr_train.models import READER_H, READER_W, Reader
from npr_train.reader import distill_loss
from npr_train.reader_io import channels_of, read_state, reader_from, save_fp16, slimmed


COMMITTED = os.path.join(os.path.dirname(__file__), "..", "..", "models", "reader.pt")


def multiply_adds(model):
    """Multiply-adds of one 32x128 crop through the model's convolutions and linear layers."""
    total = 0

    def conv_hook(m, _inp, out):
        nonlocal total
        total += out.numel() // out.shape[0] * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear_hook(m, _inp, out):
        nonlocal total
        total += m.in_features * m.out_features

    hooks = [m.register_forward_hook(conv_hook) for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    hooks += [m.register_forward_hook(linear_hook) for m in model.modules() if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        model.eval()(torch.rand(1, 3, READER_H, READER_W))
    for h in hooks:
        h.remove()
    return total


def test_width_one_is_the_committed_reader_and_a_slim_one_costs_about_width_squared():
    assert Reader.slim(1.0) == Reader.CHANNELS
    full, slim = multiply_adds(Reader(extra=1)), multiply_adds(Reader(extra=1, channels=Reader.slim(0.6)))
    assert 140e6 < full < 155e6  # the committed reader's ~147 M
    assert 0.3 < slim / full < 0.42  # 0.6^2 = 0.36, give or take the rounding to multiples of 8


def test_a_slim_reader_is_saved_and_reloaded_as_itself(tmp_path):
    torch.manual_seed(0)
    m = Reader(extra=1, channels=Reader.slim(0.6)).eval()
    path = str(tmp_path / "reader.pt")
    save_fp16(m, path)
    assert channels_of(read_state(path)) == Reader.slim(0.6)
    again = reader_from(path).eval()
    x = torch.rand(2, 3, READER_H, READER_W)
    with torch.no_grad():
        for a, b in zip(m(x), again(x)):
            assert a.shape == b.shape
            assert torch.allclose(a, b, atol=2e-2)  # fp16 on disk


def test_distillation_is_zero_at_agreement_and_its_gradient_teaches_the_student():
    torch.manual_seed(0)
    # the committed reader as the teacher: an untrained one says next to nothing to learn
    teacher, student = reader_from(COMMITTED).eval(), Reader(extra=1, channels=Reader.slim(0.5)).eval()
    x = torch.rand(4, 3, READER_H, READER_W)
    with torch.no_grad():
        taught = teacher(x)
    assert abs(distill_loss(taught, taught, 2.0, 0.3, 0.3).item()) < 1e-5
    opt = torch.optim.SGD(student.parameters(), lr=0.05)
    before = distill_loss(student(x), taught, 2.0, 0.3, 0.3)
    assert before.item() > 0.01
    for _ in range(5):
        opt.zero_grad()
        distill_loss(student(x), taught, 2.0, 0.3, 0.3).backward()
        opt.step()
    assert distill_loss(student(x), taught, 2.0, 0.3, 0.3).item() < before.item()


def test_cutting_down_keeps_the_strongest_channels_and_every_connection():
    committed = reader_from(COMMITTED).eval()
    x = torch.rand(3, 3, READER_H, READER_W)
    # kept whole, every channel in its place: the very same reader
    same = slimmed(committed, Reader.CHANNELS).eval()
    with torch.no_grad():
        for a, b in zip(committed(x), same(x)):
            assert torch.equal(a, b)
    cut = slimmed(committed, Reader.slim(0.6)).eval()
    assert channels_of(cut.state_dict()) == Reader.slim(0.6)
    # the first layer keeps the filters with the largest batch-norm scales, unchanged
    gamma = committed.features[0][1].weight.abs()
    kept = torch.argsort(gamma, descending=True)[: Reader.slim(0.6)[0]].sort().values
    assert torch.equal(cut.features[0][0].weight, committed.features[0][0].weight[kept])
    with torch.no_grad():
        logits, region, plate = cut(x)
    assert logits.shape == (3, 32, 37) and region.shape == (3, 12) and plate.shape == (3,)
