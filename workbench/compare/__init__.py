"""Artifact diff: pure functions over plain data (no engine, no UI).

`diff_artifacts` decides unchanged artifacts by content key without loading them and
gives changed ones a typed `Detail` from `diff_values`. Every Detail has `kind`,
`to_json()` and `lines()` (plain text shared by the CLI and the TUI). pandas and numpy
are imported only when one of their objects is diffed."""

from __future__ import annotations

from workbench.compare.artifacts import (
    CHANGE_KINDS,
    ArtifactDiff,
    ArtifactLike,
    ArtifactRef,
    diff_artifacts,
    summarize_changes,
)
from workbench.compare.containers import MappingDetail, SequenceDetail, SetDetail
from workbench.compare.detail import (
    Change,
    Detail,
    EqualDetail,
    ErrorDetail,
    NumberDetail,
    ReprDetail,
    ValueDetail,
)
from workbench.compare.limits import Budget, Limits
from workbench.compare.text import TextDetail
from workbench.compare.values import category, diff_values

__all__ = [
    "CHANGE_KINDS",
    "ArtifactDiff",
    "ArtifactLike",
    "ArtifactRef",
    "Budget",
    "Change",
    "Detail",
    "EqualDetail",
    "ErrorDetail",
    "Limits",
    "MappingDetail",
    "NumberDetail",
    "ReprDetail",
    "SequenceDetail",
    "SetDetail",
    "TextDetail",
    "ValueDetail",
    "category",
    "diff_artifacts",
    "diff_values",
    "summarize_changes",
]
