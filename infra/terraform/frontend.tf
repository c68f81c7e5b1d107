resource "aws_s3_bucket" "frontend_bucket" {
  #checkov:skip=CKV_AWS_18:Access logs cost a bucket and requests; CloudFront serves the traffic
  #checkov:skip=CKV_AWS_21:The bucket is a build output of web/ in git: make deploy-frontend recreates any version
  #checkov:skip=CKV_AWS_144:Re-creatable static files; CloudFront caches them at the edge
  #checkov:skip=CKV_AWS_145:Static public web files; SSE-S3 is enough
  #checkov:skip=CKV2_AWS_62:Nothing consumes S3 events for the static site
  #checkov:skip=CKV2_AWS_61:Static files are replaced on each deploy; nothing accumulates
  bucket_prefix = "${var.stack_name}-frontend-"
}

resource "aws_s3_bucket_public_access_block" "frontend_bucket" {
  bucket                  = aws_s3_bucket.frontend_bucket.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_cloudfront_origin_access_control" "frontend" {
  name                              = "${var.stack_name}-${var.region}-frontend"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

locals {
  # Where a links export's presigned URL points: boto3 signs on the global name in us-east-1.
  export_origin = var.region == "us-east-1" ? "https://${aws_s3_bucket.imports_bucket.bucket}.s3.amazonaws.com" : "https://${aws_s3_bucket.imports_bucket.bucket}.s3.${var.region}.amazonaws.com"
}

resource "aws_cloudfront_response_headers_policy" "frontend_headers" {
  name = "${var.stack_name}-${var.region}-frontend-headers"
  security_headers_config {
    content_security_policy {
      override = true
      # connect-src: what web/assets fetches, nothing else: the API on the page's own origin
      # (api.js; the distribution serves both), the imports bucket that a links export's
      # 303 leads to (api.js follows it; the host boto3 presigns for this region) and the
      # hosted UI's token endpoint (auth.js). tests/infra/test_csp.py checks both ways.
      content_security_policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${local.export_origin}${var.cognito_domain != "" ? " https://${var.cognito_domain}" : ""}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    }
    content_type_options {
      override = true
    }
    frame_options {
      frame_option = "DENY"
      override     = true
    }
    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }
    strict_transport_security {
      access_control_max_age_sec = 31536000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }
  }
}

# CloudFront signs every request to the function URL (SigV4 as the distribution), so the
# URL's AWS_IAM auth lets nothing else in.
resource "aws_cloudfront_origin_access_control" "redirect_origin_access_control" {
  name                              = "${var.stack_name}-${var.region}-redirect"
  origin_access_control_origin_type = "lambda"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# What a redirect reads, and nothing else: never Host (the function URL's signature covers
# its own host), never cookies.
resource "aws_cloudfront_origin_request_policy" "redirect_origin_requests" {
  name    = "${var.stack_name}-${var.region}-redirect"
  comment = "The headers and query string a redirect reads"
  headers_config {
    header_behavior = "whitelist"
    headers {
      items = [
        "Referer", "User-Agent", "Accept", "Accept-Language", "Content-Type",
        "CloudFront-Viewer-Country", "CloudFront-Viewer-Address", "CloudFront-Is-Mobile-Viewer",
        # A browser's prefetch or prerender, answered without counting (0100).
        "Sec-Purpose", "Purpose",
      ]
    }
  }
  query_strings_config {
    query_string_behavior = "all"
  }
  cookies_config {
    cookie_behavior = "none"
  }
}

# The API builds short links on the host the viewer asked for; API Gateway only sees its
# own (Host is not forwarded to it). The function copies the viewer's host into
# X-Forwarded-Host, replacing any the viewer sent (decision 0404).
resource "aws_cloudfront_function" "viewer_host_function" {
  name    = "${var.stack_name}-${var.region}-viewer-host"
  comment = "Copies the viewer's Host into X-Forwarded-Host for the API"
  runtime = "cloudfront-js-2.0"
  publish = true
  code    = file("${path.module}/viewer_host.js")
}

# A counted redirect is never kept: 302/307 say `private`, 301/308 `s-maxage=0` (0103).
# Only a 404 is kept, for the few seconds its `s-maxage` says (max_ttl caps whatever the
# function ever says), under a key that holds Accept, since a browser gets an HTML page
# and an API client JSON, and the query string, which the link's rules may read.
resource "aws_cloudfront_cache_policy" "redirect_cache_policy" {
  name        = "${var.stack_name}-${var.region}-redirect"
  comment     = "Keeps nothing but a short link's 404, for seconds, per Accept"
  min_ttl     = 0
  default_ttl = 0
  max_ttl     = 5
  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = true
    enable_accept_encoding_brotli = true
    headers_config {
      header_behavior = "whitelist"
      headers {
        items = ["Accept"]
      }
    }
    query_strings_config {
      query_string_behavior = "all"
    }
    cookies_config {
      cookie_behavior = "none"
    }
  }
}

