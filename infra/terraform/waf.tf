# Optional WAF (var.enable_waf) on the frontend distribution. Scope CLOUDFRONT, so the
# ACL is created in us-east-1. The HTTP API cannot carry a web ACL; it keeps its stage
# throttling (decision 0401).

resource "aws_wafv2_web_acl" "web_acl" {
  #checkov:skip=CKV2_AWS_31:WAF logging needs a Firehose or a log group named aws-waf-logs-*; sampled requests and metrics are on
  count    = var.enable_waf ? 1 : 0
  provider = aws.us_east_1
  name     = "${var.stack_name}-${var.region}-frontend"
  scope    = "CLOUDFRONT"

  default_action {
    allow {}
  }

  rule {
    name     = "common"
    priority = 0
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"
      }
    }
    visibility_config {
      sampled_requests_enabled   = true
      cloudwatch_metrics_enabled = true
      metric_name                = "common"
    }
  }

  rule {
    name     = "known-bad-inputs" # Log4j JNDI lookups among them
    priority = 1
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }
    visibility_config {
      sampled_requests_enabled   = true
      cloudwatch_metrics_enabled = true
      metric_name                = "known-bad-inputs"
    }
  }

  rule {
    name     = "rate-per-ip"
    priority = 2
    action {
      block {}
    }
    statement {
      rate_based_statement {
        limit              = var.waf_rate_limit
        aggregate_key_type = "IP"
      }
    }
    visibility_config {
      sampled_requests_enabled   = true
      cloudwatch_metrics_enabled = true
      metric_name                = "rate-per-ip"
    }
  }

  visibility_config {
    sampled_requests_enabled   = true
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.stack_name}-${var.region}-frontend"
  }
}
