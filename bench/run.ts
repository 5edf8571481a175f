/**
 * `npm run bench`: times one training iteration of an MLP GAN and a DCGAN for 28x28 (batch 64, Adam,
 * one D step and one G step) on every backend that starts here. The engine runs with the tfjs
 * kernels alone and with onnxruntime's native kernels, beside plain tfjs and PyTorch (when Debian's
 * python3-torch is installed). It also measures the machine's matrix-multiply rate and profiles a
 * DCGAN iteration per kernel, then writes docs/benchmarks.md. Each case runs in its own process.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, release, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

interface CaseResult {
  backend?: string
  kernels?: string
  model?: string
  impl?: string
  iterations?: number
  median?: number
  min?: number
  max?: number
  error?: string
}

interface ProfileRow {
  kernel: string
  calls: number
  ms: number
  flops: number
}

interface Profile {
  backend: string
  kernels: string
  iterationMs: number
  kernelMs: number
  flops: number
  rows: ProfileRow[]
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
function parseOptions(): { iterations?: string; rounds?: string; quick: boolean; help: boolean } {
  try {
    return parseArgs({
      options: {
        iterations: { type: 'string' },
        rounds: { type: 'string' },
        quick: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\nRun npm run bench -- --help for the options.\n`)
    process.exit(2)
  }
}

/** Reads a whole number of at least 1 from an option, or exits with an error naming the option and value. */
function count(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`error: --${name} must be a whole number of at least 1, got '${text}'\n`)
    process.exit(2)
  }
  return value
}

const values = parseOptions()
if (values.help) {
  process.stdout.write(
    'usage: npm run bench [-- --iterations N] [--rounds N] [--quick]\n' +
      'Times a GAN iteration on every backend that starts here, with and without onnxruntime kernels,\n' +
      'against plain tfjs and PyTorch (when python3-torch is installed), then rewrites docs/benchmarks.md.\n' +
      'Takes a few minutes. --iterations: timed iterations per case (default 10, 3 with --quick);\n' +
      '--rounds: alternating rounds of the engine-against-PyTorch comparison (default 3, 1 with --quick).\n',
  )
  process.exit(0)
}
const iterations = count('iterations', values.iterations, values.quick ? 3 : 10)
const rounds = count('rounds', values.rounds, values.quick ? 1 : 3)
const cores = availableParallelism()
const python = '/usr/bin/python3'

function lastJsonLine<T>(output: string): T | null {
  try {
    return JSON.parse(output.trim().split('\n').pop() ?? '') as T
  } catch {
    return null
  }
}

function runCase(command: string, args: string[], label: string): CaseResult {
  process.stderr.write(`${label} ... `)
  const child = spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: 20 * 60 * 1000 })
  const result = lastJsonLine<CaseResult>(child.stdout) ?? {
    error: (child.stderr || child.stdout || `exit code ${child.status}`).trim().split('\n').pop(),
  }
  process.stderr.write(result.error ? `failed: ${result.error}\n` : `${result.median?.toFixed(3)} s\n`)
  return result
}

interface EngineCase {
  backend: string
  model: string
  impl: 'engine' | 'tfjs'
  kernels: 'tfjs' | 'onnxruntime'
  threads?: number
}

function engineCase(spec: EngineCase, count = iterations): CaseResult {
  // The pure-JS cpu backend takes seconds per iteration, so it gets fewer.
  const timed = spec.backend === 'cpu' ? Math.min(count, 3) : count
  const args = ['tsx', 'bench/step.ts', '--backend', spec.backend, '--model', spec.model, '--impl', spec.impl, '--kernels', spec.kernels]
  if (spec.threads) args.push('--threads', String(spec.threads))
  // Native kernels reach their steady state (weights baked) after a few iterations.
  let warmup = 2
  if (spec.backend === 'cpu') warmup = 1
  else if (spec.kernels === 'onnxruntime') warmup = 4
  args.push('--iterations', String(timed), '--warmup', String(warmup))
  const label = `${spec.model} ${spec.impl} on ${spec.backend}${spec.impl === 'engine' ? ` with ${spec.kernels} kernels${spec.threads ? ` (${spec.threads} thread)` : ''}` : ''}`
  return runCase('npx', args, label)
}

function torchCase(model: string, threads: number, count = iterations): CaseResult {
  return runCase(python, ['bench/torch_step.py', '--model', model, '--threads', String(threads), '--iterations', String(count)], `${model} pytorch ${threads} thread(s)`)
}

function torchVersion(): string | null {
  if (!existsSync(python)) return null
  try {
    return execFileSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim()
  } catch {
    return null
  }
}

