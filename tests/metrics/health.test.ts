import { describe, expect, it } from 'vitest'
import { healthWarnings, type HealthCode } from '../../src/main/metrics/health'
import type { EvaluationMetrics } from '../../src/main/metrics/names'
import type { MetricRecord } from '../../src/main/store/types'

/** Per-step rows of a healthy run, with `change` applied to each. */
function rows(count: number, change: Partial<MetricRecord> = {}): MetricRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    step: i + 1,
    dLoss: 1.2, gLoss: 0.8, dReal: 0.6, dFake: 0.4,
    gradNormG: 0.5, gradNormD: 0.7, leakNorm: null,
    lrG: 2e-4, lrD: 2e-4, seconds: 0.1,
    ...change,
  }))
}

const healthyImages: EvaluationMetrics = {
  fd: 12, precision: 0.7, recall: 0.6, classesCovered: 3, diversity: 0.95,
  'classShare.0': 0.3, 'classShare.1': 0.35, 'classShare.2': 0.35,
  dAccuracyReal: 0.7, dAccuracyFake: 0.6, evaluationSamples: 1024,
}

const codes = (...args: Parameters<typeof healthWarnings>): HealthCode[] => healthWarnings(...args).map((w) => w.code)

describe('health warnings', () => {
  it('healthy run has none', () => {
    expect(healthWarnings(rows(50), healthyImages, { loss: 'bce' })).toEqual([])
    expect(healthWarnings([], null)).toEqual([])
  })

  it('NaN loss is non-finite', () => {
    const recent = rows(30)
    recent[29].gLoss = NaN
    const [warning] = healthWarnings(recent, null)
    expect(warning.code).toBe('NON_FINITE')
    expect(warning.severity).toBe('error')
    expect(warning.message).toBe('gLoss is NaN at step 30')
  })

  it('stored NaN reads as a missing loss', () => {
    const recent = rows(30)
    recent[29].dLoss = null
    expect(codes(recent, null)).toEqual(['NON_FINITE'])
  })

  it('D overpowers G from evaluation', () => {
    expect(codes(rows(50), { ...healthyImages, dAccuracyReal: 0.99, dAccuracyFake: 0.97 })).toEqual(['D_OVERPOWERS_G'])
  })

  it('D overpowers G from BCE scores', () => {
    const recent = rows(50, { dReal: 0.99, dFake: 0.01 })
    expect(codes(recent, null, { loss: 'bce' })).toEqual(['D_OVERPOWERS_G'])
    // Hinge scores are not probabilities, so the same numbers indicate no problem.
    expect(codes(recent, null, { loss: 'hinge' })).toEqual([])
  })

  it('vanishing G gradient', () => {
    expect(codes(rows(50, { gradNormG: 1e-5 }), null)).toEqual(['G_GRADIENT_VANISHING'])
    expect(codes(rows(50, { gradNormG: 0.01, gradNormD: 5 }), null)).toEqual(['G_GRADIENT_VANISHING'])
    // Too few rows to judge.
    expect(codes(rows(10, { gradNormG: 1e-5 }), null)).toEqual([])
  })

  it('minimax advice names the loss', () => {
    const [warning] = healthWarnings(rows(50, { gradNormG: 1e-5 }), null, { loss: 'minimax' })
    expect(warning.advice).toMatch(/non-saturating bce loss/)
  })

  it('one filled bar is collapse', () => {
    const collapsed = { ...healthyImages, classesCovered: 1, 'classShare.0': 1, 'classShare.1': 0, 'classShare.2': 0 }
    const warnings = healthWarnings(rows(50), collapsed)
    expect(warnings.map((w) => w.code)).toEqual(['MODE_COLLAPSE'])
    expect(warnings[0].severity).toBe('error')
    expect(warnings[0].message).toMatch(/1 of 3 classes generated/)
  })

  it('low diversity warns, very low is an error', () => {
    const [low] = healthWarnings(rows(50), { ...healthyImages, diversity: 0.4 })
    expect([low.code, low.severity]).toEqual(['MODE_COLLAPSE', 'warning'])
    const [collapsed] = healthWarnings(rows(50), { ...healthyImages, diversity: 0.1 })
    expect([collapsed.code, collapsed.severity]).toEqual(['MODE_COLLAPSE', 'error'])
  })

  it('missing class names the class', () => {
    const missing = { ...healthyImages, classesCovered: 2, 'classShare.0': 0.5, 'classShare.1': 0.5, 'classShare.2': 0 }
    const [warning] = healthWarnings(rows(50), missing)
    expect(warning.code).toBe('MODES_MISSING')
    expect(warning.message).toBe('2 of 3 classes generated; none of class 2')
  })

  it('toy modes: partial, single, none', () => {
    const toy = { modesTotal: 8, highQualityShare: 0.9, diversity: 0.9, evaluationSamples: 2500 }
    expect(codes(rows(50), { ...toy, modesCovered: 8 })).toEqual([])
    expect(codes(rows(50), { ...toy, modesCovered: 4 })).toEqual(['MODES_MISSING'])
    expect(codes(rows(50), { ...toy, modesCovered: 1 })).toEqual(['MODE_COLLAPSE'])
    expect(codes(rows(50), { ...toy, modesCovered: 0, highQualityShare: 0.01 })).toEqual(['MODES_MISSING', 'LOW_SAMPLE_QUALITY'])
  })

  it('errors come first', () => {
    const recent = rows(50, { gradNormG: 1e-5 })
    recent[49].gLoss = Infinity
    const severities = healthWarnings(recent, { ...healthyImages, precision: 0.1 }).map((w) => w.severity)
    expect(severities).toEqual(['error', 'warning', 'info'])
  })
})
