resource "aws_apigatewayv2_api" "http_api" {
  name          = "${var.stack_name}-http-api"
  protocol_type = "HTTP"
  # API Gateway answers preflights and ignores the function's CORS headers: these lists
  # are what a page on another origin may send and read (the app's own, answer_parts.py).
  cors_configuration {
    allow_origins  = var.frontend_origins
    allow_methods  = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    allow_headers  = ["authorization", "content-type", "x-correlation-id", "if-match", "if-none-match"]
    expose_headers = ["x-next-cursor", "x-total-count", "x-total-exact", "link", "x-correlation-id", "location", "www-authenticate", "etag"]
    max_age        = 600
  }
}

resource "aws_apigatewayv2_authorizer" "cognito_jwt" {
  api_id           = aws_apigatewayv2_api.http_api.id
  name             = "CognitoJwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]
  jwt_configuration {
    issuer   = var.jwt_issuer
    audience = [var.jwt_audience]
  }
}

resource "aws_cloudwatch_log_group" "http_api_access_logs" {
  #checkov:skip=CKV_AWS_158:Access logs hold request metadata, no bodies or tokens; encrypted at rest by CloudWatch
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_days variable (30 days by default, for cost)
  name              = "/aws/apigateway/${var.stack_name}-http-api"
  retention_in_days = var.log_retention_days
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http_api.id
  name        = "$default"
  auto_deploy = true
  # No client address in the access log: no raw IP is written anywhere.
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.http_api_access_logs.arn
    format = jsonencode({
      requestId        = "$context.requestId", method = "$context.httpMethod",
      route            = "$context.routeKey", status = "$context.status", latencyMs = "$context.responseLatency",
      integrationError = "$context.integrationErrorMessage"
    })
  }
  default_route_settings {
    throttling_burst_limit = var.throttling_burst_limit
    throttling_rate_limit  = var.throttling_rate_limit
  }
}

locals {
  # route key => [function, needs the JWT authorizer]
  routes = {
    "ANY /api/{proxy+}"       = ["api_function", true]
    "POST /shorten"           = ["api_function", true]
    "GET /health"             = ["api_function", false]
    "GET /docs"               = ["api_function", false]
    "GET /docs/static/{name}" = ["api_function", false]
    "GET /redoc"              = ["api_function", false]
    "GET /openapi.json"       = ["api_function", false]
    # The password form's target: public, and more specific than /api/{proxy+} (0106).
    # A GET or HEAD of it (Enter in the address bar after a wrong password) is a 303 back
    # to the form.
    "POST /api/v1/unlock/{short_id}" = ["api_function", false]
    "GET /api/v1/unlock/{short_id}"  = ["api_function", false]
    "HEAD /api/v1/unlock/{short_id}" = ["api_function", false]
    # A link's QR code: public like the short URL it encodes, for an <img> that sends no
    # token (0115).
    "GET /api/v1/qr/{short_id}"  = ["api_function", false]
    "HEAD /api/v1/qr/{short_id}" = ["api_function", false]
  }
}

# Short links are not routed here: CloudFront sends them to the redirect function's URL.
resource "aws_apigatewayv2_integration" "function" {
  for_each               = toset(["api_function"])
  api_id                 = aws_apigatewayv2_api.http_api.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_alias.api_function_live.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "route" {
  #checkov:skip=CKV_AWS_309:Health, docs, the password unlock and QR codes are public by design; every other route uses the JWT authorizer
  for_each           = local.routes
  api_id             = aws_apigatewayv2_api.http_api.id
  route_key          = each.key
  target             = "integrations/${aws_apigatewayv2_integration.function[each.value[0]].id}"
  authorization_type = each.value[1] ? "JWT" : "NONE"
  authorizer_id      = each.value[1] ? aws_apigatewayv2_authorizer.cognito_jwt.id : null
}

resource "aws_lambda_permission" "http_api" {
  for_each      = toset(["api_function"])
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function[each.key].function_name
  qualifier     = aws_lambda_alias.api_function_live.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http_api.execution_arn}/*/*"
}
