"""The two networks of the recogniser. Their inputs and outputs are fixed by training/MODEL_IO.md."""
import torch
from torch import nn

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # class i+1; class 0 is the CTC blank
REGIONS = ["gb", "de", "fr", "nl", "pl", "sk", "cz", "it", "es", "eu", "us", "br"]
READER_H, READER_W = 32, 128
DETECTOR_STRIDE = 8
CORNER_UNIT = 16.0  # corner offsets are predicted in units of 16 input pixels


def conv_bn(cin, cout, k=3, s=1, groups=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, s, k // 2 if isinstance(k, int) else (k[0] // 2, k[1] // 2), groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


def separable(cin, cout, s=1):
    # depthwise + pointwise: a tenth of the multiply-adds of a full 3x3 at these widths
    return nn.Sequential(conv_bn(cin, cin, 3, s, groups=cin), conv_bn(cin, cout, 1))


class Detector(nn.Module):
    """Plate centres (heatmap) and corners (geometry) at stride 8; fully convolutional."""

    def __init__(self):
        super().__init__()
        self.s4 = nn.Sequential(conv_bn(3, 16, 3, 2), conv_bn(16, 32, 3, 2))  # /4
        self.s8 = nn.Sequential(separable(32, 64, 2), separable(64, 64))  # /8
        self.s16 = nn.Sequential(separable(64, 128, 2), separable(128, 128), separable(128, 128))  # /16
        self.s32 = nn.Sequential(separable(128, 160, 2), separable(160, 160), separable(160, 160))  # /32
        self.lat16 = conv_bn(128, 96, 1)
        self.top32 = conv_bn(160, 96, 1)
        self.lat8 = conv_bn(64, 96, 1)
        self.mix16 = separable(96, 96)
        self.mix8 = nn.Sequential(separable(96, 96), separable(96, 96))
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.heat = nn.Conv2d(96, 1, 1)
        self.geom = nn.Conv2d(96, 10, 1)
        nn.init.constant_(self.heat.bias, -4.0)  # start with "no plate" everywhere (focal-loss prior)

    def forward(self, image):
        x = (image - 0.5) / 0.25
        f8 = self.s8(self.s4(x))
        f16 = self.s16(f8)
        f32 = self.s32(f16)
        p16 = self.mix16(self.lat16(f16) + self.up(self.top32(f32)))
        p8 = self.mix8(self.lat8(f8) + self.up(p16))
        heatmap = torch.sigmoid(self.heat(p8))
        geometry = self.geom(p8)
        return heatmap, geometry


class Residual(nn.Module):
    """relu(x + body(x)) with the body's last batch-norm scale at zero: on post-ReLU inputs the block starts
    as the identity, so blocks can be added to a trained reader without changing what it reads."""

    def __init__(self, ch, k=(3, 3), dilation=(1, 1)):
        super().__init__()
        pad = (dilation[0] * (k[0] // 2), dilation[1] * (k[1] // 2))
        self.body = nn.Sequential(
            nn.Conv2d(ch, ch, k, padding=pad, dilation=dilation, bias=False), nn.BatchNorm2d(ch), nn.ReLU(inplace=True),
            nn.Conv2d(ch, ch, k, padding=pad, dilation=dilation, bias=False), nn.BatchNorm2d(ch),
        )
        nn.init.zeros_(self.body[-1].weight)

    def forward(self, x):
        return torch.relu(x + self.body(x))


class Reader(nn.Module):
    """CRNN-style reader without recurrence: CNN, height collapsed, 1-D context convs, CTC logits.
    `extra=1` adds the residual blocks named in EXTRA_BLOCKS: capacity at the glyph level and context along
    the plate; without them those places are identities with no weights, so both sizes share every other name."""

    EXTRA_BLOCKS = ("glyphs", "strokes", "wide_context")
    # channels at 16x64, 8x32 and 4x32 (glyphs), 2x32 (strokes), and along the plate: the committed reader's
    CHANNELS = (32, 64, 96, 128, 192)

    @staticmethod
    def slim(width):
        """The channels scaled by `width` (multiples of 8): a reader with about width^2 of the multiply-adds."""
        return tuple(max(8, 8 * round(c * width / 8)) for c in Reader.CHANNELS)

    def __init__(self, extra=0, channels=CHANNELS):
        super().__init__()
        c1, c2, c3, c4, c5 = channels
        self.features = nn.Sequential(
            conv_bn(3, c1), nn.MaxPool2d(2),  # 16x64
            conv_bn(c1, c2), nn.MaxPool2d(2),  # 8x32
            conv_bn(c2, c3), conv_bn(c3, c3), nn.MaxPool2d((2, 1)),  # 4x32
        )
        self.deep = nn.Sequential(
            conv_bn(c3, c4), conv_bn(c4, c4), nn.MaxPool2d((2, 1)),  # 2x32
        )
        # a kernel as tall as the remaining map turns the 2-row map into one row of time steps
        self.collapse = nn.Sequential(nn.Conv2d(c4, c5, (2, 1), bias=False), nn.BatchNorm2d(c5), nn.ReLU(inplace=True))
        self.context = nn.Sequential(conv_bn(c5, c5, (1, 3)), conv_bn(c5, c5, (1, 3)))
        self.classify = nn.Conv2d(c5, len(ALPHABET) + 1, 1)
        self.region = nn.Linear(c3, len(REGIONS))
        self.glyphs = Residual(c3) if extra else nn.Identity()  # 4x32 map
        self.strokes = Residual(c4) if extra else nn.Identity()  # 2x32 map
        self.wide_context = Residual(c5, (1, 3), (1, 2)) if extra else nn.Identity()
        # is this crop a plate at all? Lettering, signs and badges read fluently, so the text alone cannot
        # tell; the head sees the glyph-level map (colours, borders) and the reading's features, pooled.
        self.plate = nn.Sequential(nn.Linear(2 * (c3 + c5), 64), nn.ReLU(inplace=True), nn.Linear(64, 1))

    def forward(self, image):
        x = (image - 0.5) / 0.25
        f = self.features(x)
        region = self.region(f.mean(dim=(2, 3)))
        d = self.strokes(self.deep(self.glyphs(f)))
        d = self.wide_context(self.context(self.collapse(d)))
        logits = self.classify(d).squeeze(2).permute(0, 2, 1)  # N, T=32, C
        pooled = torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3)), d.mean(dim=(2, 3)), d.amax(dim=(2, 3))], 1)
        plate = self.plate(pooled).squeeze(1)  # N, logit of "a plate"
        return logits, region, plate


