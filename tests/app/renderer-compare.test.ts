import { describe, expect, it } from 'vitest'
import type { Metric, RunSummary } from '../../src/shared/contract'
import { absoluteDifference, flattenConfig, nearestStep, settingRows, stepRange, stitchParent } from '../../src/renderer/logic/compare'
import { forkChanges, forkValuesFrom } from '../../src/renderer/logic/fork-form'
import { filterRuns, parseTags, sortRuns, sortValue } from '../../src/renderer/logic/run-list'

const row = (step: number, dLoss: number): Metric => ({
  step, dLoss, gLoss: null, dReal: null, dFake: null, gradNormG: null, gradNormD: null, leakNorm: null, lrG: null, lrD: null, seconds: null,
})

function summary(id: number, changes: Partial<RunSummary> = {}): RunSummary {
  return {
    id, name: `run ${id}`, status: 'completed', dataset: 'digits', model: 'dcgan', step: 100, totalSteps: 100, seconds: 1,
    parentRunId: null, parentStep: null, tags: [], note: '', hidden: false, createdAt: `2025-01-0${id}T00:00:00Z`,
    config: {}, last: null, live: false, ...changes,
  }
}

describe('flattenConfig', () => {
  it('joins nested keys with dots', () => {
    const flat = flattenConfig({ steps: 40, optimizerG: { lr: 2e-4, betas: [0.5, 0.999] }, joint: { retainGraph: true } })
    expect([...flat.keys()]).toEqual(['steps', 'optimizerG.lr', 'optimizerG.betas', 'joint.retainGraph'])
    expect(flat.get('optimizerG.betas')).toEqual([0.5, 0.999])
  })
})

describe('settingRows', () => {
  it('marks differing keys', () => {
    const rows = settingRows([
      { loss: 'bce', optimizerG: { lr: 2e-4, betas: [0.5, 0.999] } },
      { loss: 'bce', optimizerG: { lr: 1e-4, betas: [0.5, 0.999] }, labelSmoothing: 0.1 },
    ])
    expect(rows.map((entry) => entry.key)).toEqual(['labelSmoothing', 'loss', 'optimizerG.betas', 'optimizerG.lr'])
    expect(rows.filter((entry) => entry.differs).map((entry) => entry.key)).toEqual(['labelSmoothing', 'optimizerG.lr'])
    expect(rows[0].values).toEqual([undefined, 0.1])
  })

  it('finds no difference in equal arrays', () => {
    expect(settingRows([{ betas: [0.5, 0.9] }, { betas: [0.5, 0.9] }])[0].differs).toBe(false)
  })
})

describe('nearestStep', () => {
  const steps = [0, 10, 20, 40]

  it('picks the nearest stored step', () => {
    expect(nearestStep(steps, 14)).toBe(10)
    expect(nearestStep(steps, 16)).toBe(20)
    expect(nearestStep(steps, 31)).toBe(40)
  })

  it('prefers the earlier step on a tie', () => {
    expect(nearestStep(steps, 5)).toBe(0)
    expect(nearestStep(steps, 30)).toBe(20)
  })

  it('clamps beyond the ends', () => {
    expect(nearestStep(steps, -3)).toBe(0)
    expect(nearestStep(steps, 1000)).toBe(40)
    expect(nearestStep([7], 0)).toBe(7)
  })

  it('returns null without steps', () => {
    expect(nearestStep([], 5)).toBeNull()
  })
})

describe('stitchParent', () => {
  it('continues the parent up to the fork step', () => {
    const parent = [1, 2, 3, 4, 5].map((step) => row(step, step))
    const fork = [4, 5, 6].map((step) => row(step, step * 10))
    const stitched = stitchParent(parent, 3, fork)
    expect(stitched.map((entry) => entry.step)).toEqual([1, 2, 3, 4, 5, 6])
    expect(stitched.map((entry) => entry.dLoss)).toEqual([1, 2, 3, 40, 50, 60])
  })
})

describe('stepRange', () => {
  it('spans every run', () => {
    expect(stepRange([[0, 10], [5, 40]])).toEqual({ min: 0, max: 40 })
    expect(stepRange([[], []])).toBeNull()
  })
})

