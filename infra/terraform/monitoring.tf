resource "aws_sns_topic" "alarm_topic" {
  name              = "${var.stack_name}-alarms"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarm_topic.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  # One alarm per entry: what to watch and from how much it is a problem.
  alarms = merge(
    { for key, f in aws_lambda_function.function : "${replace(key, "_", "-")}-errors" => {
      namespace   = "AWS/Lambda", metric = "Errors", statistic = "Sum",
      dimensions  = { FunctionName = f.function_name }, threshold = contains(["events_function", "maintenance_function"], key) ? 1 : 5,
      description = "${f.function_name} errors"
    } },
    {
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
    }
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
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarm_topic.arn]
}

resource "aws_cloudwatch_dashboard" "dashboard" {
  dashboard_name = var.stack_name
  dashboard_body = jsonencode({
    widgets = concat(local.function_widgets, local.waf_widgets, [
      { type = "metric", width = 12, height = 6, properties = { title = "Dead letters", region = var.region, stat = "Maximum", period = 60,
      metrics = [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.events_dead_letter_queue.name]] } },
      { type = "metric", width = 12, height = 6, properties = { title = "Table consumed capacity", region = var.region, stat = "Sum", period = 60,
      metrics = [["AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", aws_dynamodb_table.table.name], ["AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", aws_dynamodb_table.table.name]] } },
    ])
  })
}
