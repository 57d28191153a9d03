import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ServiceDomain } from '../../lib/service/domain';
import { allFindings, constructTestApp, presets, resourcesOf, singleResource, variant } from '../helpers';
import { TEST_DOMAIN } from '../variants';
import { PLAIN_HTTP_WARNING } from '../../lib/scalable-backend-stack';

// GIVEN prod on its own domain (test/variants.ts: prodDomain), synthesized once per run with cdk-nag
// and the CloudFormation validator, and the presets without a domain
const onDomain = variant('prodDomain');
const prod = onDomain.templates.prod;
const { templates, validationReport } = presets();

describe('service.domain', () => {
  test('THEN an ACM certificate for the name is validated by DNS in the given hosted zone', () => {
    const [, cert] = singleResource(prod, 'AWS::CertificateManager::Certificate');
    expect(cert.Properties).toMatchObject({
      DomainName: 'api.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'api.example.com', HostedZoneId: TEST_DOMAIN.hostedZoneId }],
    });
  });

  test('THEN the HTTPS listener serves that certificate with a TLS 1.3 policy and port 80 redirects to it', () => {
    const [certId] = singleResource(prod, 'AWS::CertificateManager::Certificate');
    const listeners = resourcesOf(prod, 'AWS::ElasticLoadBalancingV2::Listener').map(
      ([, r]) => r.Properties!,
    );
    expect(listeners).toHaveLength(2);
    const https = listeners.find((l) => l.Port === 443)!;
    expect(https).toMatchObject({
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: { Ref: certId } }],
      DefaultActions: [{ Type: 'forward' }],
    });
    expect(https.SslPolicy).toMatch(/^ELBSecurityPolicy-TLS13/);
    expect(listeners.find((l) => l.Port === 80)).toMatchObject({
      DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443' } }],
    });
  });

  test('THEN an alias A record points the name at the load balancer, and no AAAA for an IPv4-only ALB', () => {
    const [albId] = singleResource(prod, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const records = resourcesOf(prod, 'AWS::Route53::RecordSet')
      .map(([, r]) => r.Properties!)
      .filter((r) => r.HostedZoneId === TEST_DOMAIN.hostedZoneId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      Name: 'api.example.com.',
      Type: 'A',
      AliasTarget: { HostedZoneId: { 'Fn::GetAtt': [albId, 'CanonicalHostedZoneID'] } },
    });
    expect(JSON.stringify(records[0].AliasTarget)).toContain(albId);
  });

  test('THEN the hosted zone is imported, not created or looked up (it synthesizes offline)', () => {
    expect(resourcesOf(prod, 'AWS::Route53::HostedZone').map(([, r]) => r.Properties!.Name)).not.toContain(
      'example.com.',
    );
  });

  test('THEN the stack output is the https URL of the name', () => {
    expect(prod.toJSON().Outputs.ServiceUrl.Value).toBe('https://api.example.com');
  });

  test('THEN cdk-nag and the CloudFormation validator report nothing, not even the plain-HTTP warning', () => {
    expect(allFindings(onDomain.validationReport)).toEqual([]);
  });

  test('GIVEN a dual-stack load balancer THEN an AAAA alias is added next to the A alias', () => {
    const stack = new Stack(constructTestApp(), 'DualStack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { ipProtocol: ec2.IpProtocol.DUAL_STACK, natGateways: 0 });
    const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Alb', {
      vpc,
      internetFacing: true,
      ipAddressType: elbv2.IpAddressType.DUAL_STACK,
    });
    new ServiceDomain(stack, 'Domain', { config: TEST_DOMAIN, loadBalancer });
    const types = resourcesOf(Template.fromStack(stack), 'AWS::Route53::RecordSet').map(
      ([, r]) => r.Properties!.Type,
    );
    expect(types.sort()).toEqual(['A', 'AAAA']);
  });
});

describe('no silent plain HTTP in prod', () => {
  const warnings = (env: string) =>
    allFindings(validationReport).filter(
      (f) => f.includes(PLAIN_HTTP_WARNING) && f.includes(`ScalableBackend-${env}/`),
    );

  test('GIVEN prod without domain or certificate THEN it synthesizes with a warning naming both settings', () => {
    expect(resourcesOf(templates.prod, 'AWS::ElasticLoadBalancingV2::Listener')).toHaveLength(1);
    expect(warnings('prod')).toHaveLength(1);
    expect(warnings('prod')[0]).toMatch(/service\.domain.*service\.certificateArn/);
  });

  test('GIVEN dev or local THEN no such warning (plain HTTP is expected there)', () => {
    expect(warnings('dev')).toEqual([]);
    expect(warnings('local')).toEqual([]);
  });
});
