// vLLM on an LWS, in the two ways vLLM has supported over time:
// - Ray (images up to v0.11.0, and by choice later): `multi-node-serving.sh` starts a Ray
//   head on the leader, which waits for `--ray_cluster_size` nodes, then the API server;
//   workers join the head and block. This is the guide's vLLM example and LWS's own
//   (https://docs.vllm.ai/en/stable/deployment/frameworks/lws/). From v0.11.1 vLLM no
//   longer picks Ray by itself, so the leader always passes `--distributed-executor-backend
//   ray` (the flag exists in every supported release, see releases.ts).
// - Native (v0.11.1 and later, vllm#23691): `vllm serve --nnodes --node-rank --master-addr`
//   on every pod, `--headless` on the workers. It must be `vllm serve`: the
//   `python -m vllm.entrypoints.openai.api_server` entry point ignores `--headless` and
//   the workers fail (vllm#33910; PR #36875 was closed unmerged).

import type { IIssue } from '../issues';
import { error, warning } from '../issues';
import type { IDeploymentSpec, IResolvedSpec } from '../spec';
import { parseImageReference } from '../imageReference';
import { flagValue, intFlagValue, shellQuote } from './commandLine';
import { shown } from '../shownText';
import type { ICommandFacts, IEngine, IReservedPort } from './engine';
import type { IRelease } from './releases';
import {
  VLLM_FIRST_NATIVE,
  VLLM_FIRST_WITHOUT_RAY,
  VLLM_RAY_MULTINODE_FIXED,
  formatRelease,
  isBefore,
  releaseFromTag
} from './releases';

/** vLLM's default image: the guide's tested tag (Ray mode). */
export const VLLM_DEFAULT_IMAGE = 'vllm/vllm-openai:v0.10.2';

/**
 * Where vLLM images keep the Ray bootstrap script: the Dockerfile copies `examples/` to
 * /vllm-workspace, and the script moved from `online_serving/` to `ray_serving/` (the
 * release of the move is unknown), so the command takes whichever the image has. Both
 * versions take the same `leader --ray_cluster_size=` / `worker --ray_address=` arguments
 * (vllm-project/vllm examples/ray_serving/multi-node-serving.sh at 75162ed, whose usage
 * line also passes `--distributed-executor-backend ray`).
 */
export const RAY_BOOTSTRAP_SCRIPTS = [
  '/vllm-workspace/examples/online_serving/multi-node-serving.sh',
  '/vllm-workspace/examples/ray_serving/multi-node-serving.sh'
] as const;

/** vLLM's default `--master-port` (ParallelConfig.master_port). */
export const VLLM_DEFAULT_MASTER_PORT = 29501;

/** A vLLM release number read from an image tag. */
export type IVllmVersion = IRelease;

/** The release in an image tag such as `v0.10.2` or `0.12.0-cu128`, or undefined. */
export function vllmVersionFromImage(image: string): IVllmVersion | undefined {
  return releaseFromTag(parseImageReference(image)?.tag);
}

/** The start mode for a requested mode and image, and how it was chosen. */
export interface IVllmModeChoice {
  mode: 'ray' | 'native';
  /** `explicit`: the spec said so; `tag`: read from the tag; `guessed`: tag unreadable. */
  chosenBy: 'explicit' | 'tag' | 'guessed';
  version?: IVllmVersion;
}

/** Ray for images up to v0.11.0, native from v0.11.1 and (with a warning) for unknown tags. */
export function chooseVllmMode(
  requested: IDeploymentSpec['vllmMode'],
  image: string
): IVllmModeChoice {
  const version = vllmVersionFromImage(image);
  const choice: IVllmModeChoice =
    requested === 'ray' || requested === 'native'
      ? { mode: requested, chosenBy: 'explicit' }
      : version
        ? {
            mode: isBefore(version, VLLM_FIRST_NATIVE) ? 'ray' : 'native',
            chosenBy: 'tag'
          }
        : { mode: 'native', chosenBy: 'guessed' };
  if (version) {
    choice.version = version;
  }
  return choice;
}

/** Shell that sets $SCRIPT to the first bootstrap script the image has. */
function findBootstrapScript(): string {
  const [first, ...others] = RAY_BOOTSTRAP_SCRIPTS;
  return [
    `SCRIPT=${first}`,
    ...others.map(path => `[ -f "$SCRIPT" ] || SCRIPT=${path}`)
  ].join('; ');
}

