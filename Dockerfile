# The Lambda functions as one container image (arm64), an alternative to the zip package.
#
# Build:  make image      (docker build --platform linux/arm64 -t shortstack-lambda .)
# Lint:   make lint-image (hadolint)
# Every function runs this image; the API's handler is the default command and the
# others set theirs through ImageConfig.Command (SAM) / image_config.command (Terraform),
# e.g. ["shortstack.entrypoints.lambda_maintenance.handler"].
FROM public.ecr.aws/lambda/python:3.12-arm64

# The locked runtime dependencies: infra/image/requirements.txt is `uv export` of uv.lock
# (make image rewrites it, tests/infra/test_image.py checks it). Hashes are verified, and
# only wheels are accepted: the base image has no compiler, and a wheel is what was locked.
COPY infra/image/requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir --require-hashes --only-binary=:all: \
        --target "${LAMBDA_TASK_ROOT}" -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The package itself last: a code change rebuilds only this layer. Its bytecode is written
# here by the image's own Python 3.12 (pip compiled the dependencies already): /var/task is
# read-only at run time, so a module without bytecode is compiled again at every cold start.
COPY src/shortstack ${LAMBDA_TASK_ROOT}/shortstack
RUN python3.12 -m compileall -q --invalidation-mode unchecked-hash "${LAMBDA_TASK_ROOT}/shortstack"

CMD ["shortstack.entrypoints.lambda_api.handler"]
