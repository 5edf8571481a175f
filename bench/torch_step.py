"""Times one PyTorch training iteration of the benchmark's GANs (the same models as bench/step.ts).

Prints one JSON line per case. Run by bench/run.ts when Debian's python3-torch is installed:
    /usr/bin/python3 bench/torch_step.py --model dcgan --threads 1 --iterations 10
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp(latent, width):
    g = nn.Sequential(nn.Linear(latent, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                      nn.Linear(width, 784), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))
    d = nn.Sequential(nn.Flatten(), nn.Linear(784, width), nn.LeakyReLU(0.2), nn.Linear(width, width),
                      nn.LeakyReLU(0.2), nn.Linear(width, 1))
    return g, d


def dcgan(latent, width):
    f = 2 * width
    g = nn.Sequential(nn.Linear(latent, f * 49), nn.BatchNorm1d(f * 49), nn.ReLU(), nn.Unflatten(1, (f, 7, 7)),
                      nn.ConvTranspose2d(f, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                      nn.ConvTranspose2d(width, 1, 4, 2, 1), nn.Tanh())
    d = nn.Sequential(nn.Conv2d(1, width, 4, 2, 1), nn.LeakyReLU(0.2),
                      nn.Conv2d(width, f, 4, 2, 1, bias=False), nn.BatchNorm2d(f), nn.LeakyReLU(0.2),
                      nn.Flatten(), nn.Linear(f * 49, 1))
    return g, d


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--model', default='dcgan')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--iterations', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    g, d = mlp(100, 256) if args.model == 'mlp' else dcgan(100, 64)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real = torch.rand(64, 1, 28, 28) * 2 - 1

    def step():
        fake = g(torch.randn(64, 100))
        real_logits, fake_logits = d(real).view(-1), d(fake.detach()).view(-1)
        loss_d = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                  + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        logits = d(g(torch.randn(64, 100))).view(-1)
        loss_g = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        loss_d.item(), loss_g.item()

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.iterations):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    times.sort()
    print(json.dumps({'backend': f'pytorch {torch.__version__} ({args.threads} thread{"s" if args.threads > 1 else ""})',
                      'device': 'cpu', 'model': args.model, 'impl': 'pytorch', 'iterations': args.iterations,
                      'median': times[len(times) // 2], 'min': times[0], 'max': times[-1],
                      'blas': torch.__config__.show().count('OpenBLAS') > 0}))


if __name__ == '__main__':
    main()
