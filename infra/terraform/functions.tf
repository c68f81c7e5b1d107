data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

locals {
  table_arns = [aws_dynamodb_table.table.arn, "${aws_dynamodb_table.table.arn}/index/*"]
  # The SAM template's statements, function by function (its comments say which code
  # calls what); tests/infra holds the two to the same actions.
  policies = {
    api_function = [
      { actions = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:Query"], resources = local.table_arns },
      # A direct POST stages under imports/; a presigned upload URL acts with this role.
      { actions = ["s3:PutObject"], resources = ["${aws_s3_bucket.imports_bucket.arn}/imports/*", "${aws_s3_bucket.imports_bucket.arn}/uploads/*", "${aws_s3_bucket.imports_bucket.arn}/exports/*"] },
      # A links export is written under exports/ and fetched through a URL presigned with this role.
      { actions = ["s3:GetObject", "s3:AbortMultipartUpload"], resources = ["${aws_s3_bucket.imports_bucket.arn}/exports/*"] },
      { actions = ["states:StartExecution"], resources = [aws_sfn_state_machine.import_state_machine.arn] },
    ]
    redirect_function = [
      { actions = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem"], resources = [aws_dynamodb_table.table.arn] },
    ]
    # Webhooks need nothing more: subscriptions are a Query, a clicked link's owner a
    # GetItem, each attempt a PutItem; the deliveries are outbound HTTPS (decision 0201).
    events_function = [
      { actions = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:Query"], resources = [aws_dynamodb_table.table.arn] },
      { actions = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], resources = [aws_sqs_queue.events_queue.arn] },
    ]
    # The only publisher (decision 0105); the stream reads and the failed batches' messages
    # are the mapping's, made with this role.
    stream_function = [
      { actions = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"], resources = ["${aws_dynamodb_table.table.arn}/stream/*"] },
      { actions = ["dynamodb:PutItem", "dynamodb:UpdateItem"], resources = [aws_dynamodb_table.table.arn] },
      { actions = ["events:PutEvents"], resources = [aws_cloudwatch_event_bus.event_bus.arn] },
      { actions = ["sqs:SendMessage"], resources = [aws_sqs_queue.events_dead_letter_queue.arn] },
    ]
    import_task_function = [
      { actions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"], resources = [aws_dynamodb_table.table.arn] },
      { actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources = ["${aws_s3_bucket.imports_bucket.arn}/imports/*"] },
      { actions = ["s3:ListBucket"], resources = [aws_s3_bucket.imports_bucket.arn], condition = { StringLike = { "s3:prefix" = "imports/*" } } },
    ]
    uploads_function = [
      { actions = ["dynamodb:GetItem", "dynamodb:UpdateItem"], resources = [aws_dynamodb_table.table.arn] },
      { actions = ["s3:GetObject", "s3:DeleteObject"], resources = ["${aws_s3_bucket.imports_bucket.arn}/uploads/*"] },
      { actions = ["s3:PutObject"], resources = ["${aws_s3_bucket.imports_bucket.arn}/imports/*"] },
      { actions = ["states:StartExecution"], resources = [aws_sfn_state_machine.import_state_machine.arn] },
      { actions = ["sqs:SendMessage"], resources = [aws_sqs_queue.uploads_dead_letter_queue.arn] },
    ]
    maintenance_function = [
      { actions = ["dynamodb:Scan", "dynamodb:Query", "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"], resources = [aws_dynamodb_table.table.arn] },
      { actions = ["dynamodb:Query"], resources = ["${aws_dynamodb_table.table.arn}/index/GSI2"] },
      { actions = ["states:StartExecution"], resources = [aws_sfn_state_machine.import_state_machine.arn] },
      { actions = ["sqs:GetQueueAttributes"], resources = concat([aws_sqs_queue.events_dead_letter_queue.arn], aws_sqs_queue.maintenance_schedule_dead_letter_queue[*].arn) },
      { actions = ["sqs:SendMessage"], resources = aws_sqs_queue.maintenance_schedule_dead_letter_queue[*].arn },
    ]
  }
  # What Lambda needs to attach the functions to the subnets (VPC mode only). Describe*
  # cannot be scoped (AWS documents Resource "*"); the rest stays in this account and region.
  network_interface_statements = var.enable_vpc ? [
    { Effect = "Allow", Action = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], Resource = "*" },
    {
      Effect   = "Allow"
      Action   = ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
      Resource = "arn:${data.aws_partition.current.partition}:ec2:${var.region}:${data.aws_caller_identity.current.account_id}:*/*"
    },
  ] : []
  # What each function adds to local.environment.
  function_environment = {
    api_function = {
      IMPORT_STATE_MACHINE_ARN = local.import_state_machine_arn
      # The distribution adds it to every request it sends the API (decision 0704).
      CLOUDFRONT_ORIGIN_SECRET = var.origin_secret
    }
    uploads_function = { IMPORT_STATE_MACHINE_ARN = local.import_state_machine_arn }
    redirect_function = {
      VISITOR_HASH_SALT = var.visitor_hash_salt
    }
    stream_function = {
      CLICK_EVENTS_ON_BUS = var.click_events_on_bus ? "true" : "false"
    }
    maintenance_function = {
      EVENTS_DLQ_URL           = aws_sqs_queue.events_dead_letter_queue.url
      IMPORT_STATE_MACHINE_ARN = local.import_state_machine_arn
      # Its own dead letters are reported with the others (DeadLetterMessages).
      MAINTENANCE_EXTRA_DLQ_URLS = join(",", aws_sqs_queue.maintenance_schedule_dead_letter_queue[*].url)
    }
  }
  is_zip = var.package_type == "Zip"
}

resource "aws_iam_role" "function" {
  for_each           = local.functions
  name_prefix        = "${var.stack_name}-${replace(each.key, "_", "-")}-"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions
  role     = aws_iam_role.function[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [for p in local.policies[each.key] : merge(
        { Effect = "Allow", Action = p.actions, Resource = p.resources },
        can(p.condition) ? { Condition = p.condition } : {},
      )],
      [{
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.function[each.key].arn}:*"
      }],
      local.network_interface_statements,
    )
  })
}

