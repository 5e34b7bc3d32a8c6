// The command line: `jupyterlab-lws render|plan|check|diagnose|download`. Argument parsing and printing only;
// every rule lives in ./model, shared with the JupyterLab UI. A subcommand is one entry of
// COMMANDS (summary, usage, options, run).

import { readFileSync } from 'fs';
import type {
  IClusterProfile,
  IIssue,
  IModelFacts,
  IResolvedSpec
} from './model';
import {
  BUILTIN_PROFILES,
  GPU_CATALOG,
  MODEL_CATALOG,
  catalogModelFacts,
  findGpu,
  findProfile,
  formatGB,
  hasErrors,
  inspectSpec,
  listManifests,
  manifestsOf,
  manifestsToYaml,
  modelFactsFromConfig,
  parseSpec,
  planParallelism
} from './model';
import { diagnose } from './model/diagnose';
import type { IDownloadRequest } from './model/download';
import {
  buildDownloadJob,
  downloadTarget,
  validateDownload
} from './model/download';
import { parseDiagnoseInput } from './model/diagnoseInput';

/** Where the CLI reads and writes: the process by default, buffers in tests. */
export interface ICliIo {
  readFile(path: string): string;
  readStdin(): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Parsed command-line arguments of one subcommand. */
export interface IParsedArgs {
  positionals: string[];
  /** A `list` option's values in order; a `value` option's last value; `true` for a flag. */
  options: Record<string, string | true | string[]>;
}

/** One subcommand. */
export interface ICommand {
  summary: string;
  usage: string;
  /** Option names (without `--`) and whether each takes a value (`list`: repeatable). */
  options: Record<string, OptionKind>;
  run(args: IParsedArgs, io: ICliIo): Promise<number>;
}

/** A flag, an option with one value, or a repeatable option. */
export type OptionKind = 'flag' | 'value' | 'list';

/** Exit code for a bad invocation (unknown option, missing argument). */
export const EXIT_USAGE = 2;

/** Exit code for input the model rejects (invalid spec, unknown model). */
export const EXIT_INVALID = 1;

class UsageError extends Error {}

const PROFILE_HELP = `--profile ID   cluster profile for defaults: ${BUILTIN_PROFILES.map(profile => profile.id).join(', ')} (default ${BUILTIN_PROFILES[0].id})`;

/** The subcommands, by name. */
export const COMMANDS: Record<string, ICommand> = {
  render: {
    summary: 'print the manifests of a spec as multi-document YAML',
    usage: `render SPEC [--profile ID] [--namespace NS]
  SPEC           spec file (YAML or JSON), or - for standard input
  ${PROFILE_HELP}
  --namespace NS set metadata.namespace on every object
Exits 1 and prints the problems when the spec has errors; warnings go to stderr.`,
    options: { profile: 'value', namespace: 'value' },
    async run(args, io) {
      const loaded = await loadSpec(args, io);
      if (!loaded) {
        return EXIT_INVALID;
      }
      const { issues, resolved } = loaded;
      if (hasErrors(issues) || !resolved) {
        io.stderr(formatIssues(issues));
        return EXIT_INVALID;
      }
      if (issues.length > 0) {
        io.stderr(formatIssues(issues));
      }
      const namespace = args.options.namespace;
      // The spec validation resolved: rendered as checked, without resolving again.
      const manifests = manifestsOf(resolved, {
        ...(typeof namespace === 'string' ? { namespace } : {})
      });
      io.stdout(manifestsToYaml(listManifests(manifests)));
      return 0;
    }
  },

  plan: {
    summary: 'recommend nodes, tensor and pipeline parallelism for a model',
    usage: `plan --model ID --gpu TYPE --gpus-per-node N [--json]
  --model ID           Hugging Face id (catalog: ${MODEL_CATALOG.map(model => model.id).join(', ')})
  --config FILE        the model's config.json, for models not in the catalog
  --params B           parameter count in billions (overrides the estimate from --config)
  --gpu TYPE           GPU type (${GPU_CATALOG.map(gpu => gpu.type).join(', ')})
  --gpu-memory-gb GB   memory per GPU, for a GPU type not in the catalog
  --gpus-per-node N    GPUs in each node
  --kv-tokens N        KV cache to leave room for, in tokens (default 32768)
  --json               print {nodes, gpusPerNode, tensorParallel, pipelineParallel, warnings}`,
    options: {
      model: 'value',
      config: 'value',
      params: 'value',
      gpu: 'value',
      'gpu-memory-gb': 'value',
      'gpus-per-node': 'value',
      'kv-tokens': 'value',
      json: 'flag'
    },
    async run(args, io) {
      const options = args.options;
      const modelId = requireValue(options, 'model');
      const gpuType = requireValue(options, 'gpu');
      const gpusPerNode = positiveInteger(options, 'gpus-per-node');
      const kvCacheTokens =
        options['kv-tokens'] === undefined
          ? undefined
          : positiveInteger(options, 'kv-tokens');
      const model = await modelForPlan(modelId, options, io);
      if (!model) {
        return EXIT_INVALID;
      }
      const memoryOption = options['gpu-memory-gb'];
      const gpu =
        typeof memoryOption === 'string'
          ? {
              type: gpuType,
              memoryGB: positiveNumber(memoryOption, 'gpu-memory-gb'),
              source: 'command line'
            }
          : findGpu(gpuType);
      if (!gpu) {
        io.stderr(
          `Unknown GPU type "${gpuType}". Known: ${GPU_CATALOG.map(entry => entry.type).join(', ')}; ` +
            'or give its memory with --gpu-memory-gb.\n'
        );
        return EXIT_INVALID;
      }
      const plan = planParallelism({ model, gpu, gpusPerNode, kvCacheTokens });
      if (options.json === true) {
        io.stdout(
          `${JSON.stringify(
            {
              nodes: plan.nodes,
              gpusPerNode: plan.gpusPerNode,
              tensorParallel: plan.tensorParallel,
              pipelineParallel: plan.pipelineParallel,
              warnings: plan.warnings.map(({ id, message }) => ({
                id,
                message
              }))
            },
            null,
            2
          )}\n`
        );
      } else {
        const memory = plan.memory;
        io.stdout(
          `Plan for ${model.id} on nodes of ${gpusPerNode} x ${gpu.type} (${gpu.memoryGB} GB each):\n` +
            `  nodes:             ${plan.nodes}\n` +
            `  GPUs per node:     ${plan.gpusPerNode}\n` +
            `  tensor parallel:   ${plan.tensorParallel}\n` +
            `  pipeline parallel: ${plan.pipelineParallel}\n` +
            `  memory:            ${formatGB(memory.weightGB)} weights + ${formatGB(memory.kvCacheGB)} KV cache ` +
            `= ${formatGB(memory.requiredGB)} of ${formatGB(memory.usableGB)} usable on ${plan.totalGpus} GPU(s)\n`
        );
        if (plan.warnings.length > 0) {
          io.stdout(formatIssues(plan.warnings));
        }
      }
      return plan.fits ? 0 : EXIT_INVALID;
    }
  },

  check: {
    summary: "validate a spec against the guide's rules",
    usage: `check SPEC [--profile ID] [--json]
  SPEC           spec file (YAML or JSON), or - for standard input
  ${PROFILE_HELP}
  --json         print [{id, severity, message}]
Exits 1 when the spec has errors, 0 when it only has warnings.`,
    options: { profile: 'value', json: 'flag' },
    async run(args, io) {
      const loaded = await loadSpec(args, io, true);
      if (!loaded) {
        return EXIT_INVALID;
      }
      const issues = loaded.issues;
      if (args.options.json === true) {
        io.stdout(
          `${JSON.stringify(
            issues.map(({ id, severity, message }) => ({
              id,
              severity,
              message
            })),
            null,
            2
          )}\n`
        );
      } else {
        io.stdout(
          issues.length === 0 ? 'No problems found.\n' : formatIssues(issues)
        );
      }
      return hasErrors(issues) ? EXIT_INVALID : 0;
    }
  },

  download: {
    summary:
      "print the Job that downloads a model into the profile's model volume",
    usage: `download MODEL [--revision R] [--include GLOB]... [--exclude GLOB]... [--token-secret NAME] [--profile ID] [--namespace NS]
  MODEL               Hugging Face model id, e.g. meta-llama/Llama-3.3-70B-Instruct
  --revision R        branch, tag or commit (default main)
  --include GLOB      download only matching files (repeatable), e.g. "*.safetensors"
  --exclude GLOB      skip matching files (repeatable), e.g. "original/*"
  --token-secret NAME Secret whose key "token" holds the HF token (gated models)
  ${PROFILE_HELP}
  --namespace NS      set metadata.namespace
The Job writes <HF_HOME>/hub/models--org--name on the profile's PVC (HF_HOME = its mount
path), where deployments with the same HF_HOME find the model. Exits 1 on invalid input.`,
    options: {
      revision: 'value',
      include: 'list',
      exclude: 'list',
      'token-secret': 'value',
      profile: 'value',
      namespace: 'value'
    },
    async run(args, io) {
      if (args.positionals.length !== 1) {
        throw new UsageError('Give exactly one MODEL id.');
      }
      const options = args.options;
      const profile = profileOption(options);
      const text = (name: string) =>
        typeof options[name] === 'string'
          ? (options[name] as string)
          : undefined;
      const list = (name: string) =>
        Array.isArray(options[name]) ? (options[name] as string[]) : [];
      const request: IDownloadRequest = {
        repo: args.positionals[0],
        include: list('include'),
        exclude: list('exclude')
      };
      const revision = text('revision');
      if (revision !== undefined) {
        request.revision = revision;
      }
      const tokenSecret = text('token-secret');
      if (tokenSecret !== undefined) {
        request.tokenSecret = tokenSecret;
      }
      const target = downloadTarget(profile);
      const issues = validateDownload(request, target);
      if (hasErrors(issues)) {
        io.stderr(formatIssues(issues));
        return EXIT_INVALID;
      }
      const namespace = text('namespace');
      const job = buildDownloadJob(
        request,
        target,
        namespace !== undefined ? { namespace } : {}
      );
      io.stdout(manifestsToYaml([job]));
      return 0;
    }
  },

  diagnose: {
    summary: 'explain known failures in engine logs and Kubernetes events',
    usage: `diagnose [FILE...]
  FILE           log text and/or events as "Reason: message" lines (kubectl describe
                 and kubectl get events output too); - or none for standard input.
                 Several FILEs are the logs of the pods of one group: the pod (file)
                 whose error came first is named, and its findings come first.
Prints [{id, title, cause, fix, evidence, pod?, first?, context?}]; when nothing known
matches, the first error line of the logs as id "unknown-error" with its context, or [].`,
    options: {},
    async run(args, io) {
      const paths = args.positionals.length > 0 ? args.positionals : ['-'];
      const inputs: { path: string; text: string }[] = [];
      for (const path of paths) {
        try {
          inputs.push({ path, text: await readInput(path, io) });
        } catch (caught) {
          io.stderr(`Cannot read ${path}: ${(caught as Error).message}\n`);
          return EXIT_INVALID;
        }
      }
      const parsed = inputs.map(input => ({
        path: input.path,
        ...parseDiagnoseInput(input.text)
      }));
      // Text handed to diagnose comes from a deployment that fails.
      const found =
        parsed.length === 1
          ? diagnose({ ...parsed[0], failing: true })
          : diagnose({
              events: parsed.flatMap(input => input.events),
              pods: parsed.map(input => ({
                name: input.path,
                logs: input.logs
              })),
              failing: true
            });
      io.stdout(
        `${JSON.stringify(
          found.map(
            ({ id, title, cause, fix, evidence, pod, first, context }) => ({
              id,
              title,
              cause,
              fix,
              evidence,
              ...(pod !== undefined ? { pod } : {}),
              ...(first ? { first } : {}),
              ...(context ? { context } : {})
            })
          ),
          null,
          2
        )}\n`
      );
      return 0;
    }
  }
};

/** Runs the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function main(
  argv: readonly string[],
  io: ICliIo = processIo()
): Promise<number> {
  const [name, ...rest] = argv;
  if (
    name === undefined ||
    name === '--help' ||
    name === '-h' ||
    name === 'help'
  ) {
    const write = name === undefined ? io.stderr : io.stdout;
    write(usage());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name)
    ? COMMANDS[name]
    : undefined;
  if (!command) {
    io.stderr(`Unknown command "${name}".\n\n${usage()}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`Usage: jupyterlab-lws ${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(parseArgs(rest, command.options), io);
  } catch (caught) {
    if (caught instanceof UsageError) {
      io.stderr(
        `${caught.message}\n\nUsage: jupyterlab-lws ${command.usage}\n`
      );
      return EXIT_USAGE;
    }
    throw caught;
  }
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(
    ([name, command]) => `  ${name.padEnd(8)} ${command.summary}`
  );
  return (
    'Usage: jupyterlab-lws <command> [options]\n\nCommands:\n' +
    `${lines.join('\n')}\n\nRun "jupyterlab-lws <command> --help" for its options.\n`
  );
}

/** `--name value`, `--name=value`, `--flag`, positionals; `--` ends the options. */
export function parseArgs(
  argv: readonly string[],
  known: Record<string, OptionKind>
): IParsedArgs {
  const parsed: IParsedArgs = { positionals: [], options: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      parsed.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      parsed.positionals.push(arg);
      continue;
    }
    const [name, inline] = splitOnce(arg.slice(2), '=');
    const kind = known[name];
    if (kind === undefined) {
      throw new UsageError(`Unknown option --${name}.`);
    }
    if (kind === 'flag') {
      if (inline !== undefined) {
        throw new UsageError(`--${name} takes no value.`);
      }
      parsed.options[name] = true;
    } else {
      if (inline === undefined && i + 1 >= argv.length) {
        throw new UsageError(`--${name} needs a value.`);
      }
      const value = inline ?? argv[++i];
      const previous = parsed.options[name];
      parsed.options[name] =
        kind === 'list'
          ? [...(Array.isArray(previous) ? previous : []), value]
          : value;
    }
  }
  return parsed;
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}

