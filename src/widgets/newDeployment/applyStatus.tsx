import type { TranslationBundle } from '@jupyterlab/translation';
import { Button } from '@jupyterlab/ui-components';
import React from 'react';

import type {
  IApplyProgress,
  IObjectRef,
  IObjectReport,
  IRefusal
} from '../../api/apply';
import type { IClusterContext } from '../../api/context';
import { LWS_LABELS } from '../../model/lws';
import { CHANGED_SINCE_REVIEW } from './editViewModel';
import { effectText } from './editViews';
import type { ApplyState } from './viewModel';

/** What the outcome view can do besides showing. */
export interface IApplyActions {
  /** Shows the deployment in the sidebar. */
  showSidebar: () => void;
  /** Back to the form after an outcome. */
  dismiss: () => void;
}

/** Props of {@link ApplyStatus}. */
export interface IApplyStatusProps {
  state: ApplyState;
  trans: TranslationBundle;
  actions: IApplyActions;
}

/** Progress of Deploy (dry run, apply, rollback), then its outcome in plain words. */
export function ApplyStatus(props: IApplyStatusProps): JSX.Element | null {
  const { state, trans, actions } = props;
  switch (state.phase) {
    case 'idle':
      return null;
    case 'running':
      return <Progress steps={state.steps} trans={trans} />;
    case 'cancelled':
      return (
        <section className="jp-lws-ApplyStatus" data-testid="lws-apply-status">
          <p>
            {state.reason === 'edit-review'
              ? trans.__('Nothing was changed: you closed the review.')
              : trans.__(
                  'Nothing was changed: you chose not to replace the existing objects. Choose another name to deploy next to them.'
                )}
          </p>
        </section>
      );
    case 'error':
      return (
        <section
          className="jp-lws-ApplyStatus jp-lws-mod-error"
          data-testid="lws-apply-status"
          role="alert"
        >
          <strong>{trans.__('Could not deploy')}</strong>
          <p>
            {state.message === 'no-context'
              ? trans.__(
                  'The cluster context is not available: check the sidebar for the connection.'
                )
              : state.message.startsWith(CHANGED_SINCE_REVIEW)
                ? trans.__(
                    'Nothing was changed: %1 changed in the cluster while you reviewed. Apply changes again to see the new diff.',
                    state.message.slice(CHANGED_SINCE_REVIEW.length)
                  )
                : state.message}
          </p>
        </section>
      );
    case 'done':
      break;
  }
  const outcome = state.outcome;
  if (outcome.status === 'applied' && state.edit) {
    return (
      <section
        className="jp-lws-ApplyStatus jp-lws-mod-success"
        data-testid="lws-apply-status"
        data-status="applied"
        role="status"
      >
        <strong>
          {trans.__(
            'Applied the changes to %1 in namespace %2.',
            state.name,
            state.namespace
          )}
        </strong>
        <p>{effectText(state.edit.effect, trans)}</p>
        <ObjectList objects={outcome.objects} trans={trans} />
        <div className="jp-lws-ApplyStatus-actions">
          <Button
            className="jp-mod-styled jp-mod-reject"
            onClick={actions.dismiss}
          >
            {trans.__('Back to the form')}
          </Button>
        </div>
      </section>
    );
  }
  if (outcome.status === 'applied') {
    const selector = `${LWS_LABELS.name}=${state.name}`;
    return (
      <section
        className="jp-lws-ApplyStatus jp-lws-mod-success"
        data-testid="lws-apply-status"
        data-status="applied"
        role="status"
      >
        <strong>
          {trans.__(
            'Deployed %1 to namespace %2.',
            state.name,
            state.namespace
          )}
        </strong>
        <ObjectList objects={outcome.objects} trans={trans} />
        <h4>{trans.__('Next steps')}</h4>
        <ul className="jp-lws-ApplyStatus-next">
          <li>
            {trans.__(
              'Watch the pods start in the sidebar: they wait for nodes with free GPUs, then load the model (the readiness probe allows hours for a large one).'
            )}
          </li>
          <li>
            {trans.__(
              'Inside the cluster, the OpenAI-compatible API will be at'
            )}{' '}
            <code>
              {`http://${state.serviceName}.${state.namespace}.svc.cluster.local:${state.port}/v1`}
            </code>
          </li>
          <li>
            {trans.__('From a terminal:')}{' '}
            <code>{`kubectl get pods -n ${state.namespace} -l ${selector}`}</code>
          </li>
        </ul>
        <div className="jp-lws-ApplyStatus-actions">
          <Button
            className="jp-mod-styled jp-mod-accept"
            onClick={actions.showSidebar}
            data-testid="lws-apply-show-sidebar"
          >
            {trans.__('Show in sidebar')}
          </Button>
          <Button
            className="jp-mod-styled jp-mod-reject"
            onClick={actions.dismiss}
          >
            {trans.__('Back to the form')}
          </Button>
        </div>
      </section>
    );
  }
  if (outcome.status === 'refused') {
    return (
      <section
        className="jp-lws-ApplyStatus jp-lws-mod-error"
        data-testid="lws-apply-status"
        data-status="refused"
        role="alert"
      >
        <strong>
          {trans.__(
            'The cluster refused the deployment during the dry run. Nothing was changed.'
          )}
        </strong>
        <ul className="jp-lws-ApplyStatus-refusals">
          {outcome.refusals.map(({ ref, refusal }) => (
            <li key={`${ref.kind}/${ref.name}`}>
              <span className="jp-lws-ApplyStatus-object">
                {objectLabel(ref, trans)}
              </span>
              <Refusal
                refusal={refusal}
                namespace={state.namespace}
                trans={trans}
              />
            </li>
          ))}
        </ul>
        {state.context && state.context.missing.length > 0 && (
          <MissingRights context={state.context} trans={trans} />
        )}
      </section>
    );
  }
  if (outcome.status === 'failed') {
    return (
      <section
        className="jp-lws-ApplyStatus jp-lws-mod-error"
        data-testid="lws-apply-status"
        data-status="failed"
        role="alert"
      >
        <strong>
          {trans.__(
            'Deploying failed after the dry run passed. What this deploy changed was rolled back; this is what exists now:'
          )}
        </strong>
        <ObjectList
          objects={outcome.objects}
          trans={trans}
          namespace={state.namespace}
        />
      </section>
    );
  }
  return null;
}

