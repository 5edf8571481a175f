/**
 * `npm run bench`: times one training iteration of an MLP GAN and a DCGAN for 28x28 (batch 64, Adam,
 * one D step and one G step) on every backend that starts here, with the engine and with plain tfjs,
 * and with PyTorch when Debian's python3-torch is installed; then writes docs/benchmarks.md.
 * Each case runs in its own process. Options: --iterations N, --quick (fewer iterations).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem, release } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

interface CaseResult {
  backend?: string
  device?: string
  model?: string
  impl?: string
  iterations?: number
  median?: number
  min?: number
  max?: number
  leakedTensors?: number
  error?: string
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { values } = parseArgs({
  options: { iterations: { type: 'string' }, quick: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
})
if (values.help) {
  process.stdout.write(
    'usage: npm run bench [-- --iterations N | --quick]\n' +
      'Times a GAN iteration on every backend that starts here (and PyTorch when python3-torch is installed),\n' +
      'then rewrites docs/benchmarks.md. Takes several minutes; --quick times 3 iterations instead of 10.\n',
  )
  process.exit(0)
}
const iterations = Number(values.iterations ?? (values.quick ? 3 : 10))
const python = '/usr/bin/python3'

function runCase(args: string[], command: string, label: string): CaseResult {
  process.stderr.write(`${label} ... `)
  const child = spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: 20 * 60 * 1000 })
  const line = child.stdout.trim().split('\n').pop() ?? ''
  let result: CaseResult
  try {
    result = JSON.parse(line) as CaseResult
  } catch {
    result = { error: (child.stderr || child.stdout || `exit code ${child.status}`).trim().split('\n').pop() }
  }
  process.stderr.write(result.error ? `failed: ${result.error}\n` : `${result.median?.toFixed(3)} s\n`)
  return result
}

function engineCase(backend: string, model: string, impl: string): CaseResult {
  // The pure-JS cpu backend takes seconds per iteration, so it gets fewer.
  const count = backend === 'cpu' ? Math.min(iterations, 3) : iterations
  const args = ['tsx', 'bench/step.ts', '--backend', backend, '--model', model, '--impl', impl, '--iterations', String(count), '--warmup', backend === 'cpu' ? '1' : '2']
  const result = runCase(args, 'npx', `${model} ${impl} on ${backend}`)
  return { ...result, backend: result.backend ?? backend, model: result.model ?? model, impl: result.impl ?? impl }
}

function torchAvailable(): string | null {
  if (!existsSync(python)) return null
  try {
    return execFileSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim()
  } catch {
    return null
  }
}

function machine(): Record<string, string> {
  const cpu = cpus()
  let blas = 'not checked'
  try {
    const chosen = execFileSync('sh', ['-c', 'update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep Value'], { encoding: 'utf8' })
    blas = chosen.replace(/^Value:\s*/, '').trim() || 'reference'
  } catch {
    blas = 'unknown'
  }
  return {
    CPU: `${cpu[0]?.model ?? 'unknown'} (${cpu.length} cores)`,
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

function main(): void {
  const backends = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']
  const models = ['mlp', 'dcgan']
  const results: CaseResult[] = []
  const available: string[] = []
  for (const backend of backends) {
    const probe = engineCase(backend, 'mlp', 'engine')
    if (probe.error && /no tensor backend could start|Cannot find package/.test(probe.error)) {
      process.stderr.write(`  (${backend} is not installed on this machine, so it is skipped)\n`)
      continue
    }
    available.push(backend)
    results.push(probe)
    results.push(engineCase(backend, 'mlp', 'tfjs'))
    // The pure-JS cpu backend needs minutes per DCGAN iteration; it is a fallback for tiny models only.
    if (backend === 'cpu') continue
    results.push(engineCase(backend, 'dcgan', 'engine'))
    results.push(engineCase(backend, 'dcgan', 'tfjs'))
  }
  // Where one DCGAN iteration's time goes, per kernel, on the first backend that ran it.
  let profile: { backend: string; iterationMs: number; kernelMs: number; rows: Array<{ kernel: string; calls: number; ms: number }> } | null = null
  const profileBackend = available.find((backend) => backend !== 'cpu')
  if (profileBackend) {
    process.stderr.write(`dcgan kernel profile on ${profileBackend} ... `)
    const child = spawnSync('npx', ['tsx', 'bench/profile.ts', '--backend', profileBackend, '--model', 'dcgan', '--json'], { cwd: root, encoding: 'utf8' })
    try {
      profile = JSON.parse(child.stdout.trim().split('\n').pop() ?? '')
      process.stderr.write('done\n')
    } catch {
      process.stderr.write(`failed: ${child.stderr.trim().split('\n').pop()}\n`)
    }
  }
  const torchVersion = torchAvailable()
  const torchResults: CaseResult[] = []
  if (torchVersion) {
    for (const model of models) {
      for (const threads of [1, 2]) {
        torchResults.push(runCase(['bench/torch_step.py', '--model', model, '--threads', String(threads), '--iterations', String(iterations)], python, `${model} pytorch ${threads} thread(s)`))
      }
    }
  }

  const rows: string[] = []
  for (const backend of available) {
    for (const model of models) {
      if (backend === 'cpu' && model === 'dcgan') continue
      const engine = results.find((r) => r.model === model && r.impl === 'engine' && r.backend === backend)
      const plain = results.find((r) => r.model === model && r.impl === 'tfjs' && r.backend === backend)
      const overhead = engine?.median && plain?.median ? `${(((engine.median - plain.median) / plain.median) * 100).toFixed(1)}%` : '-'
      rows.push(`| ${model} | ${backend} | ${seconds(engine)} | ${seconds(plain)} | ${overhead} |`)
    }
  }
  const torchRows = torchResults.map((r) => `| ${r.model ?? '-'} | ${r.backend ?? 'pytorch'} | ${seconds(r)} |`)

  const info = machine()
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts). One training iteration of a GAN for 28x28 images: batch 64,',
    'Adam (lr 2e-4, betas 0.5/0.999), one D step on detached fakes and one G step, BCE with logits.',
    'The MLP GAN has two hidden layers of 256 units in each network; the DCGAN is the app\'s `dcgan` preset',
    'at width 64 (G: dense to 128x7x7, BatchNorm, two stride-2 transposed convolutions; D: two stride-2',
    'convolutions with BatchNorm, dense). Times are medians of ' + iterations + ' iterations after warm-up, in seconds.',
    '"plain tfjs" is the same iteration written with tfjs ops, `tf.variableGrads` and `tf.train.adam` (NHWC).',
    '',
    '## Machine',
    '',
    ...Object.entries(info).map(([key, value]) => `- ${key}: ${value}`),
    '',
    '## Engine and plain tfjs, per backend',
    '',
    '| model | backend | engine (s/iter) | plain tfjs (s/iter) | engine overhead |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `Backends not listed did not start on this machine (tried: ${backends.join(', ')}). The pure-JS cpu backend`,
    'runs the MLP only: a DCGAN iteration takes minutes there.',
    '',
    'A negative overhead means the engine is faster than plain tfjs. On wasm the engine transposes matMul',
    'operands explicitly, because the backend multiplies with a transposed operand far more slowly, and',
    "`tf.variableGrads` uses transposed products for every dense layer's gradient. Plain tfjs cannot train a",
    "convolution on wasm at all (no `Conv2DBackpropFilter` kernel); the engine computes that gradient with",
    'ordinary convolutions.',
    '',
    '## Where a DCGAN iteration goes',
    '',
    ...(profile
      ? [
          `Kernel times of one iteration on ${profile.backend} (bench/profile.ts wraps every kernel of the engine's kernel table with a timer): ` +
            `${profile.iterationMs.toFixed(0)} ms per iteration, of which ${profile.kernelMs.toFixed(0)} ms in kernels and ` +
            `${(profile.iterationMs - profile.kernelMs).toFixed(0)} ms in the engine's own code (graph recording, backward bookkeeping, optimizer loops).`,
          '',
          '| kernel | calls | ms | share |',
          '|---|---|---|---|',
          ...profile.rows.slice(0, 12).map((row) => `| ${row.kernel} | ${row.calls.toFixed(0)} | ${row.ms.toFixed(1)} | ${((row.ms / profile!.iterationMs) * 100).toFixed(1)}% |`),
        ]
      : ['No backend other than cpu ran, so no profile was taken.']),
    '',
    '## PyTorch on the same machine',
    '',
    torchVersion
      ? `PyTorch ${torchVersion} from Debian's python3-torch (bench/torch_step.py). On a 2-core machine two threads ` +
        'can be slower than one, because the second thread competes with everything else on the other core.'
      : 'python3-torch is not installed here, so PyTorch was not measured.',
    '',
    ...(torchVersion ? ['| model | runtime | s/iter |', '|---|---|---|', ...torchRows, ''] : []),
  ]
  mkdirSync(join(root, 'docs'), { recursive: true })
  writeFileSync(join(root, 'docs', 'benchmarks.md'), `${lines.join('\n')}\n`)
  process.stderr.write(`wrote docs/benchmarks.md\n`)
}

main()
