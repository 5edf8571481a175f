import { pythonLayer, type GeneratorSpec } from './architecture'

/** Facts about the run that the generated script needs besides the layers. */
export interface ScriptContext {
  runId: number
  runName: string
  step: number
  spec: GeneratorSpec
  numClasses: number | null
  /** (C, H, W) for images, null for 2-D points. */
  outputShape: [number, number, number] | null
  /** Images per row of the run's fixed-noise grid. */
  fixedNrow: number
}

/** Quotes text as a Python string literal, because a JSON string with non-ASCII escaped is one. */
function pyString(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

function pyOptionalTuple(values: readonly number[] | null): string {
  return values === null ? 'None' : `(${values.join(', ')})`
}

function generatorClass(spec: GeneratorSpec): string {
  const layers = spec.layers.map((layer) => `            ${pythonLayer(layer)},`).join('\n')
  const embedding = spec.embedding
    ? `\n        self.labelEmbedding = nn.Embedding(${spec.embedding.numEmbeddings}, ${spec.embedding.embeddingDim})`
    : ''
  const forward = spec.embedding
    ? `        if labels is None:
            raise ValueError("this conditional generator needs a class label for every noise vector")
        z = torch.cat([z, self.labelEmbedding(labels)], 1)  # (N, LATENT_DIM + embedding size)
        return self.body(z)`
    : '        return self.body(z)'
  return `class Generator(nn.Module):
    """Noise (N, LATENT_DIM)${spec.embedding ? ' and class labels (N)' : ''} to samples in [-1, 1]; the same layers as in the app."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
${layers}
        )${embedding}

    def forward(self, z, labels=None):
${forward}`
}

/**
 * Writes a standalone PyTorch script that rebuilds the run's generator with torch.nn, loads the
 * exported weights, and draws samples from the run's fixed noise or from new noise. It needs only
 * PyTorch: the safetensors package and torchvision are used when installed, and otherwise a small
 * reader and PNG writer inside the script take their place.
 */
export function pytorchScript(context: ScriptContext): string {
  const { spec, outputShape } = context
  const images = outputShape !== null
  return `#!/usr/bin/env python3
"""The generator of GAN Workbench run ${context.runId} (${context.runName.replace(/\\/g, '/').replace(/"""/g, "'''")}) at step ${context.step}, rebuilt with torch.nn.

Files beside this script:
  generator.safetensors    weights; the keys are this Generator's state_dict keys
  generator.json           the run's configuration and this architecture
  fixed_noise.safetensors  the run's fixed noise: z (N, ${spec.latentDim})${context.numClasses ? ' and labels (N)' : ''}

Examples:
  python3 generate.py                                   # the run's fixed-noise ${images ? 'grid -> samples.png' : 'points -> samples.csv'}
  python3 generate.py --noise new --count 16 --seed 3   # 16 samples from new noise
  python3 generate.py --norm running                    # BatchNorm with its running averages (eval mode)

The app draws its grids with BatchNorm in training mode (batch statistics), which --norm batch, the
default, repeats. New noise comes from PyTorch's generator, so a seed here gives other vectors than
the same seed in the app.
"""
import argparse
import json
import os
import struct
import zlib

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
RUN = ${pyString(`run ${context.runId}, step ${context.step}`)}
LATENT_DIM = ${spec.latentDim}
NUM_CLASSES = ${context.numClasses ?? 'None'}
# (C, H, W) of one image, or None for a generator of 2-D points.
OUTPUT_SHAPE = ${pyOptionalTuple(outputShape)}
# Images per row of the run's fixed-noise grid.
FIXED_NROW = ${context.fixedNrow}


${generatorClass(spec)}


SAFETENSORS_DTYPES = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "I64": torch.int64, "U8": torch.uint8}


def load_safetensors(path):
    """Reads a safetensors file into a dict of tensors, with the safetensors package when it is installed."""
    try:
        from safetensors.torch import load_file
    except ImportError:
        load_file = None
    if load_file is not None:
        return load_file(path)
    with open(path, "rb") as f:
        data = f.read()
    (header_length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_length])
    start = 8 + header_length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        dtype = SAFETENSORS_DTYPES[entry["dtype"]]
        # safetensors is little-endian, and frombuffer reads the machine's order: little-endian on x86 and ARM.
        if end == begin:
            tensors[name] = torch.empty(entry["shape"], dtype=dtype)
        else:
            raw = bytearray(data[start + begin:start + end])
            tensors[name] = torch.frombuffer(raw, dtype=dtype).reshape(entry["shape"])
    return tensors


def save_safetensors(path, tensors):
    """Writes float32 and int64 tensors as a safetensors file, without the safetensors package."""
    names = {torch.float32: "F32", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        flat = tensor.detach().cpu().contiguous().reshape(-1)
        blob = bytes(flat.view(torch.uint8).tolist())
        header[name] = {"dtype": names[flat.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header)
    text += " " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text.encode("utf-8") + b"".join(blobs))


def make_grid(images, nrow, padding=2):
    """(N, C, H, W) values in [0, 1] to one (3, H', W') image, laid out as torchvision.utils.make_grid."""
    if images.shape[1] == 1:
        images = torch.cat([images, images, images], 1)
    if images.shape[0] == 1:
        return images[0]
    n, c, h, w = images.shape
    columns = min(nrow, n)
    rows = (n + columns - 1) // columns
    grid = torch.zeros(c, rows * (h + padding) + padding, columns * (w + padding) + padding)
    for i in range(n):
        top = (i // columns) * (h + padding) + padding
        left = (i % columns) * (w + padding) + padding
        grid[:, top:top + h, left:left + w] = images[i]
    return grid


def write_png(path, grid, text):
    """Writes a (3, H, W) image with values in [0, 1] as an 8-bit RGB PNG with tEXt chunks."""
    # Bytes as torchvision's save_image makes them: value * 255 + 0.5, clamped, truncated.
    pixels = grid.mul(255).add(0.5).clamp(0, 255).to(torch.uint8).permute(1, 2, 0).contiguous()
    height, width, _ = pixels.shape
    # Each scanline starts with filter type 0 (none).
    rows = b"".join(bytes([0]) + bytes(row) for row in pixels.reshape(height, width * 3).tolist())

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = bytes([137, 80, 78, 71, 13, 10, 26, 10])
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(rows, 6))
    for key, value in text.items():
        png += chunk(b"tEXt", key.encode("latin-1") + bytes([0]) + value.encode("latin-1", "backslashreplace"))
    png += chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def save_images(path, samples, nrow, text, use_torchvision):
    """Saves (N, C, H, W) samples in [-1, 1] as one grid PNG, with torchvision when it is installed."""
    images = samples.add(1).div(2)
    if use_torchvision:
        try:
            from torchvision.utils import save_image
        except ImportError:
            save_image = None
        if save_image is not None:
            save_image(images, path, nrow=nrow, padding=2)
            return "torchvision"
    write_png(path, make_grid(images, nrow), text)
    return "built-in PNG writer"


def save_points(path, samples):
    """Writes (N, 2) points as CSV with an x,y header."""
    with open(path, "w") as f:
        f.write("x,y\\n")
        for x, y in samples.tolist():
            f.write(f"{x!r},{y!r}\\n")


def main():
    parser = argparse.ArgumentParser(description="Draw samples from the generator of GAN Workbench " + RUN + ".")
    parser.add_argument("--weights", default=os.path.join(HERE, "generator.safetensors"), help="generator weights (default: generator.safetensors beside this script)")
    parser.add_argument("--noise", choices=["fixed", "new"], default="fixed", help="the run's fixed noise, or new noise from --seed (default: fixed)")
    parser.add_argument("--count", type=int, default=64, help="number of samples from new noise (default: 64)")
    parser.add_argument("--seed", type=int, default=0, help="seed of PyTorch's generator for new noise (default: 0)")
    parser.add_argument("--label", type=int, default=None, help="class of every new sample, for conditional models (default: the classes in turn)")
    parser.add_argument("--norm", choices=["batch", "running"], default="batch", help="BatchNorm with batch statistics as the app's grids, or with running averages (default: batch)")
    parser.add_argument("--nrow", type=int, default=None, help="images per grid row (default: as the run's grids for fixed noise, else 8)")
    parser.add_argument("--out", default=${images ? '"samples.png"' : '"samples.csv"'}, help="output file (default: ${images ? 'samples.png' : 'samples.csv'})")
    parser.add_argument("--save-tensor", default=None, help="also write the raw outputs in [-1, 1] to this safetensors file, key 'samples'")
    parser.add_argument("--no-torchvision", action="store_true", help="write the PNG with the built-in writer even when torchvision is installed")
    args = parser.parse_args()

    model = Generator()
    model.load_state_dict(load_safetensors(args.weights))
    model.train(args.norm == "batch")

    if args.noise == "fixed":
        noise = load_safetensors(os.path.join(HERE, "fixed_noise.safetensors"))
        z, labels, nrow = noise["z"], noise.get("labels"), FIXED_NROW
    else:
        if args.count < 1:
            parser.error("--count must be at least 1")
        z = torch.randn(args.count, LATENT_DIM, generator=torch.Generator().manual_seed(args.seed))
        labels, nrow = None, min(8, args.count)
        if NUM_CLASSES is not None:
            if args.label is None:
                labels = torch.arange(args.count) % NUM_CLASSES
                nrow = min(NUM_CLASSES, args.count)
            elif 0 <= args.label < NUM_CLASSES:
                labels = torch.full((args.count,), args.label, dtype=torch.int64)
            else:
                parser.error(f"--label must be a class from 0 to {NUM_CLASSES - 1}, got {args.label}")
    has_batch_norm = any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())
    if args.norm == "batch" and has_batch_norm and z.shape[0] < 2:
        parser.error("--norm batch needs 2 or more samples, because one sample has no batch variance; use --norm running")

    with torch.no_grad():
        samples = model(z, labels)

    if args.save_tensor:
        save_safetensors(args.save_tensor, {"samples": samples})
    if OUTPUT_SHAPE is None:
        save_points(args.out, samples)
        print(f"{args.out}: {samples.shape[0]} points from {RUN}")
        return
    text = {"Software": "GAN Workbench generate.py", "run": RUN, "noise": args.noise if args.noise == "fixed" else f"new, seed {args.seed}", "normalization": args.norm}
    writer = save_images(args.out, samples, args.nrow or nrow, text, not args.no_torchvision)
    print(f"{args.out}: {samples.shape[0]} images from {RUN}, written with the {writer}")


if __name__ == "__main__":
    main()
`
}
