// The new-deployment form's values and their mapping to and from a DeploymentSpec.
//
// The form shows text as the user typed it (numbers included, so "2." is not lost while
// typing), and an empty advanced field means "the default" (engine or cluster profile),
// which the form shows as a placeholder. specFromForm turns the values into the spec the
// YAML preview shows and the manifests are built from; formFromSpec reads a spec (from the
// YAML editor, a fix or a draft) back into values. Spec fields without an input
// (modelConfig, unknown fields) ride along in `extra`, so editing the YAML never loses them.

import { lwsNameMaxLength, suggestDnsLabel } from './dns1123';
import { joinArgs, splitArgs } from './engines/commandLine';
import type { IIssue } from './issues';
import { error } from './issues';
import type { IClusterProfile } from './profiles';
import { nonAsciiNote, shown } from './shownText';
import { fieldTypeIssues } from './specTypes';
import type {
  EngineName,
  IDeploymentSpec,
  IRdmaSettings,
  IStorageSettings,
  VllmMode
} from './spec';
import { SPEC_FIELDS } from './spec';

/** What the form's inputs hold. */
export interface IFormValues {
  /** Id of the cluster profile the defaults come from. */
  profileId: string;
  name: string;
  /** False while the name follows the model (the user has not typed one). */
  nameEdited: boolean;
  engine: EngineName;
  model: string;
  nodes: string;
  gpusPerNode: string;
  image: string;
  gpuType: string;
  tensorParallel: string;
  pipelineParallel: string;
  replicas: string;
  port: string;
  distPort: string;
  serviceName: string;
  /** The RDMA switch: network annotation, RDMA devices, IPC_LOCK, NCCL_IB_ADDR_FAMILY, all or nothing. */
  rdma: boolean;
  /** Networks, one per line (or comma-separated); empty: the profile's. */
  rdmaNetworks: string;
  /** `resource: count` per line; empty: the profile's. */
  rdmaResources: string;
  /** '' (the profile's), AF_INET6 or AF_INET. */
  rdmaAddrFamily: string;
  /** NCCL_DEBUG level, '' for none. */
  ncclDebug: string;
  /** Mount the models PVC (HF_HOME). */
  storage: boolean;
  storagePvc: string;
  storageMountPath: string;
  /** Name of the Secret holding the HF token (key `token`); '' for none. */
  hfTokenSecret: string;
  /** Extra engine arguments, shell-like: `--max-running-requests 500`. */
  engineArgs: string;
  leaderArgs: string;
  workerArgs: string;
  /** `NAME=value`, one per line. */
  env: string;
  /** '' (chosen from the image tag), `ray` or `native`. */
  vllmMode: '' | 'ray' | 'native';
  trustRemoteCode: boolean;
  /** Spec fields the form has no input for, kept as they are. */
  extra: Record<string, unknown>;
}

/** A form input, by its key in {@link IFormValues}. */
export type FormField = Exclude<keyof IFormValues, 'extra' | 'nameEdited'>;

/** The inputs under "Advanced": everything but the few required ones. */
export const ADVANCED_FIELDS: readonly FormField[] = [
  'image',
  'gpuType',
  'tensorParallel',
  'pipelineParallel',
  'replicas',
  'port',
  'distPort',
  'serviceName',
  'rdma',
  'rdmaNetworks',
  'rdmaResources',
  'rdmaAddrFamily',
  'ncclDebug',
  'storage',
  'storagePvc',
  'storageMountPath',
  'engineArgs',
  'leaderArgs',
  'workerArgs',
  'env',
  'vllmMode',
  'trustRemoteCode'
];

/** Spec fields the form edits; any other field (a model's `config.json` values) goes to `extra`. */
const FORM_SPEC_FIELDS = new Set<string>(
  SPEC_FIELDS.filter(field => field !== 'modelConfig')
);

/** Options of {@link initialValues}. */
export interface IInitialOptions {
  engine?: EngineName;
  /** The `ncclDebugByDefault` setting: the guide wants INFO until the deployment is healthy. */
  ncclDebug?: boolean;
}

/** A fresh form: one node of the profile's GPUs, its RDMA and storage, no model yet. */
export function initialValues(
  profile: IClusterProfile,
  options: IInitialOptions = {}
): IFormValues {
  return {
    profileId: profile.id,
    name: '',
    nameEdited: false,
    engine: options.engine ?? 'vllm',
    model: '',
    nodes: '1',
    gpusPerNode: String(profile.gpusPerNode),
    image: '',
    gpuType: '',
    tensorParallel: '',
    pipelineParallel: '',
    replicas: '',
    port: '',
    distPort: '',
    serviceName: '',
    rdma: profile.rdma !== undefined,
    rdmaNetworks: '',
    rdmaResources: '',
    rdmaAddrFamily: '',
    ncclDebug: options.ncclDebug === false ? '' : 'INFO',
    storage: true,
    storagePvc: '',
    storageMountPath: '',
    hfTokenSecret: '',
    engineArgs: '',
    leaderArgs: '',
    workerArgs: '',
    env: '',
    vllmMode: '',
    trustRemoteCode: false,
    extra: {}
  };
}

