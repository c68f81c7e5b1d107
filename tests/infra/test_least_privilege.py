"""Least privilege as CloudFormation receives it: the *translated* SAM template, and Terraform.

SAM attaches AWS managed policies to the roles it generates (logs on `*`, ENI actions on
`*`, and for an SQS event source `sqs:ReceiveMessage` on every queue in the account). The
template's inline `Policies` do not show those grants, so these tests read the roles SAM's
translator outputs, with every extra off and on, and compare every granted action with
the boto3 calls in `src/`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from .conditions import Stack
from .sam_offline import REQUIRED_PARAMETERS, ROOT, source_template, translate
from .test_production_extras import ON
from .test_terraform import load_config, local, resources

XRAY = "AWSXrayWriteOnlyAccess"
DATA_PLANE = ("dynamodb:", "s3:", "sqs:", "events:", "states:", "lambda:", "logs:", "kms:")
# The only actions AWS lets no policy scope: Lambda's ENI discovery in VPC mode.
UNSCOPABLE = {"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}
# What each function's code calls (the SAM statements' comments say where), beyond logs.
EXPECTED = {
    # No function publishes but the stream consumer: the table's stream is the outbox (0105).
    "ApiFunction": {
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
        "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:Query", "s3:PutObject",
        "states:StartExecution",
        "s3:GetObject", "s3:AbortMultipartUpload",
    },
    "RedirectFunction": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem"},
    "EventsFunction": {
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
        "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:Query",
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
    },
    "StreamFunction": {
        "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
        "dynamodb:ListStreams", "dynamodb:PutItem", "dynamodb:UpdateItem", "events:PutEvents",
        "sqs:SendMessage",
    },
    "ImportTaskFunction": {
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem", "s3:GetObject", "s3:PutObject", "s3:DeleteObject",
        "s3:ListBucket",
    },
    "UploadsFunction": {
        "dynamodb:GetItem", "dynamodb:UpdateItem", "s3:GetObject", "s3:DeleteObject",
        "s3:PutObject", "states:StartExecution", "sqs:SendMessage",
    },
    "MaintenanceFunction": {
        "dynamodb:Scan", "dynamodb:Query", "dynamodb:GetItem", "dynamodb:BatchGetItem",
        "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
        "sqs:GetQueueAttributes", "sqs:SendMessage", "states:StartExecution",
    },
}  # fmt: skip
# Actions AWS performs with the function's role on its behalf, not the code.
ON_BEHALF = {
    "sqs:ReceiveMessage": "the SQS event source mapping",
    "sqs:DeleteMessage": "the SQS event source mapping",
    "sqs:GetQueueAttributes": "the SQS event source mapping",
    "sqs:SendMessage": "an on-failure destination (asynchronous invocations, the stream)",
    "dynamodb:DescribeStream": "the stream event source mapping",
    "dynamodb:GetRecords": "the stream event source mapping",
    "dynamodb:GetShardIterator": "the stream event source mapping",
    "dynamodb:ListStreams": "the stream event source mapping",
}
# How the code calls an action, where that is not `.<snake_case>(`.
CALLED_AS = {
    "s3:ListBucket": ['"list_objects_v2"'],  # a paginator
    "s3:DeleteObject": [".delete_object(", ".delete_objects("],
    # TransactWriteItems is authorised per action inside it.
    "dynamodb:PutItem": [".put_item(", '"Put": {'],
    "dynamodb:UpdateItem": [".update_item(", '"Update": {'],
    "dynamodb:DeleteItem": [".delete_item(", '"Delete": {'],
}
SOURCE = "\n".join(p.read_text() for p in (ROOT / "src").rglob("*.py"))


def snake(action: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", action.split(":", 1)[1]).lower()


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def deployed(parameters: dict[str, str], region: str) -> dict[str, Any]:
    return Stack(translate(source_template(), parameters), parameters, region).resources()


@pytest.fixture(scope="module", params=["extras off", "extras on"])
def stack(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "extras off":
        return deployed(REQUIRED_PARAMETERS, "eu-west-1")
    return deployed(ON, "us-east-1")


def function_roles(res: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: res[r["Properties"]["Role"]["Fn::GetAtt"][0]]
        for name, r in res.items()
        if r["Type"] == "AWS::Lambda::Function"
    }


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s for p in role["Properties"].get("Policies", []) for s in p["PolicyDocument"]["Statement"]
    ]


def test_function_roles_carry_no_aws_managed_policy_but_xray(stack: dict[str, Any]) -> None:
    roles = function_roles(stack)
    assert roles
    for name, role in roles.items():
        managed = [json.dumps(arn) for arn in role["Properties"].get("ManagedPolicyArns", [])]
        assert len(managed) == 1, (name, managed)
        assert managed[0].endswith(f':iam::aws:policy/{XRAY}"}}'), (name, managed)


def test_no_data_plane_action_is_granted_on_every_resource(stack: dict[str, Any]) -> None:
    for role_name, role in ((n, r) for n, r in stack.items() if r["Type"] == "AWS::IAM::Role"):
        for statement in statements(role):
            actions = set(as_list(statement["Action"]))
            assert all("*" not in action for action in actions), (role_name, statement)
            if "*" in as_list(statement["Resource"]):
                assert actions <= UNSCOPABLE, (role_name, statement)
            if any(a.startswith(DATA_PLANE) for a in actions):
                text = json.dumps(statement["Resource"])
                assert '"*"' not in text, (role_name, statement)


def test_logs_go_only_to_the_functions_own_log_group(stack: dict[str, Any]) -> None:
    for name, role in function_roles(stack).items():
        group = stack[name]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        logs = [s for s in statements(role) if as_list(s["Action"])[0].startswith("logs:")]
        assert logs == [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": {"Fn::GetAtt": [group, "Arn"]},
            }
        ], name


def test_each_function_may_call_exactly_what_its_code_calls(stack: dict[str, Any]) -> None:
    for name, role in function_roles(stack).items():
        granted = {
            action
            for s in statements(role)
            for action in as_list(s["Action"])
            if not action.startswith(("logs:", "ec2:"))
        }
        assert granted == EXPECTED[name], name


def test_every_granted_action_has_a_caller_in_src_or_is_used_on_the_functions_behalf() -> None:
    for action in set().union(*EXPECTED.values()):
        if action in ON_BEHALF:
            continue
        spellings = CALLED_AS.get(action, [f".{snake(action)}("])
        assert any(spelling in SOURCE for spelling in spellings), action


def test_no_sam_event_type_attaches_a_managed_policy() -> None:
    for name, resource in source_template()["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        properties = resource["Properties"]
        assert "Role" in properties, name  # SAM generates no role, so attaches nothing
        kinds = {e["Type"] for e in properties.get("Events", {}).values()}
        assert kinds <= {"HttpApi"}, (name, kinds)


def test_terraform_grants_the_same_actions(tf_config: dict[str, list[Any]]) -> None:
    policies = local(tf_config, "policies")
    for name, expected in EXPECTED.items():
        key = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        granted = {a for entry in policies[key] for a in entry["actions"]}
        assert granted == expected, key
    attachments = [
        body
        for kind, body in resources(tf_config).items()
        if kind.startswith("aws_iam_role_policy_attachment.")
    ]
    assert all(XRAY in body["policy_arn"] for body in attachments)
    functions = Path(ROOT / "infra" / "terraform" / "functions.tf").read_text()
    assert "AWSLambdaVPCAccessExecutionRole" not in functions
    assert "AWSLambdaBasicExecutionRole" not in functions
    assert "${aws_cloudwatch_log_group.function[each.key].arn}:*" in functions
    # The state machine traces, so its role may write X-Ray segments.
    machine = resources(tf_config)["aws_iam_role_policy_attachment.import_state_machine_xray"]
    assert "aws_iam_role.import_state_machine" in machine["role"]


@pytest.fixture(scope="module")
def tf_config() -> dict[str, list[Any]]:
    return load_config()
