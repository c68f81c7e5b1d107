#!/bin/sh
# make deploy: build the package, then `sam deploy --guided` the SAM template
# (PACKAGE_TYPE=Image IMAGE_URI=...: the container-image variant instead of the zip).
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
if [ "${PACKAGE_TYPE:-Zip}" = Image ]; then
    # One container image for every function (decision 0401): the template's image variant.
    if [ -z "${IMAGE_URI:-}" ]; then
        echo "deploy: PACKAGE_TYPE=Image needs IMAGE_URI=<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>" >&2
        exit 2
    fi
    template=$("${UV:-uv}" run --frozen python scripts/sam_image_template.py)
    exec sam deploy --guided --template-file "$template" --config-file samconfig.toml \
        --capabilities CAPABILITY_IAM --stack-name "${STACK:-shortstack}" \
        --parameter-overrides "ImageUri=$IMAGE_URI"
fi
"${UV:-uv}" run --frozen python scripts/package_lambda.py
exec sam deploy --guided --template-file infra/sam/template.yaml --config-file samconfig.toml \
    --capabilities CAPABILITY_IAM --stack-name "${STACK:-shortstack}"
