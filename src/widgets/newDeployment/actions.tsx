import {
  Clipboard,
  Dialog,
  InputDialog,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import type { Contents } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';
import React from 'react';

import type { IExistingObject } from '../../api/apply';
import { objectLabel } from './applyStatus';

/**
 * Asks where to save `text` in the workspace (confirming an overwrite) and saves it.
 * Returns the path, or null when the user cancelled.
 */
export async function exportToWorkspace(options: {
  contents: Contents.IManager;
  commands: CommandRegistry;
  trans: TranslationBundle;
  title: string;
  defaultPath: string;
  text: string;
}): Promise<string | null> {
  const { contents, trans } = options;
  const answer = await InputDialog.getText({
    title: options.title,
    label: trans.__('Path in the workspace'),
    text: options.defaultPath,
    selectionRange: options.defaultPath.lastIndexOf('.'),
    required: true,
    okLabel: trans.__('Save')
  });
  const path = answer.value?.trim().replace(/^\/+/, '');
  if (!answer.button.accept || !path) {
    return null;
  }
  if (await exists(contents, path)) {
    const overwrite = await showDialog({
      title: trans.__('Replace %1?', path),
      body: trans.__('A file with this name exists in the workspace.'),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.warnButton({ label: trans.__('Replace') })
      ],
      defaultButton: 0
    });
    if (!overwrite.button.accept) {
      return null;
    }
  }
  try {
    await contents.save(path, {
      type: 'file',
      format: 'text',
      content: options.text
    });
  } catch (reason) {
    Notification.error(
      trans.__('Could not save %1: %2', path, (reason as Error).message ?? '')
    );
    return null;
  }
  Notification.success(trans.__('Saved %1', path), {
    autoClose: 5000,
    actions: [
      {
        label: trans.__('Open'),
        callback: () =>
          void options.commands.execute('docmanager:open', { path })
      }
    ]
  });
  return path;
}

async function exists(
  contents: Contents.IManager,
  path: string
): Promise<boolean> {
  try {
    await contents.get(path, { content: false });
    return true;
  } catch {
    return false;
  }
}

/** Copies `text` to the clipboard and says so. */
export function copyText(text: string, message: string): void {
  Clipboard.copyToSystem(text);
  Notification.info(message, { autoClose: 3000 });
}

/** Asks whether to replace objects that exist; true when the user agrees. */
export async function confirmReplace(
  existing: IExistingObject[],
  trans: TranslationBundle
): Promise<boolean> {
  const result = await showDialog({
    title: trans._n(
      'Replace an existing object?',
      'Replace %1 existing objects?',
      existing.length
    ),
    body: (
      <div className="jp-lws-ReplaceDialog" data-testid="lws-replace-dialog">
        <p>
          {trans.__(
            'The namespace already has objects with these names. Replacing them applies this deployment over them: the pods restart with the new spec.'
          )}
        </p>
        <ul>
          {existing.map(object => (
            <li key={`${object.ref.kind}/${object.ref.name}`}>
              <strong>{objectLabel(object.ref, trans)}</strong>{' '}
              {object.ours
                ? trans.__('(made by this form before)')
                : object.managers.length > 0
                  ? trans.__(
                      '(not made by this form; managed by %1)',
                      object.managers.join(', ')
                    )
                  : trans.__('(not made by this form)')}
            </li>
          ))}
        </ul>
        <p>{trans.__('To keep them, cancel and choose another name.')}</p>
      </div>
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: trans.__('Replace') })
    ],
    // Enter must not replace someone's objects: the safe answer has the focus.
    defaultButton: 0
  });
  return result.button.accept;
}

/** Asks before resetting the form (to the profile's defaults, or to the edited deployment). */
export async function confirmReset(
  trans: TranslationBundle,
  editing = false
): Promise<boolean> {
  const result = await showDialog({
    title: trans.__('Reset the form?'),
    body: editing
      ? trans.__('All fields go back to the deployment as it is.')
      : trans.__(
          'All fields go back to the cluster profile’s defaults; the draft is replaced.'
        ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: trans.__('Reset') })
    ]
  });
  return result.button.accept;
}
