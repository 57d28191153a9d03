import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { FakeProduct, fakePriceList } from './price-list-fake';
import { PRICES } from '../../lib/plan/cost';
import { baseSizeKeys, priceQuery, usagetypeMatches } from '../../lib/plan/price-queries';
import {
  ABOUT_AWS_PRICE_LIST,
  PriceFile,
  readProduct,
  refreshPrices,
  renderRefreshSummary,
} from '../../lib/plan/refresh';

/**
 * The price refresh against a stand-in Price List API (aws-sdk-client-mock): the filters each key
 * sends, the one product it keeps among look-alikes, and the lines it writes or keeps.
 */
const TODAY = '2026-12-07';

const line = (usd: number, unit: string, awsPage: string) => ({
  usd,
  unit,
  status: 'third-party',
  source: 'a page',
  awsPage,
  date: '2026-11-30',
});

/** A small price file with one line per kind of query. */
function file(prices: PriceFile['prices'] = {}): PriceFile {
  return {
    region: 'us-east-1',
    currency: 'USD',
    recorded: '2026-11-30',
    hoursPerMonth: 730,
    about: 'On-demand list prices.',
    prices: {
      'rds.postgres.db.t4g.micro.hour': line(
        0.016,
        'instance-hour (Single-AZ)',
        'https://aws.amazon.com/rds/postgresql/pricing/',
      ),
      'elasticache.cache.t4g.micro.hour': line(
        0.016,
        'node-hour',
        'https://aws.amazon.com/elasticache/pricing/',
      ),
      'fargate.ARM64.vcpuHour': line(0.03238, 'vCPU-hour', 'https://aws.amazon.com/fargate/pricing/'),
      'lambda.requestMillion': line(0.2, 'million requests', 'https://aws.amazon.com/lambda/pricing/'),
      ...prices,
    },
    vcpus: { 'db.t4g.micro': 2 },
  };
}

const rds = (sku: string, attrs: Record<string, string>, usd: string): FakeProduct => ({
  serviceCode: 'AmazonRDS',
  sku,
  productFamily: 'Database Instance',
  attributes: {
    regionCode: 'us-east-1',
    databaseEngine: 'PostgreSQL',
    deploymentOption: 'Single-AZ',
    instanceType: 'db.t4g.micro',
    usagetype: 'InstanceUsage:db.t4g.micro',
    ...attrs,
  },
  dimensions: [{ usd, unit: 'Hrs' }],
});

/** us-east-1 products for the keys of `file()`, each next to the look-alikes it must not be taken for. */
const CATALOG: FakeProduct[] = [
  rds('RDSMICRO', {}, '0.0170000000'),
  // Extended Support is a surcharge with the same class, engine and deployment option.
  rds('RDSEXT', { usagetype: 'ExtendedSupport-InstanceUsage:db.t4g.micro' }, '0.1000000000'),
  rds('RDSMULTI', { deploymentOption: 'Multi-AZ', usagetype: 'Multi-AZUsage:db.t4g.micro' }, '0.0320000000'),
  rds('RDSMYSQL', { databaseEngine: 'MySQL' }, '0.0160000000'),
  rds('RDSEUW1', { regionCode: 'eu-west-1', usagetype: 'EU-InstanceUsage:db.t4g.micro' }, '0.0180000000'),
  {
    serviceCode: 'AmazonElastiCache',
    sku: 'CACHEMICRO',
    productFamily: 'Cache Instance',
    attributes: {
      regionCode: 'us-east-1',
      cacheEngine: 'Redis',
      instanceType: 'cache.t4g.micro',
      usagetype: 'NodeUsage:cache.t4g.micro',
    },
    dimensions: [{ usd: '0.0160000000', unit: 'Hrs' }],
  },
  {
    serviceCode: 'AmazonElastiCache',
    sku: 'CACHEEXT',
    productFamily: 'Cache Instance',
    attributes: {
      regionCode: 'us-east-1',
      cacheEngine: 'Redis',
      instanceType: 'cache.t4g.micro',
      usagetype: 'USE1-ExtendedSupportYr1_Yr2-NodeUsage:cache.t4g.micro',
    },
    dimensions: [{ usd: '0.0130000000', unit: 'Hrs' }],
  },
  ...[
    ['FGARMCPU', 'USE1-Fargate-ARM-vCPU-Hours:perCPU', '0.0323800000'],
    ['FGCPU', 'USE1-Fargate-vCPU-Hours:perCPU', '0.0404800000'],
    ['FGWINCPU', 'USE1-Fargate-Windows-vCPU-Hours:perCPU', '0.0914800000'],
    ['FGARMGB', 'USE1-Fargate-ARM-GB-Hours', '0.0035600000'],
  ].map(([sku, usagetype, usd]): FakeProduct => ({
    serviceCode: 'AmazonECS',
    sku,
    productFamily: 'Compute',
    attributes: { regionCode: 'us-east-1', usagetype },
    dimensions: [{ usd, unit: 'hours' }],
  })),
  // Requests: the free tier is a zero-priced product of its own; the paid one is per request.
  ...[
    ['LREQFREE', '0.0000000000'],
    ['LREQ', '0.0000002000'],
  ].map(([sku, usd]): FakeProduct => ({
    serviceCode: 'AWSLambda',
    sku,
    productFamily: 'Serverless',
    attributes: { regionCode: 'us-east-1', group: 'AWS-Lambda-Requests', usagetype: 'Request' },
    dimensions: [{ usd, unit: 'Requests' }],
  })),
];

