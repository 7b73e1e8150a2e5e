from ._jixiao import JSON_VERSION as JSON_VERSION
from ._jixiao import Exact as Exact
from ._jixiao import JixiaoError as JixiaoError
from ._jixiao import Rules as Rules
from ._jixiao import UnitResult as UnitResult
from ._jixiao import __version__ as __version__

__all__ = ["Rules", "JixiaoError", "JSON_VERSION", "__version__"]
