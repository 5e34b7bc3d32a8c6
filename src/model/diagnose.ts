// Rule texts are data: the sidebar passes them through the translator, the CLI prints them.
/* eslint-disable jupyter/no-untranslated-string */
import type { Severity } from './issues';
import {
  PLACEMENT_KINDS,
  RESOURCE_KINDS,
  blockersOf,
  describeBlockers,
  gpusAreTheBlocker,
  onlyPlacement,
  parseSchedulingMessage
} from './scheduling';
import type { BlockerKind, ISchedulingFailure } from './scheduling';
import {
  HEADS_NOT_DIVISIBLE,
  headsNotDivisibleText,
  tensorParallelChoices
} from './sizing';

/** The parts of a Kubernetes event that diagnosis reads (a CoreV1Event fits). */
export interface IDiagnosisEvent {
  reason?: string;
  message?: string;
  type?: string;
  involvedObject?: { kind?: string; name?: string };
}

/** The parts of a deployment spec that sharpen the advice (an IDeploymentSpec fits). */
export interface IDiagnosisSpec {
  name?: string;
  namespace?: string;
  serviceName?: string;
  hfTokenSecret?: string;
  /** The model id (organisation/name), for its Hugging Face page. */
  model?: string;
  /**
   * False for a deployment written by hand (no managed-by label, no spec annotation): fixes
   * then name its own Secret and variable instead of the form's fields.
   */
  madeByForm?: boolean;
  /** Where its containers read the Hugging Face token from (hand-written deployments). */
  token?: IDiagnosisToken;
  engine?: string;
  nodes?: number;
  gpusPerNode?: number;
  tensorParallel?: number;
  pipelineParallel?: number;
  /** Anything truthy (`true`, or the spec's RDMA settings) means the deployment asks for RDMA. */
  rdma?: unknown;
}

/** How a deployment's containers get their Hugging Face token. */
export interface IDiagnosisToken {
  /** The variable, e.g. HF_TOKEN. */
  variable: string;
  /** valueFrom.secretKeyRef of that variable. */
  secret?: { name: string; key: string };
  /** The variable has a literal value in the manifest. */
  literal?: boolean;
}

/** The log of one pod of the group. */
export interface IDiagnosisPod {
  name: string;
  logs: string;
}

/** Everything known about a deployment that is not working. */
export interface IDiagnosisEvidence {
  events?: IDiagnosisEvent[];
  /** Log text of no particular pod. */
  logs?: string;
  /** The logs of the group's pods, each on its own, so the first error can be named. */
  pods?: IDiagnosisPod[];
  spec?: IDiagnosisSpec;
  /**
   * The deployment is failing: when no rule explains it, the first error line of a log is
   * shown as `unknown-error` rather than nothing.
   */
  failing?: boolean;
}

/** One known failure: what happened, why, what to do, and the line that shows it. */
export interface IDiagnosis {
  id: string;
  title: string;
  cause: string;
  fix: string;
  evidence: string;
  severity: Severity;
  /** The pod whose log showed it. */
  pod?: string;
  /** True on the findings of the pod whose error came first in a group. */
  first?: boolean;
  /** The lines around the evidence (the fallback shows the error with its traceback). */
  context?: string[];
}

/** The id of the fallback finding: an error line that no rule explains. */
export const UNKNOWN_ERROR = 'unknown-error';

/** What a rule's texts may use: the matched line's named groups and the spec. */
type Facts = {
  groups: Record<string, string | undefined>;
  /** The evidence line. */
  line: string;
  model?: string;
  spec: IDiagnosisSpec;
  rdmaAsked: boolean;
};

type Text = string | ((facts: Facts) => string);

/** What a rule may check beyond its own line. */
type Context = { rdmaAsked: boolean; rdmaSeen: boolean };

type Rule = {
  id: string;
  title: string;
  /** Usually the echo of another pod's failure (a timeout, a restart), not the cause. */
  symptom?: boolean;
  severity: Severity | ((context: Context) => Severity);
  patterns: RegExp[];
  /** The evidence only counts when this holds. */
  when?: (context: Context) => boolean;
  /** A matched line only counts when this holds. */
  test?: (line: string) => boolean;
  cause: Text;
  fix: Text;
};

const GUIDE = 'the guide "Multi-node Model Serving in PCAI"';

// A healthy GPUDirect RDMA start logs these (NCCL_DEBUG=INFO); "NET/IB : No device found" does not count.
const RDMA_IN_USE = /NET\/IB : Using|via NET\/IB\/|Using network IB/;

// The model id in a Hugging Face URL or message; a bare "name/resolve/..." URL has no organisation.
const MODEL_IN_LINE =
  /(?:huggingface\.co\/(?:api\/models\/)?|[Mm]odel |[Rr]epo model )(?<model>[\w.-]+(?:\/(?!resolve\/|blob\/|tree\/)[\w.-]+)?)/;

/**
 * Known failures, most specific first: the first rule that explains a line wins its place in
 * the answer, and generic symptoms (crash loops, timeouts) come after their usual causes.
 * To teach diagnose a new failure, add a row here and a real log excerpt under
 * `__tests__/corpus/`.
 */
