import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { DomainConfig } from '../config/schema';

export interface ServiceDomainProps {
  /** Validated `service.domain`: the name, and the hosted zone it lives in. */
  readonly config: DomainConfig;
  /** The load balancer the name points at. */
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
}

/**
 * The service on its own domain: an ACM certificate for the name, validated by DNS records that
 * CloudFormation writes into the hosted zone, and alias records from the name to the load balancer.
 *
 * The zone is imported from its id and name (`fromHostedZoneAttributes`): no lookup at synth, so the
 * app still synthesizes offline and without credentials. Precondition: the zone is a public hosted
 * zone in the deploying account, and its name servers are delegated from the parent domain (else
 * the certificate stays PENDING_VALIDATION and the stack waits until CloudFormation times out).
 */
export class ServiceDomain extends Construct {
  readonly zone: route53.IHostedZone;
  readonly certificate: acm.Certificate;
  /** Fully qualified name without the trailing dot, e.g. `api.example.com`. */
  readonly name: string;

  constructor(scope: Construct, id: string, props: ServiceDomainProps) {
    super(scope, id);
    const { config, loadBalancer } = props;
    this.name = config.name;

    this.zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: config.hostedZoneId,
      zoneName: config.zoneName,
    });

    // With the zone id in DomainValidationOptions ACM adds the validation CNAME to the zone itself,
    // and the certificate resource completes once it is issued, before the listener uses it (source:
    // CloudFormation, AWS::CertificateManager::Certificate DomainValidationOption, HostedZoneId:
    // "causes ACM to add your CNAME to the domain record").
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: config.name,
      validation: acm.CertificateValidation.fromDns(this.zone),
    });

    const target = route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(loadBalancer));
    new route53.ARecord(this, 'AliasRecord', { zone: this.zone, recordName: config.name, target });
    // IPv6 clients resolve an AAAA alias, which only a dual-stack load balancer can answer; an
    // IPv4-only one gets the A record alone (source: AWS re:Post knowledge center "elb-configure-with-
    // ipv6": point "Alias (A and AAAA)" records at the dualstack name once the ALB is dual-stack).
    if (
      loadBalancer.ipAddressType === elbv2.IpAddressType.DUAL_STACK ||
      loadBalancer.ipAddressType === elbv2.IpAddressType.DUAL_STACK_WITHOUT_PUBLIC_IPV4
    ) {
      new route53.AaaaRecord(this, 'AliasRecordIpv6', { zone: this.zone, recordName: config.name, target });
    }
  }
}