function Progress(props: {
  steps: IApplyProgress[];
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  // The latest state of each (phase, object).
  const latest = new Map<string, IApplyProgress>();
  for (const step of props.steps) {
    latest.set(`${step.phase}:${step.object.kind}/${step.object.name}`, step);
  }
  return (
    <section
      className="jp-lws-ApplyStatus"
      data-testid="lws-apply-status"
      data-status="running"
      aria-live="polite"
    >
      <strong>{trans.__('Deploying…')}</strong>
      <ol className="jp-lws-ApplyStatus-steps">
        {[...latest.values()].map(step => (
          <li
            key={`${step.phase}:${step.object.kind}/${step.object.name}`}
            className={`jp-lws-mod-${step.state}`}
          >
            {phaseLabel(step.phase, trans)} {objectLabel(step.object, trans)}
            {step.state === 'done'
              ? ' ✓'
              : step.state === 'failed'
                ? ' ✗'
                : ' …'}
          </li>
        ))}
      </ol>
    </section>
  );
}

function ObjectList(props: {
  objects: IObjectReport[];
  trans: TranslationBundle;
  namespace?: string;
}): JSX.Element {
  const { trans } = props;
  return (
    <ul className="jp-lws-ApplyStatus-objects" data-testid="lws-apply-objects">
      {props.objects.map(report => (
        <li
          key={`${report.ref.kind}/${report.ref.name}`}
          data-state={report.state}
        >
          <span className="jp-lws-ApplyStatus-object">
            {objectLabel(report.ref, trans)}
          </span>{' '}
          {stateLabel(report, trans)}
          {report.refusal && (
            <Refusal
              refusal={report.refusal}
              namespace={props.namespace ?? ''}
              trans={trans}
            />
          )}
          {report.state === 'rollback-failed' && props.namespace && (
            <pre className="jp-lws-AdminCommands">
              {`kubectl delete ${report.ref.kind.toLowerCase()} ${report.ref.name} -n ${props.namespace}`}
            </pre>
          )}
        </li>
      ))}
    </ul>
  );
}

/** A refusal in plain words, then the server's own message and causes. */
function Refusal(props: {
  refusal: IRefusal;
  namespace: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { refusal, trans } = props;
  return (
    <div className="jp-lws-Refusal" data-kind={refusal.kind}>
      <p className="jp-lws-Refusal-summary">
        {refusalSummary(refusal, props.namespace, trans)}
      </p>
      {refusal.causes.length > 0 ? (
        <ul className="jp-lws-Refusal-causes">
          {refusal.causes.map((cause, index) => (
            <li key={index}>
              {cause.field && <code>{cause.field}</code>} {cause.message}
            </li>
          ))}
        </ul>
      ) : null}
      {refusal.message && (
        <details className="jp-lws-Refusal-details">
          <summary>{trans.__('The cluster’s answer')}</summary>
          <pre>{refusal.message}</pre>
        </details>
      )}
    </div>
  );
}

function MissingRights(props: {
  context: IClusterContext;
  trans: TranslationBundle;
}): JSX.Element {
  const { context, trans } = props;
  return (
    <div className="jp-lws-Permissions" data-testid="lws-apply-missing-rights">
      <p>
        {trans.__(
          'The notebook’s service account lacks: %1.',
          context.missing.map(m => `${m.verb} ${m.resource}`).join(', ')
        )}
      </p>
      <p>{trans.__('An admin can grant them with:')}</p>
      <pre
        className="jp-lws-AdminCommands"
        data-testid="lws-apply-admin-commands"
      >
        {context.adminCommands.join('\n\n')}
      </pre>
    </div>
  );
}

function refusalSummary(
  refusal: IRefusal,
  namespace: string,
  trans: TranslationBundle
): string {
  switch (refusal.kind) {
    case 'forbidden':
      return refusal.verb && refusal.resource
        ? trans.__(
            'Your notebook’s service account may not %1 %2 in namespace %3.',
            refusal.verb,
            refusal.resource,
            namespace
          )
        : trans.__(
            'Your notebook’s service account is not allowed to do this in namespace %1.',
            namespace
          );
    case 'proxy':
      return trans.__(
        'JupyterLab’s server extension does not forward this request.'
      );
    case 'quota':
      return trans.__(
        'A quota or limit of the namespace does not leave room for it.'
      );
    case 'webhook':
      return trans.__(
        'The cluster’s admission check (the LeaderWorkerSet controller’s validation) rejected it.'
      );
    case 'policy':
      return trans.__(
        'The cluster’s admission policy %1 rejected it.',
        refusal.policy ?? ''
      );
    case 'invalid':
      return trans.__('The cluster found the object invalid.');
    case 'conflict':
      return trans.__(
        'Fields of the existing object are managed by %1; replacing it takes them over.',
        (refusal.managers ?? []).join(', ') || trans.__('another tool')
      );
    case 'not-installed':
      return trans.__(
        'The cluster does not know this kind of object: is the LeaderWorkerSet API installed?'
      );
    case 'unreachable':
      return trans.__('The cluster could not be reached.');
    case 'other':
      return trans.__('The cluster answered with status %1.', refusal.status);
  }
}

function stateLabel(report: IObjectReport, trans: TranslationBundle): string {
  switch (report.state) {
    case 'created':
      return trans.__('created');
    case 'updated':
      return trans.__('updated');
    case 'not-applied':
      return report.existedBefore
        ? trans.__('unchanged: it existed before and was not touched')
        : trans.__('does not exist: it was not created');
    case 'removed':
      return trans.__('does not exist: created, then removed by the rollback');
    case 'restored':
      return trans.__(
        'exists as before: updated, then restored by the rollback'
      );
    case 'kept-updated':
      return trans.__(
        'exists, updated: its previous value cannot be read back to restore it'
      );
    case 'rollback-failed':
      return trans.__(
        'still exists: the rollback could not undo it; remove it yourself:'
      );
  }
}

function phaseLabel(
  phase: IApplyProgress['phase'],
  trans: TranslationBundle
): string {
  switch (phase) {
    case 'dry-run':
      return trans.__('Dry run:');
    case 'apply':
      return trans.__('Apply:');
    case 'rollback':
      return trans.__('Roll back:');
  }
}

/** "LeaderWorkerSet llama-70b", with the kind translated where it reads as prose. */
export function objectLabel(ref: IObjectRef, trans: TranslationBundle): string {
  switch (ref.kind) {
    case 'Secret':
      return trans.__('Secret %1', ref.name);
    case 'Service':
      return trans.__('Service %1', ref.name);
    case 'LeaderWorkerSet':
      return trans.__('LeaderWorkerSet %1', ref.name);
    default:
      return `${ref.kind} ${ref.name}`;
  }
}
