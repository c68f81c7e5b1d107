variable "stack_name" {
  description = "Prefix of every resource name (the SAM stack name)"
  type        = string
  default     = "shortstack"
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "frontend_origins" {
  description = "Origins allowed by CORS (never *)"
  type        = list(string)
  default     = ["https://app.example.com"]
  validation {
    condition     = !contains(var.frontend_origins, "*")
    error_message = "Name the origins; * is refused."
  }
}

variable "jwt_issuer" {
  description = "Cognito user pool issuer, https://cognito-idp.<region>.amazonaws.com/<pool id>"
  type        = string
  validation {
    condition     = startswith(var.jwt_issuer, "https://")
    error_message = "The issuer is an https URL."
  }
}

variable "jwt_audience" {
  description = "Cognito app client id (the token audience)"
  type        = string
}

variable "table_deletion_protection" {
  type    = bool
  default = true
}

variable "reserved_concurrency" {
  description = "Reserved concurrency per function; 0 leaves it unreserved"
  type        = number
  default     = 0
}

variable "log_retention_days" {
  type    = number
  default = 30
}

variable "throttling_burst_limit" {
  type    = number
  default = 200
}

variable "throttling_rate_limit" {
  type    = number
  default = 100
}

variable "alarm_email" {
  description = "Optional e-mail for alarm notifications"
  type        = string
  default     = ""
}

variable "lambda_zip" {
  description = "The package `make package` builds"
  type        = string
  default     = "../../.build/lambda.zip"
}
