import type { TranslationBundle } from '@jupyterlab/translation';
import { Button } from '@jupyterlab/ui-components';
import React from 'react';

import type { IAdvice } from '../../model/advice';
import { formFieldOf } from '../../model/formState';
import type { IIssue } from '../../model/issues';
import type { IDeploymentSpec } from '../../model/spec';
import { DEFAULT_KV_CACHE_TOKENS, formatGB } from '../../model/sizing';
import { fieldLabel, inputId } from './fieldLabels';
import { translateData } from '../translateData';

/** Props of {@link AdvicePanel}. */
export interface IAdvicePanelProps {
  advice: IAdvice;
  /** The issues to show (the advice's, less the ones of fields not visited yet). */
  issues: readonly IIssue[];
  model: string;
  settingsProblems: readonly string[];
  /** Problems of a YAML edit that was not taken over (the advice is about the form's spec). */
  rejectedEdit?: number;
  trans: TranslationBundle;
  onFix: (fix: Partial<IDeploymentSpec>) => void;
  /** Shows an input (opening "Advanced" when it is there). */
  onShowField: (id: string) => void;
}

/**
 * Live advice beside the form: the GPUs the deployment takes, the sizing plan for its model,
 * and each issue of the guide's rules with its reason and, where there is one, a fix.
 */
export function AdvicePanel(props: IAdvicePanelProps): JSX.Element {
  const { advice, trans } = props;
  return (
    <div
      className="jp-lws-Advice"
      data-testid="lws-advice"
      aria-label={trans.__('Advice')}
      role="region"
    >
      <h3>{trans.__('Advice')}</h3>
      <GpuSummary advice={advice} trans={trans} />
      <SizingPlan {...props} />
      {props.settingsProblems.map(problem => (
        <p key={problem} className="jp-lws-Advice-issue jp-lws-mod-warning">
          {problem}
        </p>
      ))}
      {props.rejectedEdit ? (
        <p
          className="jp-lws-Advice-issue jp-lws-mod-error"
          data-testid="lws-advice-edit-rejected"
        >
          {trans._n(
            'Your YAML edit is not applied: %1 problem, marked in the YAML editor. This advice is about the form as it was.',
            'Your YAML edit is not applied: %1 problems, marked in the YAML editor. This advice is about the form as it was.',
            props.rejectedEdit
          )}
        </p>
      ) : null}
      {props.issues.length === 0 ? (
        props.rejectedEdit ? null : advice.errors > 0 ? (
          <p className="jp-lws-Advice-detail">
            {trans.__(
              'Choose a model and a name: the advice follows as you fill in the form.'
            )}
          </p>
        ) : (
          <p className="jp-lws-Advice-ok" data-testid="lws-advice-ok">
            {trans.__('No problems: the spec follows the guide’s rules.')}
          </p>
        )
      ) : (
        <ul className="jp-lws-Advice-issues" aria-label={trans.__('Issues')}>
          {props.issues.map(issue => (
            <IssueItem
              key={`${issue.id}:${issue.field ?? ''}:${issue.message}`}
              issue={issue}
              {...props}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function GpuSummary(props: {
  advice: IAdvice;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { advice, trans } = props;
  const gpus = advice.gpus;
  if (!gpus) {
    return null;
  }
  const type = gpus.gpuType ?? trans.__('GPUs');
  return (
    <div className="jp-lws-Advice-gpus" data-testid="lws-advice-gpus">
      <p className="jp-lws-Advice-headline">
        {gpus.replicas === 1
          ? trans.__(
              '%1 x %2 = %3 %4',
              trans._n('%1 node', '%1 nodes', gpus.nodes),
              trans._n('%1 GPU', '%1 GPUs', gpus.gpusPerNode),
              gpus.perGroup,
              type
            )
          : trans.__(
              '%1 x %2 = %3 %4 per replica, %5 in all',
              trans._n('%1 node', '%1 nodes', gpus.nodes),
              trans._n('%1 GPU', '%1 GPUs', gpus.gpusPerNode),
              gpus.perGroup,
              type,
              gpus.total
            )}
      </p>
      <p className="jp-lws-Advice-detail">
        {trans.__(
          'Tensor parallel %1 x pipeline parallel %2.',
          gpus.tensorParallel,
          gpus.pipelineParallel
        )}
      </p>
    </div>
  );
}

function SizingPlan(props: IAdvicePanelProps): JSX.Element | null {
  const { advice, trans } = props;
  const plan = advice.plan;
  if (!plan) {
    if (!props.model.trim() || !advice.gpus) {
      return null;
    }
    return (
      <p className="jp-lws-Advice-detail" data-testid="lws-advice-plan">
        {trans.__(
          'No sizing plan: %1 is not in the model catalog (or the GPU type is unknown). Add its config.json facts as modelConfig in the YAML (layers, attentionHeads, kvHeads, parametersB) for memory advice.',
          props.model
        )}
      </p>
    );
  }
  const { recommended, memory } = plan;
  return (
    <div className="jp-lws-Advice-plan" data-testid="lws-advice-plan">
      <p>
        <strong>{trans.__('Sizing plan')}</strong>{' '}
        {trans.__(
          '%1 needs %2 (%3 of weights and a %4-token KV cache).',
          plan.model.id,
          formatGB(recommended.memory.requiredGB),
          formatGB(recommended.memory.weightGB),
          DEFAULT_KV_CACHE_TOKENS
        )}{' '}
        {recommended.fits
          ? trans.__(
              'Recommended: %1 x %2 %3, tensor parallel %4 x pipeline parallel %5.',
              trans._n('%1 node', '%1 nodes', recommended.nodes),
              recommended.gpusPerNode,
              plan.gpu.type,
              recommended.tensorParallel,
              recommended.pipelineParallel
            )
          : trans.__('It does not fit on any number of these nodes.')}
      </p>
      <p className="jp-lws-Advice-detail">
        {trans.__(
          'Your choice leaves the engine %1 for %2.',
          formatGB(memory.usableGB),
          formatGB(memory.requiredGB)
        )}
      </p>
      {plan.followed ? (
        <p className="jp-lws-Advice-ok">
          {trans.__('Your choice follows the plan.')}
        </p>
      ) : (
        recommended.fits && (
          <Button
            className="jp-mod-styled jp-mod-reject"
            small
            data-testid="lws-advice-use-plan"
            onClick={() => props.onFix(plan.fix)}
          >
            {trans.__('Use this plan')}
          </Button>
        )
      )}
    </div>
  );
}

function IssueItem(props: IAdvicePanelProps & { issue: IIssue }): JSX.Element {
  const { issue, trans } = props;
  const field = formFieldOf(issue.field);
  return (
    <li
      className={`jp-lws-Advice-issue jp-lws-mod-${issue.severity}`}
      data-testid="lws-advice-issue"
      data-issue={issue.id}
    >
      <span className="jp-lws-Advice-severity">
        {issue.severity === 'error' ? trans.__('Error') : trans.__('Advice')}
      </span>
      {field && (
        <button
          type="button"
          className="jp-lws-Advice-field"
          title={trans.__('Show the field')}
          onClick={() => props.onShowField(inputId(field))}
        >
          {fieldLabel(field, trans)}
        </button>
      )}
      <p>{translateData(trans, issue.message)}</p>
      {issue.fix && (
        <Button
          className="jp-mod-styled jp-mod-reject"
          small
          onClick={() => props.onFix(issue.fix as Partial<IDeploymentSpec>)}
        >
          {trans.__('Apply the suggestion')}
        </Button>
      )}
    </li>
  );
}
