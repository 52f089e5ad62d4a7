"""``@project``: the names Metaflow derives from it when a flow runs locally.

``project_name``, ``branch_name`` (``user.<name>``, ``test.<branch>``, ``prod`` or
``prod.<branch>``), ``is_user_branch``, ``is_production`` and ``project_flow_name``
(``project.branch.Flow``) go on ``current``; the run gets the system tags
``project:<name>`` and ``project_branch:<branch>``. Same validation and messages as
Metaflow's ``format_name``.
"""
from __future__ import annotations

import os
import re
from typing import Any

from .decorators import flow_decorators
from .errors import MetaflowException

_INVALID = re.compile(r"[^a-z0-9_]")
_MAX_LEN = 128


def project_env(flow_cls: type, flow_name: str, username: str | None, *,
                branch: str | None = None, production: bool | None = None) -> dict[str, Any]:
    """``current``'s project fields for ``flow_cls`` ({} without ``@project``). ``branch``
    and ``production`` are the command line's ``--branch``/``--production``: given both
    there and on the decorator with different values is an error, as under Metaflow."""
    spec = flow_decorators(flow_cls).get("project")
    if spec is None:
        return {}
    from .configs import CONFIG_VALUES_ATTR, resolve_delayed  # configs imports parameters

    spec = resolve_delayed(spec, getattr(flow_cls, CONFIG_VALUES_ATTR, {}) or {})
    name = spec.get("name")
    for option, given in (("branch", branch), ("production", production)):
        if given is not None and spec.get(option) not in (None, False) and \
                spec.get(option) != given:
            raise MetaflowException(f"You cannot pass {option} as both a command-line "
                                    "argument and an attribute of the @project decorator.")
    branch = spec.get("branch") or branch
    production = bool(spec.get("production") or production)
    if not name:
        raise MetaflowException("@project needs a name. Try @project(name='some_name')")
    if _INVALID.search(name):
        raise MetaflowException("The @project name must contain only lowercase alphanumeric "
                                "characters and underscores.")
    if len(name) > _MAX_LEN:
        raise MetaflowException(f"The @project name must be shorter than {_MAX_LEN} characters.")
    if branch:
        if _INVALID.search(branch):
            raise MetaflowException("The branch name must contain only lowercase alphanumeric "
                                    "characters and underscores.")
        if len(branch) > _MAX_LEN:
            raise MetaflowException(f"Branch name is too long. The maximum is {_MAX_LEN} "
                                    "characters.")
        branch_name = f"{'prod' if production else 'test'}.{branch}"
    elif production:
        branch_name = "prod"
    else:
        branch_name = f"user.{os.environ.get('METAFLOW_OWNER', username)}"
    return {"project_name": name, "branch_name": branch_name,
            "is_user_branch": not branch and not production, "is_production": production,
            "project_flow_name": f"{name}.{branch_name}.{flow_name}"}


def project_tags(env: dict[str, Any]) -> list[str]:
    """The system tags a run under ``@project`` gets."""
    if not env:
        return []
    return [f"project:{env['project_name']}", f"project_branch:{env['branch_name']}"]


__all__ = ["project_env", "project_tags"]
