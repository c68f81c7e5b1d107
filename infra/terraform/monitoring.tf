# Alarm notifications carry alarm names and metric values, nothing from the data: the
# topic is not encrypted, because CloudWatch cannot publish to a topic under the
# AWS-managed SNS key and a customer-managed key costs $1 a month (decision 0400).
resource "aws_sns_topic" "alarm_topic" {
  #checkov:skip=CKV_AWS_26:Alarm metadata only; CloudWatch cannot use the AWS-managed SNS key and a customer-managed one costs $1/month (0400)
  name = "${var.stack_name}-alarms"
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarm_topic.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  # var.alarm_set "essential" (the default) keeps ten alarms, the account's free ones: work
  # lost or about to be (both DLQs, the stream consumer's errors and lag, the events queue's
  # age, failed imports) and what visitors and API clients see (the redirect's errors and
  # throttles, the API's errors and 5xx). "all" adds six early warnings of failures that
  # end in one of those (decision 0406). The maintenance schedule brings its DLQ's alarm
  # to either set, its errors' alarm to "all".
  essential_alarms = [
    "api-function-errors", "redirect-function-errors", "stream-function-errors",
    "redirect-function-throttles", "http-api-5xx", "events-queue-age", "stream-iterator-age",
    "dead-letters", "import-failures", "uploads-dead-letters", "maintenance-dead-letters",
  ]
  alarms = { for key, alarm in local.alarm_definitions : key => alarm if var.alarm_set == "all" || contains(local.essential_alarms, key) }
  # One alarm per entry, each on a single metric: what to watch and from how much it is a
  # problem (the SAM template's alarms, one for one).
  alarm_definitions = merge(
    { for key, f in aws_lambda_function.function : "${replace(key, "_", "-")}-errors" => {
      namespace   = "AWS/Lambda", metric = "Errors", statistic = "Sum",
      dimensions  = { FunctionName = f.function_name }, threshold = contains(["api_function", "redirect_function"], key) ? 5 : 1,
      description = "${f.function_name} errors"
    } },
    { for key in ["api_function", "redirect_function"] : "${replace(key, "_", "-")}-throttles" => {
      namespace   = "AWS/Lambda", metric = "Throttles", statistic = "Sum",
      dimensions  = { FunctionName = aws_lambda_function.function[key].function_name }, threshold = 1,
      description = "${aws_lambda_function.function[key].function_name} throttled"
    } },
    {
      "http-api-5xx" = {
        namespace   = "AWS/ApiGateway", metric = "5xx", statistic = "Sum",
        dimensions  = { ApiId = aws_apigatewayv2_api.http_api.id }, threshold = 5,
        description = "HTTP API answers 5xx (functions failing, timing out or throttled)"
      }
      "http-api-latency" = {
        namespace   = "AWS/ApiGateway", metric = "Latency", extended_statistic = "p99",
        dimensions  = { ApiId = aws_apigatewayv2_api.http_api.id }, threshold = 2000, periods = 3,
        description = "HTTP API p99 latency above 2 s for 15 minutes"
      }
      "events-queue-age" = {
        namespace   = "AWS/SQS", metric = "ApproximateAgeOfOldestMessage", statistic = "Maximum",
        dimensions  = { QueueName = aws_sqs_queue.events_queue.name }, threshold = 600,
        description = "Events waiting over 10 minutes (the consumer is failing, throttled or capped too low)"
      }
      "events-rule-failed-invocations" = {
        namespace   = "AWS/Events", metric = "FailedInvocations", statistic = "Sum",
        dimensions  = { EventBusName = aws_cloudwatch_event_bus.event_bus.name, RuleName = aws_cloudwatch_event_rule.events_rule.name }, threshold = 1,
        description = "The bus could not deliver events to the events queue (they retry, then go to the DLQ)"
      }
      # Relaying lags ten minutes: events and stats are late, and past 24 hours records expire.
      "stream-iterator-age" = {
        namespace   = "AWS/Lambda", metric = "IteratorAge", statistic = "Maximum",
        dimensions  = { FunctionName = aws_lambda_function.function["stream_function"].function_name }, threshold = 600000,
        description = "The stream consumer is more than ten minutes behind the table"
      }
      "dead-letters" = {
        namespace   = "AWS/SQS", metric = "ApproximateNumberOfMessagesVisible", statistic = "Maximum",
        dimensions  = { QueueName = aws_sqs_queue.events_dead_letter_queue.name }, threshold = 1,
        description = "Events in the dead-letter queue (shortstack dlq list / replay)"
      }
      "import-failures" = {
        namespace   = "AWS/States", metric = "ExecutionsFailed", statistic = "Sum",
        dimensions  = { StateMachineArn = aws_sfn_state_machine.import_state_machine.arn }, threshold = 1,
        description = "Bulk-import executions that failed"
      }
    },
    {
      "uploads-dead-letters" = {
        namespace   = "AWS/SQS", metric = "ApproximateNumberOfMessagesVisible", statistic = "Maximum",
        dimensions  = { QueueName = aws_sqs_queue.uploads_dead_letter_queue.name }, threshold = 1,
        description = "An uploaded import file was never taken (its S3 event is in the uploads DLQ)"
      }
    },
    { for queue in aws_sqs_queue.maintenance_schedule_dead_letter_queue : "maintenance-dead-letters" => {
      namespace   = "AWS/SQS", metric = "ApproximateNumberOfMessagesVisible", statistic = "Maximum",
      dimensions  = { QueueName = queue.name }, threshold = 1,
      description = "A maintenance run was lost (not invoked, or failed after retries)"
    } },
  )
  function_widgets = [for metric, stat in { Invocations = "Sum", Errors = "Sum", Throttles = "Sum", Duration = "p99" } : {
    type = "metric", width = 12, height = 6,
    properties = { title = "${metric} (${stat})", region = var.region, stat = stat, period = 60,
    metrics = [for k, f in aws_lambda_function.function : ["AWS/Lambda", metric, "FunctionName", f.function_name]] }
  }]
  # CloudFront web ACL metrics live in us-east-1.
  waf_widgets = [for acl in aws_wafv2_web_acl.web_acl : {
    type = "metric", width = 12, height = 6,
    properties = { title = "WAF requests", region = "us-east-1", stat = "Sum", period = 300,
    metrics = [for metric in ["AllowedRequests", "BlockedRequests"] : ["AWS/WAFV2", metric, "WebACL", acl.name, "Rule", "ALL"]] }
  }]
}

resource "aws_cloudwatch_metric_alarm" "alarm" {
  for_each            = local.alarms
  alarm_name          = "${var.stack_name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = try(each.value.statistic, null)
  extended_statistic  = try(each.value.extended_statistic, null)
  period              = 300
  evaluation_periods  = try(each.value.periods, 1)
  datapoints_to_alarm = try(each.value.periods, 1)
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarm_topic.arn]
}

resource "aws_cloudwatch_dashboard" "dashboard" {
  dashboard_name = "${var.stack_name}-${var.region}"
  dashboard_body = jsonencode({
    widgets = concat(local.function_widgets, local.waf_widgets, [
      { type = "metric", width = 12, height = 6, properties = { title = "Dead letters", region = var.region, stat = "Maximum", period = 60,
      metrics = [for q in [aws_sqs_queue.events_dead_letter_queue, aws_sqs_queue.uploads_dead_letter_queue] : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q.name]] } },
      { type = "metric", width = 12, height = 6, properties = { title = "Table consumed capacity", region = var.region, stat = "Sum", period = 60,
      metrics = [["AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", aws_dynamodb_table.table.name], ["AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", aws_dynamodb_table.table.name]] } },
    ])
  })
}
