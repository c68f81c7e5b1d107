"""What CloudFormation would deploy from a template for given parameter values.

Evaluates the template's Conditions and Rules the way CloudFormation does for the
functions this project uses (Equals, Not, And, Or, Condition, EachMemberEquals, Ref,
Join, Sub), drops the resources whose condition is false, picks the Fn::If branches
and removes AWS::NoValue. The tests then assert on what would exist, with an extra on or off.
"""

from __future__ import annotations

import re
from typing import Any

NO_VALUE = {"Ref": "AWS::NoValue"}


class Stack:
    def __init__(self, template: dict[str, Any], overrides: dict[str, str], region: str) -> None:
        self.template = template
        self.values: dict[str, Any] = {
            "AWS::Region": region,
            "AWS::StackId": f"arn:aws:cloudformation:{region}:123456789012:stack/shortstack/"
            "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        }
        for name, spec in template.get("Parameters", {}).items():
            raw = str(overrides.get(name, spec.get("Default", "")))
            is_list = spec["Type"] == "CommaDelimitedList"
            self.values[name] = raw.split(",") if is_list else raw
        missing = set(overrides) - set(template.get("Parameters", {}))
        assert not missing, f"not parameters of the template: {missing}"
        self._conditions: dict[str, bool] = {}

    def value(self, expression: Any) -> Any:
        if isinstance(expression, dict) and len(expression) == 1:
            [(function, argument)] = expression.items()
            if function == "Ref":
                return self.values[argument]
            if function == "Fn::Split":
                separator, text = argument
                return str(self.value(text)).split(separator)
            if function == "Fn::Select":
                index, items = argument
                return self.value(items)[int(index)]
            if function == "Fn::Join":
                separator, items = argument
                return separator.join(str(item) for item in self.value(items))
            if function == "Fn::Sub":
                text, local = (argument, {}) if isinstance(argument, str) else argument
                names = {**self.values, **{k: self.value(v) for k, v in local.items()}}
                # Names that are not parameters (resource attributes) stay as they are.
                return re.sub(
                    r"\$\{([^}!]+)\}", lambda m: str(names.get(m.group(1), m.group(0))), text
                )
        if isinstance(expression, list):
            return [self.value(item) for item in expression]
        return expression

    def holds(self, expression: Any) -> bool:
        [(function, argument)] = expression.items()
        if function == "Condition":
            return self.condition(argument)
        if function == "Fn::Equals":
            left, right = (self.value(side) for side in argument)
            return bool(str(left) == str(right))
        if function == "Fn::Not":
            return not self.holds(argument[0])
        if function == "Fn::And":
            return all(self.holds(item) for item in argument)
        if function == "Fn::Or":
            return any(self.holds(item) for item in argument)
        if function == "Fn::EachMemberEquals":  # rules only
            members, expected = (self.value(side) for side in argument)
            return all(str(member) == str(expected) for member in members)
        raise AssertionError(f"condition function this helper does not know: {function}")

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            self._conditions[name] = self.holds(self.template["Conditions"][name])
        return self._conditions[name]

    def broken_rules(self) -> list[str]:
        """The AssertDescription of every rule assertion these parameters break."""
        broken = []
        for rule in self.template.get("Rules", {}).values():
            if "RuleCondition" in rule and not self.holds(rule["RuleCondition"]):
                continue
            for assertion in rule["Assertions"]:
                if not self.holds(assertion["Assert"]):
                    broken.append(str(assertion["AssertDescription"]))
        return broken

    def resolve(self, node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"Fn::If"}:
                name, when_true, when_false = node["Fn::If"]
                return self.resolve(when_true if self.condition(name) else when_false)
            resolved = {key: self.resolve(value) for key, value in node.items()}
            return {key: value for key, value in resolved.items() if value != NO_VALUE}
        if isinstance(node, list):
            return [item for item in (self.resolve(i) for i in node) if item != NO_VALUE]
        return node

    def resources(self) -> dict[str, Any]:
        """The resources that exist for these parameters, with their Fn::If resolved."""
        kept = {
            name: resource
            for name, resource in self.template["Resources"].items()
            if "Condition" not in resource or self.condition(resource["Condition"])
        }
        found: dict[str, Any] = self.resolve(kept)
        return found
