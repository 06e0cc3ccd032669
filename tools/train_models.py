#!/usr/bin/python3
"""Train axevo's own small reference networks on Fashion-MNIST and export them to ONNX.

Uses Debian's PyTorch (python3-torch) and onnx (python3-onnx) and Debian's dataset-fashion-mnist
(idx files, gzip, under /usr/share/datasets/fashion-mnist). Nothing is downloaded.

    /usr/bin/python3 tools/train_models.py --model lenet5|resnet8|lstm|dcgan|all --out models/ --epochs N

Classifiers are trained on all 60,000 training images (nothing held out; the C++ side carves its own
validation split) and evaluated (float top-1) on the 10,000 t10k images in file order.
Every classifier takes input "input" float32 [batch, 1, 28, 28] normalized as
(pixel / 255 - 0.2860) / 0.3530 and returns "logits" [batch, 10] (no softmax).
The DCGAN generator takes "input" float32 [batch, 32] (latent, N(0, 1)) and returns "image"
[batch, 1, 28, 28] in [-1, 1] (tanh; pixel = (image + 1) * 127.5).

After export each file is checked with onnx.checker and run by a small independent interpreter of the
ONNX graph (below, written from the ONNX operator spec; it uses torch only for arithmetic kernels) on
the whole test set, and its outputs are compared with the PyTorch module's. Results are printed and
written as JSON to --results (default /tmp/axevo_train_results/<model>.json).
"""
import argparse
import collections
import gzip
import json
import math
import os
import random
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530
LATENT = 32
DEFAULT_EPOCHS = {"lenet5": 8, "lstm": 6, "resnet8": 4, "dcgan": 3}


# ----------------------------------------------------------------------------------------------------
# Data


