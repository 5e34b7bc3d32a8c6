// SGLang on an LWS, as in the guide's SGLang example and SGLang's "Deploy on Kubernetes"
// page (https://docs.sglang.io/references/multi_node_deployment/deploy_on_k8s.html):
// every pod runs `sglang.launch_server` with the same `--dist-init-addr` (the leader's
// address), `--nnodes` and its own `--node-rank`; LWS provides all three as env vars.

import type { IResolvedSpec } from '../spec';
import { flagValue, intFlagValue } from './commandLine';
import type { ICommandFacts, IEngine, IReservedPort } from './engine';

/** SGLang's default image: the guide's tested tag. */
export const SGLANG_DEFAULT_IMAGE = 'lmsysorg/sglang:v0.5.6.post2';

/**
 * How many ports from the dist-init port on SGLang binds in multi-node mode: the torch
 * rendezvous port itself, then the ZMQ ports it derives from it (tokenizer, detokenizer,
 * RPC, metrics, scheduler input: port_base = dist_init_port + 1 ... + 4), see
 * `PortArgs.init_new` in python/sglang/srt/server_args.py. The guide's API port 31000
 * sits below its dist port 31001 for this reason.
 */
export const SGLANG_DIST_PORT_SPAN = 6;

function sharedArgs(spec: IResolvedSpec): string[] {
  const args = [
    'python3',
    '-m',
    'sglang.launch_server',
    '--model-path',
    spec.model,
    // SGLang's --tp counts GPUs across all nodes unless --pipeline-parallel-size splits
    // them into stages; the guide uses --tp 4 --pipeline-parallel-size 2 on 2 x 4 GPUs.
    '--tp',
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
          : `SGLang's internal ZMQ port (dist-init port + ${offset})`
    }));
  },

  checkSpec() {
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
