from decimal import Decimal
from fractions import Fraction
from os import PathLike
from typing import Any, Iterable, Literal, Optional, TypedDict, Union, overload

Exact = Union[Decimal, Fraction]
"""An exact number: Decimal when it terminates ("2.015"), Fraction when not ("23/29")."""

JSON_VERSION: int
__version__: str

class Problem(TypedDict):
    kind: str
    code: str
    field: str
    value: Optional[str]
    message: str
    location: Optional[tuple[int, int]]
    text: str

class Diagnostic(TypedDict, total=False):
    code: str
    severity: str
    message: str
    file: str
    line: int
    column: int
    start: int
    end: int
    help: Optional[str]
    labels: list[dict[str, Any]]

class ErrorInfo(TypedDict):
    code: str
    kind: Literal["io", "syntax", "check", "data", "eval", "other"]
    message: str
    problems: list[Problem]
    diagnostics: list[Diagnostic]

class UnitResult(TypedDict):
    number: int
    source: str
    unit: str
    status: Literal["正常", "不完整", "错误"]
    error: Optional[ErrorInfo]
    evaluation: Optional[dict[str, Any]]

class JixiaoError(ValueError):
    """A rule file that does not load, or a unit whose data is wrong; str(e) is the Chinese message."""

    code: str
    kind: Literal["io", "syntax", "check", "data", "eval", "other"]
    message: str
    problems: list[Problem]
    diagnostics: list[Diagnostic]
    rendered: str

class Rules:
    @staticmethod
    def load(path: Union[str, PathLike[str]]) -> Rules: ...
    @staticmethod
    def compile(text: str, name: str = ...) -> Rules: ...
    @property
    def title(self) -> str: ...
    @property
    def year(self) -> int: ...
    @property
    def full_marks(self) -> Exact: ...
    @property
    def warnings(self) -> list[Diagnostic]: ...
    def inputs(self) -> list[dict[str, Any]]: ...
    def evaluate(
        self,
        unit: dict[str, Any],
        *,
        explain: bool = False,
        audit: bool = True,
        partial: bool = False,
    ) -> dict[str, Any]: ...
    @overload
    def evaluate_many(
        self,
        rows: "pandas.DataFrame",  # noqa: F821
        *,
        explain: bool = False,
        audit: bool = True,
        partial: bool = False,
        evaluation: bool = True,
        jobs: Optional[int] = None,
    ) -> "pandas.DataFrame": ...  # noqa: F821
    @overload
    def evaluate_many(
        self,
        rows: Iterable[dict[str, Any]],
        *,
        explain: bool = False,
        audit: bool = True,
        partial: bool = False,
        evaluation: bool = True,
        jobs: Optional[int] = None,
    ) -> list[UnitResult]: ...