function rayLeaderCommand(spec: IResolvedSpec): string[] {
  // The guide's command (including its --pipeline_parallel_size) with two documented
  // changes: the script is found where the image has it, and the Ray backend is named
  // (v0.11.1+ would otherwise stop: "Tensor parallel size (N) cannot be larger than the
  // number of available GPUs"). Extra args are appended, shell-quoted.
  const serverArgs = [
    '--port',
    String(spec.port),
    '--model',
    spec.model,
    '--tensor-parallel-size',
    String(spec.tensorParallel),
    '--pipeline_parallel_size',
    String(spec.pipelineParallel),
    '--distributed-executor-backend',
    'ray',
    ...(spec.trustRemoteCode ? ['--trust-remote-code'] : []),
    ...spec.leaderArgs,
    ...spec.engineArgs
  ];
  return [
    'sh',
    '-c',
    `${findBootstrapScript()}; bash "$SCRIPT" leader --ray_cluster_size=$(LWS_GROUP_SIZE); ` +
      `python3 -m vllm.entrypoints.openai.api_server ${serverArgs.map(shellQuote).join(' ')}`
  ];
}

function rayWorkerCommand(): string[] {
  return [
    'sh',
    '-c',
    `${findBootstrapScript()}; bash "$SCRIPT" worker --ray_address=$(LWS_LEADER_ADDRESS)`
  ];
}

function nativeCommand(spec: IResolvedSpec, role: 'leader' | 'worker') {
  // The flags of vLLM's LWS page for the mp executor; LWS provides size, rank, leader.
  return [
    'vllm',
    'serve',
    spec.model,
    '--tensor-parallel-size',
    String(spec.tensorParallel),
    '--pipeline-parallel-size',
    String(spec.pipelineParallel),
    '--nnodes',
    '$(LWS_GROUP_SIZE)',
    '--node-rank',
    '$(LWS_WORKER_INDEX)',
    '--master-addr',
    '$(LWS_LEADER_ADDRESS)',
    '--master-port',
    String(spec.distPort ?? VLLM_DEFAULT_MASTER_PORT),
    '--port',
    String(spec.port),
    ...(role === 'worker' ? ['--headless'] : []),
    ...(spec.trustRemoteCode ? ['--trust-remote-code'] : []),
    ...(role === 'leader' ? spec.leaderArgs : spec.workerArgs),
    ...spec.engineArgs
  ];
}