/**
 * The LWS name the form proposes for a model while the user has not typed one:
 * `meta-llama/Llama-3.3-70B-Instruct` -> `llama-3-3-70b-instruct`.
 */
export function suggestName(model: string): string {
  const last = model.trim().replace(/\/+$/, '').split('/').pop() ?? '';
  return suggestDnsLabel(last, lwsNameMaxLength(1));
}

/**
 * The values after the user changed one input: the name follows the model until the user
 * types a name, and clearing the name makes it follow again.
 */
export function updateValues(
  values: IFormValues,
  change: Partial<IFormValues>
): IFormValues {
  const next = { ...values, ...change };
  if (change.name !== undefined) {
    next.nameEdited = change.name !== '';
  }
  if (!next.nameEdited && (change.model !== undefined || change.name === '')) {
    next.name = suggestName(next.model);
  }
  return next;
}

/** The spec the values describe, and what in them cannot be read (issues with a `field`). */
export function specFromForm(values: IFormValues): {
  spec: IDeploymentSpec;
  issues: IIssue[];
} {
  const issues: IIssue[] = [];
  // `nodes` is required but may be unreadable: validateSpec then reports it missing.
  const spec = {
    name: values.name.trim(),
    engine: values.engine
  } as IDeploymentSpec;
  const text = (field: 'image' | 'gpuType' | 'serviceName') => {
    const value = values[field].trim();
    if (value !== '') {
      spec[field] = value;
    }
  };
  const count = (
    field:
      | 'nodes'
      | 'gpusPerNode'
      | 'tensorParallel'
      | 'pipelineParallel'
      | 'replicas'
      | 'port'
      | 'distPort'
  ) => {
    const parsed = parseNumber(values[field]);
    if (parsed === null) {
      issues.push(
        error(
          'form-not-a-number',
          `${shown(values[field].trim())} is not a number.` +
            nonAsciiNote(values[field]),
          field
        )
      );
    } else if (parsed !== undefined) {
      spec[field] = parsed;
    }
  };
  text('image');
  spec.model = values.model.trim();
  count('nodes');
  count('gpusPerNode');
  text('gpuType');
  count('tensorParallel');
  count('pipelineParallel');
  count('replicas');
  count('port');
  count('distPort');
  text('serviceName');

  if (values.rdma) {
    const rdma: Partial<IRdmaSettings> = {};
    const networks = splitList(values.rdmaNetworks);
    if (networks.length > 0) {
      rdma.networks = networks;
    }
    const resources = parseResources(values.rdmaResources);
    if (resources.problem) {
      issues.push(
        error('form-rdma-resources', resources.problem, 'rdma.resources')
      );
    } else if (Object.keys(resources.value).length > 0) {
      rdma.resources = resources.value;
    }
    if (values.rdmaAddrFamily.trim() !== '') {
      rdma.addrFamily = values.rdmaAddrFamily.trim();
    }
    spec.rdma = Object.keys(rdma).length > 0 ? rdma : true;
  } else {
    spec.rdma = false;
  }

  if (values.ncclDebug.trim() !== '') {
    spec.ncclDebug = values.ncclDebug.trim();
  }

  if (!values.storage) {
    spec.storage = false;
  } else {
    const storage: Partial<IStorageSettings> = {};
    if (values.storagePvc.trim() !== '') {
      storage.pvc = values.storagePvc.trim();
    }
    if (values.storageMountPath.trim() !== '') {
      storage.mountPath = values.storageMountPath.trim();
    }
    if (Object.keys(storage).length > 0) {
      spec.storage = storage;
    }
  }

  if (values.hfTokenSecret.trim() !== '') {
    spec.hfTokenSecret = values.hfTokenSecret.trim();
  }
  for (const field of ['engineArgs', 'leaderArgs', 'workerArgs'] as const) {
    const args = splitArgs(values[field]);
    if (args.problem) {
      issues.push(error('form-args', args.problem, field));
    } else if (args.value.length > 0) {
      spec[field] = args.value;
    }
  }
  const env = parseEnv(values.env);
  if (env.problem) {
    issues.push(error('form-env', env.problem, 'env'));
  } else if (Object.keys(env.value).length > 0) {
    spec.env = env.value;
  }
  if (values.engine === 'vllm' && values.vllmMode !== '') {
    spec.vllmMode = values.vllmMode;
  }
  if (values.trustRemoteCode) {
    spec.trustRemoteCode = true;
  }
  return { spec: { ...spec, ...values.extra }, issues };
}

