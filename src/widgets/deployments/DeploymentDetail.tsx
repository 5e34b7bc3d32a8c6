import type { TranslationBundle } from '@jupyterlab/translation';
import {
  Button,
  copyIcon,
  deleteIcon,
  editIcon,
  refreshIcon,
  textEditorIcon
} from '@jupyterlab/ui-components';
import type { CoreV1Event } from '@kubernetes/client-node';
import React, { useEffect, useRef, useState } from 'react';

import type { IEndpointAnswer } from '../../api/endpointCheck';
import { ncclDebugLevel } from '../../model/deploymentActions';
import type { IDiagnosis } from '../../model/diagnose';
import type { IEndpoint } from '../../model/endpoint';
import type { IGroupRecreations } from '../../model/groupRecreations';
import type { IIssue } from '../../model/issues';
import type { LeaderWorkerSet } from '../../model/lws';
import type { IDeploymentOverview } from '../../model/overview';
import { age, eventTime } from '../../model/events';
import { untrustedText } from '../../model/shownText';
import type { ILoadingProgress } from '../../model/loadingProgress';
import type { IGroupStatus, IPodSummary } from '../../model/status';
import type { IActionResult, IActionRights } from './DeploymentActions';
import { DiagnosisList } from './DiagnosisList';
import { LoadingBar, StateBadge } from './StateBadge';
import { translateData } from '../translateData';

/** What the detail can ask for; each call goes to the actions or the plugin. */
export interface IDetailCallbacks {
  onScale: () => void;
  onRestartGroup: (groupIndex: number) => void;
  onNcclDebugOff: () => void;
  onCopyEndpoint: () => void;
  onCopyCurl: () => void;
  onDelete: () => void;
  /** Opens the form on this deployment (absent: no Edit button). */
  onEdit?: () => void;
  onCheckEndpoint: () => void;
  onOpenLogs: (pod: string) => void;
  /** Opens the merged log of a group's pods (absent: no such button). */
  onOpenGroupLog?: (groupIndex: number) => void;
}

/** Props of {@link DeploymentDetail}. */
export interface IDeploymentDetailProps extends IDetailCallbacks {
  overview: IDeploymentOverview;
  lws: LeaderWorkerSet;
  now: Date;
  progress: ILoadingProgress | null;
  diagnoses: IDiagnosis[];
  /** Recreations of each group by the LWS controller (RecreateGroupOnPodRestart). */
  recreations?: IGroupRecreations[];
  /** The form's rules run on the deployment as it is (also one written by hand). */
  checks?: IIssue[];
  endpoint: IEndpoint | null;
  answer: IEndpointAnswer | null;
  checking: boolean;
  result: IActionResult | null;
  busy: boolean;
  rights: IActionRights;
  trans: TranslationBundle;
  /** More under the endpoint (the chat plugin's buttons). */
  endpointExtras?: JSX.Element | null;
  /** The engine's live numbers (a Ready deployment's /metrics). */
  engineMetrics?: JSX.Element | null;
}

/** Events shown before "Show all". */
const EVENTS_SHOWN = 30;

/**
 * One deployment: its state and why, diagnosis, actions, endpoint, groups with their pods,
 * and events.
 */
