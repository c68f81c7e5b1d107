output "api_url" {
  description = "The HTTP API's base URL (short links are served under it)"
  value       = aws_apigatewayv2_api.http_api.api_endpoint
}

output "frontend_url" {
  value = "https://${aws_cloudfront_distribution.distribution.domain_name}"
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