# A QR code's answer: per query string (size, colours ...), Accept (PNG or SVG) and the host
# the viewer asked for (the code encodes a short URL on it), for as long as the answer's
# Cache-Control says, at most an hour; errors are not kept (error_caching_min_ttl).
resource "aws_cloudfront_cache_policy" "qr_code_cache_policy" {
  name        = "${var.stack_name}-${var.region}-qr-codes"
  comment     = "Keeps a QR code's picture as its Cache-Control says, per query, Accept and host"
  min_ttl     = 0
  default_ttl = 0
  max_ttl     = 3600
  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = true
    enable_accept_encoding_brotli = true
    headers_config {
      header_behavior = "whitelist"
      headers {
        items = ["Accept", "X-Forwarded-Host"]
      }
    }
    query_strings_config {
      query_string_behavior = "all"
    }
    cookies_config {
      cookie_behavior = "none"
    }
  }
}

locals {
  caching_disabled  = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" # Managed-CachingDisabled
  caching_optimized = "658327ea-f89d-4fab-a63d-7e88639e58f6" # Managed-CachingOptimized
  # Managed-AllViewerExceptHostHeader: Authorization, the body, the query string, every
  # header but Host (API Gateway answers only on its own host).
  all_viewer_except_host = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
  # The SAM template's CacheBehaviors, in its order (the first match wins): the API's
  # paths, the page's files, then every path of one or more characters to the redirect
  # function ("?" is exactly one character, so "/" alone falls to the default behaviour).
  cache_behaviors = concat(
    # A link's QR code: kept as its Cache-Control says (decision 0115).
    [{ path = "/api/v1/qr/*", origin = "api", served = "qr_codes" }],
    [for path in ["/api/*", "/shorten", "/health", "/docs", "/docs/*", "/redoc", "/openapi.json"] : { path = path, origin = "api", served = "api" }],
    [for path in ["/assets/*", "/index.html"] : { path = path, origin = "frontend", served = "frontend" }],
    [{ path = "/?*", origin = "redirect", served = "redirect" }],
  )
  # How each kind of path is served.
  origin_behavior = {
    qr_codes = {
      methods         = ["GET", "HEAD"], cache_policy = aws_cloudfront_cache_policy.qr_code_cache_policy.id,
      origin_requests = local.all_viewer_except_host, headers_policy = null, viewer_host = true,
    }
    api = {
      methods         = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"], cache_policy = local.caching_disabled,
      origin_requests = local.all_viewer_except_host, headers_policy = null, viewer_host = true,
    }
    frontend = {
      methods         = ["GET", "HEAD"], cache_policy = local.caching_optimized,
      origin_requests = null, headers_policy = aws_cloudfront_response_headers_policy.frontend_headers.id, viewer_host = false,
    }
    # A counted redirect reaches the function every time; the browser may still keep a
    # 301/308 as its Cache-Control says (decision 0103).
    redirect = {
      methods         = ["GET", "HEAD"], cache_policy = aws_cloudfront_cache_policy.redirect_cache_policy.id,
      origin_requests = aws_cloudfront_origin_request_policy.redirect_origin_requests.id, headers_policy = null, viewer_host = false,
    }
  }
}

