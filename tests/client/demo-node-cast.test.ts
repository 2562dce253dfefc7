// The node demo's two ways of failing a step, without any process: a node API call
// that does not succeed is DEMO_NODE_FAILED naming the step, what was asked and the
// node's own error code; a state a step waits for that does not come in time is
// DEMO_NODE_FAILED with what it last saw.
import { describe, expect, it } from 'vitest';
import { must, until } from '../../client/src/demo/nodes/cast.js';
import { DemoNodeError } from '../../client/src/demo/errors.js';

describe('the node demo\'s step checks', () => {
  it('must: a refused API call is DEMO_NODE_FAILED with the node\'s code; a 2xx answer is its body', async () => {
    const refused = must('open', 'open the STX channel', Promise.resolve({ status: 409, body: { error: { code: 'NODE_PEER_NOT_CONNECTED', message: 'no session' } } }));
    await expect(refused).rejects.toBeInstanceOf(DemoNodeError);
    await expect(refused).rejects.toMatchObject({ code: 'DEMO_NODE_FAILED', message: 'open: open the STX channel: HTTP 409 NODE_PEER_NOT_CONNECTED no session', details: { step: 'open' } });
    expect(await must('open', 'read', Promise.resolve({ status: 201, body: { id: 'x' } }))).toEqual({ id: 'x' });
  });

  it('until: gives up after its time with what it last read; returns as soon as the state holds', async () => {
    let n = 0;
    await expect(until('stream', 'the peer catches up', async () => ({ nonce: String(n++) }), (v) => v.nonce === 'never', 250)).rejects.toMatchObject({
      code: 'DEMO_NODE_FAILED', message: expect.stringMatching(/^stream: the peer catches up: still \{"nonce":"\d+"\} after 0.25 s$/),
    });
    n = 0;
    expect(await until('stream', 'the peer catches up', async () => n++, (v) => v === 2, 5_000)).toBe(2);
  });
});