export const RULES: readonly Rule[] = [
  {
    id: 'insufficient-gpu',
    title: 'Not enough free GPUs on any node',
    severity: 'error',
    // Format from kubernetes pkg/scheduler/framework/types.go (FitError) and
    // plugins/noderesources/fit.go ("Insufficient " + resource name).
    patterns: [
      /0\/(?<nodes>\d+) nodes are available:(?:.*?\s)?(?<short>\d+) Insufficient nvidia\.com\/gpu/,
      /Insufficient nvidia\.com\/gpu/,
      // NVIDIA KAI-Scheduler's wording.
      /didn't have enough resources: GPUs/
    ],
    // Not when another resource (memory, CPU) is what the nodes with free GPUs lack.
    test: line => {
      const failure = parseSchedulingMessage(line);
      return !failure || !hasGpu(failure) || gpusAreTheBlocker(failure);
    },
    cause: ({ groups, line }) => {
      const failure = parseSchedulingMessage(line);
      const others = failure
        ? failure.blockers.filter(blocker => blocker.kind !== 'gpu')
        : [];
      const main =
        groups.short && groups.nodes
          ? `The scheduler found no place for a pod: ${groups.short} of ${groups.nodes} nodes lack enough free GPUs (nvidia.com/gpu).`
          : 'The scheduler found no node with enough free GPUs (nvidia.com/gpu) for a pod.';
      return others.length > 0
        ? `${main} Besides: ${describeBlockers({ ...failure!, blockers: others })}.`
        : main;
    },
    fix: ({ spec }) =>
      (spec.gpusPerNode
        ? `The deployment asks for ${spec.gpusPerNode} GPUs per pod, all on one node, and no node has that many free right now. `
        : 'Each pod needs all its GPUs on one node, and no node has that many free right now. ') +
      (spec.madeByForm === false
        ? 'Lower the nvidia.com/gpu limit of the leader and worker containers (and the tensor parallel size with it), or the LWS size or replicas, or wait until other workloads release their GPUs. '
        : 'Lower "GPUs per node" or the number of nodes or replicas, or wait until other workloads release their GPUs. ') +
      `Prefer whole nodes (${GUIDE}: power-of-2 GPUs, whole nodes).`
  },
  {
    id: 'insufficient-rdma',
    title: 'No free RDMA device for the pods',
    severity: 'error',
    // The scheduler's noderesources fit plugin prints "Insufficient <resource name>", NVIDIA
    // KAI-Scheduler "node(s) didn't have enough resources: <resource name>". RDMA comes as
    // rdma/* (k8s-rdma-shared-dev-plugin, NVIDIA Network Operator), as an SR-IOV device
    // plugin resource whose name says rdma (e.g. intel.com/mlnx_sriov_rdma), or as GKE's
    // networking.gke.io.networks/rdma-N; a resource name never ends with the message's ".".
    // Koordinator's device-share plugin says "Insufficient rdma devices" (koordinator.sh/rdma).
    patterns: [
      /(?:[Ii]nsufficient|didn't have enough resources:) (?<resource>rdma\/[\w-]+(?:\.[\w-]+)*)/,
      /(?:[Ii]nsufficient|didn't have enough resources:) (?<resource>[\w.-]+\/[\w.-]*rdma[\w-]*(?:\.[\w-]+)*)/,
      /Insufficient rdma devices/
    ],
    cause: ({ groups }) =>
      `No node can give the pod the RDMA device it asks for${groups.resource ? ` (${groups.resource})` : ''}.`,
    fix: ({ groups }) =>
      `Check that "${groups.resource ?? 'the RDMA resource'}" is a resource the cluster offers: PCAI names them rdma/rdma_shared_device_a and rdma/rdma_shared_device_b (${GUIDE}, "Enabling GPUDirect RDMA"). ` +
      'If the name is right, no node with free GPUs has a free RDMA device (the RDMA device plugin is missing there, or its devices are all in use): ask your administrator, or deploy without RDMA (slower).'
  },
  {
    id: 'insufficient-resources',
    title: "No node has room for the pod's resource requests",
    severity: 'error',
    // noderesources/fit.go: "Insufficient memory|cpu|ephemeral-storage|hugepages-<size>" and
    // "Too many pods"; read per node group by scheduling.ts.
    patterns: [
      /[Ii]nsufficient (?:memory|cpu|ephemeral-storage|hugepages-[\w.]+)\b/,
      /Too many pods/
    ],
    test: line => {
      const failure = parseSchedulingMessage(line);
      return (
        failure !== undefined &&
        blockersOf(failure, RESOURCE_KINDS).length > 0 &&
        !gpusAreTheBlocker(failure)
      );
    },
    cause: ({ line }) =>
      `The scheduler found no node with room for a pod: ${describeBlockers(parseSchedulingMessage(line)!)}.` +
      (hasGpu(parseSchedulingMessage(line)!)
        ? ' The nodes with free GPUs are the ones short of the other resources, so GPUs are not what is missing.'
        : ''),
    fix: ({ line, spec }) => resourceFix(parseSchedulingMessage(line)!, spec)
  },
  {
    id: 'node-placement',
    title: 'No node is open to the pods',
    severity: 'error',
    // tainttoleration, nodeaffinity, nodeunschedulable, interpodaffinity and
    // podtopologyspread wordings, 1.1x through 1.34 (see scheduling.ts).
    patterns: [
      /node\(s\) had (?:untolerated )?taints?\b/,
      /node\(s\) didn't match (?:Pod's )?node (?:affinity|selector)/,
      /node\(s\) were unschedulable/,
      /node\(s\) didn't (?:match pod (?:anti-)?affinity|satisfy existing pods anti-affinity)/,
      /node\(s\) didn't match pod topology spread constraints/
    ],
    test: line => {
      const failure = parseSchedulingMessage(line);
      return failure !== undefined && onlyPlacement(failure);
    },
    cause: ({ line }) =>
      `The scheduler may not put the pod on any node: ${describeBlockers(parseSchedulingMessage(line)!)}. No node is short of GPUs or memory; the pod's placement rules, or the nodes' taints, keep it out.`,
    fix: ({ line }) => placementFix(parseSchedulingMessage(line)!)
  },
  {
    id: 'pvc-not-bound',
    title: 'The model volume is missing',
    severity: 'error',
    patterns: [
      /unbound immediate PersistentVolumeClaims/,
      /persistentvolumeclaim "(?<claim>[^"]+)" not found/
    ],
    cause: ({ groups }) =>
      groups.claim
        ? `The pods mount the volume claim "${groups.claim}", which does not exist.`
        : 'The pods mount a volume claim (PVC) that is not bound to a volume yet.',
    fix:
      `Use the name of an existing claim: PCAI creates "models-pvc" in every user namespace (${GUIDE}, "Pre-download the model files in PVC"). ` +
      'A newly created claim must show Bound before the pods can start.'
  },
  {
    id: 'image-pull',
    title: 'The container image cannot be downloaded',
    severity: 'error',
    patterns: [
      /Failed to pull image "(?<image>[^"]+)"/,
      /Back-off pulling image "(?<image>[^"]+)"/,
      /ErrImagePull|ImagePullBackOff|InvalidImageName/,
      // The registry's own answers, which kubelet's pull error and docker pull both carry.
      /pull access denied for (?<image>[^\s,]+)/,
      /manifest for (?<image>\S+) not found|manifest unknown/
    ],
    cause: ({ groups }) =>
      `The node cannot download the container image${groups.image ? ` ${groups.image}` : ''}.`,
    fix:
      'Check that the image name and tag exist (for example vllm/vllm-openai:v0.10.2 or lmsysorg/sglang:v0.5.6.post2). ' +
      '"i/o timeout" or "dial tcp" means the node cannot reach the registry: use the registry mirror your administrator provides. ' +
      '"unauthorized" or "pull access denied" means a private registry: add an imagePullSecret.'
  },
  {
    id: 'service-links',
    title: 'A Service in the namespace overwrote a port setting',
    severity: 'error',
    // Kubernetes puts <SERVICE>_PORT=tcp://<ip>:<port> of every Service of the namespace into
    // each pod (service links). A Service named "vllm" sets VLLM_PORT, which vLLM reads as its
    // own internal port: vllm/envs.py get_vllm_port (vLLM PR #18209) names it; before, int()
    // failed on the URI.
    patterns: [
      /(?<variable>[A-Z][A-Z0-9_]*_PORT) '(?<uri>tcp:\/\/[^']+)' appears to be a URI/,
      /invalid literal for int\(\) with base 10: '(?<uri>tcp:\/\/[^']+)'/
    ],
    cause: ({ groups }) => {
      const variable =
        groups.variable ?? 'A port variable (VLLM_PORT for vLLM)';
      const service = groups.variable
        ? groups.variable
            .replace(/_PORT$/, '')
            .toLowerCase()
            .replace(/_/g, '-')
        : undefined;
      return (
        `${variable} holds "${groups.uri}", a Service address that Kubernetes put into the pod, not a port number. ` +
        `Kubernetes gives every pod <SERVICE>_PORT variables for each Service of the namespace (service links)${service ? `, so a Service named "${service}" sets ${groups.variable}` : ''}, and the engine reads that variable as its own setting.`
      );
    },
    fix:
      'Rename the Service (for example "vllm" to "vllm-api": never name a Service "vllm" in a namespace that runs vLLM), or set enableServiceLinks: false in the pod spec of the leader and the worker template; pods find Services by DNS name without these variables. ' +
      'Deployments made by jupyterlab-lws set enableServiceLinks: false.'
  },
  {
    id: 'hf-auth',
    title: 'Hugging Face refuses the model to this token',
    severity: 'error',
    // huggingface_hub's hf_raise_for_status: GatedRepoError (401/403 on a gated repo) and, for a
    // token the Hub rejects, a plain 401 with "Invalid credentials in Authorization header".
    patterns: [
      /GatedRepoError/,
      /Cannot access gated repo/,
      /You are trying to access a gated repo/,
      /is restricted and you are not in the authorized list/,
      /Repo model \S+ is gated/,
      /403 Client Error: Forbidden for url: https:\/\/huggingface\.co\//,
      /(?<badToken>Invalid credentials in Authorization header)/,
      /(?<badToken>401 Client Error: Unauthorized for url: https:\/\/huggingface\.co\/)/
    ],
    cause: ({ model, groups }) =>
      groups.badToken
        ? 'Hugging Face rejected the token itself: it is wrong, expired or revoked, so no download can start.'
        : `${model ? `The model ${model}` : 'The model'} is gated: Hugging Face serves it only to a token whose account accepted the model's license.`,
    fix: ({ model, spec }) =>
      `Log in at ${modelPage(model ?? spec.model)} and accept the license (some need approval: wait for the e-mail). ` +
      `Create a read token (Settings, Access Tokens) with that account and ${tokenPlace(spec)}. ` +
      `Then redeploy, or download the model into models-pvc first (${GUIDE}, "Pre-download the model files in PVC").`
  },
  {
    id: 'model-not-found',
    title: 'The model id is not found',
    severity: 'error',
    patterns: [
      /Repository Not Found for url: https?:/,
      /RepositoryNotFoundError/,
      /404 Client Error.*huggingface\.co/,
      /is not a local folder and is not a valid model identifier/,
      /Invalid repository ID or local directory specified/,
      // transformers (config.json, or the configuration_*.py of remote code) and vLLM's
      // get_config wordings across 0.7 to 0.11 for a folder or repo without a model config.
      /does not appear to have a file named (?:config\.json|configuration_\w+\.py)/,
      /No supported config format found in/,
      /Could not detect config format for no config file found/
    ],
    cause: ({ model }) =>
      `Hugging Face has no model ${model ? `"${model}"` : 'with this id'}, or it is private and the token cannot see it.`,
    fix: ({ spec }) =>
      'Check the model id for typos and capitals: it reads "organisation/name", for example meta-llama/Llama-3.3-70B-Instruct. ' +
      `A private model needs a read token of an account with access: ${tokenPlace(spec)}. ` +
      `A model downloaded into the volume needs HF_HOME set to the folder that holds hub/ (${GUIDE}: HF_HOME=/models, model under /models/hub).`
  },
  {
    // The same finding as validation's and sizing's, worded by the one rule in sizing.ts.
    id: HEADS_NOT_DIVISIBLE,
    title: 'Tensor parallel size does not fit the model',
    severity: 'error',
    patterns: [
      /Total number of attention heads \((?<heads>\d+)\) must be divisible by tensor parallel size \((?<tp>\d+)\)/,
      /attention heads.*must be divisible by/i
    ],
    cause: ({ groups }) =>
      headsNotDivisibleText(
        groups.heads ? Number(groups.heads) : undefined,
        groups.tp ? Number(groups.tp) : undefined
      ),
    fix: ({ groups }) => {
      const heads = Number(groups.heads);
      const sizes = heads
        ? tensorParallelChoices(heads, Number(groups.tp) || heads)
        : [];
      const choices = sizes.length
        ? ` (${sizes.join(', ')} divide ${heads})`
        : '';
      return (
        `Choose a tensor parallel size that divides the number of heads${choices}, and reach the other GPUs with pipeline parallel, so that tensor × pipeline parallel still equals all GPUs. ` +
        `${GUIDE} recommends power-of-2 GPUs on whole nodes for this reason (vLLM issue #4232).`
      );
    }
  },
  {
    id: 'kv-cache-too-small',
    title: 'No room left for the context (KV cache)',
    severity: 'error',
    patterns: [
      /max seq len \((?<maxLen>\d+)\) is larger than the maximum number of tokens that can be stored in KV cache \((?<fits>\d+)\)/,
      /larger than the available KV cache memory/,
      /Not enough memory\. Please try to increase --mem-fraction-static/
    ],
    cause: ({ groups }) =>
      groups.maxLen
        ? `After loading the weights, the GPUs hold ${groups.fits} tokens of context, but the model allows ${groups.maxLen}.`
        : 'After loading the weights, too little GPU memory is left for the context of the requests (KV cache).',
    fix: ({ groups }) =>
      `vLLM: set --max-model-len to at most ${groups.fits ?? 'what fits'}, or raise --gpu-memory-utilization (for example 0.95). ` +
      'SGLang: raise --mem-fraction-static (for example 0.9) or lower --context-length. ' +
      'Or spread the model over more GPUs so each holds less of the weights.'
  },
  {
    id: 'gpu-oom',
    title: 'A GPU ran out of memory',
    severity: 'error',
    patterns: [
      /CUDA out of memory/,
      // torch's OutOfMemoryError, not Ray's (host RAM, see host-oom).
      /(?<!ray\.exceptions\.)OutOfMemoryError(?!: Task was killed due to the node running low on memory)/,
      /CUDA error: out of memory/,
      /No available memory for the cache blocks/
    ],
    cause:
      "A GPU ran out of memory: the model's share of the weights plus its working memory do not fit on one GPU.",
    fix:
      'Spread the model over more GPUs (more GPUs per node, or more nodes with tensor × pipeline parallel = all GPUs), or choose a smaller or quantized model. ' +
      'To leave more headroom: vLLM --gpu-memory-utilization 0.85 with a smaller --max-model-len or --max-num-seqs; SGLang a smaller --mem-fraction-static (for example 0.8) or --max-running-requests.'
  },
  {
    id: 'host-oom',
    title: 'The pod ran out of CPU memory (RAM)',
    severity: 'error',
    patterns: [
      /\bOOMKilled\b/,
      // Ray's memory monitor (raylet): the node summary, the task's error and its detail line.
      /killed due to memory pressure \(OOM\)/,
      /(?<ray>Task was killed due to the node running low on memory)/,
      /(?<ray>exceeds the memory usage threshold of [\d.]+\. Ray killed this worker)/,
      /Memory cgroup out of memory/
    ],
    cause: ({ groups }) =>
      groups.ray
        ? "Ray's memory monitor killed a worker because the pod's RAM was nearly used up (Ray stops a task at 95% of the memory limit). Loading weights and Ray use a lot of RAM."
        : 'A container used more RAM than the pod may use, and Kubernetes killed it (OOMKilled). Loading weights and Ray use a lot of RAM.',
    fix:
      'Raise or remove the memory limit of the leader and worker containers (resources.limits.memory). ' +
      'Files in /dev/shm (emptyDir with medium Memory) count against that limit too, so leave room for them.'
  },
  {
    id: 'shm-too-small',
    title: 'Shared memory (/dev/shm) is too small',
    severity: 'error',
    patterns: [
      /Error while creating shared memory segment/,
      /posix_fallocate failed/,
      /failed to extend \/dev\/shm/,
      /\/dev\/shm has only \d+ bytes available/,
      /ncclShmOpen/
    ],
    cause:
      'The pod has too little shared memory: containers get 64 MB in /dev/shm by default, and NCCL and Ray need far more.',
    fix:
      'Mount an emptyDir volume with medium: Memory at /dev/shm in both the leader and the worker template, ' +
      `as the guide's dshm volume does (${GUIDE}, "Enabling GPUDirect RDMA": shared memory).`
  },
  {
    id: 'dns-resolution',
    title: 'The pods cannot find each other by name',
    severity: 'error',
    patterns: [
      /addresses of \((?<host>[^,]+), (?<port>\d+)\) cannot be retrieved/,
      /Name or service not known/,
      /Temporary failure in name resolution/,
      /gaierror/,
      /No address associated with hostname/,
      // musl/busybox resolvers (Alpine-based images, nslookup in init containers).
      /Name does not resolve/
    ],
    cause: ({ groups }) =>
      groups.host?.startsWith('$')
        ? `The address "${groups.host}" was never filled in: it is a variable name, not a host.`
        : `A pod could not look up the address ${groups.host ? `"${groups.host}"` : 'of another pod'} (the name does not resolve).`,
    fix: ({ groups, spec }) => {
      if (groups.host?.startsWith('$')) {
        return 'Write the variable as $(LWS_LEADER_ADDRESS), with parentheses, in the container command or args: Kubernetes fills in only that form.';
      }
      const name = spec.name ?? '<lws-name>';
      if (spec.serviceName && spec.serviceName === spec.name) {
        return `The API Service is named "${name}", like the LWS, and hides the headless Service that LeaderWorkerSet creates for the pod names. Rename it, for example "${name}-leader" (${GUIDE}: do not give the leader Service the LWS's name).`;
      }
      return (
        `Pods reach each other as <pod>.${name}.${spec.namespace ?? '<namespace>'} through the headless Service that LeaderWorkerSet creates with the LWS's own name. ` +
        `Check that no other Service is named "${name}": the API Service needs a different name, such as "${name}-leader" (${GUIDE}: do not give the leader Service the LWS's name). ` +
        'If the name is free, check that the other pod runs: its name resolves only while it exists.'
      );
    }
  },
  {
    id: 'leader-unreachable',
    title: 'A worker cannot reach the leader',
    severity: 'error',
    // torch c10d's socket.cpp and TCPStore.cpp across releases: "timed out after 600000ms"
    // (2.1+) or "after 1800s" (2.0), "failed to connect to" (connection refused),
    // "connect() timed out. Original timeout was ... ms" (1.x).
    patterns: [
      /client socket has timed out after \d+m?s while trying to connect to \((?<host>[^,]+), (?<port>\d+)\)/,
      /TCP client failed to connect/,
      /The client socket has failed to connect to/,
      /The client socket cannot be initialized to connect to/,
      /connect\(\) timed out\. Original timeout was \d+ ?ms/,
      // torch 2.x TCPStore when the leader's store went away (the leader crashed or restarted).
      /Connection was likely closed\. Did the remote server shutdown or crash\?/,
      // The leader's side: its TCPStore (TCPStore.cpp, waitForWorkers) gave up on the others.
      /Timed out after \d+ seconds waiting for clients\. (?<joined>\d+)\/(?<expected>\d+) clients joined/,
      // NCCL's bootstrap socket (misc/socket.cc), old and new wording.
      /socketPollConnect: connect to \S+ returned (?:Connection refused|No route to host|Connection timed out)/,
      /Connect to \S+ failed : (?:Connection refused|No route to host|Connection timed out)/,
      // Ray workers join the head's GCS on the leader (python/ray/_private/gcs_utils.py and
      // utils.py, the raylet's gcs_rpc_client.h), e.g. "Unable to connect to GCS at 10.0.0.1:6379".
      /(?<gcs>(?:Failed|Unable) to connect to GCS)(?: \(ray head\))?(?: at(?: address)? (?<host>[\w.-]+):(?<port>\d+))?/
    ],
    cause: ({ groups }) =>
      groups.joined
        ? `The leader waited in vain for the other pods at its start-up port: only ${groups.joined} of ${groups.expected} processes joined.`
        : groups.gcs
          ? `A Ray process could not reach the Ray head (GCS) on the leader${groups.host ? ` at ${groups.host}:${groups.port}` : ''}.`
          : `A process waited in vain for the leader's start-up port${groups.host ? ` (${groups.host}:${groups.port})` : ''}.`,
    fix:
      'Check that the leader and the worker pods run and their logs show no earlier error, and that every pod uses the same address and port ($(LWS_LEADER_ADDRESS) with the --dist-init-addr or --master-addr port; Ray: port 6379 and the same image, so the same Ray version, in every pod). ' +
      `Turn the Istio sidecar off (annotation sidecar.istio.io/inject: "false", as in ${GUIDE}), and make sure no NetworkPolicy blocks traffic between the pods.`
  },
  {
    id: 'tp-exceeds-local-gpus',
    title: 'vLLM expects more GPUs in one pod than the pod has',
    severity: 'error',
    // vLLM's own count of the GPUs one node must hold, in each release's words:
    // - vllm/config/parallel.py, v0.11.1-v0.12: "Tensor parallel size (N) cannot be larger than
    //   the number of available GPUs (M)"; from v0.13 (vLLM PR #30140): "World size (N) is larger
    //   than the number of available GPUs (M) in this node. If this is intentional and you are
    //   using: - ray, set '--distributed-executor-backend ray'. - multiprocessing, set '--nnodes'
    //   appropriately." Without a multi-node backend TP x PP must fit one pod.
    // - vllm/platforms/cuda.py and executor/mp_distributed_executor.py, v0.5-v0.10: TP first,
    //   then world size = TP x PP ("... max local gpu count").
    // - vllm/v1/worker/gpu_worker.py init_device, v0.11.1 on: each node's share of the world
    //   ("local_world_size (N) must be less than or equal to the number of visible devices (M)");
    //   vLLM of November 2025 (around v0.11.1) also raised it with the Ray backend across
    //   nodes (vLLM issue #28997, fixed by PR #28873).
    patterns: [
      /Tensor parallel size \((?<tp>\d+)\) cannot be larger than the number of available GPUs \((?<gpus>\d+)\)/,
      /World size \((?<tp>\d+)\) is larger than the number of available GPUs \((?<gpus>\d+)\)/,
      /set '--distributed-executor-backend ray'/,
      /please set tensor_parallel_size (?:\((?<tp>\d+)\) )?to less than max local gpu count(?: \((?<gpus>\d+)\))?/,
      /please ensure that world_size \((?<tp>\d+)\) is less than (?:than )?max local gpu count \((?<gpus>\d+)\)/,
      /(?<local>local_world_size) (?:\((?<tp>\d+)\) )?must be less than or equal to the number of visible devices(?: \((?<gpus>\d+)\))?/
    ],
    cause: ({ groups }) =>
      groups.local
        ? `vLLM stopped before loading: it expects ${groups.tp ? `${groups.tp} GPUs` : 'more GPUs'} in this pod but the pod sees ${groups.gpus ? `only ${groups.gpus}` : 'fewer'}. Either the command does not say how many pods the model spans, or the pod has fewer GPUs than its share.`
        : `vLLM stopped before loading: it was asked for ${groups.tp ? `${groups.tp} GPUs` : 'more GPUs'} but counts only the GPUs of its own pod${groups.gpus ? ` (${groups.gpus})` : ''}, because nothing told it to span the pods. From v0.11.1 vLLM no longer picks Ray by itself.`,
    fix: ({ groups }) =>
      (groups.local
        ? 'vLLM builds of November 2025 (around v0.11.1) stop this way with --distributed-executor-backend ray across pods (vLLM issue #28997, fixed by PR #28873): use v0.12.0 or newer, or vllmMode: native. '
        : '') +
      'Ray mode (multi-node-serving.sh): the leader must pass --distributed-executor-backend ray; the commands jupyterlab-lws renders do. Native mode (vLLM v0.11.1 and later): every pod runs vllm serve with --nnodes $(LWS_GROUP_SIZE) --node-rank $(LWS_WORKER_INDEX) --master-addr $(LWS_LEADER_ADDRESS), workers with --headless. Re-render the deployment, or set vllmMode: native. If the command does span the pods, the pod sees fewer GPUs than it asks for: check its nvidia.com/gpu limit and CUDA_VISIBLE_DEVICES.'
  },
  {
    id: 'ray-cluster-not-ready',
    title: "vLLM's Ray cluster is missing GPUs",
    severity: 'error',
    patterns: [
      /Waiting for all ray workers to be active timed out/,
      /Ray worker starts timeout/,
      /No available node types can fulfill resource request/,
      /Waiting for creating a placement group of specs/,
      /required GPUs exceeds the total number of available GPUs in the placement group/
    ],
    cause:
      'vLLM asked Ray for more GPUs than the Ray cluster has: not every worker pod joined the leader, or tensor × pipeline parallel is larger than all GPUs.',
    fix: ({ spec }) =>
      'Check that every worker pod runs and its log shows "Ray runtime started"; workers join the leader at $(LWS_LEADER_ADDRESS):6379. ' +
      `Tensor × pipeline parallel must equal GPUs per node × nodes${spec.gpusPerNode && spec.nodes ? ` (${spec.gpusPerNode} × ${spec.nodes} = ${spec.gpusPerNode * spec.nodes} here)` : ''}. ` +
      'With extra (RDMA) networks in the pod, set VLLM_HOST_IP to the pod IP (vLLM issue #7815).'
  },
  {
    id: 'headless-ignored',
    title: 'A vLLM worker node did not run headless',
    severity: 'error',
    patterns: [/collective_rpc should not be called on follower node/],
    cause:
      'A worker node started a whole vLLM engine (the API server, or a launcher that ignores --headless) instead of running headless, so it tried to drive the engine itself.',
    fix: 'Start the worker pods with "vllm serve <model> --headless --nnodes $(LWS_GROUP_SIZE) --node-rank $(LWS_WORKER_INDEX) --master-addr $(LWS_LEADER_ADDRESS)"; "python -m vllm.entrypoints.openai.api_server" ignores --headless (vLLM PR #36875).'
  },
  {
    id: 'nccl-no-ib',
    title: 'GPU traffic between nodes goes over TCP, not RDMA',
    severity: ({ rdmaAsked }) => (rdmaAsked ? 'error' : 'warning'),
    patterns: [
      /NET\/IB : No device found/,
      /Using network Socket/,
      /NET\/Socket : Using/,
      /Failed to open libibverbs/
    ],
    when: ({ rdmaAsked, rdmaSeen }) => rdmaAsked || !rdmaSeen,
    cause: ({ rdmaAsked }) =>
      rdmaAsked
        ? 'NCCL found no usable RDMA device and falls back to TCP sockets, although the deployment asks for RDMA.'
        : 'NCCL found no usable RDMA device and sends GPU traffic between nodes over TCP sockets, which is many times slower.',
    fix:
      'Turn on RDMA on both the leader and the worker template: the network annotation (k8s.v1.cni.cncf.io/networks), ' +
      'the RDMA devices (rdma/rdma_shared_device_a, rdma/rdma_shared_device_b), IPC_LOCK and NCCL_IB_ADDR_FAMILY=AF_INET6 ' +
      `(${GUIDE}, "Enabling GPUDirect RDMA"). With NCCL_DEBUG=INFO a healthy start logs "NET/IB : Using [0]mlx5_0:1/RoCE" and "via NET/IB/…/GDRDMA".`
  },
  {
    id: 'nccl-timeout',
    title: 'GPU communication between the pods timed out',
    symptom: true,
    severity: 'error',
    patterns: [
      /Watchdog caught collective operation timeout/,
      /Some NCCL operations have failed or timed out/,
      /NCCL communicator was aborted/
    ],
    cause:
      'A collective operation (all-reduce, broadcast…) waited too long for the other GPUs: one rank stopped answering.',
    fix:
      'Read the logs of all pods of the group for the first error: usually another pod crashed or hung before this. ' +
      'If all pods are alive, suspect the network between nodes: check that NCCL uses RDMA (NET/IB lines with NCCL_DEBUG=INFO), ' +
      `and use whole nodes (${GUIDE} warns that partial-GPU multi-node serving can hang in NCCL). SGLang: --disable-cuda-graph helps if it hangs at start.`
  },
  {
    id: 'crash-loop',
    title: 'A container keeps crashing',
    symptom: true,
    severity: 'error',
    patterns: [/CrashLoopBackOff/, /Back-off restarting failed container/],
    cause:
      'A container stops again and again, and Kubernetes restarts it with growing pauses.',
    fix:
      "The reason is in the container's previous log (kubectl logs --previous, or the log view): look for the first error there; other findings in this list usually name it. " +
      'With restartPolicy RecreateGroupOnPodRestart, every crash restarts the whole group.'
  }
];

