import type { TranslationBundle } from '@jupyterlab/translation';
import { Button, HTMLSelect, InputGroup } from '@jupyterlab/ui-components';
import React from 'react';

import { MODEL_CATALOG } from '../../model/catalog';
import { ENGINES } from '../../model/engines';
import type { FormField, IFormValues } from '../../model/formState';
import {
  ADVANCED_FIELDS,
  defaultTokenSecretName,
  formFieldOf
} from '../../model/formState';
import type { IIssue } from '../../model/issues';
import { NCCL_DEBUG_LEVELS } from '../../model/validate';
import { ApplyStatus } from './applyStatus';
import type { IApplyActions } from './applyStatus';
import { fieldLabel, inputId } from './fieldLabels';
import type { NewDeploymentModel } from './model';

/** The catalog's model ids, offered while typing a model. */
const MODEL_LIST_ID = 'jp-lws-new-model-catalog';

/** Props of {@link NewDeploymentForm}. */
export interface INewDeploymentFormProps {
  model: NewDeploymentModel;
  trans: TranslationBundle;
  actions: IApplyActions;
  onDeploy: () => void;
  /** Shown under the model: whether it is in the model volume (the downloads). */
  modelNote?: (repo: string) => JSX.Element | null;
}

/**
 * The form: the few required inputs, the Hugging Face token, and the rest of the spec
 * under "Advanced", each with its validation messages; then Deploy and its progress.
 */
