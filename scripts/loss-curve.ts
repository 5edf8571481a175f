/**
 * Draws a stored run's D and G losses as an SVG line chart, for documentation pages:
 *
 *   npx tsx scripts/loss-curve.ts --db runs.sqlite --run 1 --out docs/proof/loss.svg [--smoothing 0.9]
 *
 * Curves are exponential moving averages, divided by 1 - smoothing^t so that the start is not pulled
 * towards zero; the raw values are drawn faintly behind them.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { RunStore } from '../src/main/store/run-store'

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    run: { type: 'string' },
    out: { type: 'string' },
    smoothing: { type: 'string', default: '0.95' },
  },
})
if (!values.db || !values.run || !values.out) {
  process.stderr.write('usage: tsx scripts/loss-curve.ts --db FILE --run ID --out FILE.svg [--smoothing 0.95]\n')
  process.exit(2)
}

function smooth(points: Array<[number, number]>, beta: number): Array<[number, number]> {
  let average = 0
  return points.map(([step, value], i) => {
    average = beta * average + (1 - beta) * value
    return [step, average / (1 - beta ** (i + 1))]
  })
}

const store = new RunStore(values.db, { readonly: true })
const run = store.getRun(Number(values.run))
const metrics = store.metrics(run.id)
store.close()

const series = {
  D: metrics.filter((m) => m.dLoss !== null).map((m): [number, number] => [m.step, m.dLoss as number]),
  G: metrics.filter((m) => m.gLoss !== null).map((m): [number, number] => [m.step, m.gLoss as number]),
}
const beta = Number(values.smoothing)
const width = 720
const height = 320
const margin = { left: 56, right: 16, top: 28, bottom: 40 }
const allValues = [...series.D, ...series.G].map(([, v]) => v)
const maxStep = Math.max(...metrics.map((m) => m.step))
const minStep = Math.min(...metrics.map((m) => m.step))
const top = Math.ceil(Math.max(...allValues))
const x = (step: number): number => margin.left + ((step - minStep) / Math.max(1, maxStep - minStep)) * (width - margin.left - margin.right)
const y = (value: number): number => height - margin.bottom - (Math.min(value, top) / top) * (height - margin.top - margin.bottom)
const path = (points: Array<[number, number]>): string =>
  points.map(([step, value], i) => `${i === 0 ? 'M' : 'L'}${x(step).toFixed(1)},${y(value).toFixed(1)}`).join('')

const colours = { D: '#d95f02', G: '#1b9e77' }
const ticksY = Array.from({ length: top + 1 }, (_, i) => i)
const ticksX = Array.from({ length: 6 }, (_, i) => Math.round(minStep + ((maxStep - minStep) * i) / 5))
const svg = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
  `<rect width="${width}" height="${height}" fill="white"/>`,
  `<text x="${margin.left}" y="18">${run.name} (run ${run.id}): loss per step, smoothed ${beta}</text>`,
  ...ticksY.map((t) => `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/><text x="${margin.left - 8}" y="${y(t) + 4}" text-anchor="end">${t}</text>`),
  ...ticksX.map((t) => `<text x="${x(t)}" y="${height - margin.bottom + 16}" text-anchor="middle">${t}</text>`),
  `<text x="${(width + margin.left) / 2}" y="${height - 6}" text-anchor="middle">step</text>`,
  ...(['D', 'G'] as const).map((name) => `<path d="${path(series[name])}" fill="none" stroke="${colours[name]}" stroke-opacity="0.2"/>`),
  ...(['D', 'G'] as const).map((name) => `<path d="${path(smooth(series[name], beta))}" fill="none" stroke="${colours[name]}" stroke-width="2"/>`),
  ...(['D', 'G'] as const).map((name, i) => `<text x="${width - margin.right - 90 + i * 45}" y="18" fill="${colours[name]}">${name} loss</text>`),
  '</svg>',
].join('\n')
writeFileSync(values.out, `${svg}\n`)
process.stdout.write(`${values.out}: ${metrics.length} steps of run ${run.id}\n`)
