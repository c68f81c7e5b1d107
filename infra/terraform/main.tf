terraform {
  required_version = ">= 1.9" # validations that read other variables
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.60"
    }
  }
}

# Every resource either provider creates carries these tags (cost allocation, ownership);
# var.tags adds yours. The SAM deployment tags its stack the same way (samconfig.toml).
locals {
  default_tags = merge({ Application = "shortstack", Stack = var.stack_name }, var.tags)
}

provider "aws" {
  region = var.region
  default_tags {
    tags = local.default_tags
  }
}

# CloudFront reads certificates and web ACLs only from us-east-1 (decision 0401).
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
  default_tags {
    tags = local.default_tags
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  function_specs = {
    api_function         = { handler = "shortstack.entrypoints.lambda_api.handler", memory = 1024, timeout = 29 }
    redirect_function    = { handler = "shortstack.entrypoints.lambda_redirect.handler", memory = 256, timeout = 15 }
    events_function      = { handler = "shortstack.entrypoints.lambda_events.handler", memory = 512, timeout = 30 }
    stream_function      = { handler = "shortstack.entrypoints.lambda_stream.handler", memory = 512, timeout = 60 }
    import_task_function = { handler = "shortstack.entrypoints.lambda_workflow.handler", memory = 1024, timeout = 300 }
    maintenance_function = { handler = "shortstack.entrypoints.lambda_maintenance.handler", memory = 512, timeout = 300 }
    uploads_function     = { handler = "shortstack.entrypoints.lambda_uploads.handler", memory = 1024, timeout = 300 }
  }
  # The maintenance function exists only with its schedule.
  functions = { for name, spec in local.function_specs : name => spec if name != "maintenance_function" || var.enable_maintenance_schedule }
  environment = {
    STAGE                   = "aws"
    STORAGE                 = "dynamodb"
    TABLE_NAME              = aws_dynamodb_table.table.name
    EVENT_BUS_NAME          = aws_cloudwatch_event_bus.event_bus.name
    IMPORTS_BUCKET          = aws_s3_bucket.imports_bucket.bucket
    AUTH_MODE               = "jwt"
    JWT_ISSUER              = var.jwt_issuer
    JWT_AUDIENCE            = var.jwt_audience
    JWT_JWKS_URL            = "${var.jwt_issuer}/.well-known/jwks.json"
    TRUST_GATEWAY_CLAIMS    = "true"
    API_KEYS_ENABLED        = "false" # the JWT authorizer refuses `Bearer sk_...` (0602)
    FRONTEND_ORIGIN         = join(",", var.frontend_origins)
    LOG_LEVEL               = "INFO"
    POWERTOOLS_SERVICE_NAME = "shortstack"
  }
}

# ------------------------------------------------------------------ data
resource "aws_dynamodb_table" "table" {
  #checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS-managed key (aws/dynamodb, no kms_key_arn): no monthly fee; a customer-managed key adds $1/month and key administration
  name                        = "${var.stack_name}-table"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "PK"
  range_key                   = "SK"
  deletion_protection_enabled = var.table_deletion_protection

  dynamic "attribute" {
    for_each = ["PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"]
    content {
      name = attribute.value
      type = "S"
    }
  }

  # The listings' attributes only: a click (click_count, visit) writes no index entry.
  global_secondary_index {
    name            = "GSI1"
    hash_key        = "GSI1PK"
    range_key       = "GSI1SK"
    projection_type = "INCLUDE"
    non_key_attributes = [
      "entity",
      "owner",
      "created_at",
      "updated_at",
      "item_id",
      "name",
      "description",
      "price",
      "category",
      "short_id",
      "url",
      "title",
      "tags",
      "is_active",
      "redirect_status",
      "expires_at",
      "max_visits",
      "valid_since",
      "fallback_url",
      "password_hash",
      "forward_query",
      "rules",
      "variants",
      "preview",
      "imported_clicks",
      "key_id",
      "hint",
      "key_hash",
      "last_used_at",
    ]
  }

  global_secondary_index {
    name            = "GSI2"
    hash_key        = "GSI2PK"
    range_key       = "GSI2SK"
    projection_type = "ALL"
  }

  ttl {
    attribute_name = "ttl"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }

  # The outbox: the stream consumer derives every domain event from it (decision 0105);
  # replicas (docs/multi-region.md) need it too.
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  dynamic "replica" {
    for_each = toset(var.replica_regions)
    content {
      region_name            = replica.value
      point_in_time_recovery = true
      propagate_tags         = true
    }
  }

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket" "imports_bucket" {
  #checkov:skip=CKV_AWS_18:Access logs cost a bucket and requests; CloudTrail data events can be enabled per account
  #checkov:skip=CKV_AWS_21:Staged import files live 7 days and the client still has the file it uploaded
  #checkov:skip=CKV_AWS_144:Staging data for imports; replication would double cost for nothing durable
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES256) encryption; KMS adds cost per request
  bucket_prefix = "${var.stack_name}-imports-"
}

