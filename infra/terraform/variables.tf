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

variable "cognito_domain" {
  description = "Host of the Cognito hosted UI the web app signs in with (its CSP allows it); empty: no sign-in"
  type        = string
  default     = ""
  validation {
    condition     = can(regex("^$|^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.cognito_domain))
    error_message = "A host name such as myapp.auth.eu-west-1.amazoncognito.com, without https://."
  }
}

variable "tags" {
  description = "Tags for every resource, added to Application = shortstack and Stack = stack_name"
  type        = map(string)
  default     = {}
}

variable "table_deletion_protection" {
  type    = bool
  default = true
}

variable "events_max_concurrency" {
  description = "Most concurrent batches the events consumer runs (the SQS mapping's maximum concurrency)"
  type        = number
  default     = 2
  validation {
    condition     = var.events_max_concurrency >= 2 && var.events_max_concurrency <= 1000
    error_message = "Between 2 and 1000 (SQS event source mappings refuse other values)."
  }
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

variable "alarm_set" {
  description = "essential: the 10 alarms an operator must hear about first, within the account's 10 free ones; all: 16, adding early warnings whose failures end in one of those ($0.60 a month past the free 10; decision 0406)"
  type        = string
  default     = "essential"
  validation {
    condition     = contains(["essential", "all"], var.alarm_set)
    error_message = "essential or all."
  }
}

variable "click_events_on_bus" {
  description = "Also forward every LinkClicked from the stream to the bus, for webhooks and other subscribers ($1.00 per million clicks)"
  type        = bool
  default     = false
}

variable "visitor_hash_salt" {
  description = "Key of the daily visitor hash a click records (e.g. openssl rand -hex 32); empty records none"
  type        = string
  default     = ""
  sensitive   = true
}

variable "origin_secret" {
  description = "What the distribution sends the API in X-Shortstack-Origin-Secret (e.g. openssl rand -hex 32); the API believes the CloudFront-Viewer-* headers only of requests carrying it (decision 0704). Empty: it believes none"
  type        = string
  default     = ""
  sensitive   = true
  validation {
    condition     = can(regex("^$|^[0-9A-Za-z_-]{32,256}$", var.origin_secret))
    error_message = "origin_secret is empty, or 32 to 256 letters, digits, - and _."
  }
}

variable "lambda_zip" {
  description = "The package `make package` builds"
  type        = string
  default     = "../../.build/lambda.zip"
}

# ------------------------------------------------------------------ production extras (0401)
# Each one is off by default; the names are the SAM parameters in snake_case.

variable "domain_name" {
  description = "Optional apex: app.<domain> and the short domain (the distribution), api.<domain> (the HTTP API)"
  type        = string
  default     = ""
}

variable "hosted_zone_id" {
  description = "Route 53 public hosted zone of domain_name"
  type        = string
  default     = ""
  validation {
    condition     = var.domain_name == "" || var.hosted_zone_id != ""
    error_message = "domain_name needs hosted_zone_id (certificate validation and alias records)."
  }
}

variable "short_domain_name" {
  description = "Host of the short links; empty means s.<domain_name>"
  type        = string
  default     = ""
}

variable "short_domain_hosted_zone_id" {
  description = "Hosted zone of short_domain_name when it is not in hosted_zone_id (e.g. a short apex)"
  type        = string
  default     = ""
}

variable "frontend_certificate_arn" {
  description = "Existing us-east-1 ACM certificate for app.<domain> and the short domain; empty issues one through the us-east-1 provider"
  type        = string
  default     = ""
}

variable "enable_api_snap_start" {
  description = "Lambda SnapStart for the API function (zip only): about $3.90 a month per active version at 1,024 MB, plus about $0.00014 per restore (us-east-1); decision 0405"
  type        = bool
  default     = false

  validation {
    condition     = !var.enable_api_snap_start || var.package_type == "Zip"
    error_message = "Lambda SnapStart does not run container images: enable_api_snap_start needs package_type Zip."
  }
}

variable "enable_waf" {
  description = "A WAFv2 web ACL (scope CLOUDFRONT, created in us-east-1) on the distribution: page, API and short links"
  type        = bool
  default     = false
}

variable "waf_rate_limit" {
  description = "Requests per client IP per 5 minutes before the WAF blocks it"
  type        = number
  default     = 2000
  validation {
    condition     = var.waf_rate_limit >= 100
    error_message = "At least 100."
  }
}

variable "enable_maintenance_schedule" {
  type    = bool
  default = false
}

variable "maintenance_schedule_expression" {
  description = "EventBridge Scheduler expression for the maintenance run"
  type        = string
  default     = "rate(1 day)"
  validation {
    condition     = can(regex("^(rate|cron|at)\\(.+\\)$", var.maintenance_schedule_expression))
    error_message = "rate(...), cron(...) or at(...)."
  }
}

variable "enable_vpc" {
  description = "Run the functions in subnet_ids of vpc_id (they need a NAT route; see 0401)"
  type        = bool
  default     = false
  validation {
    condition     = !var.enable_vpc || (var.vpc_id != "" && length(var.subnet_ids) > 0)
    error_message = "enable_vpc needs vpc_id and subnet_ids."
  }
}

variable "vpc_id" {
  type    = string
  default = ""
}

variable "subnet_ids" {
  description = "Private subnets for the functions (two or more AZs)"
  type        = list(string)
  default     = []
}

variable "security_group_ids" {
  description = "Security groups for the functions; empty creates one with HTTPS egress only"
  type        = list(string)
  default     = []
}

variable "route_table_ids" {
  description = "Route tables that get the free DynamoDB and S3 gateway endpoints; empty adds none"
  type        = list(string)
  default     = []
}

variable "package_type" {
  description = "Zip (lambda_zip) or Image (image_uri, the container image of the same code)"
  type        = string
  default     = "Zip"
  validation {
    condition     = contains(["Zip", "Image"], var.package_type)
    error_message = "Zip or Image."
  }
}

variable "image_uri" {
  description = "ECR image (arm64) for package_type = Image"
  type        = string
  default     = ""
  validation {
    condition     = var.package_type == "Zip" || var.image_uri != ""
    error_message = "package_type Image needs image_uri."
  }
}

variable "replica_regions" {
  description = "Regions for DynamoDB global-table replicas (docs/multi-region.md); empty: one region"
  type        = list(string)
  default     = []
}