export function NewDeploymentForm(props: INewDeploymentFormProps): JSX.Element {
  const { model, trans } = props;
  const values = model.values;
  const resolved = model.advice.resolved;
  const issues = model.issues;
  const [advancedOpen, setAdvancedOpen] = React.useState(false);
  // Bring an outcome into view: the form is long and Deploy sits at its end.
  const statusRef = React.useRef<HTMLDivElement>(null);
  const applyState = model.applyState;
  React.useEffect(() => {
    if (applyState.phase !== 'idle' && applyState.phase !== 'running') {
      statusRef.current?.scrollIntoView?.({ block: 'nearest' });
    }
  }, [applyState]);
  const set = (change: Partial<IFormValues>) => model.setValues(change);
  const field = (key: FormField) => ({
    id: inputId(key),
    'aria-invalid': issuesFor(issues, key, 'error').length > 0,
    'aria-describedby': `${inputId(key)}-messages`,
    'data-testid': `lws-new-${key}`,
    onBlur: () => model.touch(key)
  });
  const text = (
    key: Exclude<
      FormField,
      'engine' | 'rdma' | 'storage' | 'trustRemoteCode' | 'vllmMode'
    >,
    placeholder?: string,
    type: 'text' | 'number' = 'text'
  ) => (
    <InputGroup
      {...field(key)}
      className="jp-lws-NewDeployment-input"
      type={type}
      min={type === 'number' ? 1 : undefined}
      value={values[key]}
      placeholder={placeholder}
      spellCheck={false}
      autoComplete="off"
      list={key === 'model' ? MODEL_LIST_ID : undefined}
      onChange={event => set({ [key]: event.currentTarget.value })}
    />
  );
  const area = (
    key:
      | 'rdmaNetworks'
      | 'rdmaResources'
      | 'engineArgs'
      | 'leaderArgs'
      | 'workerArgs'
      | 'env',
    placeholder: string
  ) => (
    <textarea
      {...field(key)}
      className="jp-mod-styled jp-lws-NewDeployment-textarea"
      rows={2}
      value={values[key]}
      placeholder={placeholder}
      spellCheck={false}
      onChange={event => set({ [key]: event.currentTarget.value })}
    />
  );
  const row = (key: FormField, input: JSX.Element, help?: string) => (
    <Field key={key} field={key} issues={issues} help={help} trans={trans}>
      {input}
    </Field>
  );
  const defaults = resolved;
  const tokenSecretPlaceholder = model.hasToken
    ? defaultTokenSecretName(values.name || trans.__('name'))
    : trans.__('none');

  return (
    <form
      className="jp-lws-NewDeployment-form"
      aria-label={trans.__('New multi-node deployment')}
      onSubmit={event => {
        event.preventDefault();
        props.onDeploy();
      }}
    >
      <header className="jp-lws-NewDeployment-header">
        <h2>{trans.__('New multi-node deployment')}</h2>
        <ClusterNotice model={model} trans={trans} />
      </header>

      <fieldset className="jp-lws-NewDeployment-section">
        <legend>{trans.__('Deployment')}</legend>
        {row(
          'profileId',
          <HTMLSelect
            {...field('profileId')}
            value={values.profileId}
            onChange={event => model.setProfile(event.currentTarget.value)}
            options={model.profiles.map(profile => ({
              value: profile.id,
              label: profile.label
            }))}
          />,
          trans.__(
            'Defaults for GPUs, RDMA, storage and images; set the default in Settings.'
          )
        )}
        {row(
          'engine',
          <HTMLSelect
            {...field('engine')}
            value={values.engine}
            onChange={event =>
              set({
                engine: event.currentTarget.value as IFormValues['engine']
              })
            }
            options={Object.values(ENGINES).map(engine => ({
              value: engine.name,
              label: engine.label
            }))}
          />
        )}
        {row(
          'model',
          <>
            {text('model', 'meta-llama/Llama-3.3-70B-Instruct')}
            <datalist id={MODEL_LIST_ID}>
              {MODEL_CATALOG.map(entry => (
                <option key={entry.id} value={entry.id} />
              ))}
            </datalist>
            {props.modelNote?.(values.model)}
          </>,
          trans.__(
            'A Hugging Face id; pre-download it into the models PVC, as the guide recommends.'
          )
        )}
        {row(
          'name',
          text('name', trans.__('follows the model')),
          trans.__(
            'The LeaderWorkerSet name; its pods and the API Service are named after it.'
          )
        )}
        <div className="jp-lws-NewDeployment-pair">
          {row(
            'nodes',
            text('nodes', '1', 'number'),
            trans.__('Pods per group, one per node.')
          )}
          {row(
            'gpusPerNode',
            text('gpusPerNode', String(model.profile.gpusPerNode), 'number'),
            trans.__('Up to %1 on this profile.', model.profile.gpusPerNode)
          )}
        </div>
      </fieldset>

      <fieldset className="jp-lws-NewDeployment-section">
        <legend>{trans.__('Hugging Face token')}</legend>
        <div className="jp-lws-NewDeployment-field">
          <label htmlFor="jp-lws-new-token">{trans.__('Token')}</label>
          <InputGroup
            id="jp-lws-new-token"
            data-testid="lws-new-token"
            className="jp-lws-NewDeployment-input"
            type="password"
            autoComplete="new-password"
            spellCheck={false}
            placeholder={trans.__('hf_… (optional)')}
            onChange={event => model.setToken(event.currentTarget.value)}
          />
          <p className="jp-lws-NewDeployment-help">
            {trans.__(
              'Stored only in a Kubernetes Secret (created or updated on Deploy); never in the preview, the draft or the browser. Leave empty to use an existing Secret.'
            )}
          </p>
        </div>
        {row(
          'hfTokenSecret',
          text('hfTokenSecret', tokenSecretPlaceholder),
          trans.__(
            'The Secret (key "token") the pods read HF_TOKEN from. JupyterLab cannot read Secrets, so an existing one is used as it is.'
          )
        )}
      </fieldset>

      <details
        className="jp-lws-NewDeployment-advanced"
        open={advancedOpen}
        onToggle={event => setAdvancedOpen(event.currentTarget.open)}
      >
        <summary data-testid="lws-new-advanced">
          {trans.__('Advanced')}
          <AdvancedCount issues={issues} trans={trans} />
        </summary>

        <fieldset className="jp-lws-NewDeployment-section">
          <legend>{trans.__('Engine')}</legend>
          {row(
            'image',
            text('image', defaults?.image ?? ''),
            trans.__('Empty: the profile’s image for the engine.')
          )}
          {values.engine === 'vllm' &&
            row(
              'vllmMode',
              <HTMLSelect
                {...field('vllmMode')}
                value={values.vllmMode}
                onChange={event =>
                  set({
                    vllmMode: event.currentTarget
                      .value as IFormValues['vllmMode']
                  })
                }
                options={[
                  {
                    value: '',
                    label: trans.__(
                      'From the image tag (now: %1)',
                      defaults?.vllmMode ?? '?'
                    )
                  },
                  { value: 'ray', label: trans.__('Ray (images up to v0.11)') },
                  {
                    value: 'native',
                    label: trans.__('Native (vllm serve --nnodes)')
                  }
                ]}
              />
            )}
          {row(
            'trustRemoteCode',
            <Checkbox
              {...field('trustRemoteCode')}
              checked={values.trustRemoteCode}
              onChange={checked => set({ trustRemoteCode: checked })}
              label={trans.__('Run Python code from the model repository')}
            />
          )}
          {row(
            'engineArgs',
            area('engineArgs', '--max-running-requests 500'),
            trans.__('Passed to every pod, as on a command line.')
          )}
          <div className="jp-lws-NewDeployment-pair">
            {row('leaderArgs', area('leaderArgs', ''))}
            {row('workerArgs', area('workerArgs', '--log-level debug'))}
          </div>
          {row(
            'env',
            area('env', 'NCCL_SOCKET_IFNAME=eth0'),
            trans.__('NAME=value, one per line.')
          )}
        </fieldset>

        <fieldset className="jp-lws-NewDeployment-section">
          <legend>{trans.__('Parallelism and size')}</legend>
          <div className="jp-lws-NewDeployment-pair">
            {row(
              'tensorParallel',
              text(
                'tensorParallel',
                String(defaults?.tensorParallel ?? ''),
                'number'
              )
            )}
            {row(
              'pipelineParallel',
              text(
                'pipelineParallel',
                String(defaults?.pipelineParallel ?? ''),
                'number'
              )
            )}
          </div>
          <div className="jp-lws-NewDeployment-pair">
            {row(
              'replicas',
              text('replicas', '1', 'number'),
              trans.__('Groups, each serving the whole model.')
            )}
            {row('gpuType', text('gpuType', model.profile.gpuType ?? ''))}
          </div>
        </fieldset>

        <fieldset className="jp-lws-NewDeployment-section">
          <legend>{trans.__('Network')}</legend>
          <div className="jp-lws-NewDeployment-pair">
            {row('port', text('port', String(defaults?.port ?? ''), 'number'))}
            {row(
              'distPort',
              text(
                'distPort',
                defaults?.distPort !== undefined
                  ? String(defaults.distPort)
                  : trans.__('not used'),
                'number'
              )
            )}
          </div>
          {row(
            'serviceName',
            text('serviceName', defaults?.serviceName ?? ''),
            trans.__(
              'Must differ from the deployment name: LWS gives its own Service that name.'
            )
          )}
          {row(
            'rdma',
            <Checkbox
              {...field('rdma')}
              checked={values.rdma}
              onChange={checked => set({ rdma: checked })}
              label={trans.__(
                'The network annotation, the RDMA devices, IPC_LOCK and NCCL_IB_ADDR_FAMILY'
              )}
            />
          )}
          {values.rdma && (
            <>
              {row(
                'rdmaNetworks',
                area(
                  'rdmaNetworks',
                  (model.profile.rdma?.networks ?? []).join('\n')
                )
              )}
              <div className="jp-lws-NewDeployment-pair">
                {row(
                  'rdmaResources',
                  area(
                    'rdmaResources',
                    Object.entries(model.profile.rdma?.resources ?? {})
                      .map(([name, count]) => `${name}: ${count}`)
                      .join('\n')
                  )
                )}
                {row(
                  'rdmaAddrFamily',
                  <HTMLSelect
                    {...field('rdmaAddrFamily')}
                    value={values.rdmaAddrFamily}
                    onChange={event =>
                      set({ rdmaAddrFamily: event.currentTarget.value })
                    }
                    options={[
                      {
                        value: '',
                        label: trans.__(
                          'Profile (%1)',
                          model.profile.rdma?.addrFamily ?? 'AF_INET6'
                        )
                      },
                      'AF_INET6',
                      'AF_INET'
                    ]}
                  />
                )}
              </div>
            </>
          )}
          {row(
            'ncclDebug',
            <HTMLSelect
              {...field('ncclDebug')}
              value={values.ncclDebug}
              onChange={event => set({ ncclDebug: event.currentTarget.value })}
              options={[
                { value: '', label: trans.__('Off') },
                ...NCCL_DEBUG_LEVELS.map(level => ({
                  value: level,
                  label: level
                }))
              ]}
            />,
            trans.__(
              'The guide: INFO while debugging (look for NET/IB, not NET/Socket), off once healthy.'
            )
          )}
        </fieldset>

        <fieldset className="jp-lws-NewDeployment-section">
          <legend>{trans.__('Model storage')}</legend>
          {row(
            'storage',
            <Checkbox
              {...field('storage')}
              checked={values.storage}
              onChange={checked => set({ storage: checked })}
              label={trans.__('Mount the models PVC and point HF_HOME at it')}
            />
          )}
          {values.storage && (
            <div className="jp-lws-NewDeployment-pair">
              {row(
                'storagePvc',
                text('storagePvc', model.profile.storage?.pvc ?? 'models-pvc')
              )}
              {row(
                'storageMountPath',
                text(
                  'storageMountPath',
                  model.profile.storage?.mountPath ?? '/models'
                )
              )}
            </div>
          )}
        </fieldset>
      </details>

      <footer className="jp-lws-NewDeployment-footer">
        <div className="jp-lws-NewDeployment-deploy">
          <Button
            type="submit"
            className="jp-mod-styled jp-mod-accept"
            data-testid="lws-new-deploy"
            disabled={model.deployBlocker !== null}
          >
            {trans.__('Deploy')}
          </Button>
          <DeployBlocker
            blocker={model.deployBlocker}
            errors={issues.filter(issue => issue.severity === 'error').length}
            trans={trans}
          />
        </div>
        <div ref={statusRef}>
          <ApplyStatus
            state={model.applyState}
            trans={trans}
            actions={props.actions}
          />
        </div>
      </footer>
    </form>
  );
}

