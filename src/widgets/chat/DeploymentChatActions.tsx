import type { TranslationBundle } from '@jupyterlab/translation';
import { Button, UseSignal } from '@jupyterlab/ui-components';
import React from 'react';

import type { SmokeResults } from './smokeResults';
import { SmokeResultLine } from './SmokeResultLine';

/** The chat and smoke-test buttons under a deployment's endpoint in the sidebar. */
export function DeploymentChatActions(props: {
  /** The key of the deployment's smoke results (`namespace/name`). */
  resultKey: string;
  results: SmokeResults;
  onChat: () => void;
  onSmokeTest: () => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { results, resultKey, trans } = props;
  return (
    <UseSignal signal={results.changed}>
      {() => (
        <div className="jp-lws-ChatActions">
          <div className="jp-lws-Actions">
            <Button
              small
              className="jp-mod-styled jp-mod-reject"
              onClick={props.onChat}
              data-testid="lws-action-chat"
              title={trans.__('Chat with the deployment in the main area')}
            >
              {trans.__('Chat')}
            </Button>
            <Button
              small
              className="jp-mod-styled jp-mod-reject"
              onClick={props.onSmokeTest}
              disabled={results.running(resultKey)}
              data-testid="lws-action-smoke-test"
              title={trans.__(
                'Send one short fixed prompt and check the answer'
              )}
            >
              {trans.__('Smoke test')}
            </Button>
          </div>
          <SmokeResultLine
            result={results.result(resultKey)}
            running={results.running(resultKey)}
            trans={trans}
          />
        </div>
      )}
    </UseSignal>
  );
}