export function DeploymentDetail(props: IDeploymentDetailProps): JSX.Element {
  const { overview, lws, trans, rights, busy } = props;
  const { status, summary } = overview;
  const nccl = ncclDebugLevel(lws);
  const leader = status.groups.find(group => group.leader)?.leader ?? null;
  const root = useRef<HTMLElement>(null);
  useEffect(() => {
    // Keyboard users land on the detail they opened, not on the document body.
    root.current?.focus();
  }, [overview.name]);
  return (
    <section
      ref={root}
      className="jp-lws-DeploymentDetail"
      data-testid="lws-detail"
      data-name={overview.name}
      data-state={status.state}
      aria-label={trans.__('Deployment %1', overview.name)}
      tabIndex={-1}
    >
      <header className="jp-lws-DeploymentDetail-header">
        <h3 className="jp-lws-DeploymentDetail-name">{overview.name}</h3>
        <StateBadge state={status.state} trans={trans} />
      </header>
      <p className="jp-lws-DeploymentDetail-reason" data-testid="lws-reason">
        {translateData(trans, status.reason)}
      </p>
      {props.progress && status.state === 'Loading' && (
        <LoadingBar progress={props.progress} trans={trans} />
      )}
      <DiagnosisList diagnoses={props.diagnoses} trans={trans} />
      <SpecChecks issues={props.checks ?? []} trans={trans} />

      <div
        className="jp-lws-Actions"
        role="toolbar"
        aria-label={trans.__('Actions')}
      >
        <Button
          small
          className="jp-mod-styled jp-mod-reject"
          onClick={props.onScale}
          disabled={busy || !rights.scale}
          title={
            rights.scale
              ? trans.__('Change the number of groups (replicas)')
              : trans.__('Your service account may not patch LeaderWorkerSets')
          }
          data-testid="lws-action-scale"
        >
          {trans.__('Scale…')}
        </Button>
        <Button
          small
          className="jp-mod-styled jp-mod-reject"
          onClick={() => leader && props.onOpenLogs(leader.name)}
          disabled={!leader}
          title={trans.__('Follow the leader’s log')}
          data-testid="lws-action-logs"
        >
          <textEditorIcon.react tag="span" />
          {trans.__('Logs')}
        </Button>
        {nccl !== null && (
          <Button
            small
            onClick={props.onNcclDebugOff}
            disabled={busy || !rights.patch}
            title={trans.__(
              'Remove NCCL_DEBUG=%1 from the pods (the guide: once healthy)',
              nccl
            )}
            data-testid="lws-action-nccl-off"
            className={`jp-mod-styled ${status.state === 'Ready' ? 'jp-mod-accept' : 'jp-mod-reject'}`}
          >
            {trans.__('NCCL debug off…')}
          </Button>
        )}
        {props.onEdit && (
          <Button
            small
            className="jp-mod-styled jp-mod-reject"
            onClick={props.onEdit}
            disabled={busy || !rights.patch}
            title={
              rights.patch
                ? trans.__(
                    'Change the deployment in the form; the change is shown as a diff before it is applied'
                  )
                : trans.__(
                    'Your service account may not patch LeaderWorkerSets'
                  )
            }
            data-testid="lws-action-edit"
          >
            <editIcon.react tag="span" />
            {trans.__('Edit…')}
          </Button>
        )}
        <Button
          small
          className="jp-mod-styled jp-mod-warn"
          onClick={props.onDelete}
          disabled={busy || !rights.remove}
          title={
            rights.remove
              ? trans.__(
                  'Delete the deployment (volume claims and Secrets stay)'
                )
              : trans.__('Your service account may not delete LeaderWorkerSets')
          }
          data-testid="lws-action-delete"
        >
          <deleteIcon.react tag="span" />
          {trans.__('Delete…')}
        </Button>
      </div>
      {props.result && (
        <p
          className={`jp-lws-ActionResult ${props.result.ok ? 'jp-lws-mod-ok' : 'jp-lws-mod-error'}`}
          role={props.result.ok ? 'status' : 'alert'}
          data-testid="lws-action-result"
        >
          {props.result.message}
        </p>
      )}

      <EndpointSection {...props} />
      {props.engineMetrics}

      <dl className="jp-lws-Facts" data-testid="lws-facts">
        <dt>{trans.__('Engine')}</dt>
        <dd>{summary.engine ?? trans.__('unknown')}</dd>
        <dt>{trans.__('Model')}</dt>
        <dd>{summary.model ?? trans.__('unknown')}</dd>
        {summary.image && (
          <>
            <dt>{trans.__('Image')}</dt>
            <dd>{summary.image}</dd>
          </>
        )}
        <dt>{trans.__('Shape')}</dt>
        <dd>
          {[
            trans._n('%1 group', '%1 groups', status.replicas),
            trans._n('%1 pod', '%1 pods', summary.nodes),
            trans._n('%1 GPU', '%1 GPUs', status.gpus.perPod)
          ].join(' × ')}
          {summary.tensorParallel &&
            ` · ${trans.__('TP %1 × PP %2', summary.tensorParallel, summary.pipelineParallel ?? 1)}`}
        </dd>
        <dt>{trans.__('NCCL debug')}</dt>
        <dd data-testid="lws-nccl-debug">{nccl ?? trans.__('off')}</dd>
        <dt>{trans.__('Restarts')}</dt>
        <dd data-testid="lws-restarts">
          {restartsText(status.restarts, props.recreations ?? [], trans)}
        </dd>
      </dl>

      <GroupList {...props} />
      <EventList events={overview.events} now={props.now} trans={trans} />
    </section>
  );
}

