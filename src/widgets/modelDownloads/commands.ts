import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';

import type { DownloadsViewModel } from './DownloadsViewModel';
import { ModelCommandIDs } from './ModelCacheNote';

/**
 * The download commands the new-deployment form uses (it runs in another plugin, so it
 * reaches the sidebar's downloads through commands): availability, download, list.
 */
export function addDownloadCommands(
  commands: CommandRegistry,
  downloads: DownloadsViewModel,
  trans: TranslationBundle,
  showSidebar: () => void
): void {
  const model = {
    type: 'object',
    properties: { model: { type: 'string' } }
  } as const;
  commands.addCommand(ModelCommandIDs.availability, {
    label: trans.__('Model Availability in the Volume'),
    describedBy: { args: model },
    execute: args => downloads.availability(String(args.model ?? ''))
  });
  // The form asks again when a download progresses or the volume was listed.
  downloads.changed.connect(() =>
    commands.notifyCommandChanged(ModelCommandIDs.availability)
  );
  commands.addCommand(ModelCommandIDs.download, {
    label: trans.__('Download Model into the Volume'),
    describedBy: { args: model },
    execute: async args => {
      showSidebar();
      const outcome = await downloads.start({ repo: String(args.model ?? '') });
      if (!outcome.ok) {
        Notification.error(
          outcome.issues.map(issue => issue.message).join(' '),
          { autoClose: 8000 }
        );
      }
      return outcome;
    }
  });
  commands.addCommand(ModelCommandIDs.listCache, {
    label: trans.__('List Models in the Volume'),
    describedBy: { args: { type: 'object', properties: {} } },
    execute: () => downloads.refreshCache()
  });
}