resource "aws_iam_role_policy_attachment" "xray" {
  for_each   = local.functions
  role       = aws_iam_role.function[each.key].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AWSXrayWriteOnlyAccess"
}

resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_158:Logs carry no secrets (redacted at INFO, tests/e2e/test_log_secrets.py); CloudWatch Logs encrypts every log group at rest
  #checkov:skip=CKV_AWS_338:Retention is the log_retention_days variable (30 days by default, for cost)
  for_each          = local.functions
  name              = "/aws/lambda/${var.stack_name}-${replace(each.key, "_", "-")}"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "function" {
  #checkov:skip=CKV_AWS_117:VPC mode is the enable_vpc variable, off by default: DynamoDB, SQS, S3 are public endpoints and a VPC needs a NAT (0401)
  #checkov:skip=CKV_AWS_116:Invoked synchronously (HTTP API, Step Functions), by an SQS mapping whose queue redrives to a DLQ, or asynchronously (the scheduler, the bucket's notification) with an on-failure destination
  #checkov:skip=CKV_AWS_173:Environment variables hold names and URLs, and two keys the deployer passes as sensitive variables (visitor_hash_salt, origin_secret); Lambda encrypts them at rest with its default key, and a customer-managed key would cost $1 a month
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile and pipeline; the artifact is built by make package
  for_each      = local.functions
  function_name = "${var.stack_name}-${replace(each.key, "_", "-")}"
  role          = aws_iam_role.function[each.key].arn
  architectures = ["arm64"]
  memory_size   = each.value.memory
  timeout       = each.value.timeout
  # Zip: the package and its handler. Image: the same code in a container, one
  # image for every function, each choosing its handler through the image command.
  package_type                   = var.package_type
  handler                        = local.is_zip ? each.value.handler : null
  runtime                        = local.is_zip ? "python3.12" : null
  filename                       = local.is_zip ? var.lambda_zip : null
  source_code_hash               = local.is_zip ? filebase64sha256(var.lambda_zip) : null
  image_uri                      = local.is_zip ? null : var.image_uri
  reserved_concurrent_executions = var.reserved_concurrency > 0 ? var.reserved_concurrency : -1
  # SnapStart runs published versions only: the API function publishes one per change and
  # the HTTP API invokes its alias, as SAM's AutoPublishAlias does (decision 0405).
  publish = each.key == "api_function"

  dynamic "snap_start" {
    for_each = each.key == "api_function" && var.enable_api_snap_start ? ["PublishedVersions"] : []
    content {
      apply_on = snap_start.value
    }
  }

  dynamic "image_config" {
    for_each = local.is_zip ? [] : [each.value.handler]
    content {
      command = [image_config.value]
    }
  }

  dynamic "vpc_config" {
    for_each = var.enable_vpc ? [local.function_security_group_ids] : []
    content {
      subnet_ids         = var.subnet_ids
      security_group_ids = vpc_config.value
    }
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function[each.key].name
  }

  environment {
    variables = merge(local.environment, local.domain_environment, lookup(local.function_environment, each.key, {}))
  }
}

