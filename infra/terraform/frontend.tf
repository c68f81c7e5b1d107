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

resource "aws_cloudfront_response_headers_policy" "frontend_headers" {
  name = "${var.stack_name}-${var.region}-frontend-headers"
  security_headers_config {
    content_security_policy {
      override = true
      # connect-src: what web/assets fetches, nothing else: the API (api.js) and the hosted
      # UI's token endpoint (auth.js). tests/infra/test_csp.py checks both ways.
      content_security_policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${aws_apigatewayv2_api.http_api.api_endpoint}${local.has_domain ? " https://api.${var.domain_name}" : ""}${var.cognito_domain != "" ? " https://${var.cognito_domain}" : ""}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
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

resource "aws_cloudfront_distribution" "distribution" {
  #checkov:skip=CKV_AWS_68:WAF is the optional enable_waf variable: about $8/month before traffic, so off by default (0401); the API's own throttling and validation apply without it
  #checkov:skip=CKV2_AWS_47:The optional web ACL (enable_waf) carries AWSManagedRulesKnownBadInputsRuleSet
  #checkov:skip=CKV_AWS_86:Standard logs cost a bucket; enable when traffic warrants it
  #checkov:skip=CKV_AWS_174:The default *.cloudfront.net certificate; a custom domain (domain_name) sets TLSv1.2_2021
  #checkov:skip=CKV2_AWS_42:A custom certificate comes with the optional custom domain (domain_name)
  #checkov:skip=CKV_AWS_310:One S3 origin; S3's availability makes a failover origin pointless here
  #checkov:skip=CKV_AWS_374:A public web app: no countries are blocked
  enabled             = true
  comment             = "shortstack frontend"
  default_root_object = "index.html"
  http_version        = "http2and3"
  price_class         = "PriceClass_100"
  aliases             = local.has_domain ? ["app.${var.domain_name}"] : []
  web_acl_id          = var.enable_waf ? aws_wafv2_web_acl.web_acl[0].arn : null

  origin {
    origin_id                = "frontend"
    domain_name              = aws_s3_bucket.frontend_bucket.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.frontend.id
  }

  default_cache_behavior {
    target_origin_id           = "frontend"
    viewer_protocol_policy     = "redirect-to-https"
    compress                   = true
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    cache_policy_id            = "658327ea-f89d-4fab-a63d-7e88639e58f6" # Managed-CachingOptimized
    response_headers_policy_id = aws_cloudfront_response_headers_policy.frontend_headers.id
  }

  custom_error_response {
    error_code         = 403
    response_code      = 200
    response_page_path = "/index.html"
  }

  custom_error_response {
    error_code         = 404
    response_code      = 200
    response_page_path = "/index.html"
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
