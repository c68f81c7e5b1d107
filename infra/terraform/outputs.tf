locals {
  frontend_url = local.has_domain ? "https://app.${var.domain_name}" : "https://${aws_cloudfront_distribution.distribution.domain_name}"
}

output "api_url" {
  description = "Where the web app and API clients reach the API: the distribution, the page's own origin"
  value       = local.frontend_url
}

output "http_api_url" {
  description = "The HTTP API without CloudFront (api.<domain_name> with a custom domain); no WAF"
  value       = local.has_domain ? "https://api.${var.domain_name}" : aws_apigatewayv2_api.http_api.api_endpoint
}

output "short_link_base_url" {
  description = "Where short links point (the distribution's name without a custom domain)"
  value       = local.has_domain ? "https://${local.short_host}" : "https://${aws_cloudfront_distribution.distribution.domain_name}"
}

output "frontend_url" {
  value = local.frontend_url
}

output "cognito_domain" {
  description = "The hosted UI's host for web/assets/config.js (empty: no sign-in)"
  value       = var.cognito_domain
}

output "cognito_client_id" {
  description = "The app client the web app signs in as (the token audience)"
  value       = var.cognito_domain == "" ? "" : var.jwt_audience
}

output "frontend_bucket_name" {
  value = aws_s3_bucket.frontend_bucket.bucket
}

output "distribution_id" {
  value = aws_cloudfront_distribution.distribution.id
}

output "table_name" {
  value = aws_dynamodb_table.table.name
}

output "events_dead_letter_queue_url" {
  value = aws_sqs_queue.events_dead_letter_queue.id
}
