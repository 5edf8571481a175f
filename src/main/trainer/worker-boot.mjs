// Starts the training worker from TypeScript sources (tests, the command line under tsx): registers
// tsx's loader in this worker thread, then imports the worker module named in workerData.
import { register } from 'tsx/esm/api'
import { workerData } from 'node:worker_threads'

register()
await import(workerData.entry)
