# Optional custom domains (var.domain_name): app.<domain> and the short domain are names
# of the one CloudFront distribution (decision 0404); api.<domain> is a regional API
# Gateway domain of the HTTP API for machine clients (the SAM template's ApiDomain, with
# its mapping and record, is the one key of local.api_gateway_domains here).

locals {
  has_domain = var.domain_name != ""
  short_host = var.short_domain_name != "" ? var.short_domain_name : "s.${var.domain_name}"
  # The hosted zone of each name this stack puts in DNS.
  zone_of = {
    "api.${var.domain_name}" = var.hosted_zone_id
    "app.${var.domain_name}" = var.hosted_zone_id
    (local.short_host)       = var.short_domain_hosted_zone_id != "" ? var.short_domain_hosted_zone_id : var.hosted_zone_id
  }
  # Short links point at the short domain when there is one. Without one the API answers
  # with the host the viewer asked CloudFront for (X-Forwarded-Host, set by the viewer
  # host function): the distribution's name, which no function's environment can hold
  # without a dependency cycle (decision 0404).
  domain_environment  = local.has_domain ? { PUBLIC_BASE_URL = "https://${local.short_host}" } : {}
  api_gateway_domains = local.has_domain ? { api_domain = "api.${var.domain_name}" } : {}
  distribution_names  = local.has_domain ? ["app.${var.domain_name}", local.short_host] : []
  # Every name the certificates cover: the keys of the validation records, known at
  # plan time (the records' contents come from ACM only after the certificates exist).
  certificate_names = local.has_domain ? concat(
    ["api.${var.domain_name}"],
    var.frontend_certificate_arn == "" ? local.distribution_names : [],
  ) : []
  validation_options = {
    for option in concat(
      flatten([for c in aws_acm_certificate.api_certificate : tolist(c.domain_validation_options)]),
      flatten([for c in aws_acm_certificate.frontend_certificate : tolist(c.domain_validation_options)]),
    ) : option.domain_name => option
  }
}

resource "aws_acm_certificate" "api_certificate" {
  count             = local.has_domain ? 1 : 0
  domain_name       = "api.${var.domain_name}"
  validation_method = "DNS"
  lifecycle {
    create_before_destroy = true
  }
}

# CloudFront's certificate (both names of the distribution) is issued in us-east-1
# whatever var.region is.
resource "aws_acm_certificate" "frontend_certificate" {
  count                     = local.has_domain && var.frontend_certificate_arn == "" ? 1 : 0
  provider                  = aws.us_east_1
  domain_name               = "app.${var.domain_name}"
  subject_alternative_names = [local.short_host]
  validation_method         = "DNS"
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "certificate_validation" {
  for_each        = toset(local.certificate_names)
  zone_id         = local.zone_of[each.key]
  name            = local.validation_options[each.key].resource_record_name
  type            = local.validation_options[each.key].resource_record_type
  records         = [local.validation_options[each.key].resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "api_certificate" {
  count           = local.has_domain ? 1 : 0
  certificate_arn = aws_acm_certificate.api_certificate[0].arn
  validation_record_fqdns = [
    for name, record in aws_route53_record.certificate_validation : record.fqdn if contains(values(local.api_gateway_domains), name)
  ]
}

resource "aws_acm_certificate_validation" "frontend_certificate" {
  count                   = length(aws_acm_certificate.frontend_certificate)
  provider                = aws.us_east_1
  certificate_arn         = aws_acm_certificate.frontend_certificate[0].arn
  validation_record_fqdns = [for name in local.distribution_names : aws_route53_record.certificate_validation[name].fqdn]
}

resource "aws_apigatewayv2_domain_name" "api_gateway_domain" {
  for_each    = local.api_gateway_domains
  domain_name = each.value
  domain_name_configuration {
    certificate_arn = aws_acm_certificate_validation.api_certificate[0].certificate_arn
    endpoint_type   = "REGIONAL"
    security_policy = "TLS_1_2"
  }
}

resource "aws_apigatewayv2_api_mapping" "api_gateway_domain_mapping" {
  for_each    = local.api_gateway_domains
  api_id      = aws_apigatewayv2_api.http_api.id
  domain_name = aws_apigatewayv2_domain_name.api_gateway_domain[each.key].id
  stage       = aws_apigatewayv2_stage.default.id
}

resource "aws_route53_record" "api_gateway_domain_record" {
  for_each = local.api_gateway_domains
  zone_id  = local.zone_of[each.value]
  name     = each.value
  type     = "A"
  alias {
    name                   = aws_apigatewayv2_domain_name.api_gateway_domain[each.key].domain_name_configuration[0].target_domain_name
    zone_id                = aws_apigatewayv2_domain_name.api_gateway_domain[each.key].domain_name_configuration[0].hosted_zone_id
    evaluate_target_health = false
  }
}

# app.<domain> and the short domain: both aliases of the distribution (the SAM
# template's FrontendRecord and ShortRecord).
resource "aws_route53_record" "frontend_record" {
  for_each = toset(local.distribution_names)
  zone_id  = local.zone_of[each.key]
  name     = each.key
  type     = "A"
  alias {
    name                   = aws_cloudfront_distribution.distribution.domain_name
    zone_id                = aws_cloudfront_distribution.distribution.hosted_zone_id
    evaluate_target_health = false
  }
}