class PixelBytes(nn.Module):
    """The detector as exported: uint8 RGB pixels in rows (N, H, W, 3), as an image decoder gives them.
    Turning them into the float channels the network trains on happens inside the graph, where ONNX
    Runtime does it several times faster than the runtime's JavaScript could."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, image):
        return self.net(image.permute(0, 3, 1, 2).float() / 255)


def export_onnx(model, path, kind):
    """Export a model to ONNX with the names and dynamic axes of MODEL_IO.md."""
    model = model.eval().float()
    if kind == "detector":
        model = PixelBytes(model)
        dummy = torch.randint(0, 256, (1, 384, 640, 3), dtype=torch.uint8)
        names = ["heatmap", "geometry"]
        axes = {"image": {1: "height", 2: "width"}, "heatmap": {2: "fh", 3: "fw"}, "geometry": {2: "fh", 3: "fw"}}
    else:
        dummy = torch.rand(2, 3, READER_H, READER_W)
        names = ["logits", "region", "plate"]
        axes = {"image": {0: "n"}, "logits": {0: "n"}, "region": {0: "n"}, "plate": {0: "n"}}
    torch.onnx.export(model, dummy, path, input_names=["image"], output_names=names,
                      dynamic_axes=axes, opset_version=13, do_constant_folding=True)