describe('refreshPrices', () => {
  let pricing: AwsClientStub<PricingClient>;
  const client = new PricingClient({ region: 'us-east-1' });
  beforeEach(() => {
    pricing = mockClient(PricingClient);
  });
  afterEach(() => pricing.restore());

  const sentFor = (serviceCode: string, instanceType?: string) =>
    pricing
      .commandCalls(GetProductsCommand)
      .map((c) => c.args[0].input)
      .filter(
        (i) =>
          i.ServiceCode === serviceCode &&
          (instanceType === undefined || i.Filters?.some((f) => f.Value === instanceType)),
      );

  test('GIVEN an RDS, an ElastiCache and a Fargate key THEN each sends the filters that name its product in the file region', async () => {
    fakePriceList(pricing, CATALOG);
    await refreshPrices(file(), client, TODAY);
    const tm = (Field: string, Value: string) => ({ Type: 'TERM_MATCH', Field, Value });
    expect(sentFor('AmazonRDS', 'db.t4g.micro')).toEqual([
      {
        ServiceCode: 'AmazonRDS',
        Filters: [
          tm('regionCode', 'us-east-1'),
          tm('productFamily', 'Database Instance'),
          tm('databaseEngine', 'PostgreSQL'),
          tm('deploymentOption', 'Single-AZ'),
          tm('instanceType', 'db.t4g.micro'),
        ],
        FormatVersion: 'aws_v1',
        MaxResults: 100,
        NextToken: undefined,
      },
    ]);
    expect(sentFor('AmazonElastiCache', 'cache.t4g.micro')[0].Filters).toEqual([
      tm('regionCode', 'us-east-1'),
      tm('productFamily', 'Cache Instance'),
      tm('cacheEngine', 'Redis'),
      tm('instanceType', 'cache.t4g.micro'),
    ]);
    expect(sentFor('AmazonECS')[0].Filters).toEqual([
      tm('regionCode', 'us-east-1'),
      tm('productFamily', 'Compute'),
    ]);
  });

  test('THEN each line holds the one matching price, with status aws-price-list, the query as source and today', async () => {
    fakePriceList(pricing, CATALOG);
    const result = await refreshPrices(file(), client, TODAY);
    expect(result.file.prices['rds.postgres.db.t4g.micro.hour']).toEqual({
      usd: 0.017,
      unit: 'instance-hour (Single-AZ)',
      status: 'aws-price-list',
      source:
        'AWS Price List API GetProducts AmazonRDS regionCode=us-east-1, productFamily=Database Instance, databaseEngine=PostgreSQL, deploymentOption=Single-AZ, instanceType=db.t4g.micro; usagetype InstanceUsage:db.t4g.micro (SKU RDSMICRO, 0.017 USD per Hrs)',
      awsPage: 'https://aws.amazon.com/rds/postgresql/pricing/',
      date: TODAY,
    });
    // Not the Extended Support surcharge of the same node type.
    expect(result.file.prices['elasticache.cache.t4g.micro.hour']).toMatchObject({
      usd: 0.016,
      status: 'aws-price-list',
      source: expect.stringMatching(
        /usagetype NodeUsage:cache\.t4g\.micro \(SKU CACHEMICRO, 0\.016 USD per Hrs\)$/,
      ),
    });
    // ARM, not x86 or Windows; a region prefix on the usage type is allowed.
    expect(result.file.prices['fargate.ARM64.vcpuHour']).toMatchObject({
      usd: 0.03238,
      source: expect.stringContaining(
        'usagetype Fargate-ARM-vCPU-Hours:perCPU (SKU FGARMCPU, 0.03238 USD per hours)',
      ),
    });
    // Per request in the API, per million in the file; the zero-priced free tier does not count.
    expect(result.file.prices['lambda.requestMillion']).toMatchObject({ usd: 0.2, status: 'aws-price-list' });
    expect(result.changed).toEqual([{ key: 'rds.postgres.db.t4g.micro.hour', from: 0.016, to: 0.017 }]);
    expect(result.unchanged).toEqual([
      'elasticache.cache.t4g.micro.hour',
      'fargate.ARM64.vcpuHour',
      'lambda.requestMillion',
    ]);
    expect(result.file.recorded).toBe(TODAY);
    expect(result.file.about).toBe(`On-demand list prices. ${ABOUT_AWS_PRICE_LIST}`);
    expect(result.file.vcpus).toEqual({ 'db.t4g.micro': 2 });
  });

  test('GIVEN two matching products at different prices THEN the key is reported ambiguous and its line kept', async () => {
    fakePriceList(pricing, [...CATALOG, rds('RDSOTHER', {}, '0.0190000000')]);
    const before = file();
    const result = await refreshPrices(before, client, TODAY);
    expect(result.file.prices['rds.postgres.db.t4g.micro.hour']).toEqual(
      before.prices['rds.postgres.db.t4g.micro.hour'],
    );
    expect(result.notPriced).toContainEqual({
      key: 'rds.postgres.db.t4g.micro.hour',
      recorded: true,
      reason: 'ambiguous: 0.017 USD per Hrs (SKU RDSMICRO); 0.019 USD per Hrs (SKU RDSOTHER)',
    });
    expect(result.changed.map((c) => c.key)).not.toContain('rds.postgres.db.t4g.micro.hour');
  });

  test('GIVEN no answer for a key THEN its line is kept and listed; nothing priced leaves the date and about alone', async () => {
    fakePriceList(pricing, []);
    const before = file();
    const result = await refreshPrices(before, client, TODAY);
    expect(result.file.prices).toEqual(before.prices);
    expect(result.changed).toEqual([]);
    expect(result.unchanged).toEqual([]);
    expect(result.notPriced).toContainEqual({
      key: 'fargate.ARM64.vcpuHour',
      recorded: true,
      reason: 'no priced product matched (0 returned, 0 with the usage type)',
    });
    expect(result.file.recorded).toBe('2026-11-30');
    expect(result.file.about).toBe('On-demand list prices.');
  });

  test('GIVEN the answer spread over pages THEN every page is read with the NextToken of the one before', async () => {
    // One product a page: the RDS query's match is on the last of its three pages.
    fakePriceList(
      pricing,
      [
        rds('RDSEXT', { usagetype: 'ExtendedSupport-InstanceUsage:db.t4g.micro' }, '0.1000000000'),
        rds('RDSEXT2', { usagetype: 'ExtendedSupportYr3-InstanceUsage:db.t4g.micro' }, '0.2000000000'),
        rds('RDSMICRO', {}, '0.0170000000'),
      ],
      1,
    );
    const result = await refreshPrices(file(), client, TODAY);
    expect(sentFor('AmazonRDS', 'db.t4g.micro').map((i) => i.NextToken)).toEqual([
      undefined,
      'page-1',
      'page-2',
    ]);
    expect(result.file.prices['rds.postgres.db.t4g.micro.hour'].usd).toBe(0.017);
  });

  test('GIVEN a query that pages on and on THEN its key is not priced and the others still are', async () => {
    const compute = Array.from({ length: 60 }, (_, i): FakeProduct => ({
      serviceCode: 'AmazonECS',
      sku: `FG${i}`,
      productFamily: 'Compute',
      attributes: { regionCode: 'us-east-1', usagetype: `USE1-Fargate-Other${i}` },
      dimensions: [{ usd: '0.0100000000', unit: 'hours' }],
    }));
    fakePriceList(pricing, [rds('RDSMICRO', {}, '0.0170000000'), ...compute], 1);
    const result = await refreshPrices(file(), client, TODAY);
    expect(sentFor('AmazonECS')).toHaveLength(50);
    expect(result.notPriced).toContainEqual({
      key: 'fargate.ARM64.vcpuHour',
      recorded: true,
      reason: 'more than 50 pages of products answered',
    });
    expect(result.changed).toEqual([{ key: 'rds.postgres.db.t4g.micro.hour', from: 0.016, to: 0.017 }]);
  });

  test('GIVEN a price more than 3x from the recorded one THEN it is refused as a likely wrong product or unit', async () => {
    fakePriceList(pricing, [rds('RDSMICRO', {}, '0.1700000000')]);
    const result = await refreshPrices(file(), client, TODAY);
    expect(result.file.prices['rds.postgres.db.t4g.micro.hour'].usd).toBe(0.016);
    expect(result.notPriced.find((n) => n.key === 'rds.postgres.db.t4g.micro.hour')?.reason).toMatch(
      /^the API's 0\.17 USD \(per Hrs\) is more than 3x away from the recorded 0\.016/,
    );
  });

  test('GIVEN a family without a line THEN its base size is added when the API prices it, and only then', async () => {
    fakePriceList(pricing, [
      rds('M8G', { instanceType: 'db.m8g.large', usagetype: 'InstanceUsage:db.m8g.large' }, '0.1760000000'),
    ]);
    const result = await refreshPrices(file(), client, TODAY);
    expect(result.file.prices['rds.postgres.db.m8g.large.hour']).toMatchObject({
      usd: 0.176,
      unit: 'instance-hour (Single-AZ)',
      status: 'aws-price-list',
      awsPage: 'https://aws.amazon.com/rds/postgresql/pricing/',
      date: TODAY,
    });
    expect(result.changed).toContainEqual({ key: 'rds.postgres.db.m8g.large.hour', to: 0.176 });
    expect(result.file.prices['rds.postgres.db.r7g.large.hour']).toBeUndefined();
    expect(result.notPriced).toContainEqual(
      expect.objectContaining({ key: 'rds.postgres.db.r7g.large.hour', recorded: false }),
    );
    expect(renderRefreshSummary(result, 'prices.json')).toMatch(
      /^Price List refresh of prices\.json: 1 changed, 0 unchanged, \d+ not priced\.\n {2}changed {2}rds\.postgres\.db\.m8g\.large\.hour: added at 0\.176 USD\n/,
    );
  });

  test('GIVEN a key no query is known for THEN it is listed as such and kept', async () => {
    fakePriceList(pricing, CATALOG);
    const result = await refreshPrices(
      file({ 'support.planMonth': line(29, 'month', 'https://aws.amazon.com/premiumsupport/pricing/') }),
      client,
      TODAY,
    );
    expect(result.notPriced).toContainEqual({
      key: 'support.planMonth',
      recorded: true,
      reason: 'no Price List query is known for this key',
    });
  });
});

