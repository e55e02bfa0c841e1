#!/usr/bin/env python3
"""safetensors without the safetensors package, and the PyTorch side of torchlet's
checkpoint interop test.

As a module: ``read_safetensors(path) -> (dict name -> torch.Tensor, metadata)`` and
``write_safetensors(path, dict, metadata=None)``, written with ``json`` +
``torch.frombuffer`` only (Debian has no python3-safetensors).

As a program (run by tests/io/interop.cpp when /usr/bin/python3 can import torch):

  check_safetensors_interop.py logits MODEL.safetensors INPUT.safetensors OUT.safetensors
      Loads a checkpoint written by torchlet::save into the PyTorch twin of the test's
      model (MLP 12-16-ReLU-5: nn.Sequential(Linear, ReLU, Linear) with keys
      "0.weight", "0.bias", "2.weight", "2.bias"), runs it on INPUT's tensor "x" and
      writes the logits as tensor "logits" to OUT.

  check_safetensors_interop.py make MODEL.safetensors
      Makes the same MLP in PyTorch (torch.manual_seed(1234)) and writes its state_dict
      to MODEL.safetensors, and an input "x" [7, 12] with PyTorch's "logits" for it to
      MODEL.safetensors.io.safetensors, for torchlet to load and compare.

  check_safetensors_interop.py lstm_lm MODEL.safetensors
      Trains a small LSTM language model in PyTorch (Embedding(40, 16), a 2-layer
      batch_first LSTM 16 -> 24 with dropout, Linear(24, 40); keys "embed.*", "lstm.*",
      "head.*"; 30 Adam steps on a repeating token pattern, torch.manual_seed(99)) and writes
      its state_dict to MODEL.safetensors, and tokens "x" [3, 11] (int64) with the logits
      [3, 11, 40] and final states "h_n", "c_n" of the eval-mode model to
      MODEL.safetensors.io.safetensors.
"""

import json
import struct
import sys

import torch

DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
    "U8": torch.uint8, "BOOL": torch.bool,
}
NAMES = {v: k for k, v in DTYPES.items()}


def read_safetensors(path):
    """Returns ({name: tensor}, metadata) of a safetensors file (little-endian host)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    base = 8 + n
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        buf = bytearray(data[base + begin:base + end])
        if len(buf) == 0:
            t = torch.empty(info["shape"], dtype=dtype)
        else:
            t = torch.frombuffer(buf, dtype=dtype).reshape(info["shape"]).clone()
        out[name] = t
    return out, meta


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} (in dict order) as a safetensors file."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        raw = t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def mlp():
    return torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.ReLU(), torch.nn.Linear(16, 5))


class LstmLM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(40, 16)
        self.lstm = torch.nn.LSTM(16, 24, num_layers=2, batch_first=True, dropout=0.2)
        self.head = torch.nn.Linear(24, 40)

    def forward(self, x):
        out, (h, c) = self.lstm(self.embed(x))
        return self.head(out), h, c


def lstm_lm(path):
    torch.manual_seed(99)
    model = LstmLM()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    seq = torch.arange(200) * 7 % 40  # a pattern the model can learn
    for _ in range(30):
        starts = torch.randint(0, 180, (8,))
        batch = torch.stack([seq[s:s + 13] for s in starts])
        logits, _, _ = model(batch[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 40), batch[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    x = torch.randint(0, 40, (3, 11))
    with torch.no_grad():
        logits, h, c = model(x)
    write_safetensors(path, model.state_dict(), {"format": "pt", "made_by": "torch " + torch.__version__})
    write_safetensors(path + ".io.safetensors", {"x": x, "logits": logits, "h_n": h, "c_n": c})


def main(argv):
    if len(argv) == 5 and argv[1] == "logits":
        state, _ = read_safetensors(argv[2])
        model = mlp()
        model.load_state_dict(state, strict=True)  # the C++ keys must be PyTorch's
        inputs, _ = read_safetensors(argv[3])
        with torch.no_grad():
            logits = model(inputs["x"])
        write_safetensors(argv[4], {"logits": logits})
        return 0
    if len(argv) == 3 and argv[1] == "make":
        torch.manual_seed(1234)
        model = mlp()
        x = torch.randn(7, 12)
        with torch.no_grad():
            logits = model(x)
        write_safetensors(argv[2], model.state_dict(), {"format": "pt", "made_by": "torch " + torch.__version__})
        write_safetensors(argv[2] + ".io.safetensors", {"x": x, "logits": logits})
        return 0
    if len(argv) == 3 and argv[1] == "lstm_lm":
        lstm_lm(argv[2])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