function EndpointSection(props: IDeploymentDetailProps): JSX.Element {
  const { endpoint, answer, checking, trans } = props;
  if (!endpoint) {
    return (
      <section className="jp-lws-Endpoint" data-testid="lws-endpoint">
        <h4 className="jp-lws-SectionTitle">{trans.__('Endpoint')}</h4>
        <p>
          {trans.__(
            'No Service exposes the leader’s API yet. Deployments made here get one (<name>-leader); for others, create a Service that selects the leader pods, not named like the deployment (the guide’s NOTES).'
          )}
        </p>
      </section>
    );
  }
  let answerText: string;
  let answerClass: string;
  if (checking && !answer) {
    answerText = trans.__('checking…');
    answerClass = '';
  } else if (!answer) {
    answerText = trans.__('not checked');
    answerClass = '';
  } else if (answer.healthy) {
    answerText = trans.__('answers (%1)', answer.detail);
    answerClass = 'jp-lws-mod-ok';
  } else if (answer.answers) {
    answerText = trans.__('answers, not healthy yet (%1)', answer.detail);
    answerClass = 'jp-lws-mod-warning';
  } else {
    // Said as what it is: this server could not reach it. Ready pods with an unreachable
    // endpoint (e.g. a Jupyter server outside the cluster) are a warning, not a failure.
    answerText = trans.__(
      'not reachable from this Jupyter server (%1)',
      answer.detail
    );
    answerClass =
      props.overview.status.state === 'Ready'
        ? 'jp-lws-mod-warning'
        : 'jp-lws-mod-error';
  }
  return (
    <section className="jp-lws-Endpoint" data-testid="lws-endpoint">
      <h4 className="jp-lws-SectionTitle">{trans.__('Endpoint')}</h4>
      <dl className="jp-lws-Facts">
        <dt>{trans.__('Service')}</dt>
        <dd data-testid="lws-endpoint-service">
          {endpoint.service}:{endpoint.port}
        </dd>
        <dt>{trans.__('URL')}</dt>
        <dd className="jp-lws-Endpoint-url" data-testid="lws-endpoint-url">
          {endpoint.url}
        </dd>
        <dt>{trans.__('Health')}</dt>
        <dd className="jp-lws-Health">
          <span
            className={`jp-lws-Health-answer ${answerClass}`}
            data-testid="lws-endpoint-answer"
            data-answers={
              answer ? String(answer.answers && answer.healthy) : ''
            }
          >
            {answerText}
          </span>
          <Button
            minimal
            small
            onClick={props.onCheckEndpoint}
            disabled={checking}
            title={trans.__('Ask GET /health again')}
            aria-label={trans.__('Check the endpoint again')}
            data-testid="lws-endpoint-check"
          >
            <refreshIcon.react tag="span" />
          </Button>
        </dd>
      </dl>
      <div className="jp-lws-Actions">
        <Button
          small
          className="jp-mod-styled jp-mod-reject"
          onClick={props.onCopyEndpoint}
          data-testid="lws-action-copy-endpoint"
          title={trans.__('Copy the URL')}
        >
          <copyIcon.react tag="span" />
          {trans.__('Copy URL')}
        </Button>
        <Button
          small
          className="jp-mod-styled jp-mod-reject"
          onClick={props.onCopyCurl}
          data-testid="lws-action-copy-curl"
          title={trans.__('Copy a curl command that sends one chat request')}
        >
          <copyIcon.react tag="span" />
          {trans.__('Copy curl test')}
        </Button>
      </div>
      {props.endpointExtras}
    </section>
  );
}