/** OpenBLAS sgemm rate through numpy (python3-torch pulls numpy in), per thread count. */
function blasRate(threads: number): number | null {
  const script = [
    'import numpy as np, time',
    'a = np.random.rand(2048, 2048).astype(np.float32); b = np.random.rand(2048, 2048).astype(np.float32); a @ b',
    'best = min((lambda t: (a @ b, time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(5))',
    'print(2 * 2048 ** 3 / best / 1e9)',
  ].join('\n')
  try {
    const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) }
    return Number(execFileSync(python, ['-c', script], { encoding: 'utf8', env }).trim())
  } catch {
    return null
  }
}

function profileCase(kernels: string): Profile | null {
  process.stderr.write(`dcgan kernel profile on wasm with ${kernels} kernels ... `)
  const child = spawnSync('npx', ['tsx', 'bench/profile.ts', '--backend', 'wasm', '--kernels', kernels, '--model', 'dcgan', '--iterations', String(Math.max(iterations, 3)), '--json'], {
    cwd: root,
    encoding: 'utf8',
  })
  const profile = lastJsonLine<Profile>(child.stdout)
  process.stderr.write(profile ? 'done\n' : `failed: ${child.stderr.trim().split('\n').pop()}\n`)
  return profile
}

function machine(): Record<string, string> {
  const cpu = cpus()
  let flags = 'unknown'
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags')) ?? ''
    const simd = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f'].filter((flag) => line.split(/\s+/).includes(flag))
    flags = simd.join(', ') || 'none of sse4_2, avx, avx2, fma, avx512f'
  } catch {
    // Not Linux: the flags stay unknown.
  }
  let blas = 'not checked'
  try {
    const chosen = execFileSync('sh', ['-c', 'update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep Value'], { encoding: 'utf8' })
    blas = chosen.replace(/^Value:\s*/, '').trim() || 'reference'
  } catch {
    blas = 'unknown'
  }
  return {
    CPU: `${cpu[0]?.model ?? 'unknown'} (${cpu.length} cores)`,
    'SIMD flags': flags,
    Memory: `${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    OS: `${process.platform} ${release()}`,
    Node: process.version,
    'BLAS for PyTorch': blas,
    Date: new Date().toISOString().slice(0, 10),
  }
}

function seconds(result: CaseResult | undefined): string {
  if (!result) return '-'
  if (result.error) return `n/a: ${result.error.slice(0, 90)}`
  return `${result.median?.toFixed(3)}`
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

function gflops(flops: number, secondsPerIteration: number | undefined): string {
  return secondsPerIteration ? (flops / secondsPerIteration / 1e9).toFixed(1) : '-'
}

function profileTable(profile: Profile): string[] {
  return [
    `${profile.iterationMs.toFixed(0)} ms per iteration, of which ${profile.kernelMs.toFixed(0)} ms in kernels and ` +
      `${(profile.iterationMs - profile.kernelMs).toFixed(0)} ms in the engine's own code (graph recording, backward bookkeeping, optimizer loops).`,
    '',
    '| kernel | calls | ms | share | GFLOP/s |',
    '|---|---|---|---|---|',
    ...profile.rows
      .slice(0, 14)
      .map(
        (row) =>
          `| ${row.kernel} | ${row.calls.toFixed(0)} | ${row.ms.toFixed(1)} | ${((row.ms / profile.iterationMs) * 100).toFixed(1)}% | ` +
          `${row.flops > 0 ? (row.flops / row.ms / 1e6).toFixed(1) : ''} |`,
      ),
  ]
}