/**
 * Matches events and logs against the known failures: one diagnosis per rule, in table
 * order, except that with the logs of several pods the findings of the pod whose error came
 * first lead (marked `first`). A failing deployment whose first error no rule explains gets
 * `unknown-error` with that error line and its context.
 */
export function diagnose(evidence: IDiagnosisEvidence): IDiagnosis[] {
  const spec = evidence.spec ?? {};
  const shared = [
    ...(evidence.events ?? []).map(eventLine),
    ...logLines(evidence.logs ?? '')
  ];
  const pods = (evidence.pods ?? []).map(pod => ({
    name: pod.name,
    lines: logLines(pod.logs)
  }));
  const everything = [shared, ...pods.map(pod => pod.lines)].flat();
  const context: Context = {
    rdmaAsked: Boolean(spec.rdma),
    rdmaSeen: everything.some(line => RDMA_IN_USE.test(line))
  };
  const sources = [
    { name: undefined as string | undefined, lines: shared },
    ...pods
  ].map(source => {
    const found = matchRules(source.lines, spec, context);
    return {
      ...source,
      found,
      firstError: firstErrorLine(source.lines, found)
    };
  });
  const first = pods.length > 1 ? firstFailingPod(sources.slice(1)) : undefined;
  const found: IDiagnosis[] = [];
  const seen = new Set<string>();
  // Each rule once: from the first-failing pod if it shows it.
  const ordered = first
    ? [first, ...sources.filter(s => s !== first)]
    : sources;
  for (const source of ordered) {
    for (const diagnosis of source.found) {
      if (seen.has(diagnosis.id)) {
        continue;
      }
      seen.add(diagnosis.id);
      found.push({
        ...diagnosis,
        ...(source.name !== undefined ? { pod: source.name } : {}),
        ...(source === first ? { first: true } : {})
      });
    }
  }
  // Table order (most specific first), with the first-failing pod's findings ahead.
  const rank = (diagnosis: IDiagnosis) =>
    (diagnosis.first ? 0 : RULES.length) +
    RULES.findIndex(rule => rule.id === diagnosis.id);
  found.sort((a, b) => rank(a) - rank(b));
  if (!evidence.failing) {
    return found;
  }
  // No rule explains the first failing pod (or anything at all): show its first error.
  const unexplained =
    first && first.found.length === 0
      ? first
      : found.length === 0
        ? sources.find(source => source.lines.some(isErrorLine))
        : undefined;
  const errorLine = unexplained?.lines.findIndex(isErrorLine) ?? -1;
  if (unexplained && errorLine >= 0) {
    const fallback = unknownError(unexplained.lines, errorLine);
    if (unexplained.name !== undefined) {
      fallback.pod = unexplained.name;
    }
    if (unexplained === first) {
      fallback.first = true;
    }
    found.unshift(fallback);
  }
  return found;
}

