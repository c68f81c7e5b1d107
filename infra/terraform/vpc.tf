# Optional VPC mode (var.enable_vpc). The functions need a NAT route for EventBridge,
# Step Functions, SQS and X-Ray; DynamoDB and S3 go through free gateway endpoints
# (decision 0401 has the cost comparison with interface endpoints).

locals {
  function_security_group_ids = length(var.security_group_ids) > 0 ? var.security_group_ids : aws_security_group.function_security_group[*].id
  gateway_endpoints           = var.enable_vpc && length(var.route_table_ids) > 0 ? toset(["dynamodb", "s3"]) : toset([])
}

resource "aws_security_group" "function_security_group" {
  #checkov:skip=CKV2_AWS_5:Attached to every function's vpc_config through local.function_security_group_ids
  count       = var.enable_vpc && length(var.security_group_ids) == 0 ? 1 : 0
  name_prefix = "${var.stack_name}-functions-"
  description = "shortstack functions, HTTPS out only, nothing in"
  vpc_id      = var.vpc_id

  egress {
    description = "AWS APIs over HTTPS"
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# The SAM template's DynamoDbEndpoint and S3Endpoint: the two keys of local.gateway_endpoints.
resource "aws_vpc_endpoint" "gateway_endpoint" {
  for_each          = local.gateway_endpoints
  vpc_id            = var.vpc_id
  vpc_endpoint_type = "Gateway"
  service_name      = "com.amazonaws.${var.region}.${each.key}"
  route_table_ids   = var.route_table_ids
}
