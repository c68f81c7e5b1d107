# `terraform test` with mocked AWS providers: plans the configuration with the
# production extras off (the defaults) and on, offline, and checks what would be
# created. Run by tests/infra/test_terraform.py (needs the provider in a plugin dir).

mock_provider "aws" {
  override_during = plan
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{}" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_acm_certificate" {
    defaults = { arn = "arn:aws:acm:eu-west-1:123456789012:certificate/mock" }
  }
  mock_resource "aws_acm_certificate_validation" {
    defaults = { certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/mock" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }
  mock_resource "aws_lambda_function" {
    defaults = {
      arn        = "arn:aws:lambda:eu-west-1:123456789012:function:mock"
      invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:mock/invocations"
    }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:eu-west-1:123456789012:mock", url = "https://sqs.eu-west-1.amazonaws.com/123456789012/mock" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mock" }
  }
  mock_resource "aws_sfn_state_machine" {
    defaults = { arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:mock" }
  }
  mock_resource "aws_security_group" {
    defaults = { id = "sg-0123456789abcdef0" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:mock" }
  }
  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:eu-west-1:123456789012:rule/mock" }
  }
  mock_resource "aws_cloudwatch_event_bus" {
    defaults = { arn = "arn:aws:events:eu-west-1:123456789012:event-bus/mock" }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/mock" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::mock" }
  }
  mock_resource "aws_cloudfront_distribution" {
    defaults = { arn = "arn:aws:cloudfront::123456789012:distribution/MOCK" }
  }
  mock_resource "aws_lambda_alias" {
    defaults = {
      arn        = "arn:aws:lambda:eu-west-1:123456789012:function:mock:live"
      invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:mock:live/invocations"
    }
  }
  mock_resource "aws_lambda_function_url" {
    defaults = { function_url = "https://mockurlid.lambda-url.eu-west-1.on.aws/" }
  }
  mock_resource "aws_apigatewayv2_api" {
    defaults = { execution_arn = "arn:aws:execute-api:eu-west-1:123456789012:mock", api_endpoint = "https://mock.execute-api.eu-west-1.amazonaws.com" }
  }
}

mock_provider "aws" {
  alias           = "us_east_1"
  override_during = plan
  mock_resource "aws_acm_certificate" {
    defaults = { arn = "arn:aws:acm:us-east-1:123456789012:certificate/mock" }
  }
  mock_resource "aws_acm_certificate_validation" {
    defaults = { certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/mock" }
  }
  mock_resource "aws_wafv2_web_acl" {
    defaults = { arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/mock/1" }
  }
}

# ACM's validation records for every name the runs use: the plan takes the ones it needs.
override_resource {
  target          = aws_acm_certificate.api_certificate
  override_during = plan
  values = {
    arn = "arn:aws:acm:eu-west-1:123456789012:certificate/api"
    domain_validation_options = [
      { domain_name = "api.example.com", resource_record_name = "_v.api.example.com.", resource_record_type = "CNAME", resource_record_value = "_v.acm-validations.aws." },
    ]
  }
}

override_resource {
  target          = aws_acm_certificate.frontend_certificate
  override_during = plan
  values = {
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/app"
    domain_validation_options = [
      for name in ["app.example.com", "s.example.com", "sho.rt"] :
      { domain_name = name, resource_record_name = "_v.${name}.", resource_record_type = "CNAME", resource_record_value = "_v.acm-validations.aws." }
    ]
  }
}

variables {
  jwt_issuer   = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI"
  jwt_audience = "1h2j3k4l5m6n7o8p9q0r1"
  # Any existing file stands in for the package: plans only hash it.
  lambda_zip = "tests/extras.tftest.hcl"
}

run "defaults_have_no_extras" {
  command = plan

  assert {
    condition = alltrue([
      length(aws_acm_certificate.api_certificate) == 0,
      length(aws_acm_certificate.frontend_certificate) == 0,
      length(aws_apigatewayv2_domain_name.api_gateway_domain) == 0,
      length(aws_route53_record.frontend_record) == 0,
      length(aws_wafv2_web_acl.web_acl) == 0,
      length(aws_scheduler_schedule.maintenance_schedule) == 0,
      length(aws_security_group.function_security_group) == 0,
      length(aws_vpc_endpoint.gateway_endpoint) == 0,
      length(aws_lambda_function_event_invoke_config.maintenance) == 0,
      length(local.network_interface_statements) == 0,
      # shortstack cost's fixed lines count these (src/shortstack/data/deployment.json).
      length(aws_cloudwatch_metric_alarm.alarm) == 10,
    ])
    error_message = "An extra exists with the default variables."
  }

  # The essential set (decision 0406): the account's ten free alarms.
  assert {
    condition = keys(aws_cloudwatch_metric_alarm.alarm) == [
      "api-function-errors", "dead-letters", "events-queue-age", "http-api-5xx", "import-failures",
      "redirect-function-errors", "redirect-function-throttles", "stream-function-errors",
      "stream-iterator-age", "uploads-dead-letters",
    ]
    error_message = "The default alarms are not the essential set."
  }

  assert {
    condition     = keys(aws_lambda_function.function) == ["api_function", "events_function", "import_task_function", "redirect_function", "stream_function", "uploads_function"]
    error_message = "The maintenance function exists without its schedule."
  }

  assert {
    condition = alltrue([for f in aws_lambda_function.function : alltrue([
      f.package_type == "Zip", length(f.vpc_config) == 0, !contains(keys(f.environment[0].variables), "PUBLIC_BASE_URL"),
    ])])
    error_message = "Functions are not plain zips outside a VPC without PUBLIC_BASE_URL."
  }

  assert {
    condition     = aws_cloudfront_distribution.distribution.viewer_certificate[0].cloudfront_default_certificate && length(aws_cloudfront_distribution.distribution.aliases) == 0
    error_message = "The distribution has a custom domain by default."
  }

  # One distribution (decision 0404): the bucket, the HTTP API and the redirect function's
  # URL, routed by path; no error page turns an API or short-link 404 into the app.
  assert {
    condition = alltrue([
      sort([for o in aws_cloudfront_distribution.distribution.origin : o.origin_id]) == tolist(["api", "frontend", "redirect"]),
      [for o in aws_cloudfront_distribution.distribution.origin : o.domain_name if o.origin_id == "redirect"] == ["mockurlid.lambda-url.eu-west-1.on.aws"],
      [for o in aws_cloudfront_distribution.distribution.origin : o.domain_name if o.origin_id == "api"] == ["mock.execute-api.eu-west-1.amazonaws.com"],
      [for b in aws_cloudfront_distribution.distribution.ordered_cache_behavior : b.path_pattern] == ["/api/v1/qr/*", "/api/*", "/shorten", "/health", "/docs", "/docs/*", "/redoc", "/openapi.json", "/assets/*", "/index.html", "/?*"],
      alltrue([for e in aws_cloudfront_distribution.distribution.custom_error_response : e.error_caching_min_ttl == 0 && e.response_page_path == null]),
      length(aws_cloudfront_distribution.distribution.custom_error_response) == 10,
      aws_cloudfront_cache_policy.redirect_cache_policy.max_ttl == 5,
      aws_cloudfront_origin_access_control.redirect_origin_access_control.origin_access_control_origin_type == "lambda",
      aws_lambda_function_url.redirect_function_url.authorization_type == "AWS_IAM",
      alltrue([for p in aws_lambda_permission.redirect_from_cloud_front : p.principal == "cloudfront.amazonaws.com" && p.source_arn == aws_cloudfront_distribution.distribution.arn]),
      !contains(keys(aws_apigatewayv2_route.route), "GET /{short_id}"),
      keys(aws_apigatewayv2_integration.function) == ["api_function"],
    ])
    error_message = "The distribution's origins, behaviours or the function URL's access are not as expected."
  }

  assert {
    condition     = length(aws_dynamodb_table.table.replica) == 0
    error_message = "The table is global by default."
  }
}

run "every_extra_on" {
  command = plan

  variables {
    domain_name                 = "example.com"
    hosted_zone_id              = "ZAPEX"
    enable_waf                  = true
    enable_maintenance_schedule = true
    enable_vpc                  = true
    vpc_id                      = "vpc-0123456789abcdef0"
    subnet_ids                  = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    route_table_ids             = ["rtb-0123456789abcdef0"]
    package_type                = "Image"
    image_uri                   = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shortstack:1"
    replica_regions             = ["eu-central-1"]
    alarm_set                   = "all"
  }

  # Every alarm: the 16 of the stack and the maintenance function's errors and DLQ.
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.alarm) == 18
    error_message = "alarm_set = all does not create every alarm."
  }

  assert {
    condition = alltrue([
      aws_acm_certificate.api_certificate[0].domain_name == "api.example.com",
      tolist(aws_acm_certificate.frontend_certificate[0].subject_alternative_names) == tolist(["s.example.com"]),
      keys(aws_route53_record.certificate_validation) == ["api.example.com", "app.example.com", "s.example.com"],
      aws_route53_record.certificate_validation["s.example.com"].name == "_v.s.example.com.",
    ])
    error_message = "Certificates or their validation records are not as expected."
  }

  assert {
    condition = alltrue([
      { for k, d in aws_apigatewayv2_domain_name.api_gateway_domain : k => d.domain_name } == { api_domain = "api.example.com" },
      length(aws_apigatewayv2_api_mapping.api_gateway_domain_mapping) == 1,
      { for k, r in aws_route53_record.api_gateway_domain_record : r.name => r.zone_id } == { "api.example.com" = "ZAPEX" },
      { for k, r in aws_route53_record.frontend_record : r.name => r.zone_id } == { "app.example.com" = "ZAPEX", "s.example.com" = "ZAPEX" },
    ])
    error_message = "The API's custom domains, mappings or records are not as expected."
  }

  assert {
    condition = alltrue([
      sort(aws_cloudfront_distribution.distribution.aliases) == tolist(["app.example.com", "s.example.com"]),
      aws_cloudfront_distribution.distribution.viewer_certificate[0].acm_certificate_arn == "arn:aws:acm:us-east-1:123456789012:certificate/app",
      aws_cloudfront_distribution.distribution.viewer_certificate[0].minimum_protocol_version == "TLSv1.2_2021",
      aws_cloudfront_distribution.distribution.web_acl_id == aws_wafv2_web_acl.web_acl[0].arn,
    ])
    error_message = "The distribution does not answer app.example.com and s.example.com with its certificate and the web ACL."
  }

  assert {
    condition = alltrue([
      aws_wafv2_web_acl.web_acl[0].scope == "CLOUDFRONT",
      length(aws_wafv2_web_acl.web_acl[0].rule) == 3,
      strcontains(aws_cloudwatch_dashboard.dashboard.dashboard_body, "BlockedRequests"),
    ])
    error_message = "The web ACL or its dashboard widget is not as expected."
  }

  assert {
    condition = alltrue([
      aws_lambda_function.function["maintenance_function"].image_config[0].command == tolist(["shortstack.entrypoints.lambda_maintenance.handler"]),
      aws_lambda_function.function["maintenance_function"].environment[0].variables["EVENTS_DLQ_URL"] == aws_sqs_queue.events_dead_letter_queue.url,
      aws_scheduler_schedule.maintenance_schedule[0].schedule_expression == "rate(1 day)",
      aws_scheduler_schedule.maintenance_schedule[0].target[0].arn == aws_lambda_function.function["maintenance_function"].arn,
      contains(keys(aws_cloudwatch_metric_alarm.alarm), "maintenance-function-errors"),
    ])
    error_message = "The maintenance function, its schedule or its alarm is not as expected."
  }

  assert {
    condition = alltrue([for name, f in aws_lambda_function.function : alltrue([
      f.package_type == "Image",
      f.image_uri == var.image_uri,
      f.image_config[0].command == tolist([local.function_specs[name].handler]),
      f.handler == null,
      f.filename == null,
      tolist(f.vpc_config[0].subnet_ids) == var.subnet_ids,
      tolist(f.vpc_config[0].security_group_ids) == tolist([aws_security_group.function_security_group[0].id]),
      f.environment[0].variables["PUBLIC_BASE_URL"] == "https://s.example.com",
    ])])
    error_message = "Not every function is an image in the VPC with the short domain's PUBLIC_BASE_URL."
  }

  assert {
    condition = alltrue([
      length(local.network_interface_statements) == 2,
      length(aws_lambda_function_event_invoke_config.maintenance) == 1,
      sort([for e in aws_vpc_endpoint.gateway_endpoint : e.service_name]) == tolist(["com.amazonaws.eu-west-1.dynamodb", "com.amazonaws.eu-west-1.s3"]),
    ])
    error_message = "VPC access or the gateway endpoints are not as expected."
  }

  assert {
    condition     = tolist([for r in aws_dynamodb_table.table.replica : r.region_name]) == tolist(["eu-central-1"]) && aws_dynamodb_table.table.stream_enabled
    error_message = "The replica region does not make the table global."
  }
}

run "short_domain_in_its_own_zone_and_a_given_cloudfront_certificate" {
  command = plan

  variables {
    domain_name                 = "example.com"
    hosted_zone_id              = "ZAPEX"
    short_domain_name           = "sho.rt"
    short_domain_hosted_zone_id = "ZSHORT"
    frontend_certificate_arn    = "arn:aws:acm:us-east-1:123456789012:certificate/given"
  }

  assert {
    condition = alltrue([
      length(aws_acm_certificate.frontend_certificate) == 0,
      aws_cloudfront_distribution.distribution.viewer_certificate[0].acm_certificate_arn == var.frontend_certificate_arn,
      { for k, r in aws_route53_record.certificate_validation : k => r.zone_id } == { "api.example.com" = "ZAPEX" },
      aws_route53_record.frontend_record["sho.rt"].zone_id == "ZSHORT",
      contains(aws_cloudfront_distribution.distribution.aliases, "sho.rt"),
      aws_lambda_function.function["redirect_function"].environment[0].variables["PUBLIC_BASE_URL"] == "https://sho.rt",
    ])
    error_message = "The short domain's zone or the given CloudFront certificate is not used."
  }
}

run "vpc_mode_needs_subnets" {
  command = plan
  variables {
    enable_vpc = true
    vpc_id     = "vpc-0123456789abcdef0"
  }
  expect_failures = [var.enable_vpc]
}

run "an_image_needs_its_uri" {
  command = plan
  variables {
    package_type = "Image"
  }
  expect_failures = [var.image_uri]
}

run "a_domain_needs_its_zone" {
  command = plan
  variables {
    domain_name = "example.com"
  }
  expect_failures = [var.hosted_zone_id]
}

run "api_snap_start_off_by_default_on_when_asked" {
  command = plan
  assert {
    condition     = alltrue([for f in aws_lambda_function.function : length(f.snap_start) == 0])
    error_message = "SnapStart is on by default."
  }
  assert {
    condition = alltrue([
      aws_lambda_function.function["api_function"].publish,
      !aws_lambda_function.function["redirect_function"].publish,
      aws_lambda_permission.http_api["api_function"].qualifier == "live",
    ])
    error_message = "The HTTP API must invoke the API function's published alias."
  }
}

run "api_snap_start_on" {
  command = plan
  variables {
    enable_api_snap_start = true
  }
  assert {
    condition = (
      aws_lambda_function.function["api_function"].snap_start[0].apply_on == "PublishedVersions"
      && length(aws_lambda_function.function["redirect_function"].snap_start) == 0
    )
    error_message = "SnapStart must apply to the API function's published versions only."
  }
}

run "api_snap_start_needs_the_zip" {
  command = plan
  variables {
    enable_api_snap_start = true
    package_type          = "Image"
    image_uri             = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shortstack:1"
  }
  expect_failures = [var.enable_api_snap_start]
}

run "the_alarm_set_is_essential_or_all" {
  command = plan
  variables {
    alarm_set = "some"
  }
  expect_failures = [var.alarm_set]
}