/** One labelled input with its help and its error messages. */
function Field(props: {
  field: FormField;
  issues: readonly IIssue[];
  help?: string;
  trans: TranslationBundle;
  children: React.ReactNode;
}): JSX.Element {
  const { field, trans } = props;
  const errors = issuesFor(props.issues, field, 'error');
  const warnings = issuesFor(props.issues, field, 'warning');
  const classes = ['jp-lws-NewDeployment-field'];
  if (errors.length > 0) {
    classes.push('jp-lws-mod-invalid');
  } else if (warnings.length > 0) {
    classes.push('jp-lws-mod-advised');
  }
  return (
    <div className={classes.join(' ')}>
      <label htmlFor={inputId(field)}>{fieldLabel(field, trans)}</label>
      {props.children}
      <div id={`${inputId(field)}-messages`}>
        {errors.map(issue => (
          <p
            key={`${issue.id}-${issue.message}`}
            className="jp-lws-NewDeployment-error"
            data-testid={`lws-new-error-${field}`}
            role="alert"
          >
            {issue.message}
          </p>
        ))}
        {warnings.length > 0 && (
          <p className="jp-lws-NewDeployment-advised">
            {trans._n(
              'One piece of advice for this field, on the right.',
              '%1 pieces of advice for this field, on the right.',
              warnings.length
            )}
          </p>
        )}
        {props.help && errors.length === 0 && (
          <p className="jp-lws-NewDeployment-help">{props.help}</p>
        )}
      </div>
    </div>
  );
}

