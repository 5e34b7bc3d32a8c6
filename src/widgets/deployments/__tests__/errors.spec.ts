import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';

import { LwsApiError } from '../../../api/request';
import { actionErrorMessage } from '../errors';

const trans = nullTranslator.load('jupyterlab_lws');
const attempt = {
  verb: 'patch',
  resource: 'leaderworkersets',
  what: 'the deployment llama'
};

describe('actionErrorMessage', () => {
  it('names the missing right of an RBAC refusal', () => {
    const message = actionErrorMessage(
      new LwsApiError(
        403,
        'leaderworkersets.leaderworkerset.x-k8s.io "llama" is forbidden: User "system:serviceaccount:ns:default-editor" cannot patch resource'
      ),
      attempt,
      trans
    );
    expect(message).toMatch(/^Refused: .* may not patch leaderworkersets/);
    expect(message).toContain('cannot patch resource');
  });

  it('says what to do on a conflict and when the object is gone', () => {
    expect(
      actionErrorMessage(new LwsApiError(409, 'conflict'), attempt, trans)
    ).toMatch(/^The deployment llama changed .* Try again/);
    expect(
      actionErrorMessage(new LwsApiError(404, 'not found'), attempt, trans)
    ).toBe(
      'The deployment llama no longer exists: someone deleted it already.'
    );
  });

  it("keeps the API server's reason for an invalid change", () => {
    expect(
      actionErrorMessage(
        new LwsApiError(
          422,
          'LeaderWorkerSet.leaderworkerset.x-k8s.io "llama" is invalid: spec.replicas: Invalid value: -1'
        ),
        attempt,
        trans
      )
    ).toMatch(/^Kubernetes refused the change: .*spec\.replicas/);
  });

  it('says nothing changed when the Jupyter server is unreachable', () => {
    expect(
      actionErrorMessage(
        new ServerConnection.NetworkError(new TypeError('Failed to fetch')),
        attempt,
        trans
      )
    ).toMatch(/^Could not reach the Jupyter server, so nothing was changed/);
  });
});
