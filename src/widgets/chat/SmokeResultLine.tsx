import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { ISmokeResult } from '../../model/smokeTest';

/** The last smoke test, as the chat and the sidebar show it. */
export function SmokeResultLine(props: {
  result: ISmokeResult | null;
  running: boolean;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { result, running, trans } = props;
  if (running) {
    return (
      <span className="jp-lws-Smoke-result" data-testid="lws-smoke-result">
        {trans.__('smoke test running…')}
      </span>
    );
  }
  if (!result) {
    return null;
  }
  const timing = [
    result.ttftMs === null
      ? null
      : trans.__('TTFT %1 ms', Math.round(result.ttftMs)),
    trans.__('total %1 ms', Math.round(result.totalMs))
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <span
      className={`jp-lws-Smoke-result ${result.ok ? 'jp-lws-mod-ok' : 'jp-lws-mod-error'}`}
      data-testid="lws-smoke-result"
      data-ok={String(result.ok)}
      title={new Date(result.at).toLocaleString()}
    >
      {result.ok
        ? trans.__('Smoke test passed (%1)', timing)
        : trans.__('Smoke test failed: %1 (%2)', result.detail, timing)}
    </span>
  );
}