describe('price queries', () => {
  test('every line of lib/plan/prices.json and every family base size has a query', () => {
    const keys = [...Object.keys(PRICES.prices), ...baseSizeKeys()];
    expect(keys.filter((k) => priceQuery(k, 'us-east-1') === undefined)).toEqual([]);
    expect(baseSizeKeys()).toEqual(
      expect.arrayContaining([
        'rds.postgres.db.t4g.micro.hour',
        'rds.postgres.db.r8g.large.hour',
        'elasticache.cache.m5.large.hour',
      ]),
    );
    expect(baseSizeKeys()).not.toContain('rds.postgres.db.r8g.xlarge.hour');
  });

  test('a usage type matches with or without a region prefix, never inside another name', () => {
    expect(usagetypeMatches('NodeUsage:cache.t4g.micro', 'NodeUsage:cache.t4g.micro')).toBe(true);
    expect(usagetypeMatches('USE1-NodeUsage:cache.t4g.micro', 'NodeUsage:cache.t4g.micro')).toBe(true);
    expect(usagetypeMatches('EU-LoadBalancerUsage', 'LoadBalancerUsage')).toBe(true);
    expect(
      usagetypeMatches('USE1-ExtendedSupportYr3-NodeUsage:cache.t4g.micro', 'NodeUsage:cache.t4g.micro'),
    ).toBe(false);
    expect(usagetypeMatches('USE1-Fargate-ARM-vCPU-Hours:perCPU', 'vCPU-Hours:perCPU')).toBe(false);
    const pi = priceQuery('rds.performanceInsights.vcpuMonth', 'us-east-1')!.usagetype;
    expect(usagetypeMatches('USE1:PI_LTR:R7G', pi)).toBe(true);
    expect(usagetypeMatches('PI_LTR:X2G', pi)).toBe(false);
    expect(usagetypeMatches('USE1-PI_LTR_FMR:Serverless', pi)).toBe(false);
  });

  test('a tiered product gives its first paid tier', () => {
    const entry = JSON.stringify({
      product: { sku: 'LGBS', attributes: { usagetype: 'Lambda-GB-Second' } },
      terms: {
        OnDemand: {
          t: {
            priceDimensions: {
              b: {
                unit: 'Lambda-GB-Second',
                beginRange: '6000000000',
                pricePerUnit: { USD: '0.0000150000' },
              },
              a: { unit: 'Lambda-GB-Second', beginRange: '0', pricePerUnit: { USD: '0.0000166667' } },
            },
          },
        },
      },
    });
    expect(readProduct(entry).price).toEqual({ usd: 0.0000166667, unit: 'Lambda-GB-Second' });
    // The SDK may hand an entry over as a lazy JSON wrapper; its string form is the document.
    expect(readProduct({ toString: () => entry }).sku).toBe('LGBS');
  });
});