resource "aws_s3_bucket_public_access_block" "imports_bucket" {
  bucket                  = aws_s3_bucket.imports_bucket.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "imports_bucket" {
  bucket = aws_s3_bucket.imports_bucket.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_policy" "imports_bucket_policy" {
  bucket = aws_s3_bucket.imports_bucket.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "HttpsOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.imports_bucket.arn, "${aws_s3_bucket.imports_bucket.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

resource "aws_s3_bucket_lifecycle_configuration" "imports_bucket" {
  bucket = aws_s3_bucket.imports_bucket.id
  rule {
    id     = "expire-staged-imports"
    status = "Enabled"
    filter {
      prefix = "imports/"
    }
    expiration {
      days = 7
    }
  }
  # The uploads function deletes every file it takes; this catches what it never saw.
  rule {
    id     = "expire-abandoned-uploads"
    status = "Enabled"
    filter {
      prefix = "uploads/"
    }
    expiration {
      days = 1
    }
  }
  # Links exports (decision 0109): fetched within 15 minutes of being written.
  rule {
    id     = "expire-exports"
    status = "Enabled"
    filter {
      prefix = "exports/"
    }
    expiration {
      days = 1
    }
  }
  rule {
    id     = "abort-failed-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

# ------------------------------------------------------------------ events
resource "aws_cloudwatch_event_bus" "event_bus" {
  name = "${var.stack_name}-events"
}

# One dead-letter queue for the event path, whoever gives up on an event: the rule's
# target after its retries, or the queue's redrive after maxReceiveCount receives. Both
# keep the EventBridge event as the body, so `shortstack dlq list/replay` reads either.
resource "aws_sqs_queue" "events_dead_letter_queue" {
  name                      = "${var.stack_name}-events-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "events_queue" {
  name = "${var.stack_name}-events"
  # At least 6x the consumer's timeout (30 s) plus its batching window (1 s), as AWS
  # advises, so a batch still being processed is never handed to a second consumer.
  visibility_timeout_seconds = 190
  message_retention_seconds  = 1209600
  sqs_managed_sse_enabled    = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.events_dead_letter_queue.arn
    maxReceiveCount     = 5 # throttled polls count as receives too: AWS's floor for Lambda
  })
}

resource "aws_cloudwatch_event_rule" "events_rule" {
  name           = "${var.stack_name}-to-queue"
  event_bus_name = aws_cloudwatch_event_bus.event_bus.name
  event_pattern  = jsonencode({ source = [{ prefix = "shortstack." }] })
}

resource "aws_cloudwatch_event_target" "events_queue" {
  event_bus_name = aws_cloudwatch_event_bus.event_bus.name
  rule           = aws_cloudwatch_event_rule.events_rule.name
  arn            = aws_sqs_queue.events_queue.arn
  # A delivery that keeps failing (queue policy, throttling) lands in the DLQ after a day
  # of retries instead of being dropped; FailedInvocations alarms.
  retry_policy {
    maximum_retry_attempts       = 185
    maximum_event_age_in_seconds = 86400
  }
  dead_letter_config {
    arn = aws_sqs_queue.events_dead_letter_queue.arn
  }
}

# The rule delivers to the queue, and dead-letters to the DLQ what it cannot deliver.
resource "aws_sqs_queue_policy" "events_queue_policy" {
  for_each = {
    events_queue             = aws_sqs_queue.events_queue
    events_dead_letter_queue = aws_sqs_queue.events_dead_letter_queue
  }
  queue_url = each.value.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "FromTheShortstackRule"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = each.value.arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.events_rule.arn } }
    }]
  })
}