function matchRules(
  rawLines: string[],
  spec: IDiagnosisSpec,
  context: Context
): IDiagnosis[] {
  const lines = rawLines.filter(line => line.trim() !== '');
  const found: IDiagnosis[] = [];
  for (const rule of RULES) {
    if (rule.when && !rule.when(context)) {
      continue;
    }
    const hit = firstHit(rule, lines);
    if (!hit) {
      continue;
    }
    const facts: Facts = {
      groups: { ...hit.match.groups },
      line: hit.line,
      model: MODEL_IN_LINE.exec(hit.line)?.groups?.model,
      spec,
      rdmaAsked: context.rdmaAsked
    };
    found.push({
      id: rule.id,
      title: rule.title,
      cause: render(rule.cause, facts),
      fix: render(rule.fix, facts),
      evidence: hit.line,
      severity:
        typeof rule.severity === 'function'
          ? rule.severity(context)
          : rule.severity
    });
  }
  return found;
}

// The start of an error in a log: a Python traceback or exception line, a log record at
// level ERROR/FATAL/CRITICAL (vLLM's "ERROR 01-23 ...", logging's "- ERROR -", glog's
// "F0123"), argparse's "error:", or a line a rule knows.
const ERROR_LINE = [
  /Traceback \(most recent call last\)/,
  // An exception whose message starts on the next line ends its own line with the colon.
  /(?:^|[\s\]|)])(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Exit|Interrupt):(?: \S|\s*$)/,
  /(?:^|[\s[(|-])(?:ERROR|FATAL|CRITICAL)(?:[\s\]:|-]|$)/,
  /^[FE]\d{4} \d\d:\d\d:\d\d/,
  /^\S+: error: /,
  /\bSegmentation fault\b|\bcore dumped\b/
];

