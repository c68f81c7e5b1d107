# Optional scheduled maintenance (var.enable_maintenance_schedule): EventBridge Scheduler
# invokes maintenance_function (in local.functions) with retries and a dead-letter queue.

# Both ways a run can be lost end here: the scheduler could not invoke the function (its
# dead_letter_config), or the function failed after Lambda's own retries (the on-failure
# destination). An alarm watches the queue.
resource "aws_sqs_queue" "maintenance_schedule_dead_letter_queue" {
  count                     = var.enable_maintenance_schedule ? 1 : 0
  name                      = "${var.stack_name}-maintenance-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "maintenance_schedule_role" {
  count              = var.enable_maintenance_schedule ? 1 : 0
  name_prefix        = "${var.stack_name}-maintenance-schedule-"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

resource "aws_iam_role_policy" "maintenance_schedule_role" {
  count = var.enable_maintenance_schedule ? 1 : 0
  role  = aws_iam_role.maintenance_schedule_role[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["lambda:InvokeFunction"], Resource = [aws_lambda_function.function["maintenance_function"].arn] },
      { Effect = "Allow", Action = ["sqs:SendMessage"], Resource = [aws_sqs_queue.maintenance_schedule_dead_letter_queue[0].arn] },
    ]
  })
}

resource "aws_scheduler_schedule" "maintenance_schedule" {
  #checkov:skip=CKV_AWS_297:The schedule holds its expression, target and the input "{}", nothing secret; the AWS-owned key encrypts it
  count               = var.enable_maintenance_schedule ? 1 : 0
  name                = "${var.stack_name}-maintenance"
  description         = "shortstack maintenance run"
  schedule_expression = var.maintenance_schedule_expression
  state               = "ENABLED"

  flexible_time_window {
    mode                      = "FLEXIBLE"
    maximum_window_in_minutes = 15
  }

  target {
    arn      = aws_lambda_function.function["maintenance_function"].arn
    role_arn = aws_iam_role.maintenance_schedule_role[0].arn
    input    = "{}" # every task (decision 0900)
    retry_policy {
      maximum_retry_attempts       = 2
      maximum_event_age_in_seconds = 3600
    }
    dead_letter_config {
      arn = aws_sqs_queue.maintenance_schedule_dead_letter_queue[0].arn
    }
  }
}

resource "aws_lambda_function_event_invoke_config" "maintenance" {
  count                        = var.enable_maintenance_schedule ? 1 : 0
  function_name                = aws_lambda_function.function["maintenance_function"].function_name
  qualifier                    = "$LATEST"
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 3600
  destination_config {
    on_failure {
      destination = aws_sqs_queue.maintenance_schedule_dead_letter_queue[0].arn
    }
  }
}