# One distribution for the whole app, routed by path as the local server routes (decision
# 0404): the API's paths to the HTTP API, the page's files to the bucket, every other path
# to the redirect function, and "/" alone (the default behaviour) to index.html.
resource "aws_cloudfront_distribution" "distribution" {
  #checkov:skip=CKV_AWS_68:WAF is the optional enable_waf variable: about $8/month before traffic, so off by default (0401); the HTTP API's throttling, the app's validation and the redirect function's concurrency apply without it
  #checkov:skip=CKV2_AWS_47:The optional web ACL (enable_waf) carries AWSManagedRulesKnownBadInputsRuleSet
  #checkov:skip=CKV_AWS_86:Standard logs cost a bucket; enable when traffic warrants it
  #checkov:skip=CKV_AWS_174:The default *.cloudfront.net certificate; a custom domain (domain_name) sets TLSv1.2_2021
  #checkov:skip=CKV2_AWS_42:A custom certificate comes with the optional custom domain (domain_name)
  #checkov:skip=CKV_AWS_310:Each origin serves its own paths; an origin group would need a second copy of each (bucket, API, function) in another region
  #checkov:skip=CKV_AWS_374:A public web app: no countries are blocked
  enabled             = true
  comment             = "shortstack (frontend, API, short links)"
  default_root_object = "index.html" # applies to "/" alone, which no path pattern matches
  http_version        = "http2and3"
  price_class         = "PriceClass_100"
  aliases             = local.distribution_names
  web_acl_id          = var.enable_waf ? aws_wafv2_web_acl.web_acl[0].arn : null

  origin {
    origin_id                = "frontend"
    domain_name              = aws_s3_bucket.frontend_bucket.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.frontend.id
  }

  origin {
    origin_id   = "api"
    domain_name = replace(aws_apigatewayv2_api.http_api.api_endpoint, "https://", "")
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
    # Proves a request came through here: the execute-api endpoint answers anyone, and only
    # then are its CloudFront-Viewer-* headers CloudFront's (decision 0704). CloudFront
    # overwrites a header of this name that a viewer sends.
    dynamic "custom_header" {
      for_each = nonsensitive(var.origin_secret != "") ? ["X-Shortstack-Origin-Secret"] : []
      content {
        name  = custom_header.value
        value = var.origin_secret
      }
    }
  }

  origin {
    origin_id = "redirect"
    # https://<id>.lambda-url.<region>.on.aws/ -> its host
    domain_name              = split("/", aws_lambda_function_url.redirect_function_url.function_url)[2]
    origin_access_control_id = aws_cloudfront_origin_access_control.redirect_origin_access_control.id
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  dynamic "ordered_cache_behavior" {
    for_each = local.cache_behaviors
    iterator = behavior
    content {
      path_pattern               = behavior.value.path
      target_origin_id           = behavior.value.origin
      viewer_protocol_policy     = "redirect-to-https"
      compress                   = true
      allowed_methods            = local.origin_behavior[behavior.value.served].methods
      cached_methods             = ["GET", "HEAD"]
      cache_policy_id            = local.origin_behavior[behavior.value.served].cache_policy
      origin_request_policy_id   = local.origin_behavior[behavior.value.served].origin_requests
      response_headers_policy_id = local.origin_behavior[behavior.value.served].headers_policy
      dynamic "function_association" {
        for_each = local.origin_behavior[behavior.value.served].viewer_host ? [aws_cloudfront_function.viewer_host_function.arn] : []
        content {
          event_type   = "viewer-request"
          function_arn = function_association.value
        }
      }
    }
  }

  default_cache_behavior {
    target_origin_id           = "frontend"
    viewer_protocol_policy     = "redirect-to-https"
    compress                   = true
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    cache_policy_id            = local.caching_optimized
    response_headers_policy_id = aws_cloudfront_response_headers_policy.frontend_headers.id
  }

  # CloudFront keeps an error for 10 s unless told otherwise, and for most codes even when
  # the origin says no-store: an API's 500 or 403 served to everyone, a short link's
  # throttled 502 to every visitor. 0 s here: an error is kept only when its own
  # Cache-Control asks for it (a short link's 404). No page replaces an error: the app
  # routes by hash, and an API or short-link 404 must stay a 404.
  dynamic "custom_error_response" {
    for_each = [400, 403, 404, 405, 414, 500, 501, 502, 503, 504]
    content {
      error_code            = custom_error_response.value
      error_caching_min_ttl = 0
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = !local.has_domain
    acm_certificate_arn            = local.has_domain ? local.frontend_certificate_arn : null
    ssl_support_method             = local.has_domain ? "sni-only" : null
    minimum_protocol_version       = local.has_domain ? "TLSv1.2_2021" : "TLSv1"
  }
}

resource "aws_s3_bucket_policy" "frontend_bucket_policy" {
  bucket = aws_s3_bucket.frontend_bucket.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CloudFrontReads"
      Effect    = "Allow"
      Principal = { Service = "cloudfront.amazonaws.com" }
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.frontend_bucket.arn}/*"
      Condition = { StringEquals = { "AWS:SourceArn" = aws_cloudfront_distribution.distribution.arn } }
      }, {
      Sid       = "HttpsOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.frontend_bucket.arn, "${aws_s3_bucket.frontend_bucket.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

locals {
  frontend_certificate_arn = var.frontend_certificate_arn != "" ? var.frontend_certificate_arn : one(aws_acm_certificate_validation.frontend_certificate[*].certificate_arn)
}