/** Python warnings and harmless echoes share the shape of an error line. */
const NOT_AN_ERROR = /Warning: |\bDeprecat|\berrors?=0\b|\bno errors?\b/i;

function isErrorLine(line: string): boolean {
  return (
    ERROR_LINE.some(pattern => pattern.test(line)) && !NOT_AN_ERROR.test(line)
  );
}

/** The first line that is an error or the evidence of a finding. */
function firstErrorLine(
  lines: string[],
  found: readonly IDiagnosis[]
): number | undefined {
  const evidence = new Set(found.map(diagnosis => diagnosis.evidence));
  const index = lines.findIndex(
    line => evidence.has(line) || isErrorLine(line)
  );
  return index >= 0 ? index : undefined;
}

// Time stamps in log lines, reduced to a key that sorts as time does within a year:
// RFC 3339 (kubectl --timestamps, SGLang, Ray: "2025-01-23T10:11:12" or "2025-01-23 10:11:12"),
// vLLM's "INFO 01-23 10:11:12", glog and torch c10's "[E0123 10:11:12.123456 file.cpp:1]".
const STAMPS: readonly RegExp[] = [
  /(?:^|[\s[:])[IWEF](?<month>\d\d)(?<day>\d\d) (?<time>\d\d:\d\d:\d\d)(?:\.(?<fraction>\d+))?/,
  /\d{4}-(?<month>\d\d)-(?<day>\d\d)[T ](?<time>\d\d:\d\d:\d\d)(?:[.,](?<fraction>\d+))?/,
  /\b(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL)\s+(?<month>\d\d)-(?<day>\d\d) (?<time>\d\d:\d\d:\d\d)(?:[.,](?<fraction>\d+))?/
];

function stampKey(line: string): string | undefined {
  for (const pattern of STAMPS) {
    const groups = pattern.exec(line)?.groups;
    if (groups) {
      return `${groups.month}-${groups.day} ${groups.time}.${(groups.fraction ?? '').padEnd(9, '0')}`;
    }
  }
  return undefined;
}

/**
 * The time of a log's error: its line's stamp, else the next stamp after it (a traceback
 * has none, and the lines after it are closest), else the last one before it.
 */
function errorTime(lines: string[], index: number): string | undefined {
  for (let i = index; i < lines.length; i++) {
    const key = stampKey(lines[i]);
    if (key !== undefined) {
      return key;
    }
  }
  for (let i = index - 1; i >= 0; i--) {
    const key = stampKey(lines[i]);
    if (key !== undefined) {
      return key;
    }
  }
  return undefined;
}

type Source = {
  name?: string;
  lines: string[];
  found: IDiagnosis[];
  firstError?: number;
};

/**
 * The pod whose error came first, by the time stamps of the logs; without comparable
 * stamps, a pod with a cause beats one with only symptoms (a timeout, a restart).
 */
function firstFailingPod(pods: Source[]): Source | undefined {
  const failing = pods.filter(pod => pod.firstError !== undefined);
  if (failing.length === 0) {
    return undefined;
  }
  const timed = failing
    .map(pod => ({ pod, time: errorTime(pod.lines, pod.firstError!) }))
    .filter(
      (entry): entry is { pod: Source; time: string } =>
        entry.time !== undefined
    );
  if (timed.length === failing.length) {
    return timed.reduce((best, entry) =>
      entry.time < best.time ? entry : best
    ).pod;
  }
  const onlySymptoms = (pod: Source) =>
    pod.found.length > 0 &&
    pod.found.every(
      diagnosis => RULES.find(rule => rule.id === diagnosis.id)?.symptom
    );
  return failing.find(pod => !onlySymptoms(pod)) ?? failing[0];
}

const CONTEXT_BEFORE = 2;
const CONTEXT_MAX = 15;

function unknownError(lines: string[], index: number): IDiagnosis {
  // A traceback runs on to its exception line: show it to there (at most CONTEXT_MAX lines).
  let end = index;
  let evidence = lines[index];
  const traceback = lines[index].indexOf('Traceback (most recent call last)');
  if (traceback >= 0) {
    // Multiprocess logs prefix every line, e.g. "(EngineCore_DP0 pid=81) ".
    const prefix = lines[index].slice(0, traceback);
    const inBody = (line: string) =>
      /^\s|^\^/.test(
        line.startsWith(prefix) ? line.slice(prefix.length) : line
      );
    while (
      end + 1 < lines.length &&
      end - index < 200 &&
      (end === index || inBody(lines[end]))
    ) {
      end++;
    }
    // The exception line ends the traceback; a cut-off log keeps the Traceback line.
    if (end > index && !inBody(lines[end]) && lines[end].trim() !== '') {
      evidence = lines[end];
    }
  }
  // An exception's message may go on over indented lines (pydantic's "  1 validation error
  // for ParallelConfig" under "ValidationError:"): they belong to the error.
  if (evidence === lines[end]) {
    const prefix = /^\([^)]*\) /.exec(evidence)?.[0] ?? '';
    const continues = (line: string) =>
      /^\s+\S/.test(line.startsWith(prefix) ? line.slice(prefix.length) : line);
    while (
      end + 1 < lines.length &&
      end - index < CONTEXT_MAX &&
      continues(lines[end + 1])
    ) {
      end++;
    }
  }
  const start = Math.max(0, index - CONTEXT_BEFORE);
  let context = lines.slice(start, Math.max(end, index) + 1);
  if (context.length > CONTEXT_MAX) {
    const head = index - start + 1;
    context = [
      ...context.slice(0, head),
      '...',
      ...context.slice(-(CONTEXT_MAX - head - 1))
    ];
  }
  return {
    id: UNKNOWN_ERROR,
    title: 'An error no known cause explains',
    cause:
      'The log shows this error, and it matches none of the known failures, so no known cause was found.',
    fix: "Read the error and the lines around it; the same error on several pods usually starts on the first one. Search the engine's issue tracker for the error message.",
    evidence,
    severity: 'error',
    context
  };
}