/** The vLLM engine. */
export const VLLM: IEngine = {
  name: 'vllm',
  // eslint-disable-next-line jupyter/no-untranslated-string -- product name, not a UI string
  label: 'vLLM',
  defaultImage: VLLM_DEFAULT_IMAGE,
  defaultPort: 8080,
  leaderContainerName: 'vllm-leader',
  workerContainerName: 'vllm-worker',
  generatedFlags: [
    '--model',
    '--port',
    '--tensor-parallel-size',
    '--tensor_parallel_size',
    '-tp',
    '--pipeline-parallel-size',
    '--pipeline_parallel_size',
    '-pp',
    '--nnodes',
    '--node-rank',
    '--master-addr',
    '--master-port',
    '--headless'
  ],

  resolveEngineFields(spec, resolved) {
    const mode = chooseVllmMode(spec.vllmMode, resolved.image).mode;
    return mode === 'native'
      ? {
          vllmMode: mode,
          distPort: spec.distPort ?? VLLM_DEFAULT_MASTER_PORT
        }
      : { vllmMode: mode };
  },

  leaderCommand(spec) {
    return spec.vllmMode === 'ray'
      ? rayLeaderCommand(spec)
      : nativeCommand(spec, 'leader');
  },

  workerCommand(spec) {
    return spec.vllmMode === 'ray'
      ? rayWorkerCommand()
      : nativeCommand(spec, 'worker');
  },

  reservedPorts(spec): IReservedPort[] {
    if (spec.vllmMode === 'ray') {
      // multi-node-serving.sh starts `ray start --head --port=6379`; a Ray head also
      // listens on its dashboard, client server and dashboard agent default ports.
      return [
        { port: 6379, purpose: 'the Ray head (multi-node-serving.sh)' },
        { port: 8265, purpose: 'the Ray dashboard' },
        { port: 10001, purpose: 'the Ray client server' },
        { port: 52365, purpose: 'the Ray dashboard agent' }
      ];
    }
    return [
      {
        port: spec.distPort ?? VLLM_DEFAULT_MASTER_PORT,
        purpose: 'vLLM --master-port (torch rendezvous)'
      }
    ];
  },

  checkSpec(spec, resolved): IIssue[] {
    const issues: IIssue[] = [];
    const requested = spec.vllmMode;
    if (
      requested !== undefined &&
      requested !== 'auto' &&
      requested !== 'ray' &&
      requested !== 'native'
    ) {
      issues.push(
        error(
          'invalid-vllm-mode',
          `vllmMode ${shown(requested)} is not one of auto, ray, native.`,
          'vllmMode',
          { vllmMode: 'auto' }
        )
      );
      return issues;
    }
    const choice = chooseVllmMode(requested, resolved.image);
    if (choice.chosenBy === 'guessed') {
      issues.push(
        warning(
          'vllm-mode-guessed',
          `The image tag of ${shown(resolved.image)} shows no vLLM release, so the start mode is a guess: native ` +
            '(vllm serve --nnodes/--headless, vLLM v0.11.1 and later). Images up to v0.11.0 need Ray mode ' +
            '(multi-node-serving.sh). Pin a release tag, or set vllmMode: ray or native.',
          'vllmMode'
        )
      );
    }
    if (
      choice.chosenBy === 'explicit' &&
      choice.mode === 'native' &&
      choice.version &&
      isBefore(choice.version, VLLM_FIRST_NATIVE)
    ) {
      issues.push(
        error(
          'vllm-native-unsupported',
          `vLLM ${formatRelease(choice.version)} has no native multi-node start (--nnodes, --node-rank, ` +
            '--headless arrived in v0.11.1); the pods would exit with "unrecognized arguments". ' +
            'Use vllmMode: ray (or auto), or an image v0.11.1 or newer.',
          'vllmMode',
          { vllmMode: 'auto' }
        )
      );
    }
    if (
      choice.mode === 'ray' &&
      choice.version &&
      !isBefore(choice.version, VLLM_FIRST_WITHOUT_RAY)
    ) {
      issues.push(
        warning(
          'vllm-ray-unavailable',
          `vLLM ${formatRelease(choice.version)} no longer installs Ray by default (vllm#36170), so ` +
            'Ray mode (multi-node-serving.sh, which runs `ray start`) may fail in this image. ' +
            'Prefer vllmMode: native (or auto), or an image you know has Ray.',
          'vllmMode',
          { vllmMode: 'auto' }
        )
      );
    }
    if (
      choice.mode === 'ray' &&
      resolved.nodes > 1 &&
      choice.version &&
      !isBefore(choice.version, VLLM_FIRST_NATIVE) &&
      isBefore(choice.version, VLLM_RAY_MULTINODE_FIXED)
    ) {
      issues.push(
        warning(
          'vllm-ray-local-world-size',
          `vLLM ${formatRelease(choice.version)} with the Ray backend across pods may stop at start with ` +
            '"local_world_size (N) must be less than or equal to the number of visible devices (M)" ' +
            '(vllm#28997, fixed by vllm#28873 in v0.12.0). Use vllmMode: native (or auto) with this image, or ' +
            `Ray mode with vLLM ${formatRelease(VLLM_RAY_MULTINODE_FIXED)} or newer.`,
          'vllmMode',
          { vllmMode: 'auto' }
        )
      );
    }
    if (choice.mode === 'ray' && resolved.workerArgs.length > 0) {
      issues.push(
        warning(
          'worker-args-ignored',
          'In Ray mode the workers only join the Ray cluster; the leader passes engine arguments to ' +
            'all of them. workerArgs are ignored: move them to engineArgs or leaderArgs.',
          'workerArgs'
        )
      );
    }
    return issues;
  },

  recognizes(image, words) {
    return words.some(word => word.includes('vllm')) || /vllm/i.test(image);
  },

  readCommand(words): ICommandFacts {
    const facts: ICommandFacts = {};
    const serve = words.indexOf('serve');
    const positionalModel =
      serve > 0 &&
      words[serve - 1].endsWith('vllm') &&
      serve + 1 < words.length &&
      !words[serve + 1].startsWith('-')
        ? words[serve + 1]
        : undefined;
    const model = positionalModel ?? flagValue(words, ['--model']);
    if (model !== undefined) {
      facts.model = model;
    }
    const tp = intFlagValue(words, [
      '--tensor-parallel-size',
      '--tensor_parallel_size',
      '-tp'
    ]);
    if (tp !== undefined) {
      facts.tensorParallel = tp;
    }
    facts.pipelineParallel =
      intFlagValue(words, [
        '--pipeline-parallel-size',
        '--pipeline_parallel_size',
        '-pp'
      ]) ?? 1;
    const port = intFlagValue(words, ['--port']);
    if (port !== undefined) {
      facts.port = port;
    }
    return facts;
  }
};
