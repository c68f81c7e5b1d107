data "aws_iam_policy_document" "states_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
  }
}

locals {
  # Built rather than read from the state machine: the API function needs it in its
  # environment, and the state machine needs the import-task function, another
  # instance of the same aws_lambda_function resource (a cycle otherwise).
  import_state_machine_name = "${var.stack_name}-bulk-import"
  import_state_machine_arn  = "arn:${data.aws_partition.current.partition}:states:${var.region}:${data.aws_caller_identity.current.account_id}:stateMachine:${local.import_state_machine_name}"
}

resource "aws_iam_role" "import_state_machine" {
  name_prefix        = "${var.stack_name}-imports-"
  assume_role_policy = data.aws_iam_policy_document.states_assume.json
}

resource "aws_iam_role_policy" "import_state_machine" {
  role = aws_iam_role.import_state_machine.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["lambda:InvokeFunction"]
      Resource = [aws_lambda_function.function["import_task_function"].arn]
    }]
  })
}

# The tracing below sends segments with the state machine's role (SAM attaches the same
# managed policy to the role it generates).
resource "aws_iam_role_policy_attachment" "import_state_machine_xray" {
  role       = aws_iam_role.import_state_machine.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AWSXrayWriteOnlyAccess"
}

resource "aws_sfn_state_machine" "import_state_machine" {
  #checkov:skip=CKV_AWS_285:X-Ray tracing is on and Step Functions keeps 90 days of execution history
  name     = local.import_state_machine_name
  role_arn = aws_iam_role.import_state_machine.arn
  type     = "STANDARD"
  # The same file the local runner walks; ${ImportTaskFunctionArn} filled in here.
  definition = templatefile("${path.module}/../statemachines/bulk_import.asl.json", {
    ImportTaskFunctionArn = aws_lambda_function.function["import_task_function"].arn
  })
  tracing_configuration {
    enabled = true
  }
}