function main(): void {
  const backends = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']
  const models = ['mlp', 'dcgan']
  const results: Array<EngineCase & { result: CaseResult }> = []
  const available: string[] = []
  const run = (spec: EngineCase): CaseResult => {
    const result = engineCase(spec)
    results.push({ ...spec, result })
    return result
  }

  for (const backend of backends) {
    const probe = run({ backend, model: 'mlp', impl: 'engine', kernels: 'tfjs' })
    if (probe.error && /no tensor backend could start|Cannot find package/.test(probe.error)) {
      results.pop()
      process.stderr.write(`  (${backend} is not installed on this machine, so it is skipped)\n`)
      continue
    }
    available.push(backend)
    const cpuBackend = backend === 'wasm' || backend === 'cpu'
    if (cpuBackend) run({ backend, model: 'mlp', impl: 'engine', kernels: 'onnxruntime' })
    run({ backend, model: 'mlp', impl: 'tfjs', kernels: 'tfjs' })
    // The pure-JS cpu backend needs minutes per DCGAN iteration on its own kernels.
    if (backend !== 'cpu') run({ backend, model: 'dcgan', impl: 'engine', kernels: 'tfjs' })
    if (cpuBackend) {
      run({ backend, model: 'dcgan', impl: 'engine', kernels: 'onnxruntime' })
      if (cores > 1 && backend === 'wasm') run({ backend, model: 'dcgan', impl: 'engine', kernels: 'onnxruntime', threads: 1 })
    }
    if (backend !== 'cpu') run({ backend, model: 'dcgan', impl: 'tfjs', kernels: 'tfjs' })
  }

  process.stderr.write('matrix-multiply rate ... ')
  const peaks = [1, cores].filter((threads, index, all) => all.indexOf(threads) === index).map((threads) => {
    const child = spawnSync('npx', ['tsx', 'bench/peak.ts', '--threads', String(threads)], { cwd: root, encoding: 'utf8' })
    return { threads, ...(lastJsonLine<{ onnxruntime: number; wasm: number; error?: string }>(child.stdout) ?? { onnxruntime: NaN, wasm: NaN }) }
  })
  const torch = torchVersion()
  const blas = torch ? peaks.map((peak) => ({ threads: peak.threads, rate: blasRate(peak.threads) })) : []
  process.stderr.write('done\n')

  const nativeProfile = available.includes('wasm') ? profileCase('onnxruntime') : null
  const wasmProfile = available.includes('wasm') ? profileCase('tfjs') : null
  const dcganFlops = nativeProfile?.flops ?? wasmProfile?.flops ?? 0

  // The comparison the speed goal is stated in: the engine as the app runs it against PyTorch at
  // each thread count, in alternating rounds so that drifts in the machine's speed hit all of them.
  const duel: Record<string, number[]> = {}
  const torchThreads = torch ? [1, 2].filter((threads) => threads <= cores) : []
  if (available.includes('wasm')) {
    for (let round = 0; round < rounds; round++) {
      const engine = engineCase({ backend: 'wasm', model: 'dcgan', impl: 'engine', kernels: 'onnxruntime' })
      if (engine.median) (duel.engine ??= []).push(engine.median)
      for (const threads of torchThreads) {
        const result = torchCase('dcgan', threads)
        if (result.median) (duel[`pytorch ${threads}`] ??= []).push(result.median)
      }
    }
  }
  const torchResults = torch
    ? models.flatMap((model) => torchThreads.map((threads) => ({ model, threads, result: model === 'dcgan' && duel[`pytorch ${threads}`] ? { median: median(duel[`pytorch ${threads}`]) } : torchCase(model, threads) })))
    : []

  const engineRows: string[] = []
  for (const backend of available) {
    for (const model of models) {
      const plain = results.find((r) => r.backend === backend && r.model === model && r.impl === 'tfjs')?.result
      for (const entry of results.filter((r) => r.backend === backend && r.model === model && r.impl === 'engine')) {
        const kernels = entry.kernels === 'onnxruntime' ? entry.result.kernels ?? 'onnxruntime' : 'tfjs'
        const flops = model === 'dcgan' ? gflops(dcganFlops, entry.result.median) : '-'
        engineRows.push(`| ${model} | ${backend} | ${kernels} | ${seconds(entry.result)} | ${flops} | ${seconds(plain)} |`)
      }
    }
  }

  const bestPeak = Math.max(...peaks.map((peak) => peak.onnxruntime).filter(Number.isFinite), ...blas.map((b) => b.rate ?? 0))
  const duelRows = Object.entries(duel).map(([name, times]) => {
    const time = median(times)
    const label = name === 'engine' ? `engine, wasm + ${nativeProfile?.kernels ?? 'onnxruntime'}` : `${name.replace('pytorch', `PyTorch ${torch}`)} thread${name.endsWith(' 1') ? '' : 's'}`
    return `| ${label} | ${time.toFixed(3)} | ${gflops(dcganFlops, time)} | ${((dcganFlops / time / 1e9 / bestPeak) * 100).toFixed(0)}% | ${times.map((t) => t.toFixed(3)).join(', ')} |`
  })
  const engineTime = duel.engine ? median(duel.engine) : null
  const fastestTorch = torchThreads.map((threads) => duel[`pytorch ${threads}`]).filter(Boolean).map((times) => median(times)).sort((a, b) => a - b)[0]
  const verdict =
    engineTime && fastestTorch
      ? `The engine's iteration takes ${((engineTime / fastestTorch) * 100).toFixed(0)}% of PyTorch's at its faster thread count ` +
        `(${engineTime.toFixed(3)} s against ${fastestTorch.toFixed(3)} s).`
      : 'PyTorch did not run here, so there is no comparison.'

  const info = machine()
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts). One training iteration of a GAN for 28x28 images: batch 64,',
    'Adam (lr 2e-4, betas 0.5/0.999), one D step on detached fakes and one G step, BCE with logits.',
    "The MLP GAN has two hidden layers of 256 units in each network; the DCGAN is the app's `dcgan` preset",
    'at width 64 (G: dense to 128x7x7, BatchNorm, two stride-2 transposed convolutions; D: two stride-2',
    `convolutions with BatchNorm, dense). Times are medians of ${iterations} iterations after warm-up, in seconds.`,
    ...(values.quick || iterations < 10 ? ['', `This page was written with few iterations (${values.quick ? '--quick' : `--iterations ${iterations}`}): its figures are rough, and the same case can differ between tables.`] : []),
    `A DCGAN iteration does ${(dcganFlops / 1e9).toFixed(2)} GFLOP in its convolutions and matrix products (counted by bench/flops.ts).`,
    '',
    '## Machine',
    '',
    ...Object.entries(info).map(([key, value]) => `- ${key}: ${value}`),
    '',
    '## Matrix-multiply rate',
    '',
    'Best of five 2048x2048 float32 products (1024 for wasm), in GFLOP/s. Commands: `npx tsx bench/peak.ts --threads N`;',
    "OpenBLAS through numpy with `OPENBLAS_NUM_THREADS=N` (the script is in bench/run.ts).",
    '',
    '| threads | onnxruntime MatMul | OpenBLAS sgemm | tfjs wasm matMul |',
    '|---|---|---|---|',
    ...peaks.map((peak) => {
      const openblas = blas.find((b) => b.threads === peak.threads)?.rate
      return `| ${peak.threads} | ${peak.onnxruntime.toFixed(1)} | ${openblas ? openblas.toFixed(1) : 'n/a'} | ${peak.threads === 1 ? peak.wasm.toFixed(1) : 'single-threaded'} |`
    }),
    '',
    '## The engine against PyTorch (DCGAN)',
    '',
    `${rounds === 1 ? 'One round' : `${rounds} alternating rounds`} of ${iterations} iterations; the time is the median of the rounds' medians. Commands:`,
    `\`npx tsx bench/step.ts --backend wasm --kernels onnxruntime --model dcgan --impl engine --iterations ${iterations}\` and`,
    `\`/usr/bin/python3 bench/torch_step.py --model dcgan --threads N --iterations ${iterations}\`.`,
    `Share of peak: achieved GFLOP/s over the best rate in the table above (${bestPeak.toFixed(0)} GFLOP/s).`,
    '',
    '| runtime | s/iter | GFLOP/s | share of peak | rounds |',
    '|---|---|---|---|---|',
    ...duelRows,
    '',
    verdict,
    '',
    '## Engine and plain tfjs, per backend',
    '',
    '"plain tfjs" is the same iteration written with tfjs ops, `tf.variableGrads` and `tf.train.adam` (NHWC).',
    'Command per row: `npx tsx bench/step.ts --backend B --kernels K [--threads N] --model M --impl engine|tfjs`.',
    '',
    '| model | backend | kernels | engine (s/iter) | GFLOP/s | plain tfjs (s/iter) |',
    '|---|---|---|---|---|---|',
    ...engineRows,
    '',
    `Backends not listed did not start on this machine (tried: ${backends.join(', ')}). The pure-JS cpu backend`,
    'runs the DCGAN only with onnxruntime kernels: on its own kernels an iteration takes minutes.',
    '',
    '## Where a DCGAN iteration goes',
    '',
    "bench/profile.ts wraps every kernel of the engine's kernel table with a timer and counts the FLOPs of the matrix kernels.",
    `Command: \`npx tsx bench/profile.ts --backend wasm --kernels onnxruntime|tfjs --model dcgan --iterations ${Math.max(iterations, 3)}\`.`,
    '',
    ...(nativeProfile ? [`### wasm with ${nativeProfile.kernels} kernels (the app's default here)`, '', ...profileTable(nativeProfile), ''] : []),
    ...(wasmProfile ? ['### wasm with the tfjs kernels alone', '', ...profileTable(wasmProfile), ''] : []),
    ...(!nativeProfile && !wasmProfile ? ['The wasm backend did not start, so no profile was taken.', ''] : []),
    '## PyTorch on the same machine',
    '',
    torch
      ? `PyTorch ${torch} from Debian's python3-torch (bench/torch_step.py). On a 2-core machine two threads ` +
        'can be slower than one, because the second thread competes with everything else on the other core.'
      : 'python3-torch is not installed here, so PyTorch was not measured.',
    '',
    ...(torch ? ['| model | threads | s/iter |', '|---|---|---|', ...torchResults.map((r) => `| ${r.model} | ${r.threads} | ${seconds(r.result)} |`), ''] : []),
    'docs/speed.md weighs the routes to these figures: what each kernel change gave, and the backends',
    'that did not run here.',
  ]
  mkdirSync(join(root, 'docs'), { recursive: true })
  writeFileSync(join(root, 'docs', 'benchmarks.md'), `${lines.join('\n')}\n`)
  process.stderr.write('wrote docs/benchmarks.md\n')
}

main()
