# Optional WAF (var.enable_waf) on the distribution: the page, the API's paths and the
# short links (decision 0404). Scope CLOUDFRONT, so the ACL is created in us-east-1.

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
        # Its 8 KB body limit would block CSV imports, which the API takes up to what Lambda
        # accepts; the app bounds bodies itself (0702).
        rule_action_override {
          name = "SizeRestrictions_BODY"
          action_to_use {
            count {}
          }
        }
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
