import { HTMLSelect, InputGroup } from '@jupyterlab/ui-components';
import React from 'react';

import { MODEL_CATALOG } from '../../model/catalog';
import { ENGINES } from '../../model/engines';
import type { IFormValues } from '../../model/formState';
import { tokenSecretName } from '../../model/resolve';
import { NCCL_DEBUG_LEVELS } from '../../model/validate';
import type { IFieldsetProps } from './fields';
import { Checkbox, formInputs, MODEL_LIST_ID } from './fields';

/** The required inputs: profile, engine, model, name, and the size of a group. */
export function DeploymentFieldset(
  props: IFieldsetProps & {
    /** Shown under the model: whether it is in the model volume (the downloads). */
    modelNote?: (repo: string) => JSX.Element | null;
  }
): JSX.Element {
  const { model, trans } = props;
  const { values, set, field, text, row } = formInputs(props);
  return (
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
  );
}

/** The Hugging Face token (never kept in the form's values) and the Secret that holds it. */
export function TokenFieldset(props: IFieldsetProps): JSX.Element {
  const { model, trans } = props;
  const { values, text, row } = formInputs(props);
  const tokenSecretPlaceholder = model.hasToken
    ? tokenSecretName(values.name || trans.__('name'))
    : trans.__('none');
  return (
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
  );
}

/** The engine's image, launch mode and arguments. */
export function EngineFieldset(props: IFieldsetProps): JSX.Element {
  const { model, trans } = props;
  const { values, set, field, text, area, row } = formInputs(props);
  const defaults = model.advice.resolved;
  return (
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
                vllmMode: event.currentTarget.value as IFormValues['vllmMode']
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
  );
}

/** Tensor and pipeline parallelism, groups, and the GPU type. */
export function ParallelismFieldset(props: IFieldsetProps): JSX.Element {
  const { model, trans } = props;
  const { text, row } = formInputs(props);
  const defaults = model.advice.resolved;
  return (
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
  );
}

/** Ports, the API Service, RDMA and NCCL debug logging. */
export function NetworkFieldset(props: IFieldsetProps): JSX.Element {
  const { model, trans } = props;
  const { values, set, field, text, area, row } = formInputs(props);
  const defaults = model.advice.resolved;
  return (
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
  );
}

/** The models PVC and where it is mounted. */
export function StorageFieldset(props: IFieldsetProps): JSX.Element {
  const { model, trans } = props;
  const { values, set, field, text, row } = formInputs(props);
  return (
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
  );
}