function firstHit(
  rule: Rule,
  lines: string[]
): { line: string; match: RegExpExecArray } | undefined {
  // The most telling pattern wins, even if a vaguer one matched an earlier line.
  for (const pattern of rule.patterns) {
    for (const line of lines) {
      const match = pattern.exec(line);
      if (match && (!rule.test || rule.test(line))) {
        return { line, match };
      }
    }
  }
  return undefined;
}

function hasGpu(failure: ISchedulingFailure): boolean {
  return blockersOf(failure, ['gpu']).length > 0;
}

/** The model's Hugging Face page, or where to find it. */
function modelPage(model: string | undefined): string {
  return model
    ? `https://huggingface.co/${model}`
    : "the model's page on https://huggingface.co";
}

/** Where the token goes: the form's Secret field, or the hand-written manifest's own Secret. */
function tokenPlace(spec: IDiagnosisSpec): string {
  if (spec.madeByForm !== false) {
    return `store it under the key "token" in the Secret ${spec.hfTokenSecret ? `"${spec.hfTokenSecret}"` : 'named by the hfTokenSecret field'}, never in the manifest`;
  }
  const token = spec.token;
  if (token?.secret) {
    return `put it in the Secret "${token.secret.name}" under the key "${token.secret.key}", which the containers read as ${token.variable}, then restart the pods`;
  }
  if (token?.literal) {
    return `put it in a Secret and let ${token.variable} read it with valueFrom.secretKeyRef instead of the literal value in the manifest`;
  }
  return 'put it in a Secret (kubectl create secret generic hf-token --from-literal=token=...) and give the leader and worker containers the variable HF_TOKEN with valueFrom.secretKeyRef {name: hf-token, key: token}: they set no HF_TOKEN now';
}

