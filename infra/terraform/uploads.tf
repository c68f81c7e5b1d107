# Import files clients upload through presigned URLs (decision 0302): an object landing
# under uploads/ invokes uploads_function (in local.functions), which checks the file and
# starts its import.

resource "aws_lambda_permission" "uploads_function_invoked_by_the_bucket" {
  statement_id   = "InvokedByTheImportsBucket"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.function["uploads_function"].function_name
  principal      = "s3.amazonaws.com"
  source_account = data.aws_caller_identity.current.account_id
  source_arn     = aws_s3_bucket.imports_bucket.arn
}

resource "aws_s3_bucket_notification" "imports_bucket" {
  bucket = aws_s3_bucket.imports_bucket.id
  lambda_function {
    lambda_function_arn = aws_lambda_function.function["uploads_function"].arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "uploads/"
    filter_suffix       = ".csv"
  }
  # S3 checks that it may invoke the function when the notification is set.
  depends_on = [aws_lambda_permission.uploads_function_invoked_by_the_bucket]
}

# A browser on the frontend may PUT a file to a presigned upload URL.
resource "aws_s3_bucket_cors_configuration" "imports_bucket" {
  bucket = aws_s3_bucket.imports_bucket.id
  cors_rule {
    allowed_methods = ["PUT"]
    allowed_origins = var.frontend_origins
    allowed_headers = ["content-type"]
    max_age_seconds = 600
  }
  # The web app follows an export's 303 here and reads the file (decision 0109). Any
  # origin: only a presigned URL opens an object, and the URL is the secret.
  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
    expose_headers  = ["content-disposition"]
    max_age_seconds = 600
  }
}

# A landing that fails after Lambda's own retries ends here, with the S3 event that names
# the file; an alarm watches the queue.
resource "aws_sqs_queue" "uploads_dead_letter_queue" {
  name                      = "${var.stack_name}-uploads-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_lambda_function_event_invoke_config" "uploads" {
  function_name                = aws_lambda_function.function["uploads_function"].function_name
  qualifier                    = "$LATEST"
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 3600
  destination_config {
    on_failure {
      destination = aws_sqs_queue.uploads_dead_letter_queue.arn
    }
  }
}
