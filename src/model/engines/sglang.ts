// SGLang on an LWS, as in the guide's SGLang example and SGLang's "Deploy on Kubernetes"
// page (https://docs.sglang.io/references/multi_node_deployment/deploy_on_k8s.html):
// every pod runs `sglang.launch_server` with the same `--dist-init-addr` (the leader's
// address), `--nnodes` and its own `--node-rank`; LWS provides all three as env vars.

import type { IIssue } from '../issues';
import { error } from '../issues';
import { parseImageReference } from '../imageReference';
import type { IResolvedSpec } from '../spec';
import { flagValue, intFlagValue } from './commandLine';
import type { ICommandFacts, IEngine, IReservedPort } from './engine';
import {
  SGLANG_FIRST_PIPELINE,
  formatRelease,
  isBefore,
  releaseFromTag
} from './releases';

/** SGLang's default image: the guide's tested tag. */
export const SGLANG_DEFAULT_IMAGE = 'lmsysorg/sglang:v0.5.6.post2';

/**
 * The ports from the dist-init port on that the extension keeps free for SGLang: the torch
 * rendezvous port itself, and the next ones, which `PortArgs.init_new` in
 * python/sglang/srt/server_args.py derives from it (port_base = dist_init_port + 1 ...)
 * only when `--enable-dp-attention` is on; otherwise SGLang picks free ports for its ZMQ
 * sockets. Keeping the span free costs nothing and keeps a user's dp-attention flag safe.
 * The guide's API port 31000 sits below its dist port 31001.
 */
export const SGLANG_DIST_PORT_SPAN = 6;

function sharedArgs(spec: IResolvedSpec): string[] {
  const args = [
    'python3',
    '-m',
    'sglang.launch_server',
    '--model-path',
    spec.model,
    // SGLang's TP counts GPUs across all nodes unless --pipeline-parallel-size splits
    // them into stages; the guide uses --tp 4 --pipeline-parallel-size 2 on 2 x 4 GPUs.
    // `--tp` is only argparse's abbreviation of --tp-size; the full name is the stable one.
    '--tp-size',
    String(spec.tensorParallel)
  ];
  if (spec.pipelineParallel > 1) {
    args.push('--pipeline-parallel-size', String(spec.pipelineParallel));
  }
  args.push(
    '--dist-init-addr',
    `$(LWS_LEADER_ADDRESS):${spec.distPort}`,
    '--nnodes',
    '$(LWS_GROUP_SIZE)',
    '--node-rank',
    '$(LWS_WORKER_INDEX)'
  );
  if (spec.trustRemoteCode) {
    args.push('--trust-remote-code');
  }
  return args;
}

/** The SGLang engine. */
export const SGLANG: IEngine = {
  name: 'sglang',
  // eslint-disable-next-line jupyter/no-untranslated-string -- product name, not a UI string
  label: 'SGLang',
  defaultImage: SGLANG_DEFAULT_IMAGE,
  defaultPort: 31000,
  leaderContainerName: 'sglang-leader',
  workerContainerName: 'sglang-worker',
  generatedFlags: [
    '--model-path',
    '--tp',
    '--tp-size',
    '--tensor-parallel-size',
    '--pp-size',
    '--pipeline-parallel-size',
    '--dist-init-addr',
    '--nnodes',
    '--node-rank',
    '--host',
    '--port'
  ],

  resolveEngineFields(spec, resolved) {
    return { distPort: spec.distPort ?? resolved.port + 1 };
  },

  leaderCommand(spec) {
    // Only the leader (node rank 0) serves HTTP.
    return [
      ...sharedArgs(spec),
      '--host',
      '0.0.0.0',
      '--port',
      String(spec.port),
      // /metrics (Prometheus text) for the deployment detail's live numbers; SGLang serves
      // it only with this flag, and only the leader's HTTP server does.
      '--enable-metrics',
      ...spec.leaderArgs,
      ...spec.engineArgs
    ];
  },

  workerCommand(spec) {
    return [...sharedArgs(spec), ...spec.workerArgs, ...spec.engineArgs];
  },

  reservedPorts(spec): IReservedPort[] {
    const distPort = spec.distPort ?? spec.port + 1;
    return Array.from({ length: SGLANG_DIST_PORT_SPAN }, (_, offset) => ({
      port: distPort + offset,
      purpose:
        offset === 0
          ? 'SGLang --dist-init-addr (torch rendezvous)'
          : `SGLang's ZMQ port with --enable-dp-attention (dist-init port + ${offset})`
    }));
  },

  checkSpec(_spec, resolved): IIssue[] {
    const version = releaseFromTag(parseImageReference(resolved.image)?.tag);
    // An unreadable tag (`latest`, a digest) is most likely a recent release: no finding.
    if (resolved.pipelineParallel <= 1 || version === undefined) {
      return [];
    }
    if (isBefore(version, SGLANG_FIRST_PIPELINE)) {
      return [
        error(
          'sglang-pp-unsupported',
          `SGLang ${formatRelease(version)} has no pipeline parallelism (--pp-size arrived in ` +
            `${formatRelease(SGLANG_FIRST_PIPELINE)}); the pods would exit with "unrecognized arguments". ` +
            'Use an image v0.4.6.post2 or newer, or tensor parallel over all GPUs (pipeline parallel 1).',
          'pipelineParallel',
          {
            tensorParallel: resolved.tensorParallel * resolved.pipelineParallel,
            pipelineParallel: 1
          }
        )
      ];
    }
    return [];
  },

  recognizes(image, words) {
    return words.some(word => word.includes('sglang')) || /sglang/i.test(image);
  },

  readCommand(words): ICommandFacts {
    const facts: ICommandFacts = {};
    const model = flagValue(words, ['--model-path', '--model']);
    if (model !== undefined) {
      facts.model = model;
    }
    const tp = intFlagValue(words, [
      '--tp',
      '--tp-size',
      '--tensor-parallel-size'
    ]);
    if (tp !== undefined) {
      facts.tensorParallel = tp;
    }
    facts.pipelineParallel =
      intFlagValue(words, ['--pp-size', '--pipeline-parallel-size']) ?? 1;
    const port = intFlagValue(words, ['--port']);
    if (port !== undefined) {
      facts.port = port;
    }
    return facts;
  }
};
