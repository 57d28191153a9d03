/**
 * The AWS managed rule groups `service.waf.managedRuleGroups` offers, with the names of their rules,
 * so `service.waf.countOnlyRules` can refuse a rule the group does not have (a misspelt override
 * would leave the rule blocking).
 *
 * Source (checked 2026-12): AWS WAF Developer Guide, "AWS Managed Rules rule groups list":
 * baseline groups https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html,
 * use-case groups https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-use-case.html,
 * IP reputation groups https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-ip-rep.html.
 * The pages describe the latest static version of each group; `aws wafv2 describe-managed-rule-group`
 * lists the rules of any version.
 */
export const WAF_MANAGED_RULES: Readonly<Record<string, readonly string[]>> = {
  AWSManagedRulesCommonRuleSet: [
    'NoUserAgent_HEADER',
    'UserAgent_BadBots_HEADER',
    'SizeRestrictions_QUERYSTRING',
    'SizeRestrictions_Cookie_HEADER',
    'SizeRestrictions_BODY',
    'SizeRestrictions_URIPATH',
    'EC2MetaDataSSRF_BODY',
    'EC2MetaDataSSRF_COOKIE',
    'EC2MetaDataSSRF_URIPATH',
    'EC2MetaDataSSRF_QUERYARGUMENTS',
    'GenericLFI_QUERYARGUMENTS',
    'GenericLFI_URIPATH',
    'GenericLFI_BODY',
    'RestrictedExtensions_URIPATH',
    'RestrictedExtensions_QUERYARGUMENTS',
    'GenericRFI_QUERYARGUMENTS',
    'GenericRFI_BODY',
    'GenericRFI_URIPATH',
    'CrossSiteScripting_COOKIE',
    'CrossSiteScripting_QUERYARGUMENTS',
    'CrossSiteScripting_BODY',
    'CrossSiteScripting_URIPATH',
  ],
  AWSManagedRulesAdminProtectionRuleSet: ['AdminProtection_URIPATH'],
  AWSManagedRulesKnownBadInputsRuleSet: [
    'JavaDeserializationRCE_HEADER',
    'JavaDeserializationRCE_BODY',
    'JavaDeserializationRCE_URIPATH',
    'JavaDeserializationRCE_QUERYSTRING',
    'Host_localhost_HEADER',
    'PROPFIND_METHOD',
    'ExploitablePaths_URIPATH',
    'Log4JRCE_HEADER',
    'Log4JRCE_QUERYSTRING',
    'Log4JRCE_BODY',
    'Log4JRCE_URIPATH',
  ],
  AWSManagedRulesSQLiRuleSet: [
    'SQLi_QUERYARGUMENTS',
    'SQLiExtendedPatterns_QUERYARGUMENTS',
    'SQLi_BODY',
    'SQLiExtendedPatterns_BODY',
    'SQLi_COOKIE',
    'SQLi_URIPATH',
  ],
  AWSManagedRulesLinuxRuleSet: ['LFI_URIPATH', 'LFI_QUERYSTRING', 'LFI_HEADER'],
  AWSManagedRulesUnixRuleSet: [
    'UNIXShellCommandsVariables_QUERYSTRING',
    'UNIXShellCommandsVariables_BODY',
    'UNIXShellCommandsVariables_HEADER',
  ],
  AWSManagedRulesWindowsRuleSet: [
    'WindowsShellCommands_COOKIE',
    'WindowsShellCommands_QUERYARGUMENTS',
    'WindowsShellCommands_BODY',
    'PowerShellCommands_COOKIE',
    'PowerShellCommands_QUERYARGUMENTS',
    'PowerShellCommands_BODY',
  ],
  AWSManagedRulesPHPRuleSet: [
    'PHPHighRiskMethodsVariables_HEADER',
    'PHPHighRiskMethodsVariables_QUERYSTRING',
    'PHPHighRiskMethodsVariables_BODY',
  ],
  AWSManagedRulesWordPressRuleSet: [
    'WordPressExploitableCommands_QUERYSTRING',
    'WordPressExploitablePaths_URIPATH',
  ],
  AWSManagedRulesAmazonIpReputationList: [
    'AWSManagedIPReputationList',
    'AWSManagedReconnaissanceList',
    'AWSManagedIPDDoSList',
  ],
  AWSManagedRulesAnonymousIpList: ['AnonymousIPList', 'HostingProviderIPList'],
};