resource "aws_lambda_alias" "api_function_live" {
  name             = "live"
  function_name    = aws_lambda_function.function["api_function"].function_name
  function_version = aws_lambda_function.function["api_function"].version
}

resource "aws_lambda_event_source_mapping" "events_queue" {
  event_source_arn                   = aws_sqs_queue.events_queue.arn
  function_name                      = aws_lambda_function.function["events_function"].arn
  batch_size                         = 10
  maximum_batching_window_in_seconds = 1
  function_response_types            = ["ReportBatchItemFailures"]
  # Low, so that a viral link's folds do not conflict on one counter item.
  scaling_config {
    maximum_concurrency = var.events_max_concurrency
  }
}

# Short links reach the redirect function through its URL, behind CloudFront (decision
# 0404). AWS_IAM: only a signed request gets in, and only the distribution may sign.
resource "aws_lambda_function_url" "redirect_function_url" {
  function_name      = aws_lambda_function.function["redirect_function"].function_name
  authorization_type = "AWS_IAM"
  invoke_mode        = "BUFFERED"
}

# Lambda asks for both actions of a function URL's caller; both name the distribution
# (the SAM template's RedirectUrlFromCloudFront and RedirectInvokeFromCloudFront).
resource "aws_lambda_permission" "redirect_from_cloud_front" {
  for_each               = { "lambda:InvokeFunctionUrl" = "AWS_IAM", "lambda:InvokeFunction" = null }
  function_name          = aws_lambda_function.function["redirect_function"].function_name
  action                 = each.key
  function_url_auth_type = each.value
  principal              = "cloudfront.amazonaws.com"
  source_arn             = aws_cloudfront_distribution.distribution.arn
}

# The table's stream is the outbox (decision 0105, which explains each setting): a
# 15-minute tumbling window folds each link's day once per window; a failure is retried
# from the failed record, bisected, and after 5 retries its range goes to the events DLQ.
resource "aws_lambda_event_source_mapping" "stream_mapping" {
  event_source_arn                   = aws_dynamodb_table.table.stream_arn
  function_name                      = aws_lambda_function.function["stream_function"].arn
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = 1000
  maximum_batching_window_in_seconds = 30
  tumbling_window_in_seconds         = 900
  parallelization_factor             = 1
  function_response_types            = ["ReportBatchItemFailures"]
  bisect_batch_on_function_error     = true
  maximum_retry_attempts             = 5
  maximum_record_age_in_seconds      = 86400
  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.events_dead_letter_queue.arn
    }
  }
  # Only the entities that announce events (adapters/dynamodb/stream_events.py): the fold's
  # own stats writes do not invoke the function again.
  filter_criteria {
    dynamic "filter" {
      for_each = ["NewImage", "OldImage"]
      content {
        pattern = jsonencode({ dynamodb = { (filter.value) = { entity = { S = ["item", "user", "link", "import", "link_clicks"] } } } })
      }
    }
  }
}