def read_idx(path):
    """Read a gzip-compressed idx file (big-endian header) into a numpy uint8 array."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic >> 8 != 0x08:  # 0x00000803 images, 0x00000801 labels: dtype code 0x08 = uint8
        raise ValueError(f"{path}: unsupported idx magic {magic:#x}")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {dims}, got {arr.size} bytes")
    return arr.reshape(dims)


def load_split(split):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(DATA_DIR, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(DATA_DIR, f"{prefix}-labels-idx1-ubyte.gz"))
    assert images.shape[0] == labels.shape[0]
    return images, labels


def normalize(images_u8):
    x = torch.from_numpy(images_u8.astype(np.float32) / 255.0).unsqueeze(1)  # [N, 1, 28, 28]
    return (x - MEAN) / STD


# ----------------------------------------------------------------------------------------------------
# Models


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(
            nn.Linear(400, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, 10),
        )

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.shortcut is None else self.shortcut(x)
        return F.relu(out + identity)


class ResNet8(nn.Module):
    def __init__(self, widths=(16, 32, 64)):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        self.stage1 = BasicBlock(widths[0], widths[0], 1)
        self.stage2 = BasicBlock(widths[0], widths[1], 2)
        self.stage3 = BasicBlock(widths[1], widths[2], 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(widths[2], 10)

    def forward(self, x):
        x = self.stage3(self.stage2(self.stage1(self.stem(x))))
        return self.fc(self.flatten(self.pool(x)))


class LSTMClassifier(nn.Module):
    """Reads the 28 image rows (28 features each) top to bottom; Linear on the last hidden state."""

    def __init__(self, hidden=64):
        super().__init__()
        self.lstm = nn.LSTM(input_size=28, hidden_size=hidden, num_layers=1, batch_first=True)
        self.fc = nn.Linear(hidden, 10)

    def forward(self, x):
        seq = x.reshape(-1, 28, 28)  # [batch, 1, 28, 28] -> [batch, rows, features]
        _, (h_n, _) = self.lstm(seq)  # h_n: [num_layers=1, batch, hidden]
        return self.fc(h_n.squeeze(0))


class TConv2d(nn.Module):
    """A ConvTranspose2d (same weight layout [Cin, Cout, k, k], square kernel, no output_padding) whose
    training forward uses an equivalent formulation: PyTorch's native transposed convolution is several
    times slower than Conv2d on this CPU build (generic BLAS), so a 1x1 input becomes a matmul and any other
    input a Conv2d with the flipped, transposed kernel over the zero-interleaved input.
    to_native() returns the nn.ConvTranspose2d that is exported (outputs checked equal after export)."""

    def __init__(self, cin, cout, k, stride, padding, bias):
        super().__init__()
        self.cin, self.cout, self.k, self.stride, self.padding = cin, cout, k, stride, padding
        ref = nn.ConvTranspose2d(cin, cout, k, stride, padding, bias=bias)  # PyTorch's default init
        self.weight = nn.Parameter(ref.weight.detach().clone())
        self.bias = nn.Parameter(ref.bias.detach().clone()) if bias else None

    def forward(self, x):
        n, _, h, w = x.shape
        k, s, p = self.k, self.stride, self.padding
        if h == 1 and w == 1 and s == 1 and p == 0:
            y = (x.reshape(n, self.cin) @ self.weight.reshape(self.cin, -1)).reshape(n, self.cout, k, k)
        else:
            if s > 1:
                up = x.new_zeros(n, self.cin, (h - 1) * s + 1, (w - 1) * s + 1)
                up[:, :, ::s, ::s] = x
            else:
                up = x
            y = F.conv2d(up, self.weight.flip([2, 3]).transpose(0, 1), padding=k - 1 - p)
        if self.bias is not None:
            y = y + self.bias.reshape(1, -1, 1, 1)
        return y

    def to_native(self, weight=None, bias=None):
        m = nn.ConvTranspose2d(self.cin, self.cout, self.k, self.stride, self.padding,
                               bias=bias is not None or self.bias is not None)
        with torch.no_grad():
            m.weight.copy_(self.weight if weight is None else weight)
            if m.bias is not None:
                m.bias.copy_(self.bias if bias is None else bias)
        return m


class Generator(nn.Module):
    """DCGAN-style generator: latent [batch, 32] -> image [batch, 1, 28, 28] in [-1, 1]."""

    def __init__(self, nz=LATENT, ngf=32):
        super().__init__()
        self.nz = nz
        self.net = nn.Sequential(
            TConv2d(nz, ngf * 2, 7, 1, 0, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(),  # 7x7
            TConv2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(),  # 14x14
            TConv2d(ngf, 1, 4, 2, 1, bias=True), nn.Tanh(),  # 28x28
        )

    def forward(self, z):
        return self.net(z.reshape(-1, self.nz, 1, 1))


class Discriminator(nn.Module):
    def __init__(self, ndf=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1), nn.LeakyReLU(0.2),  # 14x14
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2),  # 7x7
            nn.Conv2d(ndf * 2, 1, 7, 1, 0),  # 1x1 logit
        )

    def forward(self, x):
        return self.net(x).reshape(-1)


CLASSIFIERS = {"lenet5": LeNet5, "resnet8": ResNet8, "lstm": LSTMClassifier}


# ----------------------------------------------------------------------------------------------------
# Training


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True


def batches(n, batch_size, gen):
    perm = torch.randperm(n, generator=gen)
    for i in range(0, n, batch_size):
        yield perm[i:i + batch_size]


@torch.no_grad()
def predict(model, x, batch_size=1000):
    model.eval()
    return torch.cat([model(x[i:i + batch_size]) for i in range(0, x.shape[0], batch_size)])


def train_classifier(name, model, xtr, ytr, xte, yte, epochs, seed, batch_size=128, lr=2e-3):
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * math.ceil(xtr.shape[0] / batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    log = []
    for epoch in range(epochs):
        model.train()
        t0 = time.time()
        tot_loss, tot_ok, seen = 0.0, 0, 0
        for idx in batches(xtr.shape[0], batch_size, gen):
            xb, yb = xtr[idx], ytr[idx]
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if name == "lstm":
                nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            tot_loss += loss.item() * xb.shape[0]
            tot_ok += (out.argmax(1) == yb).sum().item()
            seen += xb.shape[0]
        correct = int((predict(model, xte).argmax(1) == yte).sum())
        rec = {"epoch": epoch + 1, "train_loss": tot_loss / seen, "train_acc": tot_ok / seen,
               "test_correct": correct, "epoch_seconds": time.time() - t0}
        log.append(rec)
        print(f"[{name}] epoch {epoch + 1}/{epochs} loss {rec['train_loss']:.4f} train_acc {rec['train_acc']:.4f} "
              f"test {correct}/{xte.shape[0]} ({rec['epoch_seconds']:.1f}s)", flush=True)
    return log


def train_gan(gen_model, xtr, epochs, seed, batch_size=128, lr=2e-4):
    disc = Discriminator()
    for m in list(gen_model.modules()) + list(disc.modules()):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, TConv2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    gen = torch.Generator().manual_seed(seed)
    opt_g = torch.optim.Adam(gen_model.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=lr, betas=(0.5, 0.999))
    real_all = xtr * STD + MEAN  # back to [0, 1]
    real_all = real_all * 2 - 1  # [-1, 1], matching tanh
    log = []
    for epoch in range(epochs):
        gen_model.train()
        disc.train()
        t0 = time.time()
        sum_d, sum_g, nb = 0.0, 0.0, 0
        for idx in batches(real_all.shape[0], batch_size, gen):
            real = real_all[idx]
            b = real.shape[0]
            z = torch.randn(b, LATENT, generator=gen)
            fake = gen_model(z)
            # Discriminator: real -> 1 (label smoothing 0.9), fake -> 0.
            d_loss = (F.binary_cross_entropy_with_logits(disc(real), torch.full((b,), 0.9))
                      + F.binary_cross_entropy_with_logits(disc(fake.detach()), torch.zeros(b)))
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            # Generator: non-saturating loss.
            g_loss = F.binary_cross_entropy_with_logits(disc(fake), torch.ones(b))
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            sum_d += d_loss.item()
            sum_g += g_loss.item()
            nb += 1
            if nb % 100 == 0:
                print(f"[dcgan] epoch {epoch + 1} step {nb} d_loss {sum_d / nb:.4f} g_loss {sum_g / nb:.4f} "
                      f"({time.time() - t0:.1f}s)", flush=True)
        rec = {"epoch": epoch + 1, "d_loss": sum_d / nb, "g_loss": sum_g / nb, "epoch_seconds": time.time() - t0}
        log.append(rec)
        print(f"[dcgan] epoch {epoch + 1}/{epochs} d_loss {rec['d_loss']:.4f} g_loss {rec['g_loss']:.4f} "
              f"({rec['epoch_seconds']:.1f}s)", flush=True)
    return log


# ----------------------------------------------------------------------------------------------------
# Independent ONNX graph interpreter (subset of opset 13), used to verify the exported files.


def _attrs(node):
    import onnx
    import onnx.numpy_helper
    out = {}
    for a in node.attribute:
        v = onnx.helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode()
        elif a.type == onnx.AttributeProto.TENSOR:
            v = torch.from_numpy(onnx.numpy_helper.to_array(v).copy())
        elif isinstance(v, (list, tuple)):
            v = [x.decode() if isinstance(x, bytes) else x for x in v]
        out[a.name] = v
    return out


def _sym_pads(pads, nd):
    pads = list(pads) if pads else [0] * (2 * nd)
    begin, end = pads[:nd], pads[nd:]
    return begin, end


def _ints(t):
    return [int(v) for v in t.reshape(-1).tolist()]


def _lstm(ins, a):
    x, w, r = ins[0], ins[1], ins[2]
    b = ins[3] if len(ins) > 3 and ins[3] is not None else None
    if len(ins) > 4 and ins[4] is not None:
        raise NotImplementedError("LSTM sequence_lens")
    if a.get("direction", "forward") != "forward" or a.get("layout", 0) != 0 or "activations" in a \
            or a.get("input_forget", 0) or "clip" in a or (len(ins) > 7 and ins[7] is not None):
        raise NotImplementedError("LSTM variant")
    hsz = a["hidden_size"]
    seq, batch, _ = x.shape
    h = ins[5][0] if len(ins) > 5 and ins[5] is not None else torch.zeros(batch, hsz)
    c = ins[6][0] if len(ins) > 6 and ins[6] is not None else torch.zeros(batch, hsz)
    wb = b[0, :4 * hsz] + b[0, 4 * hsz:] if b is not None else torch.zeros(4 * hsz)
    ys = []
    for t in range(seq):
        gates = x[t] @ w[0].T + h @ r[0].T + wb  # ONNX gate order: i, o, f, c
        i, o, f, g = gates.split(hsz, dim=1)
        i, o, f, g = torch.sigmoid(i), torch.sigmoid(o), torch.sigmoid(f), torch.tanh(g)
        c = f * c + i * g
        h = o * torch.tanh(c)
        ys.append(h)
    y = torch.stack(ys).unsqueeze(1)  # [seq, num_directions, batch, hidden]
    return [y, h.unsqueeze(0), c.unsqueeze(0)]


def run_onnx(model_proto, feeds):
    """Evaluate an ONNX graph on torch tensors, following the operator definitions of the ONNX spec."""
    import onnx
    import onnx.numpy_helper
    env = {t.name: torch.from_numpy(onnx.numpy_helper.to_array(t).copy()) for t in model_proto.graph.initializer}
    env.update(feeds)
    env[""] = None
    for node in model_proto.graph.node:
        op, a = node.op_type, _attrs(node)
        ins = [env[n] for n in node.input]
        if op == "Conv" or op == "ConvTranspose":
            x, w = ins[0], ins[1]
            bias = ins[2] if len(ins) > 2 else None
            nd = w.dim() - 2
            if a.get("auto_pad", "NOTSET") != "NOTSET":
                raise NotImplementedError(f"{op} auto_pad")
            begin, end = _sym_pads(a.get("pads"), nd)
            strides = a.get("strides", [1] * nd)
            dil = a.get("dilations", [1] * nd)
            group = a.get("group", 1)
            if op == "Conv":
                if begin != end:
                    pad = []
                    for bgn, e in zip(reversed(begin), reversed(end)):
                        pad += [bgn, e]
                    x, begin = F.pad(x, pad), [0] * nd
                outs = [F.conv2d(x, w, bias, strides, begin, dil, group)]
            else:
                if begin != end or "output_shape" in a:
                    raise NotImplementedError("ConvTranspose asymmetric pads / output_shape")
                outs = [F.conv_transpose2d(x, w, bias, strides, begin, a.get("output_padding", [0] * nd), group, dil)]
        elif op == "MaxPool":
            k = a["kernel_shape"]
            begin, end = _sym_pads(a.get("pads"), len(k))
            if begin != end or a.get("storage_order", 0):
                raise NotImplementedError("MaxPool variant")
            outs = [F.max_pool2d(ins[0], k, a.get("strides", [1] * len(k)), begin, a.get("dilations", [1] * len(k)),
                                 bool(a.get("ceil_mode", 0)))]
        elif op == "GlobalAveragePool":
            outs = [ins[0].mean(dim=tuple(range(2, ins[0].dim())), keepdim=True)]
        elif op == "ReduceMean":
            axes = a.get("axes", list(range(ins[0].dim())))
            outs = [ins[0].mean(dim=tuple(axes), keepdim=bool(a.get("keepdims", 1)))]
        elif op == "BatchNormalization":
            x, s, bb, m, v = ins
            shp = [1, -1] + [1] * (x.dim() - 2)
            outs = [(x - m.reshape(shp)) / torch.sqrt(v.reshape(shp) + a.get("epsilon", 1e-5)) * s.reshape(shp)
                    + bb.reshape(shp)]
        elif op == "Relu":
            outs = [torch.clamp_min(ins[0], 0)]
        elif op == "LeakyRelu":
            outs = [torch.where(ins[0] >= 0, ins[0], ins[0] * a.get("alpha", 0.01))]
        elif op == "Tanh":
            outs = [torch.tanh(ins[0])]
        elif op == "Sigmoid":
            outs = [torch.sigmoid(ins[0])]
        elif op == "Flatten":
            ax = a.get("axis", 1)
            ax = ax + ins[0].dim() if ax < 0 else ax
            outs = [ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)]
        elif op == "Gemm":
            A = ins[0].T if a.get("transA", 0) else ins[0]
            B = ins[1].T if a.get("transB", 0) else ins[1]
            y = a.get("alpha", 1.0) * (A @ B)
            if len(ins) > 2 and ins[2] is not None:
                y = y + a.get("beta", 1.0) * ins[2]
            outs = [y]
        elif op == "MatMul":
            outs = [ins[0] @ ins[1]]
        elif op in ("Add", "Sub", "Mul", "Div"):
            fn = {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": torch.div}[op]
            outs = [fn(ins[0], ins[1])]
        elif op == "Reshape":
            if a.get("allowzero", 0):
                raise NotImplementedError("Reshape allowzero")
            shape = _ints(ins[1])
            shape = [ins[0].shape[i] if s == 0 else s for i, s in enumerate(shape)]
            outs = [ins[0].reshape(shape)]
        elif op == "Transpose":
            outs = [ins[0].permute(a.get("perm", list(reversed(range(ins[0].dim())))))]
        elif op == "Squeeze":
            x = ins[0]
            axes = _ints(ins[1]) if len(ins) > 1 and ins[1] is not None else [i for i, s in enumerate(x.shape) if s == 1]
            for ax in sorted([ax % x.dim() for ax in axes], reverse=True):
                x = x.squeeze(ax)
            outs = [x]
        elif op == "Unsqueeze":
            x = ins[0]
            rank = x.dim() + len(_ints(ins[1]))
            for ax in sorted(ax % rank for ax in _ints(ins[1])):
                x = x.unsqueeze(ax)
            outs = [x]
        elif op == "Gather":
            ax = a.get("axis", 0)
            idx = ins[1].long()
            idx = torch.where(idx < 0, idx + ins[0].shape[ax], idx)
            outs = [ins[0].index_select(ax, idx.reshape(-1)).reshape(
                list(ins[0].shape[:ax]) + list(idx.shape) + list(ins[0].shape[ax + 1:]))]
        elif op == "Slice":
            x = ins[0]
            starts, ends = _ints(ins[1]), _ints(ins[2])
            axes = _ints(ins[3]) if len(ins) > 3 and ins[3] is not None else list(range(len(starts)))
            steps = _ints(ins[4]) if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
            sl = [slice(None)] * x.dim()
            for s, e, ax, st in zip(starts, ends, axes, steps):
                if st <= 0:
                    raise NotImplementedError("Slice negative step")
                sl[ax] = slice(s, e, st)
            outs = [x[tuple(sl)]]
        elif op == "Concat":
            outs = [torch.cat(ins, dim=a["axis"])]
        elif op == "Shape":
            outs = [torch.tensor(list(ins[0].shape), dtype=torch.int64)]
        elif op == "Constant":
            outs = [a["value"]]
        elif op == "ConstantOfShape":
            val = a.get("value", torch.zeros(1))
            outs = [torch.full(_ints(ins[0]), val.reshape(-1)[0].item(), dtype=val.dtype)]
        elif op == "Identity" or op == "Dropout":
            outs = [ins[0]] + ([None] if len(node.output) > 1 else [])
        elif op == "LSTM":
            outs = _lstm(ins + [None] * (8 - len(ins)), a)
        else:
            raise NotImplementedError(f"op {op}")
        for name, val in zip(node.output, outs):
            if name:
                env[name] = val
    return [env[o.name] for o in model_proto.graph.output]


# ----------------------------------------------------------------------------------------------------
# Export and checks


def fold_generator_bn(g):
    """Copy of the generator for export: each TConv2d becomes a native nn.ConvTranspose2d and each
    eval-mode BatchNorm after one is folded into it."""
    layers, mods, i = [], list(g.net), 0
    while i < len(mods):
        m = mods[i]
        if isinstance(m, TConv2d) and i + 1 < len(mods) and isinstance(mods[i + 1], nn.BatchNorm2d):
            bn = mods[i + 1]
            scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
            bias = m.bias.detach() if m.bias is not None else torch.zeros_like(bn.running_mean)
            layers.append(m.to_native(m.weight.detach() * scale.reshape(1, -1, 1, 1),  # weight [Cin, Cout, k, k]
                                      (bias - bn.running_mean) * scale + bn.bias.detach()))
            i += 2
        else:
            layers.append(m.to_native() if isinstance(m, TConv2d) else m)
            i += 1
    folded = Generator(g.nz)
    folded.net = nn.Sequential(*layers)
    return folded.eval()


def clean_onnx(path, output_shape):
    """Make the exported graph plainer without changing what it computes:
    * Identity nodes that merely alias an initializer (the exporter's de-duplication of equal weights) are
      removed and their consumers read the initializer directly;
    * Constant nodes become initializers;
    * LSTM initial_h / initial_c fed by ConstantOfShape(0) (PyTorch's implicit zero state, built from
      Shape/Gather/Concat of the input) are dropped: ONNX defines omitted initial states as zeros;
    * nodes whose outputs are unused are removed; stale value_info is dropped;
    * symbolic non-batch output dims are replaced by the known sizes (output_shape[1:]).
    """
    import onnx
    import onnx.numpy_helper
    proto = onnx.load(path)
    g = proto.graph
    inits = {t.name for t in g.initializer}
    graph_outputs = {o.name for o in g.output}
    rename = {}
    keep = []
    for n in g.node:
        if n.op_type == "Identity" and n.input[0] in inits and n.output[0] not in graph_outputs:
            rename[n.output[0]] = n.input[0]
            continue
        if n.op_type == "Constant" and len(n.attribute) == 1 and n.attribute[0].name == "value":
            t = onnx.numpy_helper.from_array(onnx.numpy_helper.to_array(n.attribute[0].t), n.output[0])
            g.initializer.append(t)
            inits.add(n.output[0])
            continue
        keep.append(n)
    producers = {o: n for n in keep for o in n.output}

    def is_zero_state(name):
        n = producers.get(name)
        if n is None or n.op_type != "ConstantOfShape":
            return False
        for a in n.attribute:
            if a.name == "value" and np.any(onnx.numpy_helper.to_array(a.t) != 0):
                return False
        return True

    for n in keep:
        for i, name in enumerate(n.input):
            n.input[i] = rename.get(name, name)
        if n.op_type == "LSTM":
            ins = list(n.input)
            for i in (5, 6):
                if i < len(ins) and is_zero_state(ins[i]):
                    ins[i] = ""
            while ins and ins[-1] == "":
                ins.pop()
            del n.input[:]
            n.input.extend(ins)
    # Dead-node elimination (graph is topologically sorted: sweep backwards).
    live = set(graph_outputs)
    alive = []
    for n in reversed(keep):
        if any(o in live for o in n.output):
            alive.append(n)
            live.update(i for i in n.input if i)
    alive.reverse()
    del g.node[:]
    g.node.extend(alive)
    used = {i for n in alive for i in n.input}
    kept_inits = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(kept_inits)
    produced = {o for n in alive for o in n.output}
    vi = [v for v in g.value_info if v.name in produced]
    del g.value_info[:]
    g.value_info.extend(vi)
    for o in g.output:
        dims = o.type.tensor_type.shape.dim
        for k in range(1, len(dims)):
            if not dims[k].dim_value:
                dims[k].dim_value = int(output_shape[k])
    onnx.save(proto, path)


def export_onnx(model, dummy, path, output_name):
    model.eval()
    torch.onnx.export(
        model, dummy, path, opset_version=13, input_names=["input"], output_names=[output_name],
        dynamic_axes={"input": {0: "batch"}, output_name: {0: "batch"}}, do_constant_folding=True,
        training=torch.onnx.TrainingMode.EVAL,
    )


def inspect_onnx(path, model, x, output_name):
    """onnx.checker + op census + interpreter run of the exported file against the PyTorch module."""
    import onnx
    import onnx.numpy_helper
    with torch.no_grad():
        clean_onnx(path, model(x[:2]).shape)
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    ops = collections.Counter(n.op_type for n in proto.graph.node)
    params = sum(int(np.prod(t.dims)) for t in proto.graph.initializer)
    ref = predict(model, x)
    with torch.no_grad():
        traced = torch.jit.trace(model, x[:8])
        trace_out = torch.cat([traced(x[i:i + 1000]) for i in range(0, x.shape[0], 1000)])
        onnx_out = torch.cat([run_onnx(proto, {"input": x[i:i + 1000]})[0] for i in range(0, x.shape[0], 1000)])
    info = {
        "file": path,
        "file_bytes": os.path.getsize(path),
        "opset": [(o.domain or "ai.onnx", o.version) for o in proto.opset_import],
        "inputs": [(i.name, [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim]) for i in proto.graph.input],
        "outputs": [(o.name, [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim]) for o in proto.graph.output],
        "ops": dict(sorted(ops.items())),
        "nodes": len(proto.graph.node),
        "onnx_initializer_elements": params,
        "checker": "ok",
        "trace_max_abs_diff": float((trace_out - ref).abs().max()),
        "onnx_interp_max_abs_diff": float((onnx_out - ref).abs().max()),
        "onnx_interp_samples": int(x.shape[0]),
    }
    return info, onnx_out, ref


def run_classifier(name, args, data):
    xtr, ytr, xte, yte = data
    seed_everything(args.seed)
    model = CLASSIFIERS[name]()
    nparams = sum(p.numel() for p in model.parameters())
    print(f"[{name}] {nparams} trainable parameters", flush=True)
    epochs = args.epochs if args.epochs is not None else DEFAULT_EPOCHS[name]
    t0 = time.time()
    log = train_classifier(name, model, xtr, ytr, xte, yte, epochs, args.seed)
    train_seconds = time.time() - t0
    model.eval()
    logits = predict(model, xte)
    correct = int((logits.argmax(1) == yte).sum())
    path = os.path.join(args.out, f"{name}.onnx")
    export_onnx(model, xte[:1], path, "logits")
    info, onnx_out, ref = inspect_onnx(path, model, xte, "logits")
    onnx_correct = int((onnx_out.argmax(1) == yte).sum())
    info.update({
        "model": name, "seed": args.seed, "epochs": epochs, "trainable_parameters": nparams,
        "train_seconds": train_seconds, "test_images": int(xte.shape[0]), "test_correct": correct,
        "test_accuracy": correct / xte.shape[0], "onnx_interp_test_correct": onnx_correct,
        "onnx_interp_argmax_agreement": int((onnx_out.argmax(1) == ref.argmax(1)).sum()),
        "torch": torch.__version__, "epoch_log": log,
        "command": f"/usr/bin/python3 tools/train_models.py --model {name} --out {args.out} --epochs {epochs}"
                   + (f" --seed {args.seed}" if args.seed != 0 else ""),
    })
    return info


def run_dcgan(args, data):
    xtr = data[0]
    seed_everything(args.seed)
    g = Generator()
    nparams = sum(p.numel() for p in g.parameters())
    print(f"[dcgan] generator {nparams} trainable parameters", flush=True)
    epochs = args.epochs if args.epochs is not None else DEFAULT_EPOCHS["dcgan"]
    t0 = time.time()
    log = train_gan(g, xtr, epochs, args.seed)
    train_seconds = time.time() - t0
    g.eval()
    path = os.path.join(args.out, "dcgan.onnx")
    z = torch.randn(1000, LATENT, generator=torch.Generator().manual_seed(args.seed + 1))
    folded = fold_generator_bn(g)
    export_onnx(folded, z[:1], path, "image")
    info, onnx_out, ref = inspect_onnx(path, g, z, "image")  # reference: the unfolded trained generator
    info["bn_folded_into_convtranspose"] = True
    info.update({"model": "dcgan", "seed": args.seed, "epochs": epochs, "trainable_parameters": nparams,
                 "train_seconds": train_seconds, "epoch_log": log, "torch": torch.__version__,
                 "image_min": float(ref.min()), "image_max": float(ref.max()), "image_mean": float(ref.mean()),
                 "command": f"/usr/bin/python3 tools/train_models.py --model dcgan --out {args.out} --epochs {epochs}"
                            + (f" --seed {args.seed}" if args.seed != 0 else "")})
    # Sanity check of the samples: what does a trained classifier in --out call them?
    clf_path = os.path.join(args.out, "resnet8.onnx")
    if os.path.exists(clf_path):
        import onnx
        clf = onnx.load(clf_path)
        x = ((ref + 1) / 2 - MEAN) / STD
        with torch.no_grad():
            probs = F.softmax(run_onnx(clf, {"input": x})[0], dim=1)
        info["resnet8_class_histogram_of_1000_samples"] = torch.bincount(probs.argmax(1), minlength=10).tolist()
        info["resnet8_mean_max_prob"] = float(probs.max(1).values.mean())
    if args.sample_png:
        try:
            from PIL import Image
            grid = ((ref[:100, 0] + 1) * 127.5).clamp(0, 255).round().to(torch.uint8)
            grid = grid.reshape(10, 10, 28, 28).permute(0, 2, 1, 3).reshape(280, 280).numpy()
            Image.fromarray(grid, mode="L").save(args.sample_png)
            info["sample_png"] = args.sample_png
        except ImportError:
            pass
    return info


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, choices=["lenet5", "resnet8", "lstm", "dcgan", "all"])
    p.add_argument("--out", default="models")
    p.add_argument("--epochs", type=int, default=None,
                   help="training epochs (default per model: " + ", ".join(f"{k} {v}" for k, v in DEFAULT_EPOCHS.items()) + ")")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--results", default="/tmp/axevo_train_results", help="directory for <model>.json results")
    p.add_argument("--sample-png", default="/tmp/axevo_train_results/dcgan_samples.png")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.results, exist_ok=True)

    tr_img, tr_lab = load_split("train")
    te_img, te_lab = load_split("test")
    data = (normalize(tr_img), torch.from_numpy(tr_lab.astype(np.int64)),
            normalize(te_img), torch.from_numpy(te_lab.astype(np.int64)))
    print(f"data: train {tuple(data[0].shape)}, test {tuple(data[2].shape)}", flush=True)

    names = ["lenet5", "lstm", "resnet8", "dcgan"] if args.model == "all" else [args.model]
    for name in names:
        info = run_dcgan(args, data) if name == "dcgan" else run_classifier(name, args, data)
        with open(os.path.join(args.results, f"{name}.json"), "w") as f:
            json.dump(info, f, indent=1)
        summary = {k: v for k, v in info.items() if k != "epoch_log"}
        print(f"[{name}] result " + json.dumps(summary), flush=True)
        if info["file_bytes"] >= 2 * 1024 * 1024:
            print(f"[{name}] WARNING: {info['file']} is {info['file_bytes']} bytes (>= 2 MB)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
