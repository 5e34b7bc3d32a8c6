import * as fs from 'fs';
import * as path from 'path';

import type { IDiagnosisSpec } from '../diagnose';
import { RULES, UNKNOWN_ERROR, diagnose } from '../diagnose';
import { parseDiagnoseInput } from '../diagnoseInput';

// Each corpus file starts with "# key: value" lines (source, note, expect, spec, progress)
// followed by real log or event lines; SOURCES.md lists them all.
type CorpusFile = {
  file: string;
  source: string;
  expect: string[];
  spec: IDiagnosisSpec;
  body: string;
};

const CORPUS = path.join(__dirname, 'corpus');
const HEADER = /^# (source|note|expect|spec|progress): (.*)$/;

function readCorpus(): CorpusFile[] {
  return fs
    .readdirSync(CORPUS)
    .filter(file => file !== 'SOURCES.md')
    .sort()
    .map(file => {
      const lines = fs
        .readFileSync(path.join(CORPUS, file), 'utf8')
        .split('\n');
      const header: Record<string, string> = {};
      let start = 0;
      for (; start < lines.length; start++) {
        const match = HEADER.exec(lines[start]);
        if (!match) {
          break;
        }
        header[match[1]] = match[2];
      }
      return {
        file,
        source: header.source ?? '',
        expect:
          header.expect === 'none'
            ? []
            : (header.expect ?? '').split(/,\s*/).filter(Boolean),
        spec: header.spec ? JSON.parse(header.spec) : {},
        body: lines.slice(start).join('\n')
      };
    });
}

const corpus = readCorpus();

// As the CLI reads them: text given to diagnose comes from something that failed, so a
// healthy transcript must not raise even the first-error fallback.
function diagnoseText(text: string, spec: IDiagnosisSpec = {}) {
  return diagnose({ ...parseDiagnoseInput(text), spec, failing: true });
}

function ids(text: string, spec: IDiagnosisSpec = {}): string[] {
  return diagnoseText(text, spec).map(found => found.id);
}

