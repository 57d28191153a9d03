/**
 * The smoke test of a new service revision: GET each configured path through the load balancer's
 * test listener rule (the request carries the rule's header, so it reaches the new revision only)
 * and judge the status code and the time to the answer. Pure of AWS: the handler feeds it the
 * configuration from the environment.
 */
import * as http from 'http';
import * as https from 'https';

/** Name of the environment variable holding {@link SmokeTestSettings} as JSON. */
export const SMOKE_TEST_ENV = 'SMOKE_TEST';

export interface SmokeTestSettings {
  /** `http://host[:port]` or `https://host[:port]` of the listener that carries the test rule. */
  readonly baseUrl: string;
  /** Header the test listener rule matches, and its value. */
  readonly headerName: string;
  readonly headerValue: string;
  readonly paths: readonly string[];
  /** e.g. `200-299` or `200,204`. */
  readonly expectedStatus: string;
  readonly maxResponseMs: number;
  /**
   * Check that the certificate names the host. False only when the stack has a certificate but no
   * domain of its own, so the test calls the load balancer's DNS name, which the certificate does not
   * name; the chain is still verified.
   * @default true
   */
  readonly verifyHostname?: boolean;
}

export interface PathResult {
  readonly path: string;
  readonly ok: boolean;
  readonly status?: number;
  readonly elapsedMs: number;
  /** Why the path failed; absent when it passed. */
  readonly problem?: string;
}

export interface SmokeTestResult {
  readonly passed: boolean;
  readonly results: readonly PathResult[];
}

/** Whether `status` is one of `spec`'s codes or ranges (`200-299,304`). */
export function statusMatches(status: number, spec: string): boolean {
  return spec.split(',').some((part) => {
    const [from, to] = part.split('-').map(Number);
    return to === undefined ? status === from : status >= from && status <= to;
  });
}

/** Request every path in order; stops at nothing, so the report names every failing path. */
export async function runSmokeTest(settings: SmokeTestSettings): Promise<SmokeTestResult> {
  const results: PathResult[] = [];
  for (const path of settings.paths) results.push(await checkPath(settings, path));
  return { passed: results.every((r) => r.ok), results };
}

function checkPath(settings: SmokeTestSettings, path: string): Promise<PathResult> {
  const url = new URL(path, settings.baseUrl);
  const client = url.protocol === 'https:' ? https : http;
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: PathResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const req = client.request(
      url,
      {
        method: 'GET',
        headers: { [settings.headerName]: settings.headerValue, 'user-agent': 'scalable-backend-smoke-test' },
        timeout: settings.maxResponseMs,
        ...(url.protocol === 'https:' && settings.verifyHostname === false
          ? { checkServerIdentity: () => undefined }
          : {}),
      },
      (res) => {
        // The answer counts when its headers arrive; the body is drained and ignored.
        const ms = elapsed();
        res.resume();
        const status = res.statusCode ?? 0;
        const problems: string[] = [];
        if (!statusMatches(status, settings.expectedStatus)) {
          problems.push(`status ${status}, expected ${settings.expectedStatus}`);
        }
        if (ms > settings.maxResponseMs)
          problems.push(`answered in ${ms} ms, limit ${settings.maxResponseMs} ms`);
        done({
          path,
          ok: problems.length === 0,
          status,
          elapsedMs: ms,
          ...(problems.length ? { problem: problems.join('; ') } : {}),
        });
      },
    );
    req.on('timeout', () => {
      done({
        path,
        ok: false,
        elapsedMs: elapsed(),
        problem: `no answer within ${settings.maxResponseMs} ms`,
      });
      req.destroy();
    });
    req.on('error', (e) => done({ path, ok: false, elapsedMs: elapsed(), problem: e.message }));
    req.end();
  });
}