/**
 * The form values of `spec` (from the YAML editor, a fix or a draft). `previous` keeps what
 * the spec does not say: the profile and whether the user typed the name.
 */
export function formFromSpec(
  spec: IDeploymentSpec,
  previous: Pick<IFormValues, 'profileId' | 'nameEdited' | 'name'>
): IFormValues {
  // A hand-written spec may hold anything anywhere: never assume a field's type here
  // (validation names the wrong ones); an object even may lack a usable toString.
  const str = (value: unknown): string =>
    value === undefined || value === null
      ? ''
      : typeof value === 'object'
        ? jsonText(value)
        : String(value);
  const list = (value: unknown): unknown[] =>
    Array.isArray(value) ? value : value === undefined ? [] : [value];
  const mapping = (value: unknown): [string, unknown][] =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.entries(value)
      : [];
  const rdma = spec.rdma;
  const rdmaObject =
    rdma !== null && typeof rdma === 'object' ? rdma : undefined;
  const storage = spec.storage;
  const storageObject =
    storage !== null && typeof storage === 'object' ? storage : undefined;
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (!FORM_SPEC_FIELDS.has(key)) {
      extra[key] = value;
    }
  }
  const name = str(spec.name);
  return {
    profileId: previous.profileId,
    name,
    nameEdited:
      previous.nameEdited ||
      (name !== '' && name !== suggestName(str(spec.model))),
    engine: spec.engine,
    model: str(spec.model),
    nodes: str(spec.nodes),
    gpusPerNode: str(spec.gpusPerNode),
    image: str(spec.image),
    gpuType: str(spec.gpuType),
    tensorParallel: str(spec.tensorParallel),
    pipelineParallel: str(spec.pipelineParallel),
    replicas: str(spec.replicas),
    port: str(spec.port),
    distPort: str(spec.distPort),
    serviceName: str(spec.serviceName),
    rdma: rdma === true || rdmaObject !== undefined,
    rdmaNetworks: list(rdmaObject?.networks).map(str).join('\n'),
    rdmaResources: mapping(rdmaObject?.resources)
      .map(([resource, value]) => `${resource}: ${str(value)}`)
      .join('\n'),
    rdmaAddrFamily: str(rdmaObject?.addrFamily),
    ncclDebug:
      spec.ncclDebug === true
        ? 'INFO'
        : typeof spec.ncclDebug === 'string'
          ? spec.ncclDebug
          : '',
    storage: storage !== false && storage !== null,
    storagePvc: str(storageObject?.pvc),
    storageMountPath: str(storageObject?.mountPath),
    hfTokenSecret: str(spec.hfTokenSecret),
    engineArgs: joinArgs(list(spec.engineArgs).map(str)),
    leaderArgs: joinArgs(list(spec.leaderArgs).map(str)),
    workerArgs: joinArgs(list(spec.workerArgs).map(str)),
    env: mapping(spec.env)
      .map(([key, value]) => `${key}=${str(value)}`)
      .join('\n'),
    vllmMode: vllmModeValue(spec.vllmMode),
    trustRemoteCode: spec.trustRemoteCode === true,
    extra
  };
}

/** Spec fields the form holds as typed numbers. */
const COUNT_FIELDS = [
  'nodes',
  'gpusPerNode',
  'tensorParallel',
  'pipelineParallel',
  'replicas',
  'port',
  'distPort'
] as const;

/**
 * Why the form cannot take a spec edited as YAML as it is written: fields of the wrong type
 * (`storage: 5`, `gpusPerNode: "8"`) and values its inputs cannot hold (an unknown
 * vllmMode). The form would read them as something else (storage on, 8, auto) and deploy
 * what the user did not write, so such an edit stays out of the form with these reasons.
 */
export function yamlEditIssues(spec: IDeploymentSpec): IIssue[] {
  const issues = fieldTypeIssues(spec);
  for (const field of COUNT_FIELDS) {
    const value: unknown = spec[field];
    if (value !== undefined && value !== null && typeof value !== 'number') {
      issues.push(
        error(
          'form-not-a-number',
          `${field} must be a number, written without quotes; got ${shown(value)}.`,
          field
        )
      );
    }
  }
  const mode: unknown = spec.vllmMode;
  if (
    typeof mode === 'string' &&
    mode !== 'auto' &&
    vllmModeValue(mode as VllmMode) === ''
  ) {
    issues.push(
      error(
        'form-vllm-mode',
        `vllmMode ${shown(mode)} is not one of auto, ray, native.`,
        'vllmMode'
      )
    );
  }
  return issues;
}

