"""Windows Server family from what dumps state: CurrentBuild first, ProductName second.

CurrentBuild is exact; ProductName can mislead (upgraded or localised systems), so it
is only the fallback. Builds from Microsoft's Windows Server release information.
"""

from __future__ import annotations

import re

__all__ = ["HEALTHCHECKER_OS", "os_family"]

# Source: Microsoft Learn, "Windows Server release information" (build numbers per release).
_BUILDS = {
    7600: "Windows Server 2008 R2",
    7601: "Windows Server 2008 R2",
    9200: "Windows Server 2012",
    9600: "Windows Server 2012 R2",
    14393: "Windows Server 2016",
    17763: "Windows Server 2019",
    20348: "Windows Server 2022",
    26100: "Windows Server 2025",
}
_NAME = re.compile(r"Windows Server (2008 R2|2012 R2|2012|2016|2019|2022|2025)", re.IGNORECASE)
# HealthChecker's OSInformation.BuildInformation.MajorVersion names.
HEALTHCHECKER_OS = {
    "Windows2008R2": "Windows Server 2008 R2",
    "Windows2012": "Windows Server 2012",
    "Windows2012R2": "Windows Server 2012 R2",
    "Windows2016": "Windows Server 2016",
    "Windows2019": "Windows Server 2019",
    "Windows2022": "Windows Server 2022",
    "Windows2025": "Windows Server 2025",
}


def os_family(product_name: str | None, current_build: str | int | None) -> str | None:
    """``Windows Server 2022`` style family, or None when neither value identifies one."""
    if current_build is not None:
        text = str(current_build).strip()
        build = text.split(".")[2] if text.count(".") >= 2 else text
        if build.isascii() and build.isdigit() and int(build) in _BUILDS:  # "²".isdigit() is true too
            return _BUILDS[int(build)]
    if product_name:
        match = _NAME.search(product_name)
        if match:
            found = match.group(1).upper().replace("R2", "R2")
            return f"Windows Server {found}"
    return None
