import { z } from 'zod'

/**
 * The run configuration: everything a person chooses before a run starts, validated with defaults.
 * Learning rates are per optimizer step; steps count training iterations (each iteration makes
 * `dSteps` discriminator updates and `gSteps` generator updates).
 */

export const modelPresets = ['mlp', 'dcgan', 'cgan-mlp', 'cgan-dcgan'] as const
export const optimizerTypes = ['adam', 'sgd', 'rmsprop'] as const
export const groupings = ['separate', 'grouped'] as const
export const schemes = ['alternating', 'joint'] as const
export const lossTypes = ['bce', 'minimax', 'lsgan', 'hinge'] as const

const positiveInt = (max: number) => z.number().int().min(1).max(max)

export const optimizerSchema = z.object({
  type: z.enum(optimizerTypes).default('adam'),
  /** Learning rate. */
  lr: z.number().positive().max(10).default(2e-4),
  /** Adam's (beta1, beta2); DCGAN's 0.5 for beta1 keeps momentum from overshooting. */
  betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.5, 0.999]),
  eps: z.number().positive().default(1e-8),
  /** SGD and RMSprop momentum. */
  momentum: z.number().min(0).lt(1).default(0),
  /** RMSprop's smoothing constant. */
  alpha: z.number().min(0).lt(1).default(0.99),
  weightDecay: z.number().min(0).default(0),
})
export type OptimizerConfig = z.infer<typeof optimizerSchema>

export const modelSchema = z.object({
  preset: z.enum(modelPresets).default('dcgan'),
  /** Size of the noise vector z. */
  latentDim: positiveInt(1024).default(100),
  /** Hidden units (MLP) or base feature maps (DCGAN). */
  width: positiveInt(2048).default(64),
  /** Hidden layers of the MLP presets; ignored by the DCGAN presets, whose depth follows the image size. */
  depth: positiveInt(8).default(2),
  /** Size of the class embedding of the conditional presets. */
  embedDim: positiveInt(256).default(10),
})
export type ModelConfig = z.infer<typeof modelSchema>

export const runConfigSchema = z
  .object({
    name: z.string().max(200).optional(),
    /** A built-in set name, a downloaded set name, or a path to a file or folder. */
    dataset: z.string().min(1).default('digits'),
    /** Side of the square images fed to the networks, in pixels. */
    imageSize: z.union([z.literal(28), z.literal(32), z.literal(64)], { error: 'must be 28, 32 or 64' }).default(28),
    model: modelSchema.default(modelSchema.parse({})),
    optimizerG: optimizerSchema.default(optimizerSchema.parse({})),
    optimizerD: optimizerSchema.default(optimizerSchema.parse({})),
    /** Discriminator updates per iteration. */
    dSteps: positiveInt(100).default(1),
    /** Generator updates per iteration. */
    gSteps: positiveInt(100).default(1),
    /** Two optimizers, or one optimizer with a parameter group for each network. */
    grouping: z.enum(groupings).default('separate'),
    /**
     * alternating: D step on fake.detach(), then G step with a fresh D forward.
     * joint: one forward, lossG.backward({ retainGraph: true }), lossD.backward(), one step().
     */
    scheme: z.enum(schemes).default('alternating'),
    joint: z
      .object({
        /** Keep the graph for the second backward; false shows the error PyTorch raises. */
        retainGraph: z.boolean().default(true),
        /** Step D between the two backward calls; true shows the in-place modification error. */
        stepBetween: z.boolean().default(false),
      })
      .default({ retainGraph: true, stepBetween: false }),
    loss: z.enum(lossTypes).default('bce'),
    /** One-sided label smoothing: real targets become 1 - labelSmoothing. */
    labelSmoothing: z.number().min(0).max(0.5).default(0),
    /** Samples per batch; 0 picks the largest that keeps an iteration within a quarter second (pace.ts). */
    batchSize: z
      .number()
      .int('must be a whole number, or 0 (auto) to let the app pick one')
      .min(0, 'must be 0 (auto) or more')
      .max(4096)
      .default(64),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    /** Training iterations. */
    steps: positiveInt(10_000_000).default(2000),
    /** Iterations between sample grids; 0 picks an interval of about two seconds from the measured speed (pace.ts). */
    sampleEvery: z
      .number()
      .int('must be a whole number of iterations, or 0 (auto) for about one grid every 2 s')
      .min(0, 'must be 0 (auto) or more')
      .max(1_000_000)
      .default(0),
    /** Iterations between checkpoints. */
    checkpointEvery: positiveInt(1_000_000).default(500),
    /** Iterations between evaluations of sample quality (FD, precision and recall, modes covered); 0 turns them off. */
    metricsEvery: z.number().int().min(0).max(1_000_000).default(500),
  })
  .superRefine((config, context) => {
    if (config.grouping === 'grouped' && config.optimizerG.type !== config.optimizerD.type) {
      context.addIssue({
        code: 'custom',
        path: ['grouping'],
        message:
          `one optimizer with two parameter groups needs the same optimizer type for G and D, got ` +
          `${config.optimizerG.type} and ${config.optimizerD.type}; choose one type or use separate optimizers`,
      })
    }
  })

export type RunConfig = z.infer<typeof runConfigSchema>
export type RunConfigInput = z.input<typeof runConfigSchema>

export class ConfigError extends Error {
  constructor(readonly issues: Array<{ path: string; message: string }>) {
    super(`invalid run configuration: ${issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ')}`)
    this.name = 'ConfigError'
  }
}

/** Validates a configuration and fills its defaults, or raises a ConfigError naming each bad field. */
export function parseRunConfig(input: unknown): RunConfig {
  const result = runConfigSchema.safeParse(input ?? {}, { reportInput: true })
  if (result.success) return result.data
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const got = 'input' in issue && issue.input !== undefined && typeof issue.input !== 'object' ? ` (got ${JSON.stringify(issue.input)})` : ''
      return { path: issue.path.join('.'), message: `${issue.message}${got}` }
    }),
  )
}

export const isConditional = (config: RunConfig): boolean => config.model.preset.startsWith('cgan')
