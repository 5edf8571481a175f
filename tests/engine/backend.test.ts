import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { expectClose, torch } from '../helpers/engine'
import { K } from '../../src/engine/kernels'

/** Runs a snippet against the engine in a fresh Node process, so backend selection starts from scratch. */
function runEngine(code: string, env: Record<string, string> = {}): { stdout: string; stderr: string; status: number | null } {
  const script = `import * as torch from './src/engine/index.ts'\n${code}`
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  })
  return { stdout: child.stdout.trim(), stderr: child.stderr, status: child.status }
}

describe('backend selection', () => {
  it('falls back to wasm and reports what it tried', () => {
    const { stdout } = runEngine('const b = await torch.initEngine(); console.log(JSON.stringify(b))', { GANWB_BACKEND: '' })
    const info = JSON.parse(stdout)
    expect(info.name).toBe('wasm')
    expect(info.device).toBe('cpu')
    expect(info.tried.map((t: { name: string }) => t.name)).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm'])
    expect(info.tried[0].error).toMatch(/tfjs-node-gpu/)
  })

  it('GANWB_BACKEND forces the cpu backend', () => {
    const { stdout } = runEngine(
      'await torch.initEngine(); const t = torch.tensor([1, 2], { requiresGrad: true }); t.mul(t).sum().backward(); console.log(torch.getBackend().name, Array.from(t.grad.toArray()).join(","))',
      { GANWB_BACKEND: 'cpu' },
    )
    expect(stdout).toBe('cpu 2,4')
  })

  it('a forced missing backend names it and the fix', () => {
    const { stdout } = runEngine(
      'try { await torch.initEngine() } catch (e) { console.log(e.code + ": " + e.message) }',
      { GANWB_BACKEND: 'tfjs-node' },
    )
    expect(stdout).toMatch(/^BACKEND_UNAVAILABLE: no tensor backend could start/)
    expect(stdout).toMatch(/tfjs-node: Cannot find package '@tensorflow\/tfjs-node'/)
    expect(stdout).toMatch(/Unset GANWB_BACKEND/)
  })

  it('an unknown backend name is rejected', () => {
    const { stdout } = runEngine(
      'try { await torch.initEngine() } catch (e) { console.log(e.message) }',
      { GANWB_BACKEND: 'cuda' },
    )
    expect(stdout).toMatch(/unknown backend 'cuda' \(from GANWB_BACKEND\); choose one of tfjs-node-gpu, tfjs-node, wasm, cpu or auto/)
  })

  it('ops before initEngine say what to do', () => {
    const { stdout } = runEngine('try { torch.getBackend() } catch (e) { console.log(e.message) }')
    expect(stdout).toMatch(/await initEngine\(\) before the first op/)
  })
})

describe('kernel providers', () => {
  it('a provider serves its kernels under autograd', async () => {
    await torch.initEngine()
    let calls = 0
    const tfjsMatMul = K.matMul
    torch.registerKernelProvider({
      name: 'counting',
      kernels: {
        matMul: (a, b, ta, tb) => {
          calls++
          return tfjsMatMul(a, b, ta, tb)
        },
      },
    })
    try {
      expect(torch.getBackend().kernelProviders).toEqual(['counting'])
      const w = torch.tensor([[1, 2], [3, 4]], { requiresGrad: true })
      const x = torch.tensor([[1, 0]])
      x.matmul(w).sum().backward()
      expect(calls).toBe(2) // forward, and the gradient of w
      expectClose(w.grad!.toArray(), [1, 1, 0, 0])
    } finally {
      torch.removeKernelProvider('counting')
    }
    expect(K.matMul).toBe(tfjsMatMul)
  })

  it('to() keeps tensors on the engine device', async () => {
    await torch.initEngine()
    const t = torch.ones([2])
    expect(t.to('cpu')).toBe(t)
    expect(() => t.to('cuda')).toThrow(/runs on one device, 'cpu'.*GANWB_BACKEND=tfjs-node-gpu/)
  })
})