describe('absoluteDifference', () => {
  it('subtracts per channel and sets alpha', () => {
    expect([...absoluteDifference([10, 200, 0, 255], [30, 100, 0, 17])]).toEqual([20, 100, 0, 255])
  })

  it('rejects different sizes', () => {
    expect(() => absoluteDifference([0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1])).toThrow(/1 and 2 pixels/)
  })
})

describe('run list', () => {
  const runs = [
    summary(1, { config: { optimizerG: { lr: 2e-4 }, dSteps: 1, gSteps: 1, loss: 'bce' }, last: row(100, 0.9), tags: ['baseline'] }),
    summary(2, { config: { optimizerG: { lr: 1e-4 }, dSteps: 5, gSteps: 1, loss: 'hinge' }, latestEvaluation: { fd: 12, modesCovered: 8 } }),
    summary(3, { name: 'Ring sweep', dataset: 'ring8', status: 'failed', config: { optimizerG: { lr: 4e-4 }, dSteps: 1, gSteps: 2 }, latestEvaluation: { fd: 3 } }),
  ]
  const ids = (list: RunSummary[]): number[] => list.map((run) => run.id)

  it('reads setting keys', () => {
    expect(sortValue(runs[1], 'lrG')).toBe(1e-4)
    expect(sortValue(runs[2], 'ratio')).toBe(0.5)
    expect(sortValue(runs[0], 'fd')).toBeNull()
  })

  it('sorts by settings and metrics', () => {
    expect(ids(sortRuns(runs, { key: 'lrG', descending: false }))).toEqual([2, 1, 3])
    expect(ids(sortRuns(runs, { key: 'ratio', descending: true }))).toEqual([2, 1, 3])
    expect(ids(sortRuns(runs, { key: 'loss', descending: false }))).toEqual([1, 2, 3])
  })

  it('sorts missing values last', () => {
    expect(ids(sortRuns(runs, { key: 'fd', descending: false }))).toEqual([3, 2, 1])
    expect(ids(sortRuns(runs, { key: 'fd', descending: true }))).toEqual([2, 3, 1])
  })

  it('filters by words and status', () => {
    expect(ids(filterRuns(runs, { text: 'ring', status: null }))).toEqual([3])
    expect(ids(filterRuns(runs, { text: 'BASELINE', status: null }))).toEqual([1])
    expect(ids(filterRuns(runs, { text: 'digits dcgan', status: null }))).toEqual([1, 2])
    expect(ids(filterRuns(runs, { text: '', status: 'failed' }))).toEqual([3])
  })

  it('parses comma-separated tags', () => {
    expect(parseTags(' a, b ,,a, c d ')).toEqual(['a', 'b', 'c d'])
  })
})

describe('forkChanges', () => {
  const parent = { optimizerG: { lr: 2e-4, betas: [0.5, 0.999] }, optimizerD: { lr: 2e-4 }, dSteps: 1, gSteps: 1, loss: 'bce', labelSmoothing: 0, steps: 40 }

  it('sends only changed values', () => {
    const values = { ...forkValuesFrom(parent), 'optimizerG.lr': '1e-4', loss: 'hinge', steps: '80' }
    const { changes, problems } = forkChanges(values, parent)
    expect(problems.size).toBe(0)
    expect(changes).toEqual({ optimizerG: { lr: 1e-4 }, loss: 'hinge', steps: 80 })
  })

  it('starts from the parent', () => {
    expect(forkValuesFrom(parent)).toMatchObject({ 'optimizerG.lr': '0.0002', dSteps: '1', loss: 'bce', steps: '40' })
    expect(forkChanges(forkValuesFrom(parent), parent).changes).toEqual({})
  })

  it('marks invalid values', () => {
    const values = { ...forkValuesFrom(parent), 'optimizerD.lr': '0', dSteps: '1.5', labelSmoothing: '0.9' }
    const { problems } = forkChanges(values, parent)
    expect(problems.get('optimizerD.lr')?.key).toBe('validation.above')
    expect(problems.get('dSteps')?.key).toBe('validation.integer')
    expect(problems.get('labelSmoothing')?.key).toBe('validation.atMost')
  })
})
