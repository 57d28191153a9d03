/**
 * A stand-in for the AWS Price List Query API behind aws-sdk-client-mock: products shaped like
 * GetProducts' PriceList entries (https://docs.aws.amazon.com/cli/latest/reference/pricing/get-products.html
 * shows one), answered the way the API answers: TERM_MATCH filters on the product's attributes (and
 * `productFamily`), pages of `pageSize` with a NextToken.
 */
import { GetProductsCommand, GetProductsCommandInput, PricingClient } from '@aws-sdk/client-pricing';
import { AwsClientStub } from 'aws-sdk-client-mock';

export interface FakeDimension {
  readonly usd: string;
  readonly unit: string;
  readonly beginRange?: string;
  readonly endRange?: string;
}

export interface FakeProduct {
  readonly serviceCode: string;
  readonly sku: string;
  readonly productFamily?: string;
  readonly attributes: Record<string, string>;
  readonly dimensions: readonly FakeDimension[];
}

/** One PriceList entry as the API sends it: a JSON string. */
export function priceListEntry(p: FakeProduct): string {
  const term = `${p.sku}.JRTCKXETXF`;
  return JSON.stringify({
    product: {
      productFamily: p.productFamily,
      attributes: { servicecode: p.serviceCode, locationType: 'AWS Region', ...p.attributes },
      sku: p.sku,
    },
    serviceCode: p.serviceCode,
    terms: {
      OnDemand: {
        [term]: {
          priceDimensions: Object.fromEntries(
            p.dimensions.map((d, i) => [
              `${term}.${i}`,
              {
                unit: d.unit,
                endRange: d.endRange ?? 'Inf',
                description: `$${d.usd} per ${d.unit}`,
                appliesTo: [],
                rateCode: `${term}.${i}`,
                beginRange: d.beginRange ?? '0',
                pricePerUnit: { USD: d.usd },
              },
            ]),
          ),
          sku: p.sku,
          effectiveDate: '2026-11-01T00:00:00Z',
          offerTermCode: 'JRTCKXETXF',
          termAttributes: {},
        },
      },
    },
    version: '20261101000000',
    publicationDate: '2026-11-01T00:00:00Z',
  });
}

function matches(p: FakeProduct, input: GetProductsCommandInput): boolean {
  if (p.serviceCode !== input.ServiceCode) return false;
  return (input.Filters ?? []).every((f) => {
    if (f.Type !== 'TERM_MATCH') throw new Error(`the fake answers TERM_MATCH only, got ${f.Type}`);
    const value =
      f.Field === 'productFamily'
        ? p.productFamily
        : { locationType: 'AWS Region', ...p.attributes }[f.Field!];
    return value === f.Value;
  });
}

/** Mock the Pricing client so GetProducts answers from `catalog`, `pageSize` products a page. */
export function fakePriceList(
  pricing: AwsClientStub<PricingClient>,
  catalog: readonly FakeProduct[],
  pageSize = 100,
): void {
  pricing.on(GetProductsCommand).callsFake((input: GetProductsCommandInput) => {
    const all = catalog.filter((p) => matches(p, input));
    const size = Math.min(pageSize, input.MaxResults ?? 100);
    const start = input.NextToken ? Number(input.NextToken.replace('page-', '')) : 0;
    const next = start + size < all.length ? `page-${start + size}` : undefined;
    return {
      FormatVersion: 'aws_v1',
      PriceList: all.slice(start, start + size).map(priceListEntry),
      ...(next ? { NextToken: next } : {}),
    };
  });
}