const RESOURCE_FIXES: Partial<
  Record<BlockerKind, (spec: IDiagnosisSpec, resource?: string) => string>
> = {
  memory: spec =>
    'Lower the memory request of the leader and worker containers (resources.requests.memory) to what the nodes have free, ' +
    `or use fewer GPUs per pod on more nodes${spec.gpusPerNode ? ` (now ${spec.gpusPerNode} per pod)` : ''}: each pod then holds a smaller share of the model and needs less RAM.`,
  cpu: () =>
    'Lower the CPU request of the leader and worker containers (resources.requests.cpu), or use fewer GPUs per pod on more nodes.',
  'ephemeral-storage': () =>
    "Lower resources.requests.ephemeral-storage and keep the model files on a volume (models-pvc with HF_HOME=/models) instead of the container's disk.",
  hugepages: () =>
    'Lower or drop the hugepages request: few nodes reserve huge pages.',
  pods: () =>
    'Those nodes run as many pods as they may (their pod limit): wait until pods finish, or ask your administrator.',
  'other-resource': (_spec, resource) =>
    `Check that the nodes offer "${resource}" at all (Allocatable in kubectl describe node), and lower the request.`
};

function resourceFix(
  failure: ISchedulingFailure,
  spec: IDiagnosisSpec
): string {
  const fixes = blockersOf(failure, RESOURCE_KINDS).map(blocker =>
    RESOURCE_FIXES[blocker.kind]!(spec, blocker.resource)
  );
  return (
    [...new Set(fixes)].join(' ') +
    ' kubectl describe node shows the Allocatable and "Allocated resources" of each node.'
  );
}