function GroupList(props: IDeploymentDetailProps): JSX.Element {
  const { overview, trans, rights, busy } = props;
  return (
    <section className="jp-lws-Groups" data-testid="lws-groups">
      <h4 className="jp-lws-SectionTitle">{trans.__('Groups')}</h4>
      {overview.status.groups.map(group => (
        <div
          key={group.index}
          className="jp-lws-Group"
          data-testid={`lws-group-${group.index}`}
          data-ready={String(group.ready)}
        >
          <div className="jp-lws-Group-head">
            <span className="jp-lws-Group-title">
              {trans.__('Group %1', group.index)}
            </span>
            <span
              className={group.ready ? 'jp-lws-mod-ok' : 'jp-lws-mod-muted'}
            >
              {group.ready ? trans.__('ready') : trans.__('not ready')}
            </span>
            <Recreated
              entry={props.recreations?.find(
                entry => entry.group === group.index
              )}
              now={props.now}
              trans={trans}
            />
            <Button
              minimal
              small
              onClick={() => props.onRestartGroup(group.index)}
              disabled={busy || !rights.restart || !group.leader}
              title={
                rights.restart
                  ? trans.__('Restart the group (recreates all its pods)')
                  : trans.__('Your service account may not delete pods')
              }
              data-testid={`lws-restart-group-${group.index}`}
            >
              <refreshIcon.react tag="span" />
              {trans.__('Restart…')}
            </Button>
            {props.onOpenGroupLog && (
              <Button
                minimal
                small
                onClick={() => props.onOpenGroupLog?.(group.index)}
                disabled={!group.leader && group.workers.length === 0}
                title={trans.__(
                  'The logs of all pods of group %1 in one view, in time order',
                  group.index
                )}
                data-testid={`lws-group-log-${group.index}`}
              >
                <textEditorIcon.react tag="span" />
                {trans.__('Group log')}
              </Button>
            )}
          </div>
          <ul className="jp-lws-PodList">
            {podsOf(group).map(pod => (
              <PodRow
                key={pod.name}
                pod={pod}
                onOpenLogs={props.onOpenLogs}
                trans={trans}
              />
            ))}
            {!group.leader && group.workers.length === 0 && (
              <li className="jp-lws-mod-muted">{trans.__('No pods yet.')}</li>
            )}
          </ul>
        </div>
      ))}
    </section>
  );
}

// The guide's rules on the deployment as it runs: what the form would have said.
function SpecChecks(props: {
  issues: IIssue[];
  trans: TranslationBundle;
}): JSX.Element | null {
  const { issues, trans } = props;
  if (issues.length === 0) {
    return null;
  }
  return (
    <section
      className="jp-lws-SpecChecks"
      data-testid="lws-spec-checks"
      aria-label={trans.__('Checks against the guide')}
    >
      <h4 className="jp-lws-SectionTitle">
        {trans.__('Checks against the guide')}
      </h4>
      <ul>
        {issues.map(issue => (
          <li
            key={`${issue.id}:${issue.field ?? ''}`}
            className={
              issue.severity === 'error'
                ? 'jp-lws-mod-error'
                : 'jp-lws-mod-warning'
            }
            data-issue-id={issue.id}
          >
            {translateData(trans, issue.message)}
          </li>
        ))}
      </ul>
    </section>
  );
}

// Pods' restart counts start again in each recreated group: the recreations are the history.
function restartsText(
  restarts: number,
  recreations: IGroupRecreations[],
  trans: TranslationBundle
): string {
  const recreated = recreations.reduce((sum, entry) => sum + entry.count, 0);
  return recreated === 0
    ? String(restarts)
    : `${restarts} · ${trans._n('group recreated %1 time', 'groups recreated %1 times', recreated)}`;
}

