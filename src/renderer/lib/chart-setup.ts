/**
 * chart.js set up for long training curves: only the parts the line charts use are registered,
 * points are given pre-parsed (`parsing: false`, numeric x), the LTTB decimation plugin thins
 * 100,000-point series to the chart's width, and animation is off. A small plugin draws a vertical
 * marker at each step where a person changed a setting during training.
 */
import {
  CategoryScale,
  Chart,
  Decimation,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
  type ChartType,
  type Plugin,
} from 'chart.js'
import type { Point } from '../logic/series'

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, CategoryScale, Decimation, Legend, Tooltip)

export interface StepMarkerOptions {
  markers: ReadonlyArray<{ step: number; label: string }>
  color: string
}

declare module 'chart.js' {
  // The type parameter must match chart.js's own declaration, although this option does not use it.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface PluginOptionsByType<TType extends ChartType> {
    stepMarkers?: StepMarkerOptions
  }
}

const stepMarkers: Plugin<'line'> = {
  id: 'stepMarkers',
  afterDatasetsDraw(chart) {
    // chart.js types options as deep partials; this plugin's options are always set in full below.
    const options = chart.options.plugins?.stepMarkers as StepMarkerOptions | undefined
    const x = chart.scales.x
    if (!options || !x || options.markers.length === 0) return
    const { top, bottom, left, right } = chart.chartArea
    const context = chart.ctx
    context.save()
    context.strokeStyle = options.color
    context.fillStyle = options.color
    context.lineWidth = 1
    context.setLineDash([4, 3])
    context.font = '11px system-ui, sans-serif'
    context.textAlign = 'left'
    for (const marker of options.markers) {
      const position = x.getPixelForValue(marker.step)
      if (position < left || position > right) continue
      context.beginPath()
      context.moveTo(position, top)
      context.lineTo(position, bottom)
      context.stroke()
      context.fillText(marker.label, position + 3, top + 10)
    }
    context.restore()
  },
}

export interface ChartLine {
  label: string
  color: string
  points: Point[]
  /** Thin, faint and left out of the legend: the raw values behind their smoothed curve. */
  faint?: boolean
}

/** chart.js keeps unknown dataset properties, so the legend filter can read `faint` back. */
export interface LineDataset extends ChartDataset<'line', Point[]> {
  faint: boolean
}

export interface ChartLook {
  text: string
  grid: string
  marker: string
}

/**
 * Builds the chart.js dataset for one line, with a shallow copy of its points.
 *
 * Note [Chart data arrays]: chart.js patches `push` on every extensible data array it is given and
 * then creates and styles one element per pushed point, one push at a time. Appending 100,000 stored
 * points to a watched array froze the page for minutes. A fresh copy per redraw is never pushed to,
 * so chart.js sizes its elements once per redraw, and the decimation plugin thins the copy to the
 * chart's width. Copying 100,000 references is cheap next to drawing.
 */
export function datasetFor(line: ChartLine): LineDataset {
  return {
    faint: line.faint === true,
    label: line.label,
    data: line.points.slice(),
    borderColor: line.faint ? `${line.color}55` : line.color,
    backgroundColor: line.color,
    borderWidth: line.faint ? 1 : 1.75,
    pointRadius: 0,
    pointHoverRadius: 3,
    spanGaps: true,
    normalized: true,
  }
}

export function lineChartConfig(lines: readonly ChartLine[], look: ChartLook, xTitle: string): ChartConfiguration<'line', Point[]> {
  return {
    type: 'line',
    data: { datasets: lines.map((line) => datasetFor(line)) },
    options: {
      parsing: false,
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: 'linear',
          bounds: 'data',
          // Steps start at 1; starting the axis at 0 puts the ticks on round numbers.
          min: 0,
          title: { display: true, text: xTitle, color: look.text },
          ticks: { color: look.text, maxTicksLimit: 8 },
          grid: { color: look.grid },
        },
        y: {
          type: 'linear',
          ticks: { color: look.text, maxTicksLimit: 6 },
          grid: { color: look.grid },
        },
      },
      plugins: {
        decimation: { enabled: true, algorithm: 'lttb' },
        legend: {
          labels: {
            color: look.text,
            boxWidth: 12,
            boxHeight: 2,
            filter: (item, data) => !(data.datasets[item.datasetIndex ?? -1] as LineDataset | undefined)?.faint,
          },
        },
        tooltip: { enabled: true },
        stepMarkers: { markers: [], color: look.marker },
      },
    },
    plugins: [stepMarkers],
  }
}

export { Chart }