function requireValue(options: IParsedArgs['options'], name: string): string {
  const value = options[name];
  if (typeof value !== 'string' || value === '') {
    throw new UsageError(`--${name} is required.`);
  }
  return value;
}

function positiveInteger(
  options: IParsedArgs['options'],
  name: string
): number {
  const value = requireValue(options, name);
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new UsageError(`--${name} must be a whole number of at least 1.`);
  }
  return Number(value);
}

function positiveNumber(value: string, name: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new UsageError(`--${name} must be a positive number.`);
  }
  return number;
}

function readInput(path: string, io: ICliIo): Promise<string> {
  return path === '-'
    ? io.readStdin()
    : Promise.resolve().then(() => io.readFile(path));
}

async function loadSpec(
  args: IParsedArgs,
  io: ICliIo,
  keepInvalid = false
): Promise<{ issues: IIssue[]; resolved?: IResolvedSpec } | undefined> {
  if (args.positionals.length !== 1) {
    throw new UsageError(
      'Give exactly one SPEC file (or - for standard input).'
    );
  }
  const profile = profileOption(args.options);
  const path = args.positionals[0];
  let text: string;
  try {
    text = await readInput(path, io);
  } catch (caught) {
    io.stderr(`Cannot read ${path}: ${(caught as Error).message}\n`);
    return undefined;
  }
  const parsed = parseSpec(text);
  if (!parsed.spec) {
    if (keepInvalid) {
      return { issues: parsed.issues };
    }
    io.stderr(formatIssues(parsed.issues));
    return undefined;
  }
  const inspection = inspectSpec(parsed.spec, profile);
  return {
    issues: [...parsed.issues, ...inspection.issues],
    ...(inspection.resolved ? { resolved: inspection.resolved } : {})
  };
}