/** The values with `fix` (an issue's suggested spec fields, or a plan) applied. */
export function applySpecFix(
  values: IFormValues,
  fix: Partial<IDeploymentSpec>
): IFormValues {
  const { spec } = specFromForm(values);
  const next = formFromSpec({ ...spec, ...fix }, values);
  if (fix.name !== undefined) {
    next.nameEdited = true;
  }
  return next;
}

/**
 * The values for another cluster profile: its GPUs per node and RDMA switch, with the
 * fields that came from the old profile (left empty) now showing the new one's defaults.
 */
export function switchProfile(
  values: IFormValues,
  profile: IClusterProfile
): IFormValues {
  return {
    ...values,
    profileId: profile.id,
    gpusPerNode: String(profile.gpusPerNode),
    rdma: profile.rdma !== undefined
  };
}

/** Maps an issue's spec field (`rdma.networks`, `env.FOO`) to the input that shows it. */
export function formFieldOf(field: string | undefined): FormField | undefined {
  if (field === undefined) {
    return undefined;
  }
  const mapped: Record<string, FormField> = {
    rdma: 'rdma',
    'rdma.networks': 'rdmaNetworks',
    'rdma.resources': 'rdmaResources',
    'rdma.addrFamily': 'rdmaAddrFamily',
    storage: 'storage',
    'storage.pvc': 'storagePvc',
    'storage.mountPath': 'storageMountPath'
  };
  if (mapped[field] !== undefined) {
    return mapped[field];
  }
  if (field === 'env' || field.startsWith('env.')) {
    return 'env';
  }
  const known: readonly string[] = [
    'name',
    'engine',
    'model',
    'nodes',
    'gpusPerNode',
    'hfTokenSecret',
    ...ADVANCED_FIELDS
  ];
  return known.includes(field) ? (field as FormField) : undefined;
}

/** `NAME=value` lines (blank lines and `#` comments skipped) as a mapping. */
export function parseEnv(text: string): {
  value: Record<string, string>;
  problem?: string;
} {
  const value: Record<string, string> = {};
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const equals = line.indexOf('=');
    if (equals <= 0) {
      return {
        value: {},
        problem: `Line ${index + 1} (${shown(line)}) is not NAME=value.`
      };
    }
    value[line.slice(0, equals).trim()] = line.slice(equals + 1).trim();
  }
  return { value };
}

/** `resource: count` (or `resource=count`) lines as a mapping; a bare resource counts 1. */
export function parseResources(text: string): {
  value: Record<string, number>;
  problem?: string;
} {
  const value: Record<string, number> = {};
  for (const item of splitList(text)) {
    const match = /^([^:=\s]+)\s*(?:[:=]\s*(.*))?$/.exec(item);
    const count = match?.[2] === undefined ? 1 : parseNumber(match[2]);
    if (!match || count === null || count === undefined) {
      return {
        value: {},
        problem: `${shown(item)} is not "resource: count", e.g. "rdma/rdma_shared_device_a: 1".`
      };
    }
    value[match[1]] = count;
  }
  return { value };
}

/** Items of a list typed one per line or separated by commas. */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map(item => item.trim())
    .filter(item => item !== '');
}

/** A number typed into the form: undefined when empty, null when not a number. */
export function parseNumber(text: string): number | undefined | null {
  const trimmed = text.trim();
  if (trimmed === '') {
    return undefined;
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(trimmed)) {
    return null;
  }
  return Number(trimmed);
}

/** JSON of a value from a file, or a placeholder for one that contains itself. */
function jsonText(value: object): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '';
  }
}

function vllmModeValue(mode: VllmMode | undefined): IFormValues['vllmMode'] {
  return mode === 'ray' || mode === 'native' ? mode : '';
}

/** Issue ids that only say a required field is still empty. */
const EMPTY_FIELD_ISSUES = new Set(['empty-model', 'invalid-name']);

/**
 * The issues to show while the user fills the form: everything, except that a required
 * field left empty is not an error before the user has been to it (or tried to deploy),
 * nor are the errors that only follow from that emptiness (a Service name derived from no
 * name).
 */
export function visibleIssues(
  issues: readonly IIssue[],
  values: Pick<IFormValues, 'name' | 'model' | 'serviceName'>,
  touched: ReadonlySet<string>,
  showAll: boolean
): IIssue[] {
  if (showAll) {
    return [...issues];
  }
  const pending = (field: 'name' | 'model') =>
    values[field].trim() === '' && !touched.has(field);
  return issues.filter(issue => {
    if (
      EMPTY_FIELD_ISSUES.has(issue.id) &&
      (issue.field === 'name' || issue.field === 'model') &&
      pending(issue.field)
    ) {
      return false;
    }
    // "-leader" is not a valid Service name: a consequence of the empty name.
    if (
      issue.id === 'invalid-service-name' &&
      values.serviceName.trim() === '' &&
      values.name.trim() === ''
    ) {
      return false;
    }
    return true;
  });
}
