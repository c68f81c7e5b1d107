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

resource "aws_cloudwatch_metric_alarm" "function_errors" {
  for_each            = local.functions
  alarm_name          = "${var.stack_name}-${replace(each.key, "_", "-")}-errors"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.function[each.key].function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = each.key == "events_function" ? 1 : 5
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarm_topic.arn]
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${var.stack_name}-dead-letters"
  alarm_description   = "Events in the dead-letter queue (shortstack dlq list / replay)"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.events_dead_letter_queue.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarm_topic.arn]
}

resource "aws_cloudwatch_metric_alarm" "import_failures" {
  alarm_name          = "${var.stack_name}-import-failures"
  namespace           = "AWS/States"
  metric_name         = "ExecutionsFailed"
  dimensions          = { StateMachineArn = aws_sfn_state_machine.import_state_machine.arn }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarm_topic.arn]
}

resource "aws_cloudwatch_dashboard" "dashboard" {
  dashboard_name = var.stack_name
  dashboard_body = jsonencode({
    widgets = [
      { type = "metric", width = 12, height = 6, properties = { title = "Invocations", region = var.region, stat = "Sum", period = 60,
      metrics = [for k, f in aws_lambda_function.function : ["AWS/Lambda", "Invocations", "FunctionName", f.function_name]] } },
      { type = "metric", width = 12, height = 6, properties = { title = "Errors", region = var.region, stat = "Sum", period = 60,
      metrics = [for k, f in aws_lambda_function.function : ["AWS/Lambda", "Errors", "FunctionName", f.function_name]] } },
      { type = "metric", width = 12, height = 6, properties = { title = "Throttles", region = var.region, stat = "Sum", period = 60,
      metrics = [for k, f in aws_lambda_function.function : ["AWS/Lambda", "Throttles", "FunctionName", f.function_name]] } },
      { type = "metric", width = 12, height = 6, properties = { title = "Duration p99 (ms)", region = var.region, stat = "p99", period = 60,
      metrics = [for k, f in aws_lambda_function.function : ["AWS/Lambda", "Duration", "FunctionName", f.function_name]] } },
      { type = "metric", width = 12, height = 6, properties = { title = "Dead letters", region = var.region, stat = "Maximum", period = 60,
      metrics = [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.events_dead_letter_queue.name]] } },
      { type = "metric", width = 12, height = 6, properties = { title = "Table consumed capacity", region = var.region, stat = "Sum", period = 60,
      metrics = [["AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", aws_dynamodb_table.table.name], ["AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", aws_dynamodb_table.table.name]] } },
    ]
  })
}
