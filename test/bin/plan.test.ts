import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PricingClient } from '@aws-sdk/client-pricing';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { CliError } from '../../bin/cli';
import { main, readAssembly } from '../../bin/plan';
import { DEFAULT_PRICES_FILE, explainPricingError } from '../../bin/plan-refresh';
import { fakePriceList } from '../plan/price-list-fake';

// The presets' cloud assembly of this test run (global setup): the CLI reads it with --assembly,
// so this test does not synthesize again.
const assembly = process.env.SB_PRESETS_OUTDIR!;

describe('npm run plan', () => {
  let out: string;
  let spy: jest.SpyInstance;
  beforeEach(() => {
    out = '';
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
  });
  afterEach(() => spy.mockRestore());

  test('--json prints only one JSON object keyed by stack name, for dev and prod by default', async () => {
    expect(await main(['--json', '--assembly', assembly])).toBe(0);
    const doc = JSON.parse(out);
    expect(Object.keys(doc)).toEqual(['ScalableBackend-dev', 'ScalableBackend-prod']);
    expect(doc['ScalableBackend-prod'].monthlyUsd.atMaxTasks).toBeGreaterThan(
      doc['ScalableBackend-prod'].monthlyUsd.atMinTasks,
    );
  });

  test('without --json: a table per stack with the totals and the reaction', async () => {
    expect(await main(['prod', '--assembly', assembly])).toBe(0);
    expect(out).toMatch(/### ScalableBackend-prod/);
    expect(out).toMatch(/\| \*\*Total\*\* \|/);
    expect(out).toMatch(/\| 3x \| 5 \|/);
  });

  test('--assembly with -c is refused: the overrides could not change the assembly', async () => {
    await expect(
      main(['prod', '--assembly', assembly, '-c', 'prod.database.readReplicas=3']),
    ).rejects.toThrow(
      /--assembly reads templates synthesized earlier, so -c prod\.database\.readReplicas=3 would be ignored/,
    );
    expect(out).toBe('');
  });

  test('GIVEN staging (extends prod) by environment or stack name THEN it is planned', async () => {
    const staging = path.join(assembly, 'variants', 'stagingApp');
    for (const name of ['staging', 'ScalableBackend-staging']) {
      out = '';
      expect(await main([name, '--json', '--assembly', staging])).toBe(0);
      const doc = JSON.parse(out);
      expect(Object.keys(doc)).toEqual(['ScalableBackend-staging']);
      expect(doc['ScalableBackend-staging'].monthlyUsd.atMaxTasks).toBeGreaterThan(
        doc['ScalableBackend-staging'].monthlyUsd.atMinTasks,
      );
    }
  });

  test('GIVEN a name that is no environment THEN a usage error (exit 2)', async () => {
    await expect(main(['Staging', '--assembly', assembly])).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^not an environment or stack name: Staging/),
    });
  });

  test('a stack missing from the assembly, a directory that is none, a bad -c: one-line errors', async () => {
    await expect(main(['staging', '--assembly', assembly])).rejects.toThrow(
      /has no stack ScalableBackend-staging/,
    );
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-plan-test-'));
    try {
      expect(() => readAssembly(empty, ['ScalableBackend-dev'])).toThrow(/not a cloud assembly/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('npm run plan -- --refresh-prices', () => {
  let out: string;
  let dir: string;
  let file: string;
  let pricing: AwsClientStub<PricingClient>;
  const realPrices = fs.readFileSync(DEFAULT_PRICES_FILE, 'utf8');
  beforeEach(() => {
    out = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    pricing = mockClient(PricingClient);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-plan-prices-'));
    file = path.join(dir, 'prices.json');
    fs.writeFileSync(file, realPrices);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    pricing.restore();
    fs.rmSync(dir, { recursive: true, force: true });
    // The command only writes the file it is given.
    expect(fs.readFileSync(DEFAULT_PRICES_FILE, 'utf8')).toBe(realPrices);
  });

  test('GIVEN an answer for one key THEN the given file is rewritten and the summary says what changed and what was not priced', async () => {
    fakePriceList(pricing, [
      {
        serviceCode: 'AmazonEC2',
        sku: 'NATHOURS',
        productFamily: 'NAT Gateway',
        attributes: { regionCode: 'us-east-1', usagetype: 'NatGateway-Hours' },
        dimensions: [{ usd: '0.0450000000', unit: 'Hrs' }],
      },
    ]);
    expect(await main(['--refresh-prices', '--prices-file', file])).toBe(0);
    const written = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(written.prices['nat.hour']).toMatchObject({
      usd: 0.045,
      status: 'aws-price-list',
      source:
        'AWS Price List API GetProducts AmazonEC2 regionCode=us-east-1, productFamily=NAT Gateway; usagetype NatGateway-Hours (SKU NATHOURS, 0.045 USD per Hrs)',
      date: new Date().toISOString().slice(0, 10),
    });
    expect(written.prices['nat.gb']).toEqual(JSON.parse(realPrices).prices['nat.gb']);
    const notPriced = Object.keys(JSON.parse(realPrices).prices).length - 1;
    expect(out).toMatch(
      new RegExp(
        `^Price List refresh of ${file.replace(/[.]/g, '\\.')}: 0 changed, 1 unchanged, \\d+ not priced\\.\n`,
      ),
    );
    expect(out).toMatch(/ {2}not priced \(line kept\) {2}nat\.gb: no priced product matched/);
    expect(out.split('\n').filter((l) => l.includes('(line kept)'))).toHaveLength(notPriced);
  });

  test('GIVEN --json THEN stdout holds only the summary object; nothing priced leaves the file as it was', async () => {
    fakePriceList(pricing, []);
    expect(await main(['--refresh-prices', '--prices-file', file, '--json'])).toBe(0);
    const summary = JSON.parse(out);
    expect(summary).toMatchObject({ file, written: false, changed: [], unchanged: [] });
    const kept = summary.notPriced.filter((n: { recorded: boolean }) => n.recorded);
    expect(kept).toHaveLength(Object.keys(JSON.parse(realPrices).prices).length);
    // The other keys are base sizes of families the file has no line for: none was added.
    for (const n of summary.notPriced.filter((x: { recorded: boolean }) => !x.recorded)) {
      expect(n.key).toMatch(/^(rds\.postgres\.db|elasticache\.cache)\.[a-z0-9]+\.(micro|large)\.hour$/);
    }
    expect(fs.readFileSync(file, 'utf8')).toBe(realPrices);
  });

  test('GIVEN no credentials THEN one line saying so, exit 1, and the file untouched', async () => {
    pricing.rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const err = await main(['--refresh-prices', '--prices-file', file]).then(
      () => undefined,
      explainPricingError,
    );
    expect(err).toBeInstanceOf(CliError);
    expect(err).toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/^No AWS credentials found: [^\n]+$/),
    });
    expect(fs.readFileSync(file, 'utf8')).toBe(realPrices);
    expect(out).toBe('');
  });

  test('GIVEN an environment, -c or --assembly THEN a usage error: the refresh plans nothing', async () => {
    for (const extra of [['prod'], ['-c', 'prod.database.readReplicas=3'], ['--assembly', assembly]]) {
      await expect(main(['--refresh-prices', '--prices-file', file, ...extra])).rejects.toMatchObject({
        exitCode: 2,
        message: expect.stringMatching(/^--refresh-prices rewrites the price file and plans nothing: drop /),
      });
    }
    expect(pricing.calls()).toHaveLength(0);
  });

  test('GIVEN a region that does not serve the Price List API, or --region without --refresh-prices THEN a usage error', async () => {
    await expect(
      main(['--refresh-prices', '--region', 'eu-west-1', '--prices-file', file]),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(
        /^--region eu-west-1: the Price List API is served from us-east-1, eu-central-1, ap-south-1 only/,
      ),
    });
    await expect(main(['prod', '--region', 'us-east-1'])).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^--region goes with --refresh-prices/),
    });
    expect(pricing.calls()).toHaveLength(0);
  });
});
