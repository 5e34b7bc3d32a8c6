import type { TranslationBundle } from '@jupyterlab/translation';
import { Button } from '@jupyterlab/ui-components';
import React from 'react';

import type { FormField } from '../../model/formState';
import { ADVANCED_FIELDS, formFieldOf } from '../../model/formState';
import type { IIssue } from '../../model/issues';
import { ApplyStatus } from './applyStatus';
import type { IApplyActions } from './applyStatus';
import {
  DeploymentFieldset,
  EngineFieldset,
  NetworkFieldset,
  ParallelismFieldset,
  StorageFieldset,
  TokenFieldset
} from './fieldsets';
import { EditNotice } from './editViews';
import { editOf } from './editViewModel';
import type { NewDeploymentViewModel } from './viewModel';

/** Props of {@link NewDeploymentForm}. */
export interface INewDeploymentFormProps {
  model: NewDeploymentViewModel;
  trans: TranslationBundle;
  actions: IApplyActions;
  onDeploy: () => void;
  /** Shown under the model: whether it is in the model volume (the downloads). */
  modelNote?: (repo: string) => JSX.Element | null;
  /** Saves the live objects of an edited deployment as YAML (the route beyond the form). */
  onOpenLiveYaml?: () => void;
}

/**
 * The form: the few required inputs, the Hugging Face token, and the rest of the spec
 * under "Advanced" (one component per fieldset, in fieldsets.tsx), each with its validation
 * messages; then Deploy and its progress.
 */
export function NewDeploymentForm(props: INewDeploymentFormProps): JSX.Element {
  const { model, trans } = props;
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
  const fieldset = { model, issues, trans };
  const edit = editOf(model);
  const title = edit
    ? trans.__('Edit %1', edit.name)
    : trans.__('New multi-node deployment');

  return (
    <form
      className="jp-lws-NewDeployment-form"
      aria-label={title}
      onSubmit={event => {
        event.preventDefault();
        props.onDeploy();
      }}
    >
      <header className="jp-lws-NewDeployment-header">
        <h2 data-testid="lws-new-title">{title}</h2>
        <ClusterNotice model={model} trans={trans} />
        {edit && (
          <EditNotice
            model={edit}
            trans={trans}
            onOpenLiveYaml={() => props.onOpenLiveYaml?.()}
          />
        )}
      </header>

      <DeploymentFieldset {...fieldset} modelNote={props.modelNote} />
      <TokenFieldset {...fieldset} />

      <details
        className="jp-lws-NewDeployment-advanced"
        open={advancedOpen}
        onToggle={event => setAdvancedOpen(event.currentTarget.open)}
      >
        <summary data-testid="lws-new-advanced">
          {trans.__('Advanced')}
          <AdvancedCount issues={issues} trans={trans} />
        </summary>
        <EngineFieldset {...fieldset} />
        <ParallelismFieldset {...fieldset} />
        <NetworkFieldset {...fieldset} />
        <StorageFieldset {...fieldset} />
      </details>

      <footer className="jp-lws-NewDeployment-footer">
        <div className="jp-lws-NewDeployment-deploy">
          <Button
            type="submit"
            className="jp-mod-styled jp-mod-accept"
            data-testid="lws-new-deploy"
            disabled={model.deployBlocker !== null}
          >
            {edit ? trans.__('Apply changes') : trans.__('Deploy')}
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
    case 'loading':
      text = trans.__('Reading the deployment…');
      break;
    case 'not-editable':
      text = trans.__('This deployment cannot be edited in the form.');
      break;
    case 'not-expressible':
      text = trans.__(
        'The form cannot express all of its settings (see above): edit its YAML instead.'
      );
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
  model: NewDeploymentViewModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, trans } = props;
  const context = model.context;
  if (model.contextError) {
    return (
      <p className="jp-lws-NewDeployment-where jp-lws-mod-error" role="alert">
        {trans.__('Cannot reach the cluster: %1', model.contextError)}{' '}
        <Button
          className="jp-mod-styled jp-mod-reject"
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
