"""`GeneratedPassword`: a random password made once and kept (secret) in state.

The Docker engine needs the dev database's password before the container exists; the
pulumi-random provider's plugin cannot be downloaded here, so this tiny dynamic resource makes one.
"""

from __future__ import annotations

import secrets
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider


class GeneratedPasswordProvider(ResourceProvider):
    # The pickled provider is a module reference; the password is a secret output, not provider state.
    serialize_as_secret_always = False

    def create(self, props: dict[str, Any]) -> CreateResult:
        length = int(props.get("length") or 24)
        return CreateResult(
            f"password-{secrets.token_hex(4)}", {"length": length, "value": secrets.token_urlsafe(length)}
        )

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = int(olds.get("length") or 0) != int(news.get("length") or 0)
        return DiffResult(changes=changed, replaces=["length"] if changed else [])


class GeneratedPassword(pulumi.dynamic.Resource, module="local", name="GeneratedPassword"):
    value: pulumi.Output[str]

    def __init__(self, name: str, length: int = 24, opts: pulumi.ResourceOptions | None = None) -> None:
        secret = pulumi.ResourceOptions(additional_secret_outputs=["value"])
        super().__init__(
            GeneratedPasswordProvider(),
            name,
            {"length": length, "value": None},
            pulumi.ResourceOptions.merge(opts, secret),
        )