// Taints that the node's own condition sets: the node is down, not reserved.
const CONDITION_TAINT =
  /^node\.(?:kubernetes\.io|cloudprovider\.kubernetes\.io)\/(?!unschedulable)/;

function placementFix(failure: ISchedulingFailure): string {
  const fixes = blockersOf(failure, PLACEMENT_KINDS).map(blocker => {
    switch (blocker.kind) {
      case 'taint': {
        const key = blocker.taint?.split(':')[0].trim();
        if (key && CONDITION_TAINT.test(key)) {
          return `The taint ${key} means the node is not ready (down, unreachable or under pressure): ask your administrator; the pods go there once it recovers.`;
        }
        return (
          'A taint keeps pods off a node unless they tolerate it. If the pods belong on those nodes (GPU nodes are often tainted), add a toleration to the pod spec of the leader and the worker template' +
          (key
            ? ` (tolerations: [{key: ${key}, operator: Exists}])`
            : ' (kubectl describe node shows the Taints)') +
          '; control-plane nodes are not meant for workloads.'
        );
      }
      case 'node-selector':
        return "Compare nodeSelector and affinity.nodeAffinity of both templates with the nodes' labels (kubectl get nodes --show-labels): a label no node carries, or a typo, rules out every node.";
      case 'unschedulable':
        return 'Cordoned nodes (kubectl cordon or drain, for maintenance) take no new pods: wait, or ask your administrator to uncordon them.';
      default:
        return 'Relax the pod affinity, anti-affinity or topologySpreadConstraints of the templates (the annotation leaderworkerset.sigs.k8s.io/exclusive-topology adds such rules), or free nodes that satisfy them.';
    }
  });
  return [...new Set(fixes)].join(' ');
}

function render(text: Text, facts: Facts): string {
  return typeof text === 'function' ? text(facts) : text;
}

function eventLine(event: IDiagnosisEvent): string {
  const message = event.message ?? '';
  return event.reason ? `${event.reason}: ${message}` : message;
}

// eslint-disable-next-line no-control-regex -- terminal colour codes start with ESC
const ANSI_COLOUR = /\u001b\[[0-9;]*m/g;

// tqdm redraws with carriage returns, and colour codes would hide the text from the patterns.
function logLines(logs: string): string[] {
  return logs
    .replace(ANSI_COLOUR, '')
    .split(/\r\n|\r|\n/)
    .map(line => line.trimEnd());
}