function Recreated(props: {
  entry: IGroupRecreations | undefined;
  now: Date;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { entry, trans } = props;
  if (!entry) {
    return null;
  }
  const when = entry.last ? age(entry.last, props.now) : null;
  return (
    <span
      className="jp-lws-Group-recreated jp-lws-mod-warning"
      data-testid="lws-group-recreated"
      title={
        entry.failedPod
          ? trans.__(
              'The LWS controller recreated this group after pod %1 failed or restarted (RecreateGroupOnPodRestart)',
              entry.failedPod
            )
          : undefined
      }
    >
      {when
        ? trans._n(
            'recreated %1 time, last %2 ago',
            'recreated %1 times, last %2 ago',
            entry.count,
            when
          )
        : trans._n('recreated %1 time', 'recreated %1 times', entry.count)}
    </span>
  );
}

function podsOf(group: IGroupStatus): IPodSummary[] {
  return [...(group.leader ? [group.leader] : []), ...group.workers];
}

function PodRow(props: {
  pod: IPodSummary;
  onOpenLogs: (pod: string) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { pod, trans } = props;
  const condition = pod.ready
    ? trans.__('Ready')
    : (pod.waitingReason ?? pod.terminatedReason ?? pod.phase);
  return (
    <li
      className="jp-lws-PodRow"
      data-testid={`lws-pod-${pod.name}`}
      data-ready={String(pod.ready)}
    >
      <span className="jp-lws-PodRow-role">
        {pod.role === 'leader'
          ? trans.__('leader')
          : trans.__('worker %1', pod.workerIndex)}
      </span>
      <span className="jp-lws-PodRow-name" title={pod.name}>
        {pod.name}
      </span>
      <span
        className={`jp-lws-PodRow-state ${pod.ready ? 'jp-lws-mod-ok' : 'jp-lws-mod-warning'}`}
        data-testid="lws-pod-state"
      >
        {condition}
      </span>
      <span className="jp-lws-PodRow-facts">
        {[
          pod.node ?? trans.__('no node'),
          trans._n('%1 GPU', '%1 GPUs', pod.gpus),
          trans._n('%1 restart', '%1 restarts', pod.restarts)
        ].join(' · ')}
      </span>
      <Button
        minimal
        small
        onClick={() => props.onOpenLogs(pod.name)}
        disabled={pod.node === null}
        title={trans.__('Logs of %1', pod.name)}
        aria-label={trans.__('Logs of %1', pod.name)}
        data-testid="lws-pod-logs"
      >
        <textEditorIcon.react tag="span" />
      </Button>
    </li>
  );
}

function EventList(props: {
  events: CoreV1Event[];
  now: Date;
  trans: TranslationBundle;
}): JSX.Element {
  const { events, now, trans } = props;
  const [all, setAll] = useState(false);
  const shown = all ? events : events.slice(0, EVENTS_SHOWN);
  return (
    <section className="jp-lws-Events" data-testid="lws-events">
      <h4 className="jp-lws-SectionTitle">{trans.__('Events')}</h4>
      {events.length === 0 && (
        <p className="jp-lws-mod-muted">{trans.__('No events.')}</p>
      )}
      <ol className="jp-lws-EventList">
        {shown.map(event => {
          const warning = event.type === 'Warning';
          const time = new Date(eventTime(event));
          return (
            <li
              key={event.metadata?.uid ?? event.metadata?.name}
              className={`jp-lws-Event ${warning ? 'jp-lws-mod-warning' : ''}`}
              data-testid="lws-event"
              data-type={event.type}
            >
              <span className="jp-lws-Event-meta">
                {warning && (
                  <span className="jp-lws-Event-warning">
                    {trans.__('Warning')}
                  </span>
                )}
                <span className="jp-lws-Event-reason">{event.reason}</span>
                <span className="jp-lws-Event-object">
                  {event.involvedObject?.name}
                </span>
                <span
                  className="jp-lws-Event-age"
                  title={time.toLocaleString()}
                >
                  {age(time, now)}
                  {(event.count ?? 1) > 1 && ` ×${event.count}`}
                </span>
              </span>
              <span className="jp-lws-Event-message">
                {untrustedText(event.message ?? '')}
              </span>
            </li>
          );
        })}
      </ol>
      {events.length > EVENTS_SHOWN && (
        <Button minimal small onClick={() => setAll(!all)}>
          {all
            ? trans.__('Show the newest %1', EVENTS_SHOWN)
            : trans.__('Show all %1 events', events.length)}
        </Button>
      )}
    </section>
  );
}
