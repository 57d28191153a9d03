/**
 * Governance: what lets the stacks deploy into an AWS Organization that runs AWS Control Tower's
 * proactive controls, and pass the cdk-nag compliance packs a team asks for.
 *
 * - `control-tower.ts`: the published Control Tower Guard rules as a validation plugin;
 * - `hardening.ts`: stack-wide defaults applied by Aspects (log group key and retention floor, the
 *   KMS grant guard), so every log group and key is covered whichever tier declares it;
 * - `function-network.ts`: where this app's functions run (private subnets);
 * - `exceptions.ts`: every rule not met, with its reason, in one place.
 */
import {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  Stack,
} from 'aws-cdk-lib';
import { HIPAASecurityChecks, NIST80053R5Checks, NagPack, PCIDSS321Checks } from 'cdk-nag';
import { CompliancePack, EnvironmentConfig } from '../config/schema';
import { ControlTowerChecks } from './control-tower';
import { applyExceptions } from './exceptions';
import { applyHardening, createLogKey } from './hardening';

export { CONTROL_TOWER_PLUGIN_NAME, ControlTowerChecks } from './control-tower';
export { EXCEPTIONS, exceptionsFor } from './exceptions';

/** Harden one environment's stack and acknowledge its exceptions (call once the stack is built). */
export function applyGovernance(stack: Stack, config: EnvironmentConfig): void {
  const key = createLogKey(stack, 'LogKey');
  applyHardening(stack, { key, minimumRetentionDays: config.compliance.minimumLogRetentionDays });
  applyExceptions(stack, config);
}

const PACKS: Record<CompliancePack, () => NagPack> = {
  'NIST.800.53.R5': () => new NIST80053R5Checks(),
  'HIPAA.Security': () => new HIPAASecurityChecks(),
  'PCI.DSS.321': () => new PCIDSS321Checks(),
};

/**
 * A cdk-nag pack that checks only the stacks whose environment asked for it (`compliance.packs`):
 * registered on the app like any plugin, but blind to the other environments.
 */
export class StackScopedPack implements IPolicyValidationPlugin {
  public readonly name: string;
  private readonly pack: NagPack;

  constructor(
    name: CompliancePack,
    private readonly stacks: readonly Stack[],
  ) {
    this.pack = PACKS[name]();
    // cdk-nag drops an acknowledged finding silently; report every finding instead and let the CDK
    // apply the acknowledgements, as for every other plugin: an exception then shows in the report's
    // suppressedViolations with its reason, and the tests can see that each one is still needed.
    Object.assign(this.pack, { isAcknowledged: () => false });
    this.name = this.pack.name;
  }

  validate(_context: IPolicyValidationContext): PolicyValidationPluginReport {
    const reports = this.stacks.map((s) => this.pack.validateScope(s));
    const violations = reports.flatMap((r) => r.violations);
    return { success: violations.length === 0, violations };
  }
}

/**
 * The governance plugins of an app: Control Tower's controls on every stack, and each compliance
 * pack on the stacks whose environment lists it.
 */
export function governancePlugins(
  environments: readonly { stack: Stack; config: EnvironmentConfig }[],
  options: { controlTower?: boolean } = {},
): IPolicyValidationPlugin[] {
  const plugins: IPolicyValidationPlugin[] = options.controlTower === false ? [] : [new ControlTowerChecks()];
  for (const name of Object.keys(PACKS) as CompliancePack[]) {
    const stacks = environments.filter((e) => e.config.compliance.packs.includes(name)).map((e) => e.stack);
    if (stacks.length > 0) plugins.push(new StackScopedPack(name, stacks));
  }
  return plugins;
}
