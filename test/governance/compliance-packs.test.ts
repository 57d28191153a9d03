import { COMPLIANCE_PACKS } from '../../lib/config/schema';
import { PRESETS } from '../../lib/config/presets';
import { exceptionsFor } from '../../lib/governance/exceptions';
import { CDK_JSON_CONTEXT, findings, presets, variant } from '../helpers';
import { VARIANTS } from '../variants';
import { loadEnvironments } from '../../lib/config/load';

// GIVEN prod on its domain with all three compliance packs (synthesized once by the global setup),
// and the presets, which ask for none
const withPacks = variant('prodDomain');
const plain = presets();

interface Suppressed {
  ruleName: string;
  reason: string;
}
type Report = { pluginReports: { pluginName: string; suppressedViolations?: Suppressed[] }[] };
const pluginNames = (r: unknown) => (r as Report).pluginReports.map((p) => p.pluginName);

describe('compliance packs on request (compliance.packs)', () => {
  test('each requested pack ran as a validation plugin, and prod passes it but its listed exceptions', () => {
    for (const pack of COMPLIANCE_PACKS) expect(pluginNames(withPacks.validationReport)).toContain(pack);
    expect(findings(withPacks.validationReport)).toEqual([]);
  });

  test('the presets ask for no pack: none runs on them', () => {
    for (const pack of COMPLIANCE_PACKS) expect(pluginNames(plain.validationReport)).not.toContain(pack);
  });

  test('every pack exception that applies to prod on its domain is needed, with the reason of the list', () => {
    // GIVEN the config of the variant
    const [{ config }] = loadEnvironments({
      ...CDK_JSON_CONTEXT,
      ...VARIANTS.prodDomain.context,
      envs: 'prod',
    });
    const report = withPacks.validationReport as unknown as Report;
    const seen = new Map<string, Set<string>>();
    for (const p of report.pluginReports) {
      for (const v of p.suppressedViolations ?? [])
        seen.set(v.ruleName, (seen.get(v.ruleName) ?? new Set()).add(v.reason));
    }
    const expected = exceptionsFor(config).filter((e) =>
      (COMPLIANCE_PACKS as readonly string[]).includes(e.pack),
    );
    // 17 rules flagged by NIST and HIPAA, 10 by PCI (the HTTP-to-HTTPS redirect is met on a domain)
    expect(expected.filter((e) => e.pack === 'NIST.800.53.R5')).toHaveLength(17);
    expect(expected.filter((e) => e.pack === 'HIPAA.Security')).toHaveLength(17);
    expect(expected.filter((e) => e.pack === 'PCI.DSS.321')).toHaveLength(10);
    for (const e of expected) {
      expect({ rule: e.rule, reasons: [...(seen.get(e.rule) ?? [])] }).toEqual({
        rule: e.rule,
        reasons: [e.reason],
      });
    }
  });

  test('prod without a certificate adds the redirect rule of each pack, and nothing without packs', () => {
    const withPacksNoDomain = {
      ...PRESETS.prod,
      compliance: { ...PRESETS.prod.compliance, packs: [...COMPLIANCE_PACKS] },
    };
    const rules = exceptionsFor(withPacksNoDomain)
      .filter((e) => e.pack === 'PCI.DSS.321')
      .map((e) => e.rule);
    expect(rules).toHaveLength(11);
    expect(rules).toContain('PCI.DSS.321-ALBHttpToHttpsRedirection');
    expect(exceptionsFor(PRESETS.prod).filter((e) => e.pack !== 'ControlTower')).toEqual([]);
  });
});
