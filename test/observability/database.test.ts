/** The max_connections helpers of lib/observability/database.ts. */
import { instanceClassMemoryGiB, postgresMaxConnections } from '../../lib/observability';

describe('max_connections from the instance class', () => {
  test.each([
    ['t4g.micro', 1, 112],
    ['t4g.medium', 4, 450],
    ['m7g.large', 8, 901],
    ['r7g.large', 16, 1802],
    ['r7g.4xlarge', 128, 5000], // capped
  ])('%s (%i GiB) -> %i', (cls, gib, connections) => {
    expect(instanceClassMemoryGiB(cls)).toBe(gib);
    expect(postgresMaxConnections(cls)).toBe(connections);
  });

  test('an unknown class fails with a message that names the way out', () => {
    expect(() => postgresMaxConnections('x2g.large')).toThrow(
      /'x2g\.large'.*observability\.dbMaxConnections/s,
    );
  });
});