function profileOption(options: IParsedArgs['options']): IClusterProfile {
  const profileId = options.profile;
  const profile =
    typeof profileId === 'string'
      ? findProfile(profileId)
      : BUILTIN_PROFILES[0];
  if (!profile) {
    throw new UsageError(
      `Unknown profile "${String(profileId)}"; known: ${BUILTIN_PROFILES.map(entry => entry.id).join(', ')}.`
    );
  }
  return profile;
}

async function modelForPlan(
  id: string,
  options: IParsedArgs['options'],
  io: ICliIo
): Promise<IModelFacts | undefined> {
  const params =
    typeof options.params === 'string'
      ? positiveNumber(options.params, 'params')
      : undefined;
  const configPath = options.config;
  if (typeof configPath === 'string') {
    let config: unknown;
    try {
      config = JSON.parse(await readInput(configPath, io));
    } catch (caught) {
      io.stderr(
        `Cannot read ${configPath} as JSON: ${(caught as Error).message}\n`
      );
      return undefined;
    }
    const { facts, missing } = modelFactsFromConfig(
      (config ?? {}) as Record<string, unknown>,
      { id, ...(params !== undefined ? { parametersB: params } : {}) }
    );
    if (!facts) {
      io.stderr(
        `${configPath} lacks ${missing.join(', ')}; add them or pass --params.\n`
      );
      return undefined;
    }
    return facts;
  }
  const known = catalogModelFacts(id, params);
  if (!known) {
    io.stderr(
      `Model "${id}" is not in the catalog (${MODEL_CATALOG.map(model => model.id).join(', ')}). ` +
        'Pass its config.json with --config (and --params if you know the parameter count).\n'
    );
    return undefined;
  }
  return known;
}

/** Issues as text, errors first: `error [id] field: message`. */
export function formatIssues(issues: readonly IIssue[]): string {
  const ordered = [
    ...issues.filter(issue => issue.severity === 'error'),
    ...issues.filter(issue => issue.severity === 'warning')
  ];
  return ordered
    .map(
      issue =>
        `${issue.severity} [${issue.id}]${issue.field ? ` ${issue.field}` : ''}: ${issue.message}\n`
    )
    .join('');
}

function processIo(): ICliIo {
  return {
    readFile: path => readFileSync(path, 'utf8'),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) {
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      }
      return Buffer.concat(chunks).toString('utf8');
    },
    stdout: text => {
      process.stdout.write(text);
    },
    stderr: text => {
      process.stderr.write(text);
    }
  };
}