describe('diagnose on the corpus of real transcripts', () => {
  it.each(corpus.map(entry => [entry.file, entry]))(
    '%s yields exactly its expected diagnoses',
    (_file, entry) => {
      const found = diagnoseText(entry.body, entry.spec);
      expect(found.map(diagnosis => diagnosis.id).sort()).toEqual(
        [...entry.expect].sort()
      );
      const input = parseDiagnoseInput(entry.body);
      const quotable = [
        ...input.events.map(event => `${event.reason}: ${event.message}`),
        ...input.logs.split(/\r\n|\r|\n/).map(line => line.trimEnd())
      ];
      for (const diagnosis of found) {
        expect(quotable).toContain(diagnosis.evidence);
      }
    }
  );

  it('cites a source for every corpus file', () => {
    const sourcesMd = fs.readFileSync(path.join(CORPUS, 'SOURCES.md'), 'utf8');
    for (const entry of corpus) {
      expect(entry.source).not.toBe('');
      expect(sourcesMd).toContain(entry.file);
    }
  });

  it('answers first with the expected finding on at least 95% of the failures, and raises nothing on healthy transcripts', () => {
    const failures = corpus.filter(entry => entry.expect.length > 0);
    const firstRight = failures.filter(entry => {
      const [first] = diagnoseText(entry.body, entry.spec);
      return first !== undefined && entry.expect.includes(first.id);
    });
    expect(firstRight.length / failures.length).toBeGreaterThanOrEqual(0.95);
    const healthy = corpus.filter(entry => entry.expect.length === 0);
    expect(corpus.length).toBeGreaterThanOrEqual(150);
    expect(healthy.length).toBeGreaterThanOrEqual(30);
    for (const entry of healthy) {
      expect([entry.file, diagnoseText(entry.body, entry.spec)]).toEqual([
        entry.file,
        []
      ]);
    }
  });

  it('has at least five real excerpts for every rule and healthy transcripts of each engine and of NCCL over RDMA', () => {
    // Real: cited by a web address; the few built from source strings do not count.
    const real = corpus.filter(entry => /^https?:\/\//.test(entry.source));
    for (const id of [...RULES.map(rule => rule.id), UNKNOWN_ERROR]) {
      const count = real.filter(entry => entry.expect.includes(id)).length;
      expect([id, count >= 5]).toEqual([id, true]);
    }
    const healthy = corpus
      .filter(entry => entry.expect.length === 0)
      .map(entry => entry.file);
    expect(healthy.some(file => file.includes('vllm'))).toBe(true);
    expect(healthy.some(file => file.includes('sglang'))).toBe(true);
    expect(healthy.some(file => file.includes('nccl'))).toBe(true);
  });
});

describe('diagnose', () => {
  it('covers the failure modes the sidebar promises', () => {
    const required = [
      'insufficient-gpu',
      'insufficient-rdma',
      'image-pull',
      'hf-auth',
      'model-not-found',
      'gpu-oom',
      'host-oom',
      'shm-too-small',
      'heads-not-divisible',
      'nccl-no-ib',
      'dns-resolution',
      'nccl-timeout',
      'ray-cluster-not-ready',
      'crash-loop'
    ];
    const ruleIds = RULES.map(rule => rule.id);
    expect(ruleIds).toEqual(expect.arrayContaining(required));
    expect(new Set(ruleIds).size).toBe(ruleIds.length);
  });

  it('reads the node counts from the scheduler message and the GPUs per pod from the spec', () => {
    // Format of kubernetes pkg/scheduler/framework/types.go (FitError.Error) with the
    // DefaultPreemption post-filter message, as in the brief.
    const [found] = diagnose({
      events: [
        {
          reason: 'FailedScheduling',
          message:
            '0/4 nodes are available: 4 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.'
        }
      ],
      spec: { gpusPerNode: 8, nodes: 2 }
    });
    expect(found.id).toBe('insufficient-gpu');
    expect(found.cause).toContain('4 of 4 nodes');
    expect(found.fix).toContain('asks for 8 GPUs per pod');
    expect(found.fix).toMatch(/Lower "GPUs per node".*or wait/);
    expect(found.evidence).toBe(
      'FailedScheduling: 0/4 nodes are available: 4 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.'
    );
  });

  it('counts only the nodes that lack GPUs when other reasons share the message', () => {
    const entry = corpus.find(file => file.file.includes('pangeo'))!;
    const [found] = diagnoseText(entry.body);
    expect(found.cause).toContain('33 of 36 nodes');
  });

  it('reads a memory shortage on the nodes with free GPUs as memory, not GPUs (issue 14)', () => {
    const found = diagnose({
      events: [
        {
          reason: 'FailedScheduling',
          message:
            '0/6 nodes are available: 2 Insufficient nvidia.com/gpu, 4 Insufficient memory. preemption: 0/6 nodes are available: 6 No preemption victims found for incoming pod.'
        }
      ],
      spec: { gpusPerNode: 8 }
    });
    expect(found.map(diagnosis => diagnosis.id)).toEqual([
      'insufficient-resources'
    ]);
    expect(found[0].cause).toContain(
      "4 of 6 nodes lack free memory for the pod's memory request"
    );
    expect(found[0].cause).toContain('GPUs are not what is missing');
    expect(found[0].fix).toContain('resources.requests.memory');
    expect(found[0].fix).toContain('fewer GPUs per pod');
    expect(found[0].fix).toContain('(now 8 per pod)');
  });

  it("reads kube-scheduler 1.34's message with its DRA post-filter text", () => {
    // As the local test cluster's kube-scheduler v1.34.4 writes it.
    const tail =
      'no new claims to deallocate, preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.';
    expect(
      ids(
        `FailedScheduling: 0/4 nodes are available: 4 Insufficient memory. ${tail}`
      )
    ).toEqual(['insufficient-resources']);
    expect(
      ids(
        `FailedScheduling: 0/4 nodes are available: 4 Insufficient nvidia.com/gpu. ${tail}`
      )
    ).toEqual(['insufficient-gpu']);
  });

  it('still blames GPUs when every node lacks them, and names the other groups', () => {
    const [found] = diagnoseText(
      'FailedScheduling: 0/6 nodes are available: 6 Insufficient nvidia.com/gpu, 2 Insufficient memory.'
    );
    expect(found.id).toBe('insufficient-gpu');
    expect(found.cause).toContain(
      "Besides: 2 of 6 nodes lack free memory for the pod's memory request."
    );
  });

  it('explains taints and node selectors in plain words, with a toleration to add', () => {
    const [found] = diagnoseText(
      "FailedScheduling: 0/3 nodes are available: 2 node(s) had untolerated taint {nvidia.com/gpu: present}, 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    );
    expect(found.id).toBe('node-placement');
    expect(found.cause).toContain(
      '2 of 3 nodes have a taint the pod does not tolerate ({nvidia.com/gpu: present})'
    );
    expect(found.fix).toContain('{key: nvidia.com/gpu, operator: Exists}');
    expect(found.fix).toContain('kubectl get nodes --show-labels');
  });

  it('says a node-condition taint means the node is down, not that a toleration is missing', () => {
    const entry = corpus.find(file => file.file.includes('optscale'))!;
    const [found] = diagnoseText(entry.body);
    expect(found.fix).toContain('node.kubernetes.io/unreachable');
    expect(found.fix).not.toContain('add a toleration');
  });

  it('names the Service whose link variable overwrote VLLM_PORT', () => {
    const entry = corpus.find(file => file.file.includes('vllm-34199'))!;
    const [found] = diagnoseText(entry.body);
    expect(found.id).toBe('service-links');
    expect(found.cause).toContain('a Service named "vllm" sets VLLM_PORT');
    expect(found.fix).toContain('enableServiceLinks: false');
  });

  it("fills in the model's page from the spec when the log does not name it", () => {
    const [found] = diagnoseText(
      'huggingface_hub.errors.GatedRepoError: 403 Client Error.',
      { model: 'meta-llama/Llama-3.1-8B-Instruct' }
    );
    expect(found.id).toBe('hf-auth');
    expect(found.fix).toContain(
      'https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct'
    );
    expect(found.fix).not.toContain('<model>');
  });

  it("names a hand-written deployment's own Secret and variable, not the form's field", () => {
    const gated = 'huggingface_hub.errors.GatedRepoError: 403 Client Error.';
    const [fromSecret] = diagnoseText(gated, {
      madeByForm: false,
      token: {
        variable: 'HUGGING_FACE_HUB_TOKEN',
        secret: { name: 'my-hf', key: 'hf_api_token' }
      }
    });
    expect(fromSecret.fix).toContain(
      'the Secret "my-hf" under the key "hf_api_token", which the containers read as HUGGING_FACE_HUB_TOKEN'
    );
    expect(fromSecret.fix).not.toContain('hfTokenSecret');
    const [none] = diagnoseText(gated, { madeByForm: false });
    expect(none.fix).toContain('they set no HF_TOKEN now');
    const [missing] = diagnoseText(
      'huggingface_hub.errors.RepositoryNotFoundError: 404 Client Error.',
      { madeByForm: false, token: { variable: 'HF_TOKEN', literal: true } }
    );
    expect(missing.id).toBe('model-not-found');
    expect(missing.fix).toContain(
      'let HF_TOKEN read it with valueFrom.secretKeyRef instead of the literal value'
    );
    const [gpus] = diagnoseText(
      'FailedScheduling: 0/4 nodes are available: 4 Insufficient nvidia.com/gpu.',
      { madeByForm: false }
    );
    expect(gpus.fix).toContain(
      'Lower the nvidia.com/gpu limit of the leader and worker containers'
    );
    expect(gpus.fix).not.toContain('"GPUs per node"');
    const [form] = diagnoseText(gated, { hfTokenSecret: 'demo-hf-token' });
    expect(form.fix).toContain(
      'under the key "token" in the Secret "demo-hf-token"'
    );
  });

  it('names the gated model and the token Secret', () => {
    const entry = corpus.find(file => file.file.includes('sglang-pr-14644'))!;
    const [found] = diagnoseText(entry.body, { hfTokenSecret: 'hf-token' });
    expect(found.cause).toContain('meta-llama/Llama-3.2-1B-Instruct');
    expect(found.fix).toContain(
      'https://huggingface.co/meta-llama/Llama-3.2-1B-Instruct'
    );
    expect(found.fix).toContain('"hf-token"');
    expect(found.evidence).toMatch(/^Cannot access gated repo/);
  });

  it('tells a missing model apart from a gated one', () => {
    const entry = corpus.find(file => file.file.includes('bunpo-check'))!;
    const [found] = diagnoseText(entry.body);
    expect(found.id).toBe('model-not-found');
    expect(found.cause).toContain('"bunpo-check"');
  });

  it('proposes tensor parallel sizes that divide the attention heads', () => {
    const entry = corpus.find(file => file.file.includes('adaptthink'))!;
    const [found] = diagnoseText(entry.body);
    expect(found.cause).toContain('28 attention heads');
    expect(found.fix).toContain('(1, 2, 4 divide 28)');
  });

  it('says how long a context fits in the KV cache', () => {
    const entry = corpus.find(file => file.file.includes('qwen3-295'))!;
    const [found] = diagnoseText(entry.body);
    expect(found.fix).toContain('--max-model-len to at most 7344');
  });

  it('points at a Service that takes the LWS name when a pod name does not resolve', () => {
    const entry = corpus.find(file => file.file.includes('sglang-5553'))!;
    const [found] = diagnoseText(entry.body, {
      name: 'llama-70b',
      namespace: 'project-user-ada'
    });
    expect(found.cause).toContain('"sglang-master-pod"');
    expect(found.fix).toContain('<pod>.llama-70b.project-user-ada');
    expect(found.fix).toContain('no other Service is named "llama-70b"');
    expect(found.fix).toContain('"llama-70b-leader"');
  });

  it('blames the Service name outright when the spec gives it the LWS name', () => {
    const [found] = diagnoseText(
      '[W419 13:33:23.312352618 socket.cpp:752] [c10d] The IPv6 network addresses of (sglang-master-pod, 5000) cannot be retrieved (gai error: -2 - Name or service not known).',
      { name: 'llama-70b', serviceName: 'llama-70b' }
    );
    expect(found.fix).toMatch(/^The API Service is named "llama-70b"/);
  });

  it('recognises a leader address variable that Kubernetes did not fill in', () => {
    const entry = corpus.find(file => file.file.includes('dynamo-pr-7485'))!;
    const [found] = diagnoseText(entry.body);
    expect(found.cause).toContain('"$lws_leader_address"');
    expect(found.fix).toContain('$(LWS_LEADER_ADDRESS)');
  });

  describe('NCCL over sockets', () => {
    const socketOnly = corpus.find(file =>
      file.file.includes('nccl-no-ib--vllm-5360')
    )!.body;
    const ibInit = corpus.find(file =>
      file.file.includes('nccl-roce-nccl-tests-185')
    )!.body;

    it('is an error when the deployment asks for RDMA', () => {
      const [found] = diagnoseText(socketOnly, { rdma: true });
      expect(found.id).toBe('nccl-no-ib');
      expect(found.severity).toBe('error');
      expect(found.fix).toContain('NCCL_IB_ADDR_FAMILY=AF_INET6');
    });

    it('is a warning when nothing asks for RDMA and no NCCL line shows NET/IB', () => {
      const [found] = diagnoseText(socketOnly, { rdma: false });
      expect(found.severity).toBe('warning');
    });

    it('stays quiet when other NCCL lines show RDMA in use and RDMA was not asked for', () => {
      expect(ids(`${ibInit}\n${socketOnly}`)).toEqual([]);
    });

    it('still speaks when RDMA was asked for and one pod fell back to sockets', () => {
      expect(ids(`${ibInit}\n${socketOnly}`, { rdma: true })).toEqual([
        'nccl-no-ib'
      ]);
    });

    it('takes the spec RDMA settings object as asking for RDMA', () => {
      const [found] = diagnoseText(socketOnly, {
        rdma: { networks: ['nvidia-network-operator/nv-ipam-macvlannetwork-a'] }
      });
      expect(found.severity).toBe('error');
    });
  });

  it('reports each failure once, with the most telling line as evidence', () => {
    const entry = corpus.find(file => file.file.includes('open-webui'))!;
    const found = diagnoseText(entry.body);
    expect(found).toHaveLength(1);
    expect(found[0].evidence).toMatch(/^Failed: Failed to pull image/);
    expect(found[0].cause).toContain('ghcr.io/ollama/open-webui:main');
  });

  it('lists causes before the crash loop they produce', () => {
    const text = [
      'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 MiB. GPU 6 has a total capacity of 44.53 GiB of which 448.00 KiB is free.',
      'BackOff: Back-off restarting failed container'
    ].join('\n');
    expect(ids(text)).toEqual(['gpu-oom', 'crash-loop']);
  });

  it('reads Kubernetes event objects as they come from the API', () => {
    const found = diagnose({
      events: [
        {
          reason: 'Failed',
          message: 'Error: ImagePullBackOff',
          type: 'Warning',
          involvedObject: { kind: 'Pod', name: 'llama-70b-0' }
        }
      ]
    });
    expect(found.map(diagnosis => diagnosis.evidence)).toEqual([
      'Failed: Error: ImagePullBackOff'
    ]);
  });

  it('sees through terminal colour codes and carriage-return redraws', () => {
    const coloured =
      '\u001b[0;36m(APIServer pid=1)\u001b[0;0m ValueError: Total number of attention heads (52) must be divisible by tensor parallel size (8).';
    const redrawn =
      'Loading safetensors checkpoint shards:  25% Completed | 41/163\rRuntimeError: Not enough memory. Please try to increase --mem-fraction-static.';
    expect(ids(coloured)).toEqual(['heads-not-divisible']);
    expect(diagnoseText(coloured)[0].evidence).toMatch(/^\(APIServer pid=1\) /);
    expect(ids(redrawn)).toEqual(['kv-cache-too-small']);
  });

  it('raises nothing for the lines of a normal start', () => {
    const normal = [
      // uvicorn's message, printed by vLLM's and SGLang's API servers once they listen.
      'INFO:     Application startup complete.',
      // multi-node-serving.sh's progress line while workers join (its echo format, filled in).
      'Wait for all ray workers to be active. 1/2 is active',
      'All ray workers are active and the ray cluster is initialized successfully.',
      'Worker: Ray runtime started with head address llama-70b-0.llama-70b.ns:6379'
    ].join('\n');
    expect(ids(normal, { rdma: true })).toEqual([]);
  });

  it('keeps every fix concrete and every rule documented', () => {
    for (const rule of RULES) {
      expect(rule.title).not.toBe('');
      expect(rule.patterns.length).toBeGreaterThan(0);
    }
    const guideRules = ['insufficient-rdma', 'shm-too-small', 'nccl-no-ib'];
    for (const id of guideRules) {
      const entry = corpus.find(file => file.expect.includes(id))!;
      const found = diagnoseText(entry.body, entry.spec).find(
        diagnosis => diagnosis.id === id
      )!;
      expect(found.fix).toContain('Multi-node Model Serving in PCAI');
    }
  });
});

describe('message families with their own wording', () => {
  it("says how many processes reached the leader's store (torch TCPStore, server side)", () => {
    const [found] = diagnoseText(
      'torch.distributed.DistStoreError: Timed out after 121 seconds waiting for clients. 1/2 clients joined.'
    );
    expect(found.id).toBe('leader-unreachable');
    expect(found.cause).toContain('only 1 of 2 processes joined');
  });

  it("reads vLLM's per-pod GPU count (local_world_size) and names the Ray bug of November 2025", () => {
    const [found] = diagnoseText(
      'AssertionError: local_world_size (16) must be less than or equal to the number of visible devices (8).'
    );
    expect(found.id).toBe('tp-exceeds-local-gpus');
    expect(found.cause).toContain(
      'expects 16 GPUs in this pod but the pod sees only 8'
    );
    expect(found.fix).toContain('#28997');
  });

  it("names the RDMA resource without the sentence's full stop", () => {
    const [found] = diagnoseText(
      "no nodes with enough resources were found: 1 node(s) didn't have enough resources: rdma/shared_mlx5."
    );
    expect(found.id).toBe('insufficient-rdma');
    expect(found.cause).toContain('(rdma/shared_mlx5).');
  });
});

describe('the first error when no rule knows it', () => {
  // A traceback of the shape vLLM's engine core prints (prefixed by its process name).
  const traceback = [
    'INFO 01-23 10:00:00 [core.py:71] Initializing a V1 LLM engine (v0.11.0)',
    '(EngineCore_DP0 pid=81) ERROR 01-23 10:00:05 [core.py:708] EngineCore failed to start.',
    '(EngineCore_DP0 pid=81) Traceback (most recent call last):',
    '(EngineCore_DP0 pid=81)   File "/usr/local/lib/python3.12/dist-packages/vllm/v1/engine/core.py", line 699, in run_engine_core',
    '(EngineCore_DP0 pid=81)     engine_core = EngineCoreProc(*args, **kwargs)',
    "(EngineCore_DP0 pid=81) KeyError: 'model.layers.0.mlp.experts.w2_weight'",
    'INFO 01-23 10:00:06 [launcher.py:99] Shutting down'
  ].join('\n');

  it('shows the first error line with its traceback and says no known cause was found', () => {
    const [found, ...rest] = diagnose({ logs: traceback, failing: true });
    expect(rest).toEqual([]);
    expect(found.id).toBe(UNKNOWN_ERROR);
    expect(found.cause).toContain('no known cause was found');
    expect(found.evidence).toBe(
      '(EngineCore_DP0 pid=81) ERROR 01-23 10:00:05 [core.py:708] EngineCore failed to start.'
    );
    expect(found.context?.[0]).toContain('Initializing a V1 LLM engine');
  });

  it('takes the exception line as evidence when the log starts with the traceback', () => {
    const lines = traceback.split('\n').slice(2).join('\n');
    const [found] = diagnose({ logs: lines, failing: true });
    expect(found.evidence).toBe(
      "(EngineCore_DP0 pid=81) KeyError: 'model.layers.0.mlp.experts.w2_weight'"
    );
    expect(found.context).toEqual(lines.split('\n').slice(0, 4));
  });

  it('keeps the indented lines of an exception message that starts on the next line', () => {
    // vLLM 0.19 on Kubernetes as kubectl logs --previous shows it (corpus: sirzzang-eks-max-model-len).
    const pydantic = [
      '(APIServer pid=1) pydantic_core._pydantic_core.ValidationError:',
      '  1 validation error for ModelConfig',
      '  Value error, User-specified max_model_len (131072) is greater than the derived',
      '(APIServer pid=1) INFO 04-19 10:45:30 [launcher.py:99] Shutting down'
    ];
    const [found] = diagnose({ logs: pydantic.join('\n'), failing: true });
    expect(found.id).toBe(UNKNOWN_ERROR);
    expect(found.evidence).toBe(pydantic[0]);
    expect(found.context).toEqual(pydantic.slice(0, 3));
  });

  it('says nothing for a deployment that is not failing, and nothing more when a rule knows the error', () => {
    expect(diagnose({ logs: traceback })).toEqual([]);
    const known = `${traceback}\ntorch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.`;
    expect(
      diagnose({ logs: known, failing: true }).map(found => found.id)
    ).toEqual(['gpu-oom']);
  });
});

describe('diagnosis across the pods of a group', () => {
  // The leader's watchdog fires minutes after the worker died (torch c10d's message).
  const leader = {
    name: 'llama-0',
    logs: [
      'INFO 01-23 10:00:00 [api_server.py:1885] vLLM API server version 0.10.2',
      '[rank0]:[E0123 10:10:00.000000000 ProcessGroupNCCL.cpp:632] [Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=5, OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=600000) ran for 600012 milliseconds before timing out.',
      'ERROR 01-23 10:10:01 [core.py:700] EngineCore encountered a fatal error.'
    ].join('\n')
  };
  const worker = {
    name: 'llama-0-1',
    logs: [
      '2025-01-23 10:00:01,000\tINFO worker.py:1520 -- Connecting to existing Ray cluster at address: llama-0.llama.ns:6379...',
      'ERROR 01-23 10:00:30 [worker_base.py:620] Error executing method load_model. This might cause deadlock in distributed execution.',
      'ERROR 01-23 10:00:30 [worker_base.py:620] RuntimeError: CUDA error: an illegal memory access was encountered'
    ].join('\n')
  };

  it("names the worker whose crash came first, before the leader's timeout", () => {
    const found = diagnose({ pods: [leader, worker], failing: true });
    expect(found.map(diagnosis => [diagnosis.id, diagnosis.pod])).toEqual([
      [UNKNOWN_ERROR, 'llama-0-1'],
      ['nccl-timeout', 'llama-0']
    ]);
    expect(found[0].first).toBe(true);
    expect(found[1].first).toBeUndefined();
  });

  it('puts a known cause on the first pod ahead of the symptom on the leader', () => {
    const oom = {
      name: 'llama-0-1',
      logs: 'ERROR 01-23 10:00:30 [worker.py:1] torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.00 GiB.'
    };
    const found = diagnose({ pods: [leader, oom], failing: true });
    expect(
      found.map(diagnosis => [diagnosis.id, diagnosis.pod, diagnosis.first])
    ).toEqual([
      ['gpu-oom', 'llama-0-1', true],
      ['nccl-timeout', 'llama-0', undefined]
    ]);
  });

  it('without time stamps, prefers the pod with a cause over one with only a timeout', () => {
    const strip = (text: string) =>
      text
        .replace(/\d\d-?\d\d \d\d:\d\d:\d\d/g, '')
        .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+/g, '');
    const oom = {
      name: 'w',
      logs: 'torch.OutOfMemoryError: CUDA out of memory.'
    };
    const found = diagnose({
      pods: [{ name: 'l', logs: strip(leader.logs) }, oom],
      failing: true
    });
    expect(found[0]).toMatchObject({ id: 'gpu-oom', pod: 'w', first: true });
  });
});
