/**
 * Exports of what runs made: grids as PNG, animations, metric tables, generator weights with a
 * PyTorch script, and new samples from checkpoints. The command line and the app call `exportRun`;
 * the per-format functions return bytes for callers that write them elsewhere.
 */
export { exportRun, exportFormats, exportDefaults, type ExportFormat, type ExportOptions, type ExportResult } from './export-run'
export { ExportError, type ExportErrorCode } from './errors'
export { gridPngExport, imageFolderExport, type ExportedFile, type ImageSource } from './image-exports'
export { generatorExport, pytorchFiles, type GeneratorExport } from './generator-export'
export { samplesExport, walkExport, type SamplesRequest, type WalkRequest, type Layout } from './samples-export'
export { stepsCsv, eventsCsv, runJson } from './tables'
export type { NormMode } from './generator-model'
export type { Interpolation } from './latent-walk'
