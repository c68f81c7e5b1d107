#!/bin/sh
# make deploy: build the package, then `sam deploy --guided` the SAM template.
# It refuses clearly when the tools or AWS credentials are missing.
set -eu
cd "$(dirname "$0")/.."
if ! command -v sam >/dev/null 2>&1; then
    echo "deploy: the AWS SAM CLI is not installed (pip install aws-sam-cli, or see the README)" >&2
    exit 2
fi
if ! "${UV:-uv}" run --frozen python -c "import boto3; boto3.client('sts').get_caller_identity()" >/dev/null 2>&1; then
    echo "deploy: no usable AWS credentials (aws configure, or AWS_PROFILE); nothing deployed" >&2
    exit 2
fi
"${UV:-uv}" run --frozen python scripts/package_lambda.py
exec sam deploy --guided --template-file infra/sam/template.yaml --config-file samconfig.toml \
    --capabilities CAPABILITY_IAM --stack-name "${STACK:-shortstack}"