/** A checkbox with its own label, in JupyterLab's look. */
function Checkbox(props: {
  id: string;
  checked: boolean;
  label: string;
  onChange: (checked: boolean) => void;
  'data-testid'?: string;
  'aria-describedby'?: string;
  onBlur?: () => void;
}): JSX.Element {
  return (
    <span className="jp-lws-NewDeployment-checkbox">
      <input
        type="checkbox"
        id={props.id}
        data-testid={props['data-testid']}
        aria-describedby={props['aria-describedby']}
        onBlur={props.onBlur}
        checked={props.checked}
        onChange={event => props.onChange(event.currentTarget.checked)}
      />
      <span>{props.label}</span>
    </span>
  );
}

function AdvancedCount(props: {
  issues: readonly IIssue[];
  trans: TranslationBundle;
}): JSX.Element | null {
  const errors = props.issues.filter(
    issue =>
      issue.severity === 'error' &&
      ADVANCED_FIELDS.includes(formFieldOf(issue.field) as FormField)
  ).length;
  if (errors === 0) {
    return null;
  }
  return (
    <span className="jp-lws-NewDeployment-badge">
      {props.trans._n('%1 error', '%1 errors', errors)}
    </span>
  );
}

function DeployBlocker(props: {
  blocker: string | null;
  errors: number;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { trans } = props;
  let text: string | null = null;
  switch (props.blocker) {
    case 'no-context':
      text = trans.__('Waiting for the cluster…');
      break;
    case 'no-lws':
      text = trans.__('LeaderWorkerSet is not installed in this cluster.');
      break;
    case 'yaml-edit':
      text = trans.__(
        'The YAML has an edit that is not applied: fix it or revert it to the form.'
      );
      break;
    case 'errors':
      text = trans._n(
        'Fix the error above first.',
        'Fix the %1 errors above first.',
        props.errors
      );
      break;
    case 'running':
      text = trans.__('Deploying…');
      break;
  }
  return text ? (
    <span
      className="jp-lws-NewDeployment-blocker"
      data-testid="lws-new-blocker"
    >
      {text}
    </span>
  ) : null;
}

/** Rights the deployment needs: creating or changing its three kinds of objects. */
const DEPLOY_RIGHTS: readonly { resource: string; verbs: string[] }[] = [
  { resource: 'leaderworkersets', verbs: ['create', 'patch'] },
  { resource: 'services', verbs: ['create', 'patch'] },
  { resource: 'secrets', verbs: ['create', 'patch'] }
];

/** Where the deployment goes, and what stands in the way before trying. */
function ClusterNotice(props: {
  model: NewDeploymentModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, trans } = props;
  const context = model.context;
  if (model.contextError) {
    return (
      <p className="jp-lws-NewDeployment-where jp-lws-mod-error" role="alert">
        {trans.__('Cannot reach the cluster: %1', model.contextError)}{' '}
        <Button
          className="jp-mod-styled"
          small
          onClick={() => void model.loadContext()}
        >
          {trans.__('Retry')}
        </Button>
      </p>
    );
  }
  if (!context) {
    return (
      <p className="jp-lws-NewDeployment-where">
        {trans.__('Connecting to the cluster…')}
      </p>
    );
  }
  const missing = context.missing.filter(right =>
    DEPLOY_RIGHTS.some(
      needed =>
        needed.resource === right.resource && needed.verbs.includes(right.verb)
    )
  );
  return (
    <>
      <p className="jp-lws-NewDeployment-where" data-testid="lws-new-namespace">
        {trans.__('Deploys into namespace %1.', context.namespace)}
      </p>
      {!context.lwsInstalled && (
        <p
          className="jp-lws-NewDeployment-where jp-lws-mod-warning"
          role="alert"
        >
          {trans.__(
            'The LeaderWorkerSet API is not installed in this cluster. Ask an admin to import the LeaderWorkerSet framework (the guide, Step 1).'
          )}
        </p>
      )}
      {missing.length > 0 && (
        <p
          className="jp-lws-NewDeployment-where jp-lws-mod-warning"
          data-testid="lws-new-missing-rights"
        >
          {trans.__(
            'Your service account lacks %1 here, so the cluster will refuse Deploy; the refusal shows the commands an admin runs to grant them.',
            missing.map(right => `${right.verb} ${right.resource}`).join(', ')
          )}
        </p>
      )}
    </>
  );
}

function issuesFor(
  issues: readonly IIssue[],
  field: FormField,
  severity: 'error' | 'warning'
): IIssue[] {
  return issues.filter(
    issue => issue.severity === severity && formFieldOf(issue.field) === field
  );
}
