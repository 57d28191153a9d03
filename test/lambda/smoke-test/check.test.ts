import * as http from 'http';
import { AddressInfo } from 'net';
import { runSmokeTest, statusMatches, SmokeTestSettings } from '../../../lambda/smoke-test/check';
import { handler } from '../../../lambda/smoke-test';

// GIVEN a real HTTP server standing in for the test listener rule: it answers only requests that
// carry the release header with the right value (like the rule), per path as configured below
const seen: { path: string; header?: string }[] = [];
const server = http.createServer((req, res) => {
  seen.push({ path: req.url!, header: req.headers['x-release-test'] as string | undefined });
  if (req.headers['x-release-test'] !== 'stack-uuid') {
    res.writeHead(404).end('no rule matched');
  } else if (req.url === '/slow') {
    setTimeout(() => res.writeHead(200).end('late'), 400);
  } else if (req.url === '/broken') {
    res.writeHead(500).end('boom');
  } else {
    res.writeHead(200).end('ok');
  }
});
let baseUrl: string;
beforeAll((done) => {
  server.listen(0, '127.0.0.1', () => {
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    done();
  });
});
afterAll((done) => {
  server.close(() => done());
});
beforeEach(() => seen.splice(0));

const settings = (over: Partial<SmokeTestSettings> = {}): SmokeTestSettings => ({
  baseUrl,
  headerName: 'X-Release-Test',
  headerValue: 'stack-uuid',
  paths: ['/', '/api/orders?limit=1'],
  expectedStatus: '200-299',
  maxResponseMs: 200,
  ...over,
});

test('every path answers 200 in time: passed, each requested once with the release header', async () => {
  const result = await runSmokeTest(settings());
  expect(result.passed).toBe(true);
  expect(result.results.map(({ path, ok, status }) => ({ path, ok, status }))).toEqual([
    { path: '/', ok: true, status: 200 },
    { path: '/api/orders?limit=1', ok: true, status: 200 },
  ]);
  expect(seen).toEqual([
    { path: '/', header: 'stack-uuid' },
    { path: '/api/orders?limit=1', header: 'stack-uuid' },
  ]);
});

test('an unexpected status fails, naming the path, the status and what was expected', async () => {
  const result = await runSmokeTest(settings({ paths: ['/', '/broken'] }));
  expect(result.passed).toBe(false);
  expect(result.results[1]).toMatchObject({
    path: '/broken',
    ok: false,
    status: 500,
    problem: 'status 500, expected 200-299',
  });
});

test('a slow answer fails at the time limit', async () => {
  const result = await runSmokeTest(settings({ paths: ['/slow'] }));
  expect(result.passed).toBe(false);
  expect(result.results[0]).toMatchObject({ path: '/slow', ok: false, problem: 'no answer within 200 ms' });
  expect(result.results[0].elapsedMs).toBeGreaterThanOrEqual(200);
});

test('without the header value the rule does not match: the answer (404) fails the test', async () => {
  const result = await runSmokeTest(settings({ headerValue: 'guess', paths: ['/'] }));
  expect(result.results[0]).toMatchObject({ ok: false, status: 404 });
});

test('nothing listening fails with the connection error', async () => {
  const result = await runSmokeTest(settings({ baseUrl: 'http://127.0.0.1:1', paths: ['/'] }));
  expect(result.passed).toBe(false);
  expect(result.results[0].problem).toMatch(/ECONNREFUSED/);
});

test.each([
  [200, '200-299', true],
  [299, '200-299', true],
  [300, '200-299', false],
  [204, '200,204', true],
  [201, '200,204', false],
  [304, '200-299,304', true],
])('status %i against %s: %s', (status, spec, expected) => {
  expect(statusMatches(status, spec)).toBe(expected);
});

describe('the lifecycle hook', () => {
  const env = process.env.SMOKE_TEST;
  afterEach(() => {
    process.env.SMOKE_TEST = env;
  });

  test('answers SUCCEEDED when the smoke test passes and FAILED (ECS rolls back) when it does not', async () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    process.env.SMOKE_TEST = JSON.stringify(settings());
    await expect(handler({ targetServiceRevisionArn: 'rev-2' })).resolves.toEqual({
      hookStatus: 'SUCCEEDED',
    });
    process.env.SMOKE_TEST = JSON.stringify(settings({ paths: ['/broken'] }));
    await expect(handler({ targetServiceRevisionArn: 'rev-2' })).resolves.toEqual({ hookStatus: 'FAILED' });
    const logged = JSON.parse((console.log as jest.Mock).mock.calls[1][0]);
    expect(logged).toMatchObject({ message: 'smoke test failed', serviceRevision: 'rev-2' });
  });
});
