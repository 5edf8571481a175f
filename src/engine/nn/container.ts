import { EngineError } from '../errors'
import { Module } from './module'

/**
 * Runs modules in order, each on the previous one's output, as PyTorch's nn.Sequential. The modules
 * are registered as '0', '1', ... (or under the keys of a record), which become the state dict
 * prefixes: '0.weight'.
 *
 *     const net = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 1))
 *     const named = new nn.Sequential({ fc: new nn.Linear(2, 8), act: new nn.ReLU() })
 */
export class Sequential extends Module {
  constructor(...modules: Module[] | [Record<string, Module>]) {
    super()
    const first = modules[0]
    if (modules.length === 1 && !(first instanceof Module) && typeof first === 'object' && first !== null) {
      for (const [name, module] of Object.entries(first)) this.registerModule(name, checkModule(module, name))
    } else {
      ;(modules as Module[]).forEach((module, i) => this.registerModule(String(i), checkModule(module, String(i))))
    }
  }

  /** Returns the modules in order. */
  private list(): Module[] {
    return this._ownModules().map(([, module]) => module)
  }

  get length(): number {
    return this._ownModules().length
  }

  /** Returns the module at `index`, where negative indices count from the end. */
  at(index: number): Module {
    const modules = this.list()
    const position = index < 0 ? index + modules.length : index
    if (!Number.isInteger(position) || position < 0 || position >= modules.length) {
      throw new EngineError('INVALID_ARGUMENT', `index ${index} is out of range for a Sequential of ${modules.length} modules`)
    }
    return modules[position]
  }

  /** Adds `module` at the end, under the next free index. */
  append(module: Module): this {
    const name = String(this.length)
    this.registerModule(name, checkModule(module, name))
    return this
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.list()[Symbol.iterator]()
  }

  forward(input: any): any {
    let output = input
    for (const module of this.list()) output = module.forward(output)
    return output
  }
}

function checkModule(value: unknown, name: string): Module {
  if (!(value instanceof Module)) {
    throw new EngineError(
      'INVALID_ARGUMENT',
      `Sequential: entry ${name} is not a Module (got ${value === null ? 'null' : typeof value}); ` +
        'pass layers such as new nn.Linear(2, 3), or wrap a function in a Module subclass',
    )
  }
  return value
}
