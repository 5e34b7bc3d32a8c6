// The parts of the form that only an edit has: where the values came from and what the form
// cannot express (with the YAML route), and the review of the change before it is applied.

import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Button } from '@jupyterlab/ui-components';
import React from 'react';

import type { ILwsUpdateEffect } from '../../model/editDeployment';
import type { EditDeploymentViewModel, IEditReview } from './editViewModel';

/** Unexpressed settings listed before "and N more". */
const LISTED = 12;

/** Where the edit's values come from, and what it cannot carry over. */
export function EditNotice(props: {
  model: EditDeploymentViewModel;
  trans: TranslationBundle;
  onOpenLiveYaml: () => void;
}): JSX.Element {
  const { model, trans } = props;
  const session = model.session;
  if (!session) {
    const error = model.sessionError;
    return (
      <p
        className={`jp-lws-NewDeployment-where${error ? ' jp-lws-mod-error' : ''}`}
        data-testid="lws-edit-source"
        role={error ? 'alert' : undefined}
      >
        {error === null
          ? trans.__('Reading %1 from the cluster…', model.name)
          : error === 'gone'
            ? trans.__('%1 does not exist (any more).', model.name)
            : error === 'unreadable'
              ? trans.__(
                  'The form cannot read the engine or the model of %1 from its objects: edit its YAML instead (kubectl edit).',
                  model.name
                )
              : trans.__('Could not read %1: %2', model.name, error)}
      </p>
    );
  }
  const { unexpressed } = session;
  return (
    <>
      <p className="jp-lws-NewDeployment-where" data-testid="lws-edit-source">
        {session.source === 'annotation'
          ? trans.__(
              'Filled from the spec this form deployed %1 with.',
              model.name
            )
          : trans.__(
              '%1 was not made by this form: the fields hold what could be read from its objects (engine, model, image, nodes, GPUs, parallelism, replicas, port).',
              model.name
            )}
      </p>
      {unexpressed.length > 0 && (
        <div
          className="jp-lws-EditNotice jp-lws-mod-warning"
          data-testid="lws-edit-unexpressed"
          role="alert"
        >
          <p>
            {trans._n(
              'Its objects hold %1 setting that the form cannot express; applying the form would drop or overwrite it, so Apply changes is off:',
              'Its objects hold %1 settings that the form cannot express; applying the form would drop or overwrite them, so Apply changes is off:',
              unexpressed.length
            )}
          </p>
          <ul>
            {unexpressed.slice(0, LISTED).map(path => (
              <li key={path}>
                <code>{path}</code>
              </li>
            ))}
            {unexpressed.length > LISTED && (
              <li>{trans.__('and %1 more', unexpressed.length - LISTED)}</li>
            )}
          </ul>
          <p>
            {trans.__(
              'Edit its YAML instead: save the live objects to a file, change them, and apply them with kubectl apply --server-side -f <file>.'
            )}{' '}
            <Button
              small
              className="jp-mod-styled jp-mod-reject"
              onClick={props.onOpenLiveYaml}
              data-testid="lws-edit-live-yaml"
            >
              {trans.__('Save the live YAML…')}
            </Button>
          </p>
        </div>
      )}
    </>
  );
}

/** What LWS does with the change, in a sentence. */
export function effectText(
  effect: ILwsUpdateEffect | null,
  trans: TranslationBundle
): string {
  if (!effect || effect.kind === 'none') {
    return trans.__('The pods keep running: their template does not change.');
  }
  if (effect.kind === 'scale') {
    return effect.replicasAfter > effect.replicasBefore
      ? trans.__(
          'LWS adds groups (%1 → %2); the running groups keep serving.',
          effect.replicasBefore,
          effect.replicasAfter
        )
      : trans.__(
          'LWS removes groups (%1 → %2); the remaining groups keep serving.',
          effect.replicasBefore,
          effect.replicasAfter
        );
  }
  return trans.__(
    'The pod template changes, so LWS does a rolling update: it recreates the groups, %1 at a time, and each new group loads the model again before it serves.',
    effect.maxUnavailable
  );
}

/** Shows the change (diff of the manifests) and asks before applying it. */
export async function confirmEdit(
  review: IEditReview,
  trans: TranslationBundle
): Promise<boolean> {
  const nothing = review.diff.text === '' && review.updatesSecret === null;
  const result = await showDialog({
    title: trans.__('Apply the changes to %1?', review.name),
    body: (
      <div className="jp-lws-EditReview" data-testid="lws-edit-review">
        {nothing ? (
          <p>
            {trans.__(
              'Nothing changes: the form holds the deployment as it is.'
            )}
          </p>
        ) : (
          <>
            {review.specChanges.length > 0 && (
              <ul
                className="jp-lws-EditReview-changes"
                data-testid="lws-edit-spec-changes"
              >
                {review.specChanges.map(change => (
                  <li key={change.field}>
                    <code>{change.field}</code>: {change.before} →{' '}
                    {change.after}
                  </li>
                ))}
              </ul>
            )}
            <p data-testid="lws-edit-effect">
              {effectText(review.effect, trans)}
            </p>
            {review.updatesSecret !== null && (
              <p>
                {trans.__(
                  'The Secret %1 is updated with the token you typed (never shown).',
                  review.updatesSecret
                )}
              </p>
            )}
            {review.diff.text !== '' && (
              <pre
                className="jp-lws-EditReview-diff"
                data-testid="lws-edit-diff"
                aria-label={trans.__('Changes to the manifests')}
                // Scrollable: reachable with the keyboard (axe: scrollable-region-focusable).
                tabIndex={0}
              >
                {review.diff.text.split('\n').map((line, index) => (
                  <span key={index} className={diffLineClass(line)}>
                    {line}
                    {'\n'}
                  </span>
                ))}
              </pre>
            )}
          </>
        )}
      </div>
    ),
    buttons: nothing
      ? [Dialog.cancelButton({ label: trans.__('Close') })]
      : [
          Dialog.cancelButton({ label: trans.__('Cancel') }),
          Dialog.okButton({ label: trans.__('Apply changes') })
        ],
    defaultButton: 0
  });
  return !nothing && result.button.accept;
}

/** Colours a diff line by its first character; the text itself is shown as it is. */
function diffLineClass(line: string): string | undefined {
  if (line.startsWith('+++') || line.startsWith('---')) {
    return 'jp-lws-EditReview-file';
  }
  if (line.startsWith('+')) {
    return 'jp-lws-EditReview-added';
  }
  if (line.startsWith('-')) {
    return 'jp-lws-EditReview-removed';
  }
  if (line.startsWith('@@')) {
    return 'jp-lws-EditReview-hunk';
  }
  return undefined;
}
