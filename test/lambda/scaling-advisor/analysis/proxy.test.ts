import { analyze } from '../../../../lambda/scaling-advisor/analysis';
import { ids } from '../../../../lambda/scaling-advisor/queries';
import { healthyFixture, makeTargets } from '../fixtures';

describe('analysis: edge cases', () => {
  test('GIVEN a proxy no client has connected to yet THEN it is noted, not counted as missing', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    for (const id of [
      ids.proxyClientConnections,
      ids.proxyDbConnections,
      ids.proxyBorrowedConnections,
      ids.proxyMaxConnections,
      ids.proxyQueryLatency,
      ids.proxyBorrowLatency,
    ]) {
      delete f[id];
    }
    const result = analyze(f, t);
    expect(result.verdict).toBe('HEALTHY');
    expect(result.tiers.proxy.state).toBe('NO_DATA');
    expect(result.dataQuality.notes.join('\n')).toMatch(/only after its first client connection/);
  });
});
